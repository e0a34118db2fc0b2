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


def test_a_nul_in_a_query_parameter_is_a_field_error_or_the_400_page(client):
    WorkFactory(title="Cowboy Bebop")
    assert client.get("/anime/?q=%00").status_code == 400  # tests/mangaki/test_nul_input.py has more
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


@pytest.mark.parametrize(
    "query",
    [
        "page_size=100&page=1",
        "page_size=101",
        "page=99999999999999999999",
        "page_size=-1",
        "search=" + "a" * 100,
        "search=" + "a" * 101,
        "ordering=top&page_size=100",
        "ordering=nothing",
        "type=" + "x" * 2000,
        "tag=" + "&tag=".join(f"genre-{index:02}" for index in range(43)),
        "category=nothing",
    ],
)
def test_every_list_parameter_at_and_past_its_limit_is_answered_not_crashed(client, query):
    for index in range(43):
        TagFactory(title=f"Genre {index:02}")
    response = client.get(f"/api/works/?{query}")
    assert response.status_code in (200, 400, 404), response.content[:300]
    if response.status_code != 200:
        error_fields(response)  # the one error shape


@pytest.mark.parametrize(
    "query", ["limit=100", "limit=101", "limit=0", "category=anime&limit=100", "algorithm=nothing"]
)
def test_recommendation_parameters_at_and_past_their_limits(token_client, query):
    response = token_client.get(f"/api/recommendations/?{query}")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        error_fields(response)
