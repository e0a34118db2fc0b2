"""A staff retrain while the broker is down: a 503 in the API's error shape, and an honest probe.

Runs a real process whose broker is a Redis that is down (nothing listens on port 1), on its
own SQLite database.
"""

import json
import os
import subprocess
import sys

from django.conf import settings

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
    ours = {"DATABASE_URL", "CACHE_URL"}
    environment = {key: value for key, value in os.environ.items() if key not in ours}
    environment.update(
        DJANGO_SETTINGS_MODULE="mangaki.settings",
        SECRET_KEY="tests-only-" + "x" * 40,
        HTTPS="0",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"retrain with the broker down answered in {answer['seconds']:.2f} s")
    assert answer["status"] == 503
    assert answer["body"]["errors"] == [
        {"field": None, "code": "service_unavailable", "message": answer["body"]["detail"]}
    ]
    assert answer["health"]["status"] == "degraded"
    assert answer["health"]["database"] == "ok" and answer["health"]["broker"].startswith("unreachable")
