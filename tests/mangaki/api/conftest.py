"""Clients for the API tests: anonymous, signed in with a token, signed in with a session."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def empty_throttle_history():
    """Throttling counts requests in the cache: every test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_of(db):
    """client_of(user): a client that authenticates as ``user`` with an API token."""
    return token_client


@pytest.fixture
def me(user, client_of):
    return client_of(user)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def error_fields(response) -> dict:
    """{field: code} of a 4xx answer, after checking it has the one error shape."""
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    assert body["detail"] and body["errors"], body
    return {error["field"]: error["code"] for error in body["errors"]}
