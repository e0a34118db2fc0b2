"""Throttles that read their rates when they run, and let requests through if the cache is down.

REST framework's own classes copy ``DEFAULT_THROTTLE_RATES`` into a class attribute at
import time, so a rate changed in settings afterwards (a test, a reloaded setting) would be
ignored. A rate of ``None`` turns a scope off (``API_THROTTLING=0``, used by the benchmark).

The counts live in the cache (Redis with ``CACHE_URL``). If it cannot be reached, a throttle
fails open: the request is served unthrottled and the outage logged, rather than every API
call answering 500. Sign-in lockouts do not depend on it (they are kept in the database).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning("throttling skipped, the cache is unreachable: %s", error)
            return True


class AnonThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    """Per client address, for requests without a user."""


class UserThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    """Per user when signed in, per client address otherwise."""


class ScopedThrottle(_RatesFromSettings, throttling.ScopedRateThrottle):
    """A stricter budget for one kind of request, named by the view's ``throttle_scope``."""
