"""The suggestions selector: the best few works for a query, with the other title that matched."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Work, WorkTitle
from mangaki.suggestions import SUGGESTION_LIMIT, work_suggestions
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def test_the_other_title_is_given_when_it_is_the_one_that_matched():
    titan = WorkFactory(title="Shingeki no Kyojin")
    WorkTitle.objects.create(work=titan, title="進撃の巨人", language="ja", kind="original")
    WorkTitle.objects.create(work=titan, title="attack on titan", language="en", kind="translation")
    gate = WorkFactory(title="Steins;Gate")
    WorkTitle.objects.create(work=gate, title="Steins;Gate", language="ja", kind="original")
    [found] = work_suggestions(query="Attack on Titan", user=None)
    assert (found.work, found.other_title) == (titan, "attack on titan")
    [found] = work_suggestions(query="進撃", user=None)
    assert found.other_title == "進撃の巨人"
    [found] = work_suggestions(query="shingeki", user=None)
    assert found.other_title is None  # the title shown is the one that matched
    [found] = work_suggestions(query="steins gate", user=None)
    assert found.other_title is None  # the same title again


def test_at_most_eight_and_nothing_for_one_letter():
    for index in range(SUGGESTION_LIMIT + 3):
        WorkFactory(title=f"Gundam {index}")
    assert len(work_suggestions(query="gundam", user=None)) == SUGGESTION_LIMIT
    assert work_suggestions(query="g", user=None) == []
    assert work_suggestions(query=" ! ", user=None) == []


def test_nsfw_works_only_for_a_profile_that_allows_them():
    WorkFactory(title="Monster")
    WorkFactory(title="Monster Musume", nsfw=True)
    fan = UserFactory()
    assert [s.work.title for s in work_suggestions(query="monster", user=fan)] == ["Monster"]
    fan.profile.nsfw_ok = True
    fan.profile.save()
    assert len(work_suggestions(query="monster", user=fan)) == 2


def test_two_queries_on_postgresql_four_on_sqlite():
    for index in range(5):
        work = WorkFactory(title=f"Naruto {index}")
        WorkTitle.objects.create(work=work, title=f"ナルト {index}", language="ja", kind="original")
    with CaptureQueriesContext(connection) as queries:
        assert len(work_suggestions(query="naruto", user=None)) == 5
    assert len(queries.captured_queries) == (2 if connection.vendor == "postgresql" else 4)
    assert Work.objects.count() == 5
