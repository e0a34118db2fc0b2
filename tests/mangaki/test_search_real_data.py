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


def test_every_title_is_searchable_as_it_is_written(full_anime):
    """Each work is found by its own title, among the first few (same titles exist: Hunter x Hunter)."""
    works = Work.objects.filter(nb_ratings__gte=200).order_by("-nb_ratings")[:60]
    for work in works:
        found = list(Work.objects.search(work.title).values_list("pk", flat=True)[:5])
        assert work.pk in found, work.title
