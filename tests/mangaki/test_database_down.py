"""An unreachable database: 503 with Retry-After (JSON under /api/, a page elsewhere), not a 500.

A real process whose PostgreSQL is an address where nothing listens.
"""

import json

from tests.subprocess_support import run_django

CODE = """
import json
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
answers = {}
for path in ("/api/works/", "/api/health/", "/anime/"):
    response = client.get(path)
    answers[path] = {"status": response.status_code, "type": response["Content-Type"],
                     "retry": response.get("Retry-After"), "body": response.content.decode()[:400]}
print(json.dumps(answers))
"""


def test_pages_and_api_answer_503_while_the_database_is_unreachable(tmp_path):
    answers = run_django(
        CODE, DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable", MEDIA_ROOT=str(tmp_path / "media")
    )
    works = answers["/api/works/"]
    assert works["status"] == 503 and works["type"] == "application/json" and works["retry"] == "10"
    assert json.loads(works["body"])["errors"][0]["code"] == "service_unavailable"
    health = json.loads(answers["/api/health/"]["body"])
    assert answers["/api/health/"]["status"] == 503 and health["status"] == "down"
    assert health["database"].startswith("unreachable")
    page = answers["/anime/"]
    assert (
        page["status"] == 503 and page["type"].startswith("text/html") and "Back in a moment" in page["body"]
    )


CSRF_CODE = """
import json
import django
django.setup()
from django.test import Client
client = Client(enforce_csrf_checks=True, raise_request_exception=False)
client.cookies["csrftoken"] = "x" * 32
response = client.post("/accounts/login/", {"username": "someone", "password": "secret",
                                            "csrfmiddlewaretoken": "y" * 32})
print(json.dumps({"status": response.status_code, "body": response.content.decode()}))
"""


def test_a_refused_form_is_the_403_page_even_while_the_database_is_unreachable(tmp_path):
    # Django's own CSRF failure page renders through the context processors, which read the
    # database: it was a 500 (issue 20, row 12).
    answer = run_django(
        CSRF_CODE,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    assert answer["status"] == 403
    assert "This form has expired" in answer["body"] and 'class="site-header"' in answer["body"]
