"""What an anonymous or a fresh rating is worth: guests and new accounts cannot move the public
rankings or the training.

A visitor's ratings are theirs at once (their widget, their recommendations) but count in the
works' counters and in training only once the account is a member's who has shown life (old
enough, enough ratings); one client address creates a limited number of guest accounts and of
accounts per hour.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mangaki.models import Rating, Work
from mangaki.recommendations.arrays import rating_arrays
from mangaki.services.ratings import rating_set, ratings_bulk_set, ratings_count_in
from mangaki.tasks import count_in_trusted_members
from tests.factories import UserFactory, WorkFactory

from .test_counters import assert_counters_equal_a_recount

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def ranked(settings):
    """Five anime rated by members, enough to rank in Top rated, and one obscure work."""
    settings.MANGAKI_TOP_MIN_RATINGS = 3
    members = [UserFactory() for _ in range(4)]
    works = [WorkFactory(title=f"Known {index}") for index in range(5)]
    for index, work in enumerate(works):
        for member in members:
            rating_set(user=member, work=work, choice="like" if index % 2 else "favorite")
    return works, WorkFactory(title="Obscure")


def joined_a_day_ago(user) -> None:
    """Pretend ``user`` joined 25 hours ago (past MANGAKI_MEMBER_TRUST_HOURS' default)."""
    get_user_model().objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(hours=25))


def sign_up(client, username: str):
    data = {"username": username, "email": "", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup"), data)


def top_rated(client) -> tuple[list[str], list[str]]:
    rows = client.get(reverse("home")).context["sections"][0]["rows"]
    [page] = [row for row in rows if row["ordering"] == "top"]  # after the anime's season row
    api = client.get("/api/works/", {"ordering": "top"}).json()["results"]
    return [work.title for work in page["works"]], [work["title"] for work in api]


def test_85_cookieless_ratings_from_one_client_leave_top_rated_unchanged(ranked, settings):
    _, obscure = ranked
    before = top_rated(Client())
    answers = [
        Client().post(reverse("rate", args=[obscure.pk]), {"choice": "favorite"}, **JSON).status_code
        for _ in range(85)
    ]
    limit = settings.MANGAKI_GUESTS_PER_ADDRESS_PER_HOUR
    assert answers[:limit] == [200] * limit
    assert set(answers[limit:]) == {429}  # the address created its hourly share of guests
    assert Rating.objects.filter(work=obscure).count() == limit  # each guest keeps their own rating
    assert top_rated(Client()) == before
    obscure.refresh_from_db()
    assert obscure.nb_ratings == 0 and obscure.nb_favorites == 0


def test_a_guest_who_signs_up_is_a_new_member_counted_once_the_account_has_shown_life(ranked, settings):
    settings.MANGAKI_MEMBER_TRUST_RATINGS = 2
    known, obscure = ranked
    visitor = Client()
    visitor.post(reverse("rate", args=[obscure.pk]), {"choice": "favorite"}, **JSON)
    guest = Rating.objects.get(work=obscure).user
    assert Work.objects.get(pk=obscure.pk).nb_favorites == 0
    assert guest.pk not in set(rating_arrays().X[:, 0].tolist())  # nor in training
    signed_up = visitor.post(
        reverse("signup"),
        {"username": "claimed", "email": "claimed@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signed_up.status_code == 302
    # Claimed, but a new member: nothing public moves yet, whatever they rate.
    visitor.post(reverse("rate", args=[known[0].pk]), {"choice": "dislike"}, **JSON)
    assert Work.objects.get(pk=obscure.pk).nb_favorites == 0
    assert Work.objects.get(pk=known[0].pk).nb_dislikes == 0
    assert guest.pk not in set(rating_arrays().X[:, 0].tolist())
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)))
    # A day later (they joined when they signed up, not when the guest was made), one more
    # rating counts every one of theirs in, once.
    joined_a_day_ago(guest)
    visitor.post(reverse("rate", args=[known[1].pk]), {"choice": "neutral"}, **JSON)
    assert Work.objects.get(pk=obscure.pk).nb_favorites == 1
    assert Work.objects.get(pk=known[0].pk).nb_dislikes == 1
    assert Work.objects.get(pk=known[1].pk).nb_neutrals == 1
    settings.MANGAKI_TRAINING_MIN_RATERS = 1
    assert guest.pk in set(rating_arrays().X[:, 0].tolist())
    # The counters equal a recount that leaves the remaining guests out.
    Client().post(reverse("rate", args=[obscure.pk]), {"choice": "dislike"}, **JSON)
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)))


def test_a_guest_who_logs_in_brings_ratings_that_count_from_then_on(ranked):
    _, obscure = ranked
    member = UserFactory(username="returning")
    member.set_password(PASSWORD)
    member.save()
    visitor = Client()
    visitor.post(reverse("rate", args=[obscure.pk]), {"choice": "like"}, **JSON)
    assert Work.objects.get(pk=obscure.pk).nb_likes == 0
    page = visitor.post(reverse("login"), {"username": "returning", "password": PASSWORD}, follow=True)
    assert "1 rating from this visit was added to your account." in page.content.decode()
    assert Rating.objects.get(work=obscure).user == member
    assert Work.objects.get(pk=obscure.pk).nb_likes == 1


def test_85_fresh_accounts_rating_one_work_from_85_addresses_leave_top_rated_unchanged(ranked):
    """The attack of issue 20's row 2 (85 new accounts, one rating each: #1 of Top rated in 25 s),
    from as many addresses, so that only the trust rule stands in its way."""
    _, obscure = ranked
    before = top_rated(Client())
    for index in range(85):
        attacker = Client(REMOTE_ADDR=f"198.51.100.{index + 1}")
        assert sign_up(attacker, f"sock{index}").status_code == 302
        answer = attacker.post(reverse("rate", args=[obscure.pk]), {"choice": "favorite"}, **JSON)
        assert answer.status_code == 200
    assert Rating.objects.filter(work=obscure).count() == 85  # each keeps their own rating
    assert top_rated(Client()) == before
    obscure.refresh_from_db()
    assert obscure.nb_ratings == 0 and obscure.nb_favorites == 0
    assert not set(rating_arrays().X[:, 1].tolist()) & {obscure.pk}  # nor in training
    assert count_in_trusted_members() == 0  # the beat task finds none of them due
    assert_counters_equal_a_recount([obscure.pk])


def test_an_old_account_with_one_rating_is_still_not_counted(ranked):
    _, obscure = ranked
    member = Client()
    sign_up(member, "patient")
    joined_a_day_ago(get_user_model().objects.get(username="patient"))
    member.post(reverse("rate", args=[obscure.pk]), {"choice": "favorite"}, **JSON)
    assert count_in_trusted_members() == 0
    assert Work.objects.get(pk=obscure.pk).nb_favorites == 0


def test_a_member_who_has_shown_life_is_counted_in_by_their_next_rating_exactly_once(ranked, settings):
    known, obscure = ranked
    works = [*known, obscure, *(WorkFactory() for _ in range(settings.MANGAKI_MEMBER_TRUST_RATINGS))]
    member = Client()
    assert sign_up(member, "honest").status_code == 302
    user = get_user_model().objects.get(username="honest")
    for work in works[: settings.MANGAKI_MEMBER_TRUST_RATINGS]:
        member.post(reverse("rate", args=[work.pk]), {"choice": "favorite"}, **JSON)
    before = {work.pk: Work.objects.get(pk=work.pk).nb_favorites for work in works}
    ids = [work.pk for work in works]
    assert_counters_equal_a_recount(ids)
    assert {pk: Work.objects.get(pk=pk).nb_favorites for pk in ids} == before  # enough ratings, too young
    joined_a_day_ago(user)
    last = works[settings.MANGAKI_MEMBER_TRUST_RATINGS]
    member.post(reverse("rate", args=[last.pk]), {"choice": "favorite"}, **JSON)
    rated = works[: settings.MANGAKI_MEMBER_TRUST_RATINGS + 1]
    assert {work.pk: Work.objects.get(pk=work.pk).nb_favorites for work in rated} == {
        work.pk: before[work.pk] + 1 for work in rated
    }
    user.profile.refresh_from_db()
    assert user.profile.counted_since is not None
    # Once: the beat task, a second count-in and a changed rating add nothing twice.
    assert count_in_trusted_members() == 0
    assert ratings_count_in(user=user) == 0
    member.post(reverse("rate", args=[last.pk]), {"choice": "like"}, **JSON)
    assert Work.objects.get(pk=last.pk).nb_favorites == before[last.pk]
    assert Work.objects.get(pk=last.pk).nb_likes == 1
    assert_counters_equal_a_recount(ids)


def test_the_beat_task_counts_in_members_who_have_shown_life_once(settings):
    from mangaki.celery import app

    works = [WorkFactory() for _ in range(settings.MANGAKI_MEMBER_TRUST_RATINGS)]
    client = Client()
    sign_up(client, "imported")
    user = get_user_model().objects.get(username="imported")
    ratings_bulk_set(user=user, rows=[(work.pk, "like") for work in works])  # as an import writes
    young = Client(REMOTE_ADDR="203.0.113.9")
    sign_up(young, "young")
    ratings_bulk_set(user=get_user_model().objects.get(username="young"), rows=[(works[0].pk, "dislike")])
    ids = [work.pk for work in works]
    assert all(Work.objects.get(pk=pk).nb_likes == 0 for pk in ids)
    joined_a_day_ago(user)
    assert count_in_trusted_members() == 1
    assert all(Work.objects.get(pk=pk).nb_likes == 1 for pk in ids)
    assert Work.objects.get(pk=works[0].pk).nb_dislikes == 0  # the young account still does not count
    assert count_in_trusted_members() == 0
    assert all(Work.objects.get(pk=pk).nb_likes == 1 for pk in ids)
    assert_counters_equal_a_recount(ids)
    entry = settings.CELERY_BEAT_SCHEDULE["count-in-trusted-members"]
    assert app.tasks[entry["task"]].name == count_in_trusted_members.name


def test_a_long_list_is_counted_in_by_the_beat_task_not_inside_a_rating(settings, monkeypatch):
    """Counting in locks every work rated: a rating's request does it only for a short list."""
    from mangaki.services import ratings as rating_service

    monkeypatch.setattr(rating_service, "COUNT_IN_WITH_A_RATING_MAX", settings.MANGAKI_MEMBER_TRUST_RATINGS)
    works = [WorkFactory() for _ in range(settings.MANGAKI_MEMBER_TRUST_RATINGS + 1)]
    client = Client()
    sign_up(client, "collector")
    user = get_user_model().objects.get(username="collector")
    ratings_bulk_set(user=user, rows=[(work.pk, "like") for work in works[:-1]])
    joined_a_day_ago(user)
    client.post(reverse("rate", args=[works[-1].pk]), {"choice": "like"}, **JSON)
    user.profile.refresh_from_db()
    assert user.profile.counted_since is None  # one rating over the bound: left to the beat task
    assert all(Work.objects.get(pk=work.pk).nb_likes == 0 for work in works)
    assert count_in_trusted_members() == 1
    assert all(Work.objects.get(pk=work.pk).nb_likes == 1 for work in works)
    assert_counters_equal_a_recount([work.pk for work in works])
