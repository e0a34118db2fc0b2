"""API tokens: obtained with a password, revoked by their owner; sessions authenticate too.

And deleting the account (DELETE /api/account/), confirmed with the password.
"""

import pytest
from django.contrib.auth import get_user_model
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mangaki.models import Rating, UserSession
from mangaki.services.guests import guest_create
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory
from tests.mangaki.test_counters import assert_counters_equal_a_recount

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


# --- Deleting the account

ACCOUNT = "/api/account/"


def exists(user) -> bool:
    return get_user_model().objects.filter(pk=user.pk).exists()


def test_delete_my_account_with_my_password(db, me, user):
    works = [WorkFactory() for _ in range(3)]
    other = UserFactory()
    for work, choice in zip(works, ("favorite", "like", "dislike"), strict=True):
        rating_set(user=user, work=work, choice=choice)
        rating_set(user=other, work=work, choice="neutral")
    browser = Client()
    browser.force_login(user)

    response = me.delete(ACCOUNT, {"password": PASSWORD})

    assert response.status_code == 204
    assert not exists(user)
    assert list(Rating.objects.values_list("user_id", flat=True)) == [other.pk] * 3
    assert_counters_equal_a_recount([work.pk for work in works])
    # The old token is refused, and a browser signed in as them is signed out.
    refused = me.get("/api/ratings/")
    assert refused.status_code == 401 and error_fields(refused) == {None: "authentication_failed"}
    assert not Token.objects.filter(user_id=user.pk).exists()
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    assert browser.get("/api/ratings/").status_code == 401


@pytest.mark.parametrize(
    "body, code",
    [
        ({"password": "not my password"}, "password_incorrect"),
        ({}, "required"),
        ({"password": ""}, "required"),
    ],
)
def test_a_wrong_or_missing_password_is_400_and_deletes_nothing(db, me, user, work, body, code):
    rating_set(user=user, work=work, choice="like")
    response = me.delete(ACCOUNT, body)
    assert response.status_code == 400
    assert error_fields(response) == {"password": code}
    assert exists(user) and Rating.objects.filter(user=user).count() == 1
    assert me.get("/api/ratings/").status_code == 200  # the token still works


def test_deleting_needs_authentication(db, anon, user):
    response = anon.delete(ACCOUNT, {"password": PASSWORD})
    assert response.status_code == 401
    assert error_fields(response) == {None: "not_authenticated"}
    assert exists(user)


def test_a_signed_in_browser_deletes_with_its_session_and_csrf_token(db, user):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.delete(ACCOUNT, {"password": PASSWORD}).status_code == 403  # no CSRF token
    assert exists(user)
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    assert browser.delete(ACCOUNT, {"password": PASSWORD}, HTTP_X_CSRFTOKEN=secret).status_code == 204
    assert not exists(user)
    assert browser.get("/api/ratings/").status_code == 401


def test_a_guest_deletes_without_a_password(db, work):
    guest = guest_create()
    rating_set(user=guest, work=work, choice="like")
    browser = APIClient()
    browser.force_login(guest)
    assert browser.delete(ACCOUNT).status_code == 204
    assert not exists(guest) and not Rating.objects.exists()
    assert_counters_equal_a_recount([work.pk])


def test_wrong_passwords_here_count_toward_the_lockout(db, me, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert me.delete(ACCOUNT, {"password": "guess"}).status_code == 400
    last_guess = me.delete(ACCOUNT, {"password": "guess"})
    right = me.delete(ACCOUNT, {"password": PASSWORD})
    for answer in (last_guess, right):
        assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert error_fields(right) == {None: "locked_out"}
    assert exists(user)
    # The same lockout as signing in: the token endpoint refuses this username too.
    anon = APIClient()
    assert anon.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}).status_code == 429
