"""The rating service keeps each work's counters exact, and agrees with ``manage.py ranking``."""

import io
import math
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from mangaki.choices import RATING_VALUES, Choice
from mangaki.models import Rating, Work
from mangaki.services.ratings import rating_delete, rating_set
from tests.factories import UserFactory, WorkFactory

COUNTERS = (
    "nb_favorites",
    "nb_likes",
    "nb_neutrals",
    "nb_dislikes",
    "nb_willsees",
    "nb_wontsees",
    "nb_ratings",
    "sum_ratings",
    "controversy",
)


def counters(work_ids):
    return {row["pk"]: row for row in Work.objects.filter(pk__in=work_ids).values("pk", *COUNTERS)}


def assert_counters_equal_a_recount(work_ids):
    """The incrementally kept counters of ``work_ids`` equal a full recomputation (``ranking``)."""
    incremental = counters(work_ids)
    call_command("ranking", stdout=io.StringIO())
    recounted = counters(work_ids)
    for pk in work_ids:
        for name in COUNTERS:
            assert math.isclose(incremental[pk][name], recounted[pk][name], abs_tol=1e-9), (pk, name)


def test_choice_values_are_the_documented_ones():
    assert RATING_VALUES == {
        "favorite": 4.0,
        "like": 2.0,
        "neutral": 0.1,
        "willsee": 0.5,
        "wontsee": -0.5,
        "dislike": -2.0,
    }


def test_counters_match_the_formulas_computed_by_hand(rate, work):
    rate(work, {"favorite": 2, "like": 3, "neutral": 1, "dislike": 1, "willsee": 1, "wontsee": 1})
    assert work.nb_ratings == 7  # willsee and wontsee are not counted
    assert work.nb_likes == 3 and work.nb_dislikes == 1
    assert work.sum_ratings == pytest.approx(5 * 2 + 2.5 * 3 - 2 * 1 - 0.1 * 1 + 0.5 - 0.5)
    assert work.controversy == pytest.approx((3 + 1) ** (1 / 3))


def test_controversy_is_zero_without_both_likes_and_dislikes(rate, work):
    rate(work, {"like": 5})
    assert work.controversy == 0


def test_changing_and_removing_a_rating_moves_the_counters(user, work):
    rating_set(user=user, work=work, choice="like")
    rating_set(user=user, work=work, choice="dislike")
    work.refresh_from_db()
    assert (work.nb_likes, work.nb_dislikes, work.nb_ratings) == (0, 1, 1)
    assert work.sum_ratings == pytest.approx(-2)
    rating_set(user=user, work=work, choice="dislike")  # same choice again: no change
    work.refresh_from_db()
    assert work.nb_dislikes == 1
    assert rating_delete(user=user, work=work) is True
    assert rating_delete(user=user, work=work) is False
    work.refresh_from_db()
    assert (work.nb_dislikes, work.nb_ratings, work.sum_ratings) == (0, 0, 0)
    assert not Rating.objects.exists()


def test_unknown_choice_is_refused_by_the_service(user, work):
    with pytest.raises(ValidationError) as error:
        rating_set(user=user, work=work, choice="meh")
    assert "choice" in error.value.message_dict
    assert not Rating.objects.exists()


def test_random_operations_agree_with_the_full_recomputation(db):
    rng = random.Random(20261127)
    users = [UserFactory() for _ in range(12)]
    works = [WorkFactory() for _ in range(5)]
    for _ in range(300):
        user, work = rng.choice(users), rng.choice(works)
        if rng.random() < 0.2:
            rating_delete(user=user, work=work)
        else:
            rating_set(user=user, work=work, choice=rng.choice(Choice.values))
    ids = [w.pk for w in works]
    incremental = counters(ids)
    # Something was rated, changed and removed, or the comparison would prove little.
    assert any(row["nb_ratings"] for row in incremental.values())
    Work.objects.update(nb_likes=0, nb_ratings=0, sum_ratings=0, controversy=0)
    call_command("ranking", stdout=io.StringIO())
    recomputed = counters(ids)
    for pk in ids:
        for name in COUNTERS:
            assert math.isclose(incremental[pk][name], recomputed[pk][name], abs_tol=1e-9), (pk, name)
