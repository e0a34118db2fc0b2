"""Work.objects.search: what it matches, how it ranks, and the search text kept with the titles."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Work, WorkTitle
from mangaki.text_search import normalize
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def titles(works) -> list[str]:
    return [work.title for work in works]


def other_title(work, title: str, language: str = "en", kind: str = "translation") -> WorkTitle:
    return WorkTitle.objects.create(work=work, title=title, language=language, kind=kind)


def popular(title: str, nb_ratings: int, **fields) -> Work:
    work = WorkFactory(title=title, **fields)
    Work.objects.filter(pk=work.pk).update(nb_ratings=nb_ratings)
    return work


def test_search_text_is_written_with_the_title():
    work = WorkFactory(title="Steins;Gate")
    assert work.search_text == "steins gate"
    work.title = "Ｒｅ：ＺＥＲＯ"
    work.save(update_fields=["title"])
    work.refresh_from_db()
    assert work.search_text == "re zero"
    title = other_title(work, "進撃の巨人。", language="ja", kind="original")
    title.refresh_from_db()
    assert title.search_text == "進撃の巨人"


def test_the_data_migration_fills_the_search_text_of_existing_rows():
    work = WorkFactory(title="Kimi no Na wa.")
    title = other_title(work, "Your Name.")
    Work.objects.filter(pk=work.pk).update(search_text="")
    WorkTitle.objects.filter(pk=title.pk).update(search_text="")
    migration = importlib.import_module("mangaki.migrations.0009_search_text")
    migration.fill_search_text(apps, connection.schema_editor())
    assert Work.objects.get(pk=work.pk).search_text == "kimi no na wa"
    assert WorkTitle.objects.get(pk=title.pk).search_text == "your name"


def test_any_title_matches_ignoring_case_accents_width_and_punctuation():
    titan = WorkFactory(title="Shingeki no Kyojin")
    other_title(titan, "Attack on Titan")
    other_title(titan, "進撃の巨人", language="ja", kind="original")
    WorkFactory(title="Steins;Gate")
    WorkFactory(title="Pokémon")
    WorkFactory(title="Clannad")
    for query, expected in [
        ("attack on titan", "Shingeki no Kyojin"),
        ("ATTACK ON TITAN!", "Shingeki no Kyojin"),
        ("進撃の巨人", "Shingeki no Kyojin"),
        ("巨人", "Shingeki no Kyojin"),
        ("kyojin", "Shingeki no Kyojin"),
        ("steins gate", "Steins;Gate"),
        ("ｓｔｅｉｎｓ；ｇａｔｅ", "Steins;Gate"),
        ("POKEMON", "Pokémon"),
    ]:
        assert titles(Work.objects.search(query)) == [expected], query


def test_a_typo_still_finds_the_title():
    popular("Cowboy Bebop", 900)
    popular("Cowboy Bebop: Tengoku no Tobira", 400)
    popular("Samurai Champloo", 800)
    assert titles(Work.objects.search("cowboy bebob")) == ["Cowboy Bebop", "Cowboy Bebop: Tengoku no Tobira"]
    assert titles(Work.objects.search("samurai champlo")) == ["Samurai Champloo"]


def test_better_matches_first_then_more_rated():
    popular("Re:Zero kara Hajimeru Break Time", 10)
    popular("Re:Zero kara Hajimeru Isekai Seikatsu", 300)
    popular("Zero no Tsukaima", 900)  # has "zero", not "re zero": close at best, so last
    popular("Gintama: Re zero", 5000)  # a word starts with the query: below titles that start with it
    popular("Re Zero", 1)  # the exact title wins whatever its popularity
    found = titles(Work.objects.search("re zero"))
    assert found[:4] == [
        "Re Zero",
        "Re:Zero kara Hajimeru Isekai Seikatsu",
        "Re:Zero kara Hajimeru Break Time",
        "Gintama: Re zero",
    ]
    assert found[4:] in ([], ["Zero no Tsukaima"])  # PostgreSQL's word similarity: 0.62


def test_a_work_ranks_by_its_best_title():
    loved = popular("Kimi no Na wa.", 100)
    other_title(loved, "Your Name.")
    popular("Your Name Is", 5000)  # starts with the query; the other is equal to it
    ranked = list(Work.objects.search("your name"))
    assert titles(ranked) == ["Kimi no Na wa.", "Your Name Is"]
    assert ranked[0].search_rank > ranked[1].search_rank


def test_search_chains_with_the_other_queries_and_hides_nsfw():
    WorkFactory(title="Monster", work_type="TV")
    WorkFactory(title="Monster Musume", work_type="OVA", nsfw=True)
    visitor = UserFactory()
    assert titles(Work.objects.safe_for(visitor).search("monster")) == ["Monster"]
    visitor.profile.nsfw_ok = True
    visitor.profile.save()
    assert sorted(titles(Work.objects.safe_for(visitor).search("monster"))) == ["Monster", "Monster Musume"]
    assert titles(Work.objects.search("monster").filter(work_type="TV")) == ["Monster"]


def test_a_query_without_letters_matches_nothing():
    WorkFactory(title="100%")
    assert not Work.objects.search("!!! ...").exists()
    assert not Work.objects.search("").exists()


def test_search_is_one_query_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite's typo tolerance reads candidates first")
    WorkFactory(title="Cowboy Bebop")
    with CaptureQueriesContext(connection) as queries:
        assert titles(Work.objects.search("cowboy bebob")) == ["Cowboy Bebop"]
    assert len(queries.captured_queries) == 1


def test_postgresql_finds_matches_through_the_trigram_indexes():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): pg_trgm and GIN indexes are PostgreSQL's")
    for index in range(300):
        other_title(WorkFactory(title=f"Filler {index}"), f"Other filler {index}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        cursor.execute("ANALYZE mangaki_work, mangaki_worktitle")
        sql, params = Work.objects.search("cowboy bebob").query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")  # small tables: say which index it can use
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "work_search_trgm" in plan and "worktitle_search_trgm" in plan


def test_normalize_is_what_the_columns_hold():
    work = WorkFactory(title="Fullmetal Alchemist: Brotherhood")
    assert Work.objects.filter(search_text=normalize("FULLMETAL ALCHEMIST — BROTHERHOOD")).get() == work
