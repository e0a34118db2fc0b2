"""Franchises inferred from titles, official sites and air dates (recommender/franchises.py),
checked against a hand-labelled sample of pairs of the shipped anime catalogue."""

import csv
import gzip
from datetime import date
from pathlib import Path

import pytest

from recommender.franchises import (
    CatalogueWork,
    catalogue_of_folder,
    franchises_of_folder,
    infer_franchises,
    relation_rows,
    title_keys,
    write_relations,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLE = Path(__file__).resolve().parent / "data" / "franchise_pairs.csv"


def key(text: str) -> set[str]:
    whole, head = title_keys(text)
    return whole | head


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Shingeki no Kyojin", "Shingeki no Kyojin Season 3 Part 2"),
        ("進撃の巨人", "進撃の巨人 The Final Season"),
        ("夏目友人帳", "夏目友人帳 陸"),
        ("夏目友人帳", "夏目友人帳第2期"),
        ("てーきゅう", "てーきゅう(第2期)"),
        ("Gintama", "Gintama°"),
        ("Gintama", "Gintama Movie: Kanketsu-hen"),
        ("Dragon Ball", "Dragon Ball Z"),
        ("Natsume Yuujinchou", "Zoku Natsume Yuujinchou"),
        ("Doraemon", "Doraemon (1979)"),
    ],
)
def test_a_later_part_shares_a_key_with_the_first(one, other):
    assert key(one) & key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Shingeki no Kyojin", "Shingeki no Bahamut: Genesis"),
        ("Love Live! School Idol Project", "Love Lab"),
        ("Air", "Air Gear"),
        ("Ore no Imouto ga Konnani Kawaii Wake ga Nai", "Ore no Kanojo to Osananajimi ga Shuraba Sugiru"),
    ],
)
def test_different_works_share_no_key(one, other):
    assert not key(one) & key(other)


def work(name, titles, start=None, sites=(), type="TV"):
    return CatalogueWork(name, titles, date.fromisoformat(start) if start else None, list(sites), type=type)


def test_franchises_join_titles_in_any_language_and_start_with_the_first_series():
    works = [
        work(
            "movie",
            ["Kimetsu no Yaiba Movie: Mugen Ressha-hen", "劇場版 鬼滅の刃 無限列車編"],
            "2020-10-16",
            type="Movie",
        ),
        work("tv2", ["Kimetsu no Yaiba: Yuukaku-hen"], "2021-12-05"),
        work("tv1", ["Kimetsu no Yaiba", "鬼滅の刃"], "2019-04-06"),
        work("other", ["Yakusoku no Neverland"], "2019-01-11"),
    ]
    assert infer_franchises(works) == [["tv1", "tv2", "movie"]]


def test_an_official_site_joins_works_only_where_their_titles_share_a_piece():
    site = "https://www.monogatari-series.com/"
    works = [
        work("bake", ["化物語"], "2009-07-03", [site]),
        work("nise", ["偽物語"], "2012-01-08", [site]),
        # A wrong link in the catalogue: the same site given to an unrelated work.
        work("unrelated", ["ちいかわ"], "2022-04-04", [site]),
    ]
    assert infer_franchises(works) == [["bake", "nise"]]


def test_a_broadcasters_home_page_joins_nothing():
    site = "https://www.tv-tokyo.co.jp/anime/"
    works = [work(f"w{i}", [f"Title Number {'abcdefgh'[i]}xyz"], sites=[site]) for i in range(8)]
    assert infer_franchises(works) == []


def test_a_generic_title_shared_by_too_many_works_joins_nothing():
    works = [work(f"w{i}", ["Anime Short"]) for i in range(200)]
    assert infer_franchises(works) == []


def test_relations_are_written_both_ways_from_the_first_part_and_read_back(tmp_path):
    rows = relation_rows([[("mal_id", "1"), ("anilist_id", "7"), ("mal_id", "3")]])
    assert len(rows) == 4
    assert {(r["mal_id"], r["related_anilist_id"], r["kind"]) for r in rows if r["related_anilist_id"]} == {
        ("1", "7", "franchise")
    }
    with gzip.open(tmp_path / "relations.csv.gz", "wt", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        # "Shares characters" does not make one franchise.
        writer.writerow(
            {**dict.fromkeys(rows[0], ""), "mal_id": "1", "kind": "character", "related_mal_id": "9"}
        )
    (groups,) = franchises_of_folder(tmp_path)
    assert sorted(groups) == [("anilist_id", "7"), ("mal_id", "1"), ("mal_id", "3")]


@pytest.mark.parametrize("folder", ["anime", "anime-small"])
def test_the_shipped_relations_are_what_the_inference_writes(folder, tmp_path):
    for name in ("works", "titles", "airing", "links"):
        (tmp_path / f"{name}.csv.gz").write_bytes((FIXTURES / folder / f"{name}.csv.gz").read_bytes())
    write_relations(tmp_path)
    shipped = gzip.decompress((FIXTURES / folder / "relations.csv.gz").read_bytes())
    assert gzip.decompress((tmp_path / "relations.csv.gz").read_bytes()) == shipped, (
        f"fixtures/{folder}/relations.csv.gz is stale: python -m recommender.franchises fixtures/{folder}"
    )


def sample_scores():
    catalogue = catalogue_of_folder(FIXTURES / "anime")
    franchise_of = {}
    for number, members in enumerate(infer_franchises(catalogue)):
        for member in members:
            franchise_of[member] = number
    counts = {}
    with open(SAMPLE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            one, other = (tuple(row[column].split(":", 1)) for column in ("work", "other"))
            joined = franchise_of.get(one, -1) == franchise_of.get(other, -2)
            same = row["same_franchise"] == "1"
            cell = counts.setdefault(row["sample"], {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
            cell[("t" if joined == same else "f") + ("p" if joined else "n")] += 1
    return counts


def test_precision_and_recall_on_the_hand_labelled_sample():
    """The sample (tests/recommender/data/franchise_pairs.csv): 100 pairs the inference joined
    (for precision) and 150 pairs of a work and another sharing its rarest title word (for
    recall), every one labelled by reading both works."""
    counts = sample_scores()
    assert sum(sum(cell.values()) for cell in counts.values()) >= 200
    total = {name: sum(cell[name] for cell in counts.values()) for name in ("tp", "fp", "fn", "tn")}
    precision = total["tp"] / (total["tp"] + total["fp"])
    pool = counts["rarest_word"]
    recall = pool["tp"] / (pool["tp"] + pool["fn"])
    assert precision >= 0.95, counts
    assert recall >= 0.70, counts
