"""A few clients cannot hold the site (issue 20, row 4): pages and suggestions are throttled per
client address, and suggestions are cached per normalised query in the shared cache.

150 concurrent ``/search/suggest/`` for 20 s kept ``/api/health/`` waiting: each client now has a
budget a minute (429 with Retry-After past it), and the same keystrokes read the database once.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_suggestions_past_the_budget_are_a_json_429_with_retry_after(settings):
    settings.MANGAKI_SUGGESTIONS_PER_MINUTE = 3
    WorkFactory(title="Cowboy Bebop")
    greedy, other = client_at("203.0.113.7"), client_at("203.0.113.8")
    for _ in range(3):
        assert greedy.get("/search/suggest/", {"q": "bebop"}).status_code == 200
    refused = greedy.get("/search/suggest/", {"q": "bebop"})
    assert refused.status_code == 429 and refused["Content-Type"] == "application/json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"] == [
        {"field": None, "code": "throttled", "message": refused.json()["detail"]}
    ]
    assert other.get("/search/suggest/", {"q": "bebop"}).status_code == 200  # per client address
    assert greedy.get("/anime/").status_code == 200  # pages have their own budget
    assert greedy.get("/api/health/").status_code == 200  # the probe is never throttled


def test_pages_past_the_budget_are_the_429_page(settings):
    settings.MANGAKI_PAGES_PER_MINUTE = 2
    greedy = client_at("203.0.113.9")
    assert [greedy.get(path).status_code for path in ("/", "/anime/")] == [200, 200]
    refused = greedy.get("/manga/")
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/html")
    assert (
        "Too many requests" in refused.content.decode() and 'class="site-header"' in refused.content.decode()
    )
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client_at("203.0.113.10").get("/manga/").status_code == 200


def test_behind_one_proxy_the_budget_is_the_forwarded_clients(settings):
    settings.MANGAKI_PAGES_PER_MINUTE = 1
    settings.NUM_PROXIES = 1
    proxy = client_at("10.0.0.1")
    assert proxy.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert proxy.get("/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    assert proxy.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429


def test_zero_turns_a_budget_off(settings):
    settings.MANGAKI_SUGGESTIONS_PER_MINUTE = 0
    client = client_at("203.0.113.11")
    assert all(client.get("/search/suggest/", {"q": "ab"}).status_code == 200 for _ in range(130))


def test_a_cached_suggestion_answers_without_a_query_for_the_same_normalised_text():
    WorkFactory(title="Cowboy Bebop")
    client = Client()
    first = client.get("/search/suggest/", {"q": "Cowboy Bebop"})
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/search/suggest/", {"q": "  cowboy   BEBOP "})
    assert queries.captured_queries == []
    assert [r["id"] for r in again.json()["results"]] == [r["id"] for r in first.json()["results"]] != []
    # The search link keeps the query as typed, not as it was cached.
    assert again.json()["results"][0]["search_url"] == "/anime/?q=%20%20cowboy%20%20%20BEBOP%20"
    assert again.json()["query"] == "  cowboy   BEBOP "


def test_the_cache_keeps_nsfw_answers_apart(client):
    WorkFactory(title="Monster")
    WorkFactory(title="Monster Musume", nsfw=True)
    assert [r["title"] for r in Client().get("/search/suggest/", {"q": "monster"}).json()["results"]] == [
        "Monster"
    ]
    member = UserFactory()
    member.profile.nsfw_ok = True
    member.profile.save()
    client.force_login(member)
    titles = {r["title"] for r in client.get("/search/suggest/", {"q": "monster"}).json()["results"]}
    assert titles == {"Monster", "Monster Musume"}


def test_with_the_cache_down_suggestions_and_pages_are_served_unthrottled(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    settings.MANGAKI_PAGES_PER_MINUTE = settings.MANGAKI_SUGGESTIONS_PER_MINUTE = 1
    WorkFactory(title="Cowboy Bebop")
    client = client_at("203.0.113.12")
    for _ in range(3):
        answer = client.get("/search/suggest/", {"q": "bebop"})
        assert answer.status_code == 200 and answer.json()["results"]
        assert client.get("/anime/").status_code == 200


def test_the_budgets_are_on_in_production_and_off_with_api_throttling_off():
    from tests.subprocess_support import run_django

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.MANGAKI_PAGES_PER_MINUTE, settings.MANGAKI_SUGGESTIONS_PER_MINUTE]))"
    )
    unset = {"API_THROTTLING": "", "MANGAKI_PAGES_PER_MINUTE": "", "MANGAKI_SUGGESTIONS_PER_MINUTE": ""}
    assert run_django(code, **unset) == [120, 120]
    assert run_django(code, **{**unset, "API_THROTTLING": "0"}) == [0, 0]
    assert run_django(code, **{**unset, "API_THROTTLING": "0", "MANGAKI_PAGES_PER_MINUTE": "30"}) == [30, 0]
