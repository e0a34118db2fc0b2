"""The anime loader: bad rows reported and skipped, idempotent, all-or-nothing."""

import csv
import gzip
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from mangaki.models import Rating, Tag, TaggedWork, Work
from mangaki.services import anime_import as importer
from mangaki.services.anime_import import anime_import
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
    report = anime_import(directory=write(tmp_path / "data"))
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
    anime_import(directory=folder)
    before = list(Rating.objects.order_by("pk").values_list("pk", "user_id", "work_id", "choice", "date"))
    report = anime_import(directory=folder)
    assert not report.changed
    after = list(Rating.objects.order_by("pk").values_list("pk", "user_id", "work_id", "choice", "date"))
    assert before == after


def test_a_changed_file_updates_what_changed(db, tmp_path):
    anime_import(directory=write(tmp_path / "data"))
    report = anime_import(
        directory=write(tmp_path / "data", ratings=RATINGS.replace("2,1,dislike", "2,1,like"))
    )
    assert (report.ratings_created, report.ratings_updated) == (0, 1)
    assert Work.objects.get(title="Cowboy Bebop").nb_likes == 1


def test_a_crash_half_way_leaves_the_database_as_it_was(db, tmp_path, monkeypatch):
    def crash():
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "ranking_recompute", crash)
    with pytest.raises(RuntimeError):
        anime_import(directory=write(tmp_path / "data"))
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
