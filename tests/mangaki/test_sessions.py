"""The session engine records whose each session is; expired ones are still cleared; old ones carry over."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mangaki.models import UserSession
from mangaki.sessions import SessionStore
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # UserFactory's


def test_logging_in_records_the_user_and_logging_out_removes_the_session(settings):
    assert settings.SESSION_ENGINE == "mangaki.sessions"
    user = UserFactory()
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert UserSession.objects.get(session_key=key).user_id == user.pk
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user_id=user.pk).exists()


def test_a_visitors_guest_session_records_the_guest(settings):
    client = Client()
    client.post(reverse("rate", args=[WorkFactory().pk]), {"choice": "like"}, HTTP_ACCEPT="application/json")
    session = UserSession.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert session.user_id is not None
    assert session.get_decoded()["_auth_user_id"] == str(session.user_id)


def test_an_anonymous_session_has_no_user():
    store = SessionStore()
    store["seen"] = True
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id is None


def test_clearsessions_removes_the_expired_sessions_of_this_engine():
    fresh, stale = SessionStore(), SessionStore()
    for store in (fresh, stale):
        store["_auth_user_id"] = "7"
        store.save()
    UserSession.objects.filter(session_key=stale.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    call_command("clearsessions")
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [fresh.session_key]


def test_the_migration_carries_open_sessions_over_with_their_user():
    copy_sessions = importlib.import_module("mangaki.migrations.0007_user_sessions").copy_sessions
    user = UserFactory()
    before = DjangoSessionStore()  # a session saved by Django's own engine, before the switch
    before["_auth_user_id"] = str(user.pk)
    before.save()
    anonymous, expired = DjangoSessionStore(), DjangoSessionStore()
    for store in (anonymous, expired):
        store["seen"] = True
        store.save()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(1))

    copy_sessions(apps, None)

    copied = dict(UserSession.objects.values_list("session_key", "user_id"))
    assert copied == {before.session_key: user.pk, anonymous.session_key: None}
    # Still readable by the new engine: whoever was logged in stays logged in.
    assert SessionStore(before.session_key).load()["_auth_user_id"] == str(user.pk)
