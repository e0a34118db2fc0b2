"""Throttling: per anonymous client, per user, stricter scopes; 429 with Retry-After."""

import pytest

from .conftest import PASSWORD, error_fields


@pytest.fixture
def rates(settings):
    """Low rates for the test; the throttles read the setting when they run."""

    def set_rates(**overrides):
        rest_framework = {**settings.REST_FRAMEWORK}
        rest_framework["DEFAULT_THROTTLE_RATES"] = {
            "anon": None,
            "user": None,
            "recommendations": None,
            "token": None,
            **overrides,
        }
        settings.REST_FRAMEWORK = rest_framework

    return set_rates


def assert_throttled(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert error_fields(response) == {None: "throttled"}


def test_anonymous_clients_are_throttled_per_address(db, rates, anon, me):
    rates(anon="3/min")
    for _ in range(3):
        assert anon.get("/api/works/").status_code == 200
    assert_throttled(anon.get("/api/works/"))
    assert_throttled(anon.get("/api/categories/"))  # the budget is per client, not per endpoint
    assert me.get("/api/works/").status_code == 200  # a signed-in user has their own budget


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(db, rates, anon):
    rates(anon="3/min")
    for number in range(3):
        assert anon.get("/api/works/", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}").status_code == 200
    assert_throttled(anon.get("/api/works/", HTTP_X_FORWARDED_FOR="198.51.100.7"))


def test_behind_one_proxy_the_client_is_the_last_forwarded_address(db, rates, anon, settings):
    rates(anon="2/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy appends the address it saw; what the client wrote before it does not count.
    for forged in ("1.1.1.1", "2.2.2.2"):
        assert anon.get("/api/works/", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.5").status_code == 200
    assert_throttled(anon.get("/api/works/", HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.5"))
    assert anon.get("/api/works/", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 200


def test_users_are_throttled_per_user(db, rates, client_of, user, staff):
    rates(user="2/min")
    mine, other = client_of(user), client_of(staff)
    assert mine.get("/api/ratings/").status_code == 200
    assert mine.get("/api/works/").status_code == 200
    assert_throttled(mine.get("/api/ratings/"))
    assert other.get("/api/ratings/").status_code == 200


def test_recommendations_have_a_stricter_scope(db, rates, me):
    rates(user="100/min", recommendations="2/min")
    assert me.get("/api/recommendations/").status_code == 200
    assert me.get("/api/recommendations/").status_code == 200
    assert_throttled(me.get("/api/recommendations/"))
    assert me.get("/api/works/").status_code == 200


def test_token_requests_have_a_stricter_scope(db, rates, anon, user):
    rates(anon="100/min", token="2/min")
    wrong = {"username": user.username, "password": "guess"}
    assert anon.post("/api/auth/token/", wrong).status_code == 400
    assert anon.post("/api/auth/token/", wrong).status_code == 400
    # Guessing passwords stops here, even with the right one.
    assert_throttled(anon.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}))
    assert anon.get("/api/works/").status_code == 200


def test_the_default_rates_are_stricter_for_recommendations_and_tokens(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    def per_minute(rate: str) -> float:
        count, period = rate.split("/")
        return int(count) * 60 / {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]

    assert per_minute(rates["recommendations"]) < per_minute(rates["user"])
    assert per_minute(rates["token"]) < per_minute(rates["anon"])
