"""Hostile requests get a clear 4xx (JSON under /api/, the error page elsewhere), never a 500.

On PostgreSQL a NUL character reaching a query fails in the driver; the suite's second pass
runs these against it.
"""

import pytest
from django.test import Client

from tests.factories import TagFactory, UserFactory, WorkFactory

from .api.conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path", ["/u/%00/", "/anime/%00/", "/u/a%00b/settings/"])
def test_a_nul_in_a_page_path_is_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/api/tags/%00/", "/api/works/%00/", "/api/users/%00/ratings/", "/api/ratings/%00/"]
)
def test_a_nul_in_an_api_path_is_a_json_404(client, path):
    TagFactory(title="Action")
    response = client.get(path)
    assert response.status_code == 404
    assert error_fields(response) == {None: "not_found"}


def test_a_nul_in_a_query_parameter_is_a_field_error_or_ignored(client):
    WorkFactory(title="Cowboy Bebop")
    assert client.get("/anime/?q=%00").status_code == 200
    assert error_fields(client.get("/api/works/?search=%00")) == {"search": "null_characters_not_allowed"}


@pytest.fixture
def token_client(db):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory())
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")


def test_json_nested_far_too_deep_is_a_400_naming_the_body(token_client):
    deep = "[" * 100_000 + "]" * 100_000
    response = token_client.post("/api/ratings/bulk/", deep, content_type="application/json")
    assert response.status_code == 400
    assert error_fields(response) == {"body": "parse_error"}


def test_a_body_over_the_limit_is_a_json_413(token_client, settings):
    row = '{"work": 1, "choice": "like"}'
    body = '{"ratings": [' + ",".join([row] * 100_000) + "]}"
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = token_client.post("/api/ratings/bulk/", body, content_type="application/json")
    assert response.status_code == 413
    assert error_fields(response) == {"body": "too_large"}
