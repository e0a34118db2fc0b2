"""Shared fixtures."""

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


@pytest.fixture
def eager_celery():
    """Tasks run in this process even when CELERY_BROKER_URL is set (CI's second pass).

    The broker path itself, with a real worker, is what tests/integration covers.
    """
    from mangaki.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
