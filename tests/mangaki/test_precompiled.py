"""PrecompiledQuery: the ORM's rows, from SQL compiled once, counted like any query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Rating, Work
from mangaki.precompiled import PrecompiledQuery
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def ratings_of(user_id):
    return Rating.objects.filter(user_id=user_id).order_by("work_id").values_list("work_id", "choice")


def test_rows_are_the_orms_for_every_call_after_the_first():
    works = [WorkFactory() for _ in range(3)]
    users = [UserFactory() for _ in range(3)]
    for index, user in enumerate(users):
        for work in works[: index + 1]:
            rating_set(user=user, work=work, choice="like" if index else "favorite")
    query = PrecompiledQuery(ratings_of)
    for user in [*users, *users]:
        with CaptureQueriesContext(connection) as captured:
            assert query.rows(user.pk) == list(ratings_of(user.pk))
        assert len(captured) == 2  # ours and the ORM's: it is counted like any other
    assert query.rows(-1) == []


def test_a_shape_whose_parameters_differ_is_left_to_the_orm():
    WorkFactory(title="Akira")
    # The compiled parameters are not the call's (a lookup adds its own): never reused.
    query = PrecompiledQuery(lambda title: Work.objects.filter(title__icontains=title).values_list("title"))
    assert query.rows("kir") == [("Akira",)] and query.rows("zzz") == []
    empty = PrecompiledQuery(lambda *ids: Work.objects.filter(pk__in=ids).values_list("pk"))
    assert empty.rows() == []
