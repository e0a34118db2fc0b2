"""The OpenAPI schema: valid, warning-free, served, and documenting the error answers."""

import pytest
import yaml
from django.core.management import call_command


def test_spectacular_validates_without_warnings(db, tmp_path):
    # The same check as `manage.py spectacular --validate --fail-on-warn`.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")


@pytest.fixture
def schema(db, anon):
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_endpoint(schema):
    assert set(schema["paths"]) == {
        "/api/account/",
        "/api/auth/token/",
        "/api/calendar/",
        "/api/categories/",
        "/api/categories/{slug}/",
        "/api/franchises/hidden/",
        "/api/franchises/hidden/{work}/",
        "/api/health/",
        "/api/imports/",
        "/api/imports/{id}/",
        "/api/models/",
        "/api/models/{id}/",
        "/api/models/{id}/activate/",
        "/api/models/retrain/",
        "/api/progress/",
        "/api/progress/{work}/",
        "/api/progress/{work}/step/",
        "/api/ratings/",
        "/api/ratings/{work}/",
        "/api/ratings/bulk/",
        "/api/ratings/export/",
        "/api/recommendations/",
        "/api/tags/",
        "/api/tags/{slug}/",
        "/api/users/{username}/ratings/",
        "/api/works/",
        "/api/works/{id}/",
    }


def test_every_operation_documents_its_errors_in_one_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "429"} <= set(responses), (method, path)
            if method in {"put", "post"}:
                assert {"400", "403"} <= set(responses), (method, path)
                if "requestBody" in operation:  # a body of a type it does not read
                    assert "415" in responses, (method, path)
            for code, response in responses.items():
                if (path, code) == ("/api/health/", "503"):
                    continue  # the probe's own report, each dependency by name (tested beside it)
                if code >= "400":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (method, path, code)
            assert "Retry-After" in responses["429"]["headers"]


def test_docs_page_is_served(db, anon):
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
