"""What an anonymous rating is worth: guests cannot move the public rankings or the training.

A visitor's ratings are theirs at once (their widget, their recommendations) but count in the
works' counters and in training only once the account is claimed; one client address creates
a limited number of guest accounts per hour.
"""

import pytest
from django.test import Client
from django.urls import reverse

from mangaki.adapter import rating_arrays
from mangaki.models import Rating, Work
from mangaki.services.ratings import rating_set
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


def test_a_guest_rating_counts_once_the_account_is_claimed(ranked):
    _, obscure = ranked
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
    assert Work.objects.get(pk=obscure.pk).nb_favorites == 1
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
