"""The readiness probe and an unreachable cache: the API keeps answering, the probe says why."""

import pytest
from django.core.cache import caches
from django.test import override_settings

# A Redis that is down: nothing listens on port 1.
DOWN_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}


def test_the_probe_reports_each_dependency(db, anon, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = anon.get("/api/health/").json()
    assert body == {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"}


@pytest.fixture
def cache_down():
    # Restored when this fixture ends, before the suite's cache clean-up runs.
    with override_settings(CACHES=DOWN_REDIS):
        yield
        caches["default"].close()


def test_with_the_cache_down_the_api_answers_unthrottled_and_the_probe_says_degraded(
    db, anon, me, cache_down, settings
):
    rest_framework = {**settings.REST_FRAMEWORK}
    rest_framework["DEFAULT_THROTTLE_RATES"] = {**rest_framework["DEFAULT_THROTTLE_RATES"], "anon": "1/min"}
    settings.REST_FRAMEWORK = rest_framework
    for _ in range(3):  # over the rate: the counts cannot be kept, so nobody is refused
        assert anon.get("/api/works/").status_code == 200
    assert me.get("/api/ratings/").status_code == 200
    health = anon.get("/api/health/")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["cache"].startswith("unreachable")
