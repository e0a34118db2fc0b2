"""A NUL character anywhere in a request's input is a 400, before any view or query (issue 20, row 9).

PostgreSQL refuses NUL in text: ``GET /api/recommendations/?category=%00`` answered 500 with
an HTML body. Every query parameter, form field and JSON string is checked by one middleware
(JSON field messages under /api/, the 400 page elsewhere); the suite's second pass runs this
on PostgreSQL. A value the database refuses for another reason (``DataError``) is a 400 too.
"""

import pytest
from django.db import DataError
from django.test import Client
from rest_framework.test import APIRequestFactory

from mangaki.api.exceptions import exception_handler
from tests.factories import UserFactory, WorkFactory

from .api.conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def member_client(db):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory())
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/recommendations/?category=%00", "category"),
        ("/api/recommendations/?limit=5&algorithm=als%00", "algorithm"),
        ("/api/works/?search=%00", "search"),
        ("/api/works/?category=anime&ordering=top%00", "ordering"),
        ("/api/ratings/?choice=like%00", "choice"),
        ("/api/ratings/export/?format=csv%00", "format"),
        ("/api/works/?%00=1", "\x00"),
    ],
)
def test_a_nul_in_an_api_query_parameter_is_a_json_400_naming_it(member_client, path, field):
    response = member_client.get(path)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert error_fields(response) == {field: "null_characters_not_allowed"}


def test_nul_in_json_strings_are_named_by_their_path(member_client):
    works = [WorkFactory(), WorkFactory()]
    body = {"ratings": [{"work": works[0].pk, "choice": "like"}, {"work": works[1].pk, "choice": "li\x00ke"}]}
    response = member_client.post("/api/ratings/bulk/", body, content_type="application/json")
    assert response.status_code == 400
    assert error_fields(response) == {"ratings[1].choice": "null_characters_not_allowed"}
    response = member_client.put(
        f"/api/ratings/{works[0].pk}/", {"choice": "like", "no\x00te": "x"}, content_type="application/json"
    )
    assert error_fields(response) == {"no\x00te": "null_characters_not_allowed"}
    from mangaki.models import Rating

    assert not Rating.objects.exists()  # refused before any view


def test_nul_in_an_api_form_body_is_a_json_400(member_client):
    work = WorkFactory()
    response = member_client.put(
        f"/api/ratings/{work.pk}/", "choice=like%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert error_fields(response) == {"choice": "null_characters_not_allowed"}


@pytest.mark.parametrize(
    "path", ["/anime/?q=%00", "/anime/?type=TV%00", "/search/suggest/?q=ab%00", "/u/someone/?page=%00"]
)
def test_a_nul_in_a_page_query_parameter_is_the_400_page(client, path):
    UserFactory(username="someone")
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Bad request" in response.content.decode()


def test_a_nul_in_a_form_field_is_the_400_page_for_multipart_and_urlencoded_forms(client):
    multipart = client.post("/accounts/login/", {"username": "a\x00b", "password": "secret"})
    assert multipart.status_code == 400 and "Bad request" in multipart.content.decode()
    urlencoded = client.post(
        "/accounts/signup/",
        "username=a%00b&password1=x&password2=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert urlencoded.status_code == 400 and "Bad request" in urlencoded.content.decode()


def test_input_without_nul_is_served_as_before(member_client):
    work = WorkFactory()
    response = member_client.put(
        f"/api/ratings/{work.pk}/", {"choice": "like"}, content_type="application/json"
    )
    assert response.status_code in (200, 201), response.content[:300]
    assert member_client.get("/api/works/?search=Work").status_code == 200


def test_a_value_the_database_refuses_is_a_400_in_the_api_error_shape():
    request = APIRequestFactory().get("/api/works/")
    response = exception_handler(
        DataError("value too long for type character varying(8)"), {"request": request}
    )
    assert response.status_code == 400
    assert response.data["errors"] == [
        {"field": None, "code": "invalid", "message": "A value of the request is not valid here."}
    ]
