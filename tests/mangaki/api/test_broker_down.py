"""A staff retrain while the broker is down: a 503 in the API's error shape, and an honest probe.

Runs a real process whose broker is a Redis that is down (nothing listens on port 1), on its
own SQLite database.
"""

from tests.subprocess_support import run_django

CODE = """
import json, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
staff = get_user_model().objects.create_user("boss", password="unused-password-1", is_staff=True)
client = APIClient()
client.force_authenticate(staff)
started = time.perf_counter()
response = client.post("/api/models/retrain/", {"algorithm": "als"}, format="json")
seconds = time.perf_counter() - started
print(json.dumps({"status": response.status_code, "body": response.json(), "seconds": seconds,
                  "health": client.get("/api/health/").json()}))
"""


def test_a_retrain_with_the_broker_down_answers_503_and_the_probe_names_the_broker(tmp_path):
    answer = run_django(
        CODE,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    print(f"retrain with the broker down answered in {answer['seconds']:.2f} s")
    assert answer["status"] == 503
    assert answer["body"]["errors"] == [
        {"field": None, "code": "service_unavailable", "message": answer["body"]["detail"]}
    ]
    assert answer["health"]["status"] == "degraded"
    assert answer["health"]["database"] == "ok" and answer["health"]["broker"].startswith("unreachable")
