"""Search on the pages and the API (one function, one order) and the header's suggestions endpoint."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from mangaki.models import Category, Work, WorkTitle
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


def popular(title: str, nb_ratings: int, **fields) -> Work:
    work = WorkFactory(title=title, **fields)
    Work.objects.filter(pk=work.pk).update(nb_ratings=nb_ratings)
    return work


@pytest.fixture
def catalogue_with_titles():
    titan = popular("Shingeki no Kyojin", 1700, aired_from=date(2013, 4, 7))
    WorkTitle.objects.create(work=titan, title="進撃の巨人", language="ja", kind="original")
    WorkTitle.objects.create(work=titan, title="attack on titan", language="en", kind="translation")
    popular("Shingeki no Kyojin Season 2", 900)
    popular("Shingeki! Kyojin Chuugakkou", 60)
    popular("Attack No.1", 5)
    popular("Kyojin no Hoshi", 40)
    return titan


def page_titles(client, **params) -> list[str]:
    response = client.get(reverse("work-list", args=["anime"]), params)
    assert response.status_code == 200
    return [work.title for work in response.context["page"].object_list]


def api_titles(**params) -> list[str]:
    response = APIClient().get("/api/works/", {"category": "anime", **params})
    assert response.status_code == 200, response.content
    return [work["title"] for work in response.json()["results"]]


def suggest(client, query: str, **extra):
    return client.get(reverse("search-suggest"), {"q": query}, **extra)


@pytest.mark.parametrize("query", ["kyojin", "attack titan", "shingeki", "進撃の巨人", "kyojn"])
def test_the_page_and_the_api_give_the_same_works_in_the_same_order(client, catalogue_with_titles, query):
    found = page_titles(client, q=query)
    assert found, query
    assert api_titles(search=query) == found
    assert [s["title"] for s in suggest(client, query).json()["results"]] == found[:8]


def test_a_search_is_sorted_best_match_first_unless_another_sort_is_asked(client, catalogue_with_titles):
    assert page_titles(client, q="attack on titan") == ["Shingeki no Kyojin"]
    assert page_titles(client, q="shingeki")[:2] == ["Shingeki no Kyojin", "Shingeki no Kyojin Season 2"]
    assert page_titles(client, q="shingeki", sort="title")[0] == "Shingeki no Kyojin"
    assert page_titles(client, q="kyojin", sort="title") == sorted(page_titles(client, q="kyojin"))
    assert api_titles(search="kyojin", ordering="title") == sorted(api_titles(search="kyojin"))
    response = client.get(reverse("work-list", args=["anime"]), {"q": "kyojin"})
    assert response.context["query"]["sort"] == "relevance"
    assert ("relevance", "Best match") in response.context["sorts"]
    # Without a search "best match" means nothing: neither offered nor applied.
    response = client.get(reverse("work-list", args=["anime"]), {"sort": "relevance"})
    assert response.context["query"]["sort"] == "popular"
    assert "relevance" not in dict(response.context["sorts"])


def test_suggestions_say_what_each_work_is(client, catalogue_with_titles):
    response = suggest(client, "Attack on Titan")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "private" in response["Cache-Control"]
    titan = catalogue_with_titles
    assert response.json() == {
        "query": "Attack on Titan",
        "results": [
            {
                "id": titan.pk,
                "title": "Shingeki no Kyojin",
                "other_title": "attack on titan",
                "close": False,
                "year": 2013,
                "type": "TV",
                "category": "anime",
                "category_name": Category.objects.get(slug="anime").name,
                "url": titan.get_absolute_url(),
                "search_url": "/anime/?q=Attack%20on%20Titan",
            }
        ],
    }
    assert suggest(client, "Shingeki Season 2").json()["results"][0]["year"] is None


def test_suggestions_hide_nsfw_works_unless_the_profile_allows_them(client):
    WorkFactory(title="Monster")
    WorkFactory(title="Monster Musume", nsfw=True)
    assert [r["title"] for r in suggest(client, "monster").json()["results"]] == ["Monster"]
    fan = UserFactory()
    fan.profile.nsfw_ok = True
    fan.profile.save()
    client.force_login(fan)
    assert len(suggest(client, "monster").json()["results"]) == 2


def test_suggestions_are_eight_at_most_and_none_for_too_short_a_query(client):
    for index in range(12):
        WorkFactory(title=f"Gundam {index}")
    assert len(suggest(client, "gundam").json()["results"]) == 8
    assert suggest(client, "g").json() == {"query": "g", "results": []}
    assert suggest(client, "").json()["results"] == []
    assert len(suggest(client, "gundam" + "x" * 500).json()["query"]) == 100
    assert client.post(reverse("search-suggest"), {"q": "gundam"}).status_code == 405


def test_suggestions_are_a_fixed_number_of_queries(client):
    for index in range(8):
        work = WorkFactory(title=f"Naruto {index}")
        WorkTitle.objects.create(work=work, title=f"ナルト {index}", language="ja", kind="original")
    with CaptureQueriesContext(connection) as queries:
        assert len(suggest(client, "naruto").json()["results"]) == 8
    # The works and their titles (SQLite reads candidate titles twice for its typo tolerance).
    assert len(queries.captured_queries) <= (2 if connection.vendor == "postgresql" else 4)


def test_markup_in_titles_is_data_in_the_suggestions(client):
    WorkFactory(title=f"Evil {XSS}")
    response = suggest(client, "evil")
    assert response.json()["results"][0]["title"] == f"Evil {XSS}"
    # Never read as a page (the header's script writes it with textContent).
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_header_form_knows_where_to_ask(client):
    html = client.get(reverse("home")).content.decode()
    assert f'data-suggest-url="{reverse("search-suggest")}"' in html
    assert 'name="q"' in html
