"""The catalogue page says what a search found: works holding the query, only close ones, or works
of another category (mangaki/search_results.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.models import Category, Work
from tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anime_catalogue(db):
    """Anime the searches do not find: the category is not empty (which the page says otherwise)."""
    WorkFactory(title="Cowboy Bebop")


def manga(**fields) -> Work:
    return WorkFactory(
        category=Category.objects.get(slug="manga"), work_type="Manga", nb_episodes=None, **fields
    )


def search(client, query: str, category: str = "anime", **params):
    response = client.get(reverse("work-list", args=[category]), {"q": query, **params})
    assert response.status_code == 200
    return response, response.content.decode()


def test_a_close_match_is_shown_as_one(client):
    maid = WorkFactory(title="Chainsaw Maid")
    response, html = search(client, "chainsaw man")
    assert [work.title for work in response.context["page"].object_list] == ["Chainsaw Maid"]
    assert (
        f'No work called “chainsaw man”; close: <a href="{maid.get_absolute_url()}">Chainsaw Maid</a></p>'
        in html
    )
    assert "1 close match · Best match" in html
    assert "matching" not in html


def test_several_close_matches_are_named_best_first_and_escaped(client):
    WorkFactory(title="Chainsaw Maid")
    WorkFactory(title="Chainsaw Mai <b>")
    Work.objects.filter(title="Chainsaw Mai <b>").update(nb_ratings=10)
    response, html = search(client, "Chainsaw Man <b>")
    assert "No work called “Chainsaw Man &lt;b&gt;”; close: " in html
    assert ">Chainsaw Mai &lt;b&gt;</a>, <a " in html  # tied on closeness: the most rated first
    assert "<b>" not in html.split("<main", 1)[1]
    assert "2 close matches" in html


def test_a_work_holding_the_query_makes_the_page_a_plain_count(client):
    WorkFactory(title="Chainsaw Man")
    WorkFactory(title="Chainsaw Maid")
    response, html = search(client, "chainsaw man")
    assert response.context["search"].has_match
    assert "No work called" not in html
    assert "matching “chainsaw man”" in html


def test_an_anime_search_that_finds_only_manga_leads_to_them(client):
    manga(title="Berserk")
    response, html = search(client, "berserk")
    assert not response.context["page"].object_list
    assert '<a href="/manga/?q=berserk">Manga: 1 work matching “berserk”</a>' in html
    assert "No work matches in Anime." in html
    response, html = search(client, "berserk", "manga")
    assert [work.title for work in response.context["page"].object_list] == ["Berserk"]
    assert 'data-search="elsewhere"' not in html


def test_close_here_and_holding_the_query_there(client):
    WorkFactory(title="Chainsaw Maid")
    manga(title="Chainsaw Man")
    manga(title="Chainsaw Man Part 2")
    _, html = search(client, "chainsaw man")
    assert "No work called “chainsaw man”; close: " in html
    assert '<a href="/manga/?q=chainsaw%20man">Manga: 2 works matching “chainsaw man”</a>' in html


def test_only_close_works_elsewhere_are_said_to_be_close(client):
    manga(title="Chainsaw Maid")
    _, html = search(client, "chainsaw man")
    assert '<a href="/manga/?q=chainsaw%20man">Manga: 1 work close to “chainsaw man”</a>' in html


def test_nsfw_works_elsewhere_are_not_counted_for_who_may_not_see_them(client):
    manga(title="Berserk", nsfw=True)
    _, html = search(client, "berserk")
    assert 'data-search="elsewhere"' not in html
    assert "No work matches. Try another spelling" in html


def query_count(client, query: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        search(client, query)
    return len(queries)


def test_what_the_page_says_costs_the_same_queries_whatever_the_number_of_works(client):
    search(client, "warm up")
    for index in range(3):
        WorkFactory(title=f"Chainsaw Maid {index}")
        manga(title=f"Chainsaw Man {index}")
    few = (query_count(client, "chainsaw man"), query_count(client, "chainsaw maid"))
    for index in range(3, 9):
        WorkFactory(title=f"Chainsaw Maid {index}")
        manga(title=f"Chainsaw Man {index}")
    many = (query_count(client, "chainsaw man"), query_count(client, "chainsaw maid"))
    assert few == many
    close, holding = many
    # Holding the query: one query more than the page itself; close only: the named works
    # and a count per other category, each search of the other category reading its candidate
    # titles first on SQLite.
    assert holding <= 10 and close <= holding + 6, many


def test_suggestions_of_another_category_lead_to_their_own_page_and_category(client):
    berserk = manga(title="Berserk")
    maid = WorkFactory(title="Chainsaw Maid")
    [found] = client.get(reverse("search-suggest"), {"q": "berserk"}).json()["results"]
    assert (found["url"], found["search_url"]) == (berserk.get_absolute_url(), "/manga/?q=berserk")
    assert found["category"] == "manga" and found["close"] is False
    [found] = client.get(reverse("search-suggest"), {"q": "chainsaw man"}).json()["results"]
    assert (found["url"], found["close"]) == (maid.get_absolute_url(), True)
    # Where the suggestion's search leads: that category's results, not an empty anime page.
    response, _ = search(client, "berserk", "manga")
    assert [work.pk for work in response.context["page"].object_list] == [berserk.pk]
