"""Shared fixtures."""

import contextlib

import pytest

from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def rate(db):
    """rate(work, {choice: count, ...}): that many fresh users give ``work`` each choice."""

    def rate_work(work, counts: dict[str, int]):
        for choice, count in counts.items():
            for _ in range(count):
                rating_set(user=UserFactory(), work=work, choice=choice)
        work.refresh_from_db()
        return work

    return rate_work


@pytest.fixture
def work(db):
    return WorkFactory()


@pytest.fixture(autouse=True)
def empty_cache():
    """Counts kept in the cache (throttles, guests per address) start from zero in every test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Password hashing is deliberately slow; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextlib.contextmanager
def celery_eager(eager: bool):
    """Celery runs tasks in this process (True) or sends them to the broker (False), for a while.

    Afterwards Celery reads Django's settings again: the override is removed, not set back to
    the value it had (which would keep overriding ``settings.CELERY_TASK_ALWAYS_EAGER``).
    """
    from mangaki.celery import app

    changes = app.conf.changes
    had, before = "task_always_eager" in changes, changes.get("task_always_eager")
    app.conf.task_always_eager = eager
    try:
        yield
    finally:
        if had:
            changes["task_always_eager"] = before
        else:
            changes.pop("task_always_eager", None)


@pytest.fixture
def eager_celery():
    """Tasks run in this process even when CELERY_BROKER_URL is set (CI's second pass).

    The broker path itself, with a real worker, is what tests/integration covers.
    """
    with celery_eager(True):
        yield
