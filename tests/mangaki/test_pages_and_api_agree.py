"""Rules that pages and API used to write apart, and that disagreed: each now has one home.

Each test asks the page and the API the same question and expects the same answer.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from mangaki.querysets import WORK_ORDERINGS
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(settings, rate):
    """Works with every kind of rank, a work nobody rated and an NSFW work; low thresholds."""
    settings.MANGAKI_TOP_MIN_RATINGS = 3
    settings.MANGAKI_PEARLS_MIN_RATINGS = 3
    settings.MANGAKI_PEARLS_MAX_RATINGS = 10
    rate(WorkFactory(title="Show Split"), {"like": 3, "dislike": 3})
    rate(WorkFactory(title="Show Loved"), {"favorite": 2, "like": 6})
    rate(WorkFactory(title="Show Leaning"), {"like": 5, "dislike": 2})
    rate(WorkFactory(title="Show Pearl"), {"favorite": 3, "like": 1})
    rate(WorkFactory(title="Another Film"), {"neutral": 4})
    WorkFactory(title="Show Unseen")
    rate(WorkFactory(title="Show Adult", nsfw=True), {"like": 9})


def page_titles(client, **query) -> list[str]:
    response = client.get(reverse("work-list", args=["anime"]), query)
    assert response.status_code == 200
    return [work.title for work in response.context["page"].object_list]


def api_titles(client, **query) -> list[str]:
    response = client.get("/api/works/", {"category": "anime", **query})
    assert response.status_code == 200, response.content
    return [work["title"] for work in response.json()["results"]]


@pytest.mark.parametrize("ordering", [name for name, o in WORK_ORDERINGS.items() if not o.needs_search])
def test_the_page_and_the_api_order_works_alike(client, catalogue, ordering):
    page = page_titles(client, sort=ordering)
    assert page == api_titles(APIClient(), ordering=ordering)
    assert page and "Show Adult" not in page


def test_most_popular_lists_every_work_on_both_unrated_last(client, catalogue):
    """The page listed works nobody rated under "Most popular", the API left them out: both list them."""
    page = page_titles(client, sort="popular")
    assert page[0] == "Show Loved" and page[-1] == "Show Unseen"
    assert page == api_titles(APIClient(), ordering="popular")


def test_the_default_order_is_the_same_with_and_without_a_search(client, catalogue):
    """No sort asked: most popular first on both (the API sorted by title); best match for a search."""
    assert page_titles(client) == api_titles(APIClient()) == page_titles(client, sort="popular")
    assert page_titles(client, q="show") == api_titles(APIClient(), search="show")
    assert page_titles(client, q="show", sort="title") == api_titles(
        APIClient(), search="show", ordering="title"
    )
    # "Best match" without a search means nothing: both fall back to most popular.
    assert page_titles(client, sort="relevance") == api_titles(APIClient(), ordering="relevance")
    assert page_titles(client, sort="relevance") == page_titles(client, sort="popular")


def test_the_home_rows_see_all_links_open_the_same_ordering(client, catalogue):
    body = client.get(reverse("home")).content.decode()
    for ordering in ("top", "pearls", "popular", "controversial"):
        assert f"/anime/?sort={ordering}" in body
        assert ordering in WORK_ORDERINGS


def shared_profile(**user_fields):
    owner = UserFactory(**user_fields)
    owner.profile.is_shared = True
    owner.profile.save()
    rating_set(user=owner, work=WorkFactory(title="Shared work"), choice="like")
    rating_set(user=owner, work=WorkFactory(title="Adult work", nsfw=True), choice="like")
    return owner


def page_profile(client, owner):
    return client.get(reverse("profile", args=[owner.username]))


def api_profile(client, owner):
    return client.get(f"/api/users/{owner.username}/ratings/")


def test_an_inactive_account_s_profile_is_hidden_on_the_page_and_the_api(client):
    """The page ignored ``is_active``, the API checked it: both hide a deactivated account now."""
    owner = shared_profile()
    assert page_profile(client, owner).status_code == 200
    assert api_profile(APIClient(), owner).status_code == 200
    owner.is_active = False
    owner.save()
    assert page_profile(client, owner).status_code == 404
    assert api_profile(APIClient(), owner).status_code == 404


def test_a_profile_shows_the_same_ratings_on_the_page_and_the_api(client):
    owner = shared_profile()
    viewer = UserFactory()
    client.force_login(viewer)
    api = APIClient()
    api.force_authenticate(viewer)

    def both() -> tuple[set[str], set[str]]:
        page = {
            work.title
            for section in page_profile(client, owner).context["sections"]
            for work in section["works"]
        }
        listed = {rating["work"]["title"] for rating in api_profile(api, owner).json()["results"]}
        return page, listed

    assert both() == ({"Shared work"}, {"Shared work"})  # NSFW hidden from a viewer who did not opt in
    viewer.profile.nsfw_ok = True
    viewer.profile.save()
    assert both() == ({"Shared work", "Adult work"}, {"Shared work", "Adult work"})


def test_nsfw_works_are_hidden_alike_everywhere_until_the_viewer_opts_in(client, catalogue):
    viewer = UserFactory()
    client.force_login(viewer)
    api = APIClient()
    api.force_authenticate(viewer)

    def everywhere() -> dict[str, bool]:
        """Whether "Show Adult" is shown: catalogue page, API list, header suggestions, home page."""
        suggest = client.get(reverse("search-suggest"), {"q": "show adult"}).content.decode()
        return {
            "page": "Show Adult" in page_titles(client),
            "api": "Show Adult" in api_titles(api),
            "suggestions": "Show Adult" in suggest,
            "home": "Show Adult" in client.get(reverse("home")).content.decode(),
        }

    assert not any(everywhere().values())
    viewer.profile.nsfw_ok = True
    viewer.profile.save()
    assert all(everywhere().values())
    client.logout()
    assert "Show Adult" not in page_titles(client)
    assert "Show Adult" not in api_titles(APIClient())
