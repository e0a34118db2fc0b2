"""Profiles: ratings grouped by choice, watchlist, sharing and NSFW settings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def rate_all(user, choices):
    works = {}
    for title, choice in choices.items():
        works[title] = WorkFactory(title=title)
        rating_set(user=user, work=works[title], choice=choice)
    return works


def test_profile_groups_ratings_by_choice_with_a_watchlist(client, user):
    rate_all(user, {"Bebop": "favorite", "Trigun": "like", "Naruto": "dislike", "Monster": "willsee"})
    response = client.get(reverse("profile", args=[user.username]))
    assert response.status_code == 200
    assert [work.title for work in response.context["watchlist"]] == ["Monster"]
    sections = {s["value"]: [w.title for w in s["works"]] for s in response.context["sections"]}
    assert (
        sections["favorite"] == ["Bebop"]
        and sections["like"] == ["Trigun"]
        and sections["dislike"] == ["Naruto"]
    )
    counts = {value: count for _, count, value in response.context["counts"]}
    assert counts == {"favorite": 1, "like": 1, "neutral": 0, "dislike": 1, "willsee": 1, "wontsee": 0}


def test_private_profile_is_only_visible_to_its_owner(client, user):
    user.profile.is_shared = False
    user.profile.save()
    url = reverse("profile", args=[user.username])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 200


def test_a_deactivated_account_is_hidden_on_the_page_and_in_the_api(client, user):
    user.is_active = False
    user.save()
    assert client.get(reverse("profile", args=[user.username])).status_code == 404
    assert client.get(f"/api/users/{user.username}/ratings/").status_code == 404


def test_guest_profiles_are_never_public(client):
    from mangaki.services.guests import guest_create

    guest = guest_create()
    assert client.get(reverse("profile", args=[guest.username])).status_code == 404


def test_profile_hides_nsfw_works_from_viewers_who_did_not_opt_in(client, user):
    rate_all(user, {"Lewd": "favorite", "Clean": "favorite"})
    from mangaki.models import Work

    Work.objects.filter(title="Lewd").update(nsfw=True)
    content = client.get(reverse("profile", args=[user.username])).content.decode()
    assert "Clean" in content and "Lewd" not in content


def test_profile_queries_do_not_grow_with_the_number_of_ratings(client, user):
    rate_all(user, {f"Work {index}": "like" for index in range(2)})
    url = reverse("profile", args=[user.username])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    rate_all(user, {f"More {index}": "willsee" for index in range(15)})
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries) <= 8


def test_settings_turn_on_nsfw_and_sharing_off(client, user):
    client.force_login(user)
    response = client.post(reverse("settings"), {"nsfw_ok": "on"})
    assert response.status_code == 302
    user.profile.refresh_from_db()
    assert user.profile.nsfw_ok and not user.profile.is_shared


def test_settings_need_a_login(client):
    response = client.get(reverse("settings"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
