"""The readiness probe against the real services of the second CI pass (Redis broker)."""

from rest_framework.test import APIClient


def test_the_probe_reaches_the_real_broker(db, broker):
    body = APIClient().get("/api/health/").json()
    assert body["broker"] == "ok" and body["database"] == "ok"
    assert body["status"] == "ok"
