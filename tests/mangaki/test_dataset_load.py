"""The anime loader: bad rows reported and skipped, idempotent, all-or-nothing."""

import csv
import gzip
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from mangaki.models import Rating, Tag, TaggedWork, Work
from mangaki.services import ratings as rating_service
from mangaki.services.dataset_load import dataset_load
from mangaki.services.ranking import ranking_recompute

WORKS = """mal_id,title,type,episodes,genres,members,mal_score
1,Cowboy Bebop,TV,26,Action|Sci-Fi|Space,1,8.8
2,Mushishi,TV,,Mystery|Slice of Life,1,8.8
x3,Broken id,TV,1,Action,1,1
4,,TV,1,Action,1,1
5,Bad episodes,TV,many,Action,1,1
1,Cowboy Bebop again,TV,26,Action,1,1
6,Adult,OVA,2,Hentai,1,1
"""
RATINGS = """user,mal_id,choice
1,1,favorite
1,2,like
2,1,dislike
2,999,like
3,2,meh
x,1,like
1,1,like
3,6,neutral
"""


def write(folder: Path, works: str = WORKS, ratings: str = RATINGS) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "works.csv").write_text(works)
    with gzip.open(folder / "ratings.csv.gz", "wt", newline="") as handle:
        handle.write(ratings)
    return folder


def test_bad_rows_are_reported_with_file_line_and_reason_and_skipped(db, tmp_path):
    report = dataset_load(directory=write(tmp_path / "data"))
    reasons = {(e.file, e.line): e.reason for e in report.errors}
    assert reasons[("works.csv", 4)].startswith("mal_id must be a positive integer")
    assert reasons[("works.csv", 5)] == "empty title"
    assert "episodes" in reasons[("works.csv", 6)]
    assert reasons[("works.csv", 7)] == "duplicate mal_id 1 (first at line 2)"
    assert reasons[("ratings.csv.gz", 5)] == "unknown work mal_id '999'"
    assert "unknown choice 'meh'" in reasons[("ratings.csv.gz", 6)]
    assert "user must be a positive integer" in reasons[("ratings.csv.gz", 7)]
    assert "duplicate rating" in reasons[("ratings.csv.gz", 8)]
    assert len(report.errors) == 8

    assert set(Work.objects.values_list("title", flat=True)) == {"Cowboy Bebop", "Mushishi", "Adult"}
    assert Work.objects.get(title="Mushishi").nb_episodes is None
    assert Work.objects.get(title="Adult").nsfw is True
    assert set(Tag.objects.values_list("title", flat=True)) == {
        "Action",
        "Sci-Fi",
        "Space",
        "Mystery",
        "Slice of Life",
        "Hentai",
    }
    assert TaggedWork.objects.count() == 6
    assert Rating.objects.count() == 4
    bebop = Work.objects.get(title="Cowboy Bebop")
    assert (bebop.nb_favorites, bebop.nb_dislikes, bebop.nb_ratings) == (1, 1, 2)


def test_a_second_run_changes_nothing(db, tmp_path):
    folder = write(tmp_path / "data")
    dataset_load(directory=folder)
    before = list(Rating.objects.order_by("pk").values_list("pk", "user_id", "work_id", "choice", "date"))
    report = dataset_load(directory=folder)
    assert not report.changed
    after = list(Rating.objects.order_by("pk").values_list("pk", "user_id", "work_id", "choice", "date"))
    assert before == after


def test_a_changed_file_updates_what_changed(db, tmp_path):
    dataset_load(directory=write(tmp_path / "data"))
    report = dataset_load(
        directory=write(tmp_path / "data", ratings=RATINGS.replace("2,1,dislike", "2,1,like"))
    )
    assert (report.ratings_created, report.ratings_updated) == (0, 1)
    assert Work.objects.get(title="Cowboy Bebop").nb_likes == 1


def test_a_crash_half_way_leaves_the_database_as_it_was(db, tmp_path, monkeypatch):
    def crash():
        raise RuntimeError("disk full")

    # The last step: the rating service recomputing the counters once every rating is written.
    monkeypatch.setattr(rating_service, "ranking_recompute", crash)
    with pytest.raises(RuntimeError):
        dataset_load(directory=write(tmp_path / "data"))
    assert not Work.objects.exists()
    assert not Rating.objects.exists()
    assert not Tag.objects.exists()


def test_a_file_without_the_expected_columns_is_refused_whole(db, tmp_path):
    folder = write(tmp_path / "data", works="id,name\n1,Bebop\n")
    with pytest.raises(CommandError, match=r"works.csv:1: missing column\(s\) mal_id, title"):
        call_command("load_anime", str(folder), stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    assert not Work.objects.exists()


def test_the_command_loads_the_shipped_subset_with_exact_counters(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_anime", small=True, stdout=out, stderr=err, verbosity=0)
    folder = Path(settings.BASE_DIR) / "fixtures" / "anime-small"
    with gzip.open(folder / "ratings.csv.gz", "rt") as handle:
        rows = list(csv.DictReader(handle))
    with gzip.open(folder / "works.csv.gz", "rt") as handle:
        works = list(csv.DictReader(handle))
    assert Rating.objects.count() == len(rows)
    assert Work.objects.count() == len(works)
    assert "bad rows skipped: 0" in out.getvalue()
    # Tags are created in slug order, so their ids (the models' tag columns) are the same on
    # every load, whatever the process's string hashing.
    slugs = list(Tag.objects.order_by("pk").values_list("slug", flat=True))
    assert slugs == sorted(slugs) and len(slugs) > 10
    snapshot = list(
        Work.objects.order_by("pk").values_list("nb_ratings", "nb_likes", "sum_ratings", "controversy")
    )
    Work.objects.update(nb_ratings=0, nb_likes=0, sum_ratings=0, controversy=0)
    ranking_recompute()
    assert list(
        Work.objects.order_by("pk").values_list("nb_ratings", "nb_likes", "sum_ratings", "controversy")
    ) == [pytest.approx(row) for row in snapshot]
    call_command("load_anime", small=True, stdout=out, stderr=err, verbosity=0)
    assert "Nothing changed" in out.getvalue()


TITLES = """mal_id,kind,language,title
1,original,ja,カウボーイビバップ
1,translation,en,Cowboy Bebop
2,original,ja,蟲師
2,sideways,en,Bad kind
999,original,ja,Unknown work
"""
AIRING = """mal_id,start,end
1,1998-04-03,1999-04-24
2,2005-10-23,
6,yesterday,
"""
LINKS = """mal_id,site,name,kind,url
1,netflix,Netflix,streaming,https://www.netflix.com/title/1
1,mal,MyAnimeList,info,https://myanimelist.net/anime/1
2,evil,Evil,streaming,javascript:alert(1)
"""


def write_details(folder: Path, titles: str = TITLES, airing: str = AIRING, links: str = LINKS) -> None:
    (folder / "titles.csv").write_text(titles)
    (folder / "airing.csv").write_text(airing)
    (folder / "links.csv").write_text(links)


def test_titles_air_dates_and_links_load_with_the_works_and_bad_rows_are_named(db, tmp_path):
    folder = write(tmp_path / "data")
    write_details(folder)
    report = dataset_load(directory=folder)
    reasons = {
        (e.file, e.line): e.reason for e in report.errors if e.file != "works.csv" and e.file[0] != "r"
    }
    assert reasons == {
        ("titles.csv", 5): (
            "a title needs a kind (original, translation, romaji or reading), a language and a title"
        ),
        ("titles.csv", 6): "unknown work mal_id 999",
        ("airing.csv", 4): "start and end must be dates (YYYY-MM-DD) or empty",
        ("links.csv", 4): "a link needs a kind (info, official or streaming) and an http(s) URL",
    }
    bebop = Work.objects.get(title="Cowboy Bebop")
    assert sorted(bebop.titles.values_list("kind", "language", "title")) == [
        ("original", "ja", "カウボーイビバップ"),
        ("translation", "en", "Cowboy Bebop"),
    ]
    assert (str(bebop.aired_from), str(bebop.aired_to)) == ("1998-04-03", "1999-04-24")
    assert Work.objects.get(title="Mushishi").aired_to is None
    assert sorted(bebop.links.values_list("kind", "name")) == [
        ("info", "MyAnimeList"),
        ("streaming", "Netflix"),
    ]
    assert not Work.objects.get(title="Mushishi").links.exists()


def test_a_second_load_of_the_same_details_changes_nothing_and_a_new_file_replaces_them(db, tmp_path):
    folder = write(tmp_path / "data")
    write_details(folder)
    dataset_load(directory=folder)
    assert dataset_load(directory=folder).details_changed == 0
    write_details(
        folder,
        titles="mal_id,kind,language,title\n1,translation,en,Cowboy Bebop\n",
        airing="mal_id,start,end\n1,1998-04-03,1999-04-25\n",
        links="mal_id,site,name,kind,url\n1,netflix,Netflix (JP),streaming,https://www.netflix.com/title/1\n",
    )
    report = dataset_load(directory=folder)
    bebop = Work.objects.get(title="Cowboy Bebop")
    assert list(bebop.titles.values_list("title", flat=True)) == ["Cowboy Bebop"]
    assert not Work.objects.get(title="Mushishi").titles.exists()
    assert str(bebop.aired_to) == "1999-04-25"
    assert list(bebop.links.values_list("name", flat=True)) == ["Netflix (JP)"]
    # 2 titles removed; 1 link renamed (removed and added) and 1 removed; 1 work's dates changed
    assert report.details_changed == 2 + 3 + 1


def _shipped(name: str) -> list[dict[str, str]]:
    path = Path(settings.BASE_DIR) / "fixtures" / "anime" / f"{name}.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_shipped_catalogue_is_both_sources_one_work_per_real_work():
    works = _shipped("works")
    keys = [
        next(
            (column, row[column])
            for column in ("mal_id", "anilist_id", "anidb_id", "bangumi_id")
            if row[column]
        )
        for row in works
    ]
    assert len(keys) == len(set(keys)) >= 15_000
    # Every MyAnimeList id, and every other id, names one work.
    for column in ("mal_id", "anilist_id", "anidb_id", "bangumi_id"):
        ids = [row[column] for row in works if row[column]]
        assert len(ids) == len(set(ids)), column
    by_mal = {row["mal_id"]: row for row in works if row["mal_id"]}
    # The MyAnimeList catalogue's 12,294 anime (with members), and what aired since.
    assert sum(1 for row in works if row["members"]) == 12_294
    assert by_mal["21"]["title"] == "One Piece" and by_mal["21"]["type"] == "TV"
    assert by_mal["52991"]["title"].startswith("Frieren")  # 2023, from bangumi-data
    assert by_mal["52991"]["genres"] == ""  # bangumi-data has no genres: never guessed
    airing = {row["mal_id"]: row for row in _shipped("airing") if row["mal_id"]}
    assert airing["52991"]["start"] == "2023-09-29"
    assert airing["52991"]["broadcast"] == "R/2023-09-29T14:00:00.000Z/P7D"
    originals = {(row["mal_id"], row["title"]) for row in _shipped("titles") if row["kind"] == "original"}
    assert ("16498", "進撃の巨人") in originals and ("52991", "葬送のフリーレン") in originals


def test_the_shipped_readings_are_latin_and_only_where_no_source_gives_latin_letters():
    titles = _shipped("titles")
    readings = [row for row in titles if row["kind"] == "reading"]
    assert readings and all(row["language"] == "ja-Latn" and row["title"].isascii() for row in readings)
    by_mal = {row["mal_id"] for row in _shipped("works") if row["members"]}
    assert not [row for row in readings if row["mal_id"] in by_mal]  # those have MyAnimeList's romaji
    assert {"Kusuriya no hitorigoto"} <= {row["title"] for row in readings if row["mal_id"] == "54492"}


def test_the_loader_writes_the_search_text_of_works_and_titles_and_mends_stale_ones(db, tmp_path):
    folder = write(tmp_path / "data")
    write_details(folder)
    dataset_load(directory=folder)
    bebop = Work.objects.get(title="Cowboy Bebop")
    assert bebop.search_text == "cowboy bebop"
    assert sorted(bebop.titles.values_list("search_text", flat=True)) == [
        "cowboy bebop",
        "カウボーイビバップ",
    ]
    assert [work.title for work in Work.objects.search("カウボーイ")] == ["Cowboy Bebop"]
    # Text written by an older normalisation (bulk writes skip save()) is mended by the next load.
    Work.objects.filter(pk=bebop.pk).update(search_text="stale")
    bebop.titles.update(search_text="stale")
    report = dataset_load(directory=folder)
    assert (report.works_updated, report.details_changed) == (1, 2)
    assert Work.objects.get(pk=bebop.pk).search_text == "cowboy bebop"
    assert "stale" not in bebop.titles.values_list("search_text", flat=True)
    assert not dataset_load(directory=folder).changed


WORKS_OF_SEVERAL_SOURCES = """\
mal_id,title,type,episodes,genres,members,mal_score,anilist_id,anidb_id,bangumi_id
1,Cowboy Bebop,TV,26,Action,1200,8.8,1,23,253
,Only on AniList,TV,,,,,500001,,
,Only on AniDB,Movie,,,,,,90001,
,Only on bangumi.tv,ONA,,,,,,,700001
,No id at all,TV,,,,,,,
,Bad AniList id,TV,,,,,A1,,
2,Same AniList id,TV,,,,,1,,
3,Bad members,TV,,,many,,,,
4,Negative members,TV,,,-5,,,,
5,Score not a number,TV,,,,nan,,,
6,Score out of range,TV,,,,11,,,
7,Too many episodes,TV,99999999999,,,,,,
99999999999999999999,Id too large,TV,,,,,,,
"""


def test_works_are_keyed_by_their_mal_id_else_another_real_id_and_bad_ids_are_named(db, tmp_path):
    folder = write(
        tmp_path / "data", works=WORKS_OF_SEVERAL_SOURCES, ratings="user,mal_id,choice\n1,1,like\n"
    )
    write_details(
        folder,
        titles="mal_id,anilist_id,kind,language,title\n,500001,original,ja,アニリストだけ\n,9,original,ja,x\n",
        airing="mal_id,bangumi_id,start,end,broadcast\n"
        ",700001,2026-01-16,,R/2026-01-16T14:00:00.000Z/P7D\n"
        "1,,1998-04-03,1999-04-24,R/1998-04-03/P7D\n",
        links="mal_id,site,name,kind,url\n",
    )
    report = dataset_load(directory=folder)
    reasons = {(e.file, e.line): e.reason for e in report.errors}
    assert reasons == {
        ("works.csv", 6): "no id: mal_id (or anilist_id, anidb_id, bangumi_id) must be a positive integer",
        ("works.csv", 7): "anilist_id must be a positive integer, not 'A1'",
        ("works.csv", 8): "duplicate anilist_id 1 (first at line 2)",
        **{
            (
                "works.csv",
                line,
            ): "members must be a whole number and mal_score a number from 0 to 10, or empty"
            for line in (9, 10, 11, 12)
        },
        ("works.csv", 13): "episodes must be a number or empty, not '99999999999'",
        ("works.csv", 14): "mal_id must be a positive integer, not '99999999999999999999'",
        ("titles.csv", 3): "unknown work anilist_id 9",
        ("airing.csv", 3): "broadcast must be R/<UTC start>/P<n>D (as bangumi-data writes it) or empty",
    }
    keys = dict(Work.objects.values_list("title", "external_source"))
    assert keys == {
        "Cowboy Bebop": "myanimelist",
        "Only on AniList": "anilist",
        "Only on AniDB": "anidb",
        "Only on bangumi.tv": "bangumi",
    }
    bebop = Work.objects.get(title="Cowboy Bebop")
    assert (bebop.external_id, bebop.anilist_id, bebop.nb_members, bebop.mal_score) == ("1", 1, 1200, 8.8)
    assert bebop.aired_from is None  # its airing row was refused whole
    web = Work.objects.get(title="Only on bangumi.tv")
    assert web.broadcast_start.isoformat() == "2026-01-16T14:00:00+00:00"
    assert web.broadcast_interval_days == 7 and str(web.aired_from) == "2026-01-16"
    assert [t.title for t in Work.objects.get(title="Only on AniList").titles.all()] == ["アニリストだけ"]
    assert not dataset_load(directory=folder).changed


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        ("", (None, None)),
        ("R/2020-10-02T16:25:00.000Z/P7D", ("2020-10-02T16:25:00+00:00", 7)),
        ("R/2026-04-05T14:15:00Z/P0D", ("2026-04-05T14:15:00+00:00", 0)),
        ("R/2026-04-05T23:15:00+09:00/P1W", ("2026-04-05T14:15:00+00:00", 7)),
        ("R/2019-01-01T00:00:00.000Z/P1M", ("2019-01-01T00:00:00+00:00", None)),
    ],
)
def test_broadcast_slots_are_read_as_bangumi_data_writes_them(slot, expected):
    from mangaki.services.dataset_load import parse_broadcast

    start, days = parse_broadcast(slot)
    assert (start.isoformat() if start else None, days) == expected


@pytest.mark.parametrize(
    "slot",
    [
        "2020-10-02T16:25:00Z",
        "R/2020-10-02/P7D",
        "R/2020-10-02T16:25:00Z/7D",
        "R//P7D",
        "R/2020-10-02T16:25:00Z/P99999999D",  # more days than its column holds
    ],
)
def test_a_malformed_broadcast_slot_is_refused(slot):
    from mangaki.services.dataset_load import parse_broadcast

    with pytest.raises(ValueError):
        parse_broadcast(slot)


def test_a_second_load_keeps_what_the_catalogue_sync_filled_where_the_files_say_nothing(db, tmp_path):
    folder = write(
        tmp_path / "data", works=WORKS_OF_SEVERAL_SOURCES, ratings="user,mal_id,choice\n1,1,like\n"
    )
    dataset_load(directory=folder)
    # What a sync brings: episodes, an adult flag, genres and a tag for a work the files know
    # only by name, and an AniList tag for one they give genres.
    web = Work.objects.get(title="Only on bangumi.tv")
    web.nb_episodes, web.nsfw, web.anilist_popularity = 12, True, 900
    web.save()
    drama, found_family = (
        Tag.objects.create(slug="drama-x", title="Drama X"),
        Tag.objects.create(slug="found-family", title="Found Family"),
    )
    TaggedWork.objects.create(work=web, tag=drama)
    bebop = Work.objects.get(title="Cowboy Bebop")
    TaggedWork.objects.create(work=bebop, tag=found_family, weight=0.8)

    report = dataset_load(directory=folder)
    assert (report.works_updated, report.tags_created) == (0, 0)
    web.refresh_from_db()
    assert (web.nb_episodes, web.nsfw, web.anilist_popularity) == (12, True, 900)
    assert set(web.tags.values_list("slug", flat=True)) == {"drama-x"}
    assert set(bebop.tags.values_list("slug", flat=True)) == {"action", "found-family"}

    # What a file does say wins: Cowboy Bebop's genres and episodes change with it.
    (folder / "works.csv").write_text(
        WORKS_OF_SEVERAL_SOURCES.replace("1,Cowboy Bebop,TV,26,Action", "1,Cowboy Bebop,TV,27,Drama")
    )
    report = dataset_load(directory=folder)
    bebop.refresh_from_db()
    assert bebop.nb_episodes == 27
    assert set(bebop.tags.values_list("slug", flat=True)) == {"drama", "found-family"}
