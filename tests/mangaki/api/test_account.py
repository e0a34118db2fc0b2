"""API tokens: obtained with a password, revoked by their owner; sessions authenticate too."""

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mangaki.models import Rating

from .conftest import PASSWORD, error_fields


def test_obtain_a_token_and_use_it(db, anon, user, work):
    response = anon.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=user).key == key
    # The same token until it is revoked.
    assert (
        anon.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}).json()["token"]
        == key
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.put(f"/api/ratings/{work.pk}/", {"choice": "like"}).status_code == 201
    assert Rating.objects.get(user=user).choice == "like"


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"username": "nobody", "password": "wrong"}, {None: "authorization"}),
        ({"username": "user0"}, {"password": "required"}),
        ({}, {"username": "required", "password": "required"}),
    ],
)
def test_bad_credentials_are_400(db, anon, body, fields):
    response = anon.post("/api/auth/token/", body)
    assert response.status_code == 400
    assert error_fields(response) == fields
    assert not Token.objects.exists()


def test_revoke_the_token(db, me, user):
    assert me.delete("/api/auth/token/").status_code == 204
    assert not Token.objects.filter(user=user).exists()
    response = me.get("/api/ratings/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_fields(response) == {None: "authentication_failed"}


def test_revoking_needs_authentication(db, anon):
    response = anon.delete("/api/auth/token/")
    assert response.status_code == 401
    assert error_fields(response) == {None: "not_authenticated"}


def test_session_authentication_reads_and_writes_with_csrf(db, user, work):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/ratings/").status_code == 200
    # A session write without the CSRF token is refused: the API is no CSRF hole.
    refused = browser.put(f"/api/ratings/{work.pk}/", {"choice": "like"})
    assert refused.status_code == 403
    assert error_fields(refused) == {None: "permission_denied"}
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    accepted = browser.put(f"/api/ratings/{work.pk}/", {"choice": "like"}, HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201


def test_wrong_passwords_lock_the_token_endpoint_for_that_client(db, anon, user, settings):
    wrong = {"username": user.username, "password": "guess"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert anon.post("/api/auth/token/", wrong).status_code == 400
    last_guess = anon.post("/api/auth/token/", wrong)
    right = anon.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    for answer in (last_guess, right):
        assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert error_fields(right) == {None: "locked_out"}
    assert not Token.objects.filter(user=user).exists()
