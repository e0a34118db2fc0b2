"""On the full real data (fixtures/anime and its titles): the target searches of issue 12 come first."""

import pytest

from mangaki.models import Work
from mangaki.suggestions import work_suggestions
from tests.training_support import full_anime_fixture  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# (query, the work's title on the site, the other title that matched or None)
TARGETS = [
    ("attack on titan", "Shingeki no Kyojin", "attack on titan"),
    ("進撃の巨人", "Shingeki no Kyojin", "進撃の巨人"),
    ("your name", "Kimi no Na wa.", "Your Name."),
    ("steins gate", "Steins;Gate", None),
    ("re zero", "Re:Zero kara Hajimeru Isekai Seikatsu", None),
    ("cowboy bebob", "Cowboy Bebop", None),
]


@pytest.mark.parametrize(("query", "title", "other_title"), TARGETS, ids=[t[0] for t in TARGETS])
def test_a_target_search_finds_its_work_first(full_anime, query, title, other_title):
    assert Work.objects.search(query).first().title == title
    first = work_suggestions(query=query, user=None)[0]
    assert (first.work.title, first.other_title) == (title, other_title)


# What people type in 2026 (issue 19), and the MyAnimeList id of the work they mean: works
# nobody here has rated, known from the MyAnimeList catalogue and bangumi-data.
CURRENT_TARGETS = [
    ("frieren", "52991"),
    ("jujutsu kaisen", "40748"),
    ("spy x family", "50265"),
    ("kimetsu no yaiba", "38000"),
    ("demon slayer", "38000"),
    ("chainsaw man", "44511"),
    ("oshi no ko", "52034"),
    ("one piece", "21"),  # the TV series, before its films and the manga
    ("bocchi the rock", "47917"),
    ("kaiju no 8", "52588"),
    ("apothecary diaries", "54492"),
    ("my dress up darling", "48736"),
    ("kusuriya no hitorigoto", "54492"),  # its automatic reading
]


@pytest.mark.parametrize(("query", "mal_id"), CURRENT_TARGETS, ids=[t[0] for t in CURRENT_TARGETS])
def test_what_people_watch_now_is_found_first(full_anime, query, mal_id):
    assert Work.objects.search(query).first().external_id == mal_id
    assert work_suggestions(query=query, user=None)[0].work.external_id == mal_id


def test_every_title_is_searchable_as_it_is_written(full_anime):
    """Each work is found by its own title, among the first few (same titles exist: Hunter x Hunter)."""
    works = Work.objects.filter(nb_ratings__gte=200).order_by("-nb_ratings")[:60]
    for work in works:
        found = list(Work.objects.search(work.title).values_list("pk", flat=True)[:5])
        assert work.pk in found, work.title
