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


def many_ratings(user, count: int) -> list:
    """``count`` works rated by ``user`` through the rating service, the choices taking turns."""
    from mangaki.choices import Choice
    from mangaki.models import Category, Work
    from mangaki.services.ratings import ratings_bulk_set

    anime = Category.objects.get(slug="anime")
    works = Work.objects.bulk_create(
        [Work(title=f"Bulk work {index:05}", category=anime, work_type="TV") for index in range(count)]
    )
    ratings_bulk_set(user=user, rows=[(work.pk, Choice.values[i % 6]) for i, work in enumerate(works)])
    return works


def test_a_profile_of_thousands_of_ratings_is_a_page_of_bounded_size_and_queries(client, user):
    # Issue 20, row 1: 20,000 ratings made a profile of 72 MB in 9 s; every section is now a page.
    many_ratings(user, 144)  # a full page in every section
    url = reverse("profile", args=[user.username])
    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    many_ratings(user, 3000)
    with CaptureQueriesContext(connection) as many:
        large = client.get(url)
    assert large.status_code == 200
    assert 3 <= len(many.captured_queries) == len(few.captured_queries) <= 8
    assert len(large.content) < len(small.content) + 5_000  # the pages' links, and longer counts
    assert len(large.content) < 600_000
    counts = {value: count for _, count, value in large.context["counts"]}
    assert sum(counts.values()) == 3144 and large.context["total"] == 3144
    assert all(len(section["works"]) == 24 for section in large.context["sections"])
    assert len(large.context["watchlist"]) == 24
    assert 'aria-label="Pages of Like"' in large.content.decode()


def test_each_section_pages_alone_keeping_the_other_sections_pages(client, user):
    from mangaki.models import Rating

    many_ratings(user, 600)  # 100 of each choice: 5 pages of 24 each
    url = reverse("profile", args=[user.username])
    response = client.get(url, {"like_page": 2, "dislike_page": 3})
    sections = {section["value"]: section for section in response.context["sections"]}
    likes = list(
        Rating.objects.filter(user=user, choice="like")
        .order_by("-date", "-pk")
        .values_list("work__title", flat=True)
    )
    assert [work.title for work in sections["like"]["works"]] == likes[24:48]
    assert sections["dislike"]["page"].number == 3 and sections["favorite"]["page"].number == 1
    next_link = sections["like"]["page"].next_url
    assert "like_page=3" in next_link and "dislike_page=3" in next_link
    assert f'href="{next_link.replace("&", "&amp;")}"' in response.content.decode()
    seen = set()
    for page in range(1, 6):
        works = client.get(url, {"like_page": page}).context["sections"][1]["works"]
        seen |= {work.title for work in works}
    assert seen == set(likes)  # every rating is on one of the pages


@pytest.mark.parametrize(("raw", "number"), [("99", 5), ("99999999999999999999", 5), ("-1", 5), ("two", 1)])
def test_a_page_out_of_range_is_the_last_one_and_a_word_the_first(client, user, raw, number):
    many_ratings(user, 600)
    response = client.get(reverse("profile", args=[user.username]), {"like_page": raw})
    assert response.status_code == 200
    like = next(section for section in response.context["sections"] if section["value"] == "like")
    assert like["page"].number == number and len(like["works"]) == (4 if number == 5 else 24)
