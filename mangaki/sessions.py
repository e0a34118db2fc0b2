"""Session engine (``SESSION_ENGINE = "mangaki.sessions"``): Django's database sessions, plus their user.

Django's documented way to extend the database engine ("Extending database-backed session
engines"): the same store, saving into ``models.UserSession``, whose ``user_id`` column lets
``services.accounts.account_delete`` end every session of an account at once. Expired
sessions are cleared as before (``manage.py clearsessions`` calls ``clear_expired``, which
works on the model this store names).
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


def _user_id(data: dict) -> int | None:
    try:
        return int(data.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import UserSession  # imported late, as Django's own store does

        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.user_id = _user_id(data)
        return session
