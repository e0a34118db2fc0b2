"""Bulk rating writes: all or nothing, set-based, counters exact, and no deadlock between bulks."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from mangaki.choices import Choice
from mangaki.models import Rating, Work
from mangaki.services.guests import guest_create, guest_merge
from mangaki.services.ratings import rating_set, ratings_bulk_delete, ratings_bulk_set
from tests.factories import UserFactory, WorkFactory

from .test_counters import assert_counters_equal_a_recount


@pytest.mark.django_db
def test_bulk_set_creates_changes_and_leaves_equal_rows_alone():
    user = UserFactory()
    works = [WorkFactory() for _ in range(4)]
    rating_set(user=user, work=works[0], choice="like")
    rating_set(user=user, work=works[1], choice="like")
    before = Rating.objects.get(user=user, work=works[1]).date
    wanted = {works[0].pk: "dislike", works[1].pk: "like", works[2].pk: "favorite", works[3].pk: "wontsee"}
    result = ratings_bulk_set(user=user, rows=list(wanted.items()))
    assert (result.created, result.changed, result.unchanged) == (2, 1, 1)
    assert dict(Rating.objects.filter(user=user).values_list("work_id", "choice")) == wanted
    assert Rating.objects.get(user=user, work=works[1]).date == before
    assert_counters_equal_a_recount([work.pk for work in works])


@pytest.mark.django_db
def test_a_bad_row_writes_nothing_and_is_named():
    user = UserFactory()
    work = WorkFactory()
    for rows, field in [
        ([(work.pk, "like"), (work.pk + 10_000, "like")], "ratings[1].work"),
        ([(work.pk, "like"), (work.pk, "dislike")], "ratings[1].work"),
        ([(work.pk, "best")], "ratings[0].choice"),
    ]:
        with pytest.raises(ValidationError) as refused:
            ratings_bulk_set(user=user, rows=rows)
        assert field in refused.value.message_dict
    assert not Rating.objects.exists()
    assert Work.objects.get(pk=work.pk).nb_ratings == 0


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_rows():
    works = [WorkFactory() for _ in range(120)]
    choices = Choice.values

    def statements(count: int) -> int:
        user = UserFactory()
        with CaptureQueriesContext(connection) as captured:
            ratings_bulk_set(user=user, rows=[(w.pk, choices[i % 6]) for i, w in enumerate(works[:count])])
        return len(captured)

    assert statements(120) == statements(12)


@pytest.mark.django_db
def test_a_large_guest_merges_in_constant_statements_with_exact_counters():
    works = [WorkFactory() for _ in range(300)]

    def merge(count: int) -> int:
        guest, member = guest_create(), UserFactory()
        guest_id = guest.pk
        ratings_bulk_set(user=guest, rows=[(w.pk, Choice.values[i % 6]) for i, w in enumerate(works[:count])])
        rating_set(user=member, work=works[0], choice="dislike")  # kept: the member rated it already
        with CaptureQueriesContext(connection) as captured:
            merged = guest_merge(guest=guest, into=member)
        assert merged.moved == count - 1
        assert [clash.work_id for clash in merged.clashes] == [works[0].pk]  # the guest said favorite
        assert Rating.objects.filter(user=member).count() == count
        assert Rating.objects.get(user=member, work=works[0]).choice == "dislike"
        assert not Rating.objects.filter(user_id=guest_id).exists()
        return len(captured)

    small, large = merge(30), merge(300)
    assert large <= small + 2  # SQLite splits a long INSERT into batches of its variable limit
    assert_counters_equal_a_recount([work.pk for work in works])


@pytest.mark.django_db
def test_bulk_delete_removes_every_rating_of_the_user_and_keeps_counters_exact():
    user, other = UserFactory(), UserFactory()
    works = [WorkFactory() for _ in range(5)]
    ratings_bulk_set(user=user, rows=[(w.pk, "like") for w in works])
    ratings_bulk_set(user=other, rows=[(w.pk, "favorite") for w in works[:2]])
    assert ratings_bulk_delete(user=user, work_ids=[works[0].pk]) == 1
    assert ratings_bulk_delete(user=user) == 4
    assert not Rating.objects.filter(user=user).exists()
    assert Rating.objects.filter(user=other).count() == 2
    assert_counters_equal_a_recount([work.pk for work in works])


@pytest.mark.django_db(transaction=True)
def test_bulks_on_the_same_works_in_opposite_orders_never_deadlock():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    works = [WorkFactory() for _ in range(200)]
    users = [UserFactory() for _ in range(8)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(users))

    def write(index: int) -> None:
        ordered = works if index % 2 else list(reversed(works))
        try:
            start.wait()
            for round_ in range(3):
                choice = Choice.values[(index + round_) % 6]
                ratings_bulk_set(user=users[index], rows=[(w.pk, choice) for w in ordered])
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(index,)) for index in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert Rating.objects.count() == len(users) * len(works)
    assert_counters_equal_a_recount([work.pk for work in works])
