"""The loader's relations: a dataset's relations.csv, or the franchises inferred without one,
written to the one relations table the catalogue sync writes too; franchises recomputed."""

import gzip
from pathlib import Path

from django.core.management import call_command

from mangaki.models import Work, WorkRelation
from mangaki.services.dataset_load import dataset_load

WORKS = """mal_id,title,type,episodes,genres
1,Kuroko no Basket,TV,25,Sports
2,Kuroko no Basket 2nd Season,TV,25,Sports
3,Kuroko no Basket Movie 1: Winter Cup Soushuuhen,Movie,1,Sports
4,Mushishi,TV,26,Mystery
5,Mushishi Zoku Shou,TV,10,Mystery
"""
RATINGS = "user,mal_id,choice\n1,1,like\n"
IDS = "mal_id,anilist_id,anidb_id,bangumi_id"
HEADER = f"{IDS},kind,{','.join('related_' + column for column in IDS.split(','))}\n"


def folder(path: Path, relations: str | None = None) -> Path:
    path.mkdir(exist_ok=True)
    (path / "works.csv").write_text(WORKS)
    (path / "ratings.csv").write_text(RATINGS)
    if relations is not None:
        with gzip.open(path / "relations.csv.gz", "wt", newline="") as handle:
            handle.write(HEADER + relations)
    return path


def titles(work: Work) -> set[str]:
    return set(Work.objects.filter(franchise_id=work.franchise_id).values_list("title", flat=True))


def test_without_a_relations_file_the_franchises_are_inferred(db, tmp_path):
    report = dataset_load(directory=folder(tmp_path / "data"))
    assert report.relations_inferred
    first = Work.objects.get(title="Kuroko no Basket")
    assert titles(first) == {
        "Kuroko no Basket",
        "Kuroko no Basket 2nd Season",
        "Kuroko no Basket Movie 1: Winter Cup Soushuuhen",
    }
    # Stored from the first part (the first series) to each other part and back.
    assert set(WorkRelation.objects.values_list("work__title", "kind", "related__title")) >= {
        ("Kuroko no Basket", "franchise", "Kuroko no Basket 2nd Season"),
        ("Kuroko no Basket 2nd Season", "franchise", "Kuroko no Basket"),
    }
    assert WorkRelation.objects.filter(work__title__startswith="Mushishi").count() == 0
    assert Work.objects.get(title="Mushishi").franchise_id is None
    assert dataset_load(directory=tmp_path / "data").relations_changed == 0


def test_a_relations_file_is_loaded_as_it_is_and_its_bad_rows_are_reported(db, tmp_path):
    relations = "\n".join(
        [
            "4,,,,sequel,5,,,",
            "5,,,,prequel,4,,,",
            "1,,,,remake,2,,,",  # line 4: no such kind
            "1,,,,sequel,99,,,",  # line 5: no such work
            "2,,,,sequel,2,,,",  # line 6: itself
            "x,,,,sequel,2,,,",  # line 7: a bad id
        ]
    )
    report = dataset_load(directory=folder(tmp_path / "data", relations + "\n"))
    assert not report.relations_inferred
    reasons = {(error.file, error.line): error.reason for error in report.errors}
    assert reasons[("relations.csv.gz", 4)].startswith("kind must be one of sequel, prequel")
    assert reasons[("relations.csv.gz", 5)] == "unknown work mal_id 99"
    assert reasons[("relations.csv.gz", 6)] == "a work is not related to itself"
    assert reasons[("relations.csv.gz", 7)].startswith("mal_id must be a positive integer")
    assert set(WorkRelation.objects.values_list("work__title", "kind", "related__title")) == {
        ("Mushishi", "sequel", "Mushishi Zoku Shou"),
        ("Mushishi Zoku Shou", "prequel", "Mushishi"),
    }
    assert titles(Work.objects.get(title="Mushishi")) == {"Mushishi", "Mushishi Zoku Shou"}
    # The file says nothing of Kuroko: nothing is inferred beside a file.
    assert Work.objects.get(title="Kuroko no Basket").franchise_id is None


def test_an_inferred_reload_replaces_its_own_rows_and_keeps_the_upstreams(db, tmp_path):
    dataset_load(directory=folder(tmp_path / "data"))
    bebop, second = Work.objects.get(title="Kuroko no Basket"), Work.objects.get(title="Mushishi")
    WorkRelation.objects.create(work=bebop, related=second, kind=WorkRelation.Kind.OTHER)
    (tmp_path / "data" / "works.csv").write_text(WORKS.replace("Kuroko no Basket 2nd Season", "Hyouka"))
    report = dataset_load(directory=tmp_path / "data")
    assert report.relations_changed == 2  # the two rows of the old pair
    assert not WorkRelation.objects.filter(related__title="Hyouka").exists()
    assert WorkRelation.objects.filter(kind=WorkRelation.Kind.OTHER).count() == 1


def test_the_command_says_the_franchises_were_inferred(db, tmp_path, capsys):
    call_command("load_anime", str(folder(tmp_path / "data")), verbosity=0)
    assert "relations changed: 4 (franchises inferred: no relations.csv)" in capsys.readouterr().out
