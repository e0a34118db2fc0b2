"""Throttles that read their rates when they run, not when the module is imported.

REST framework's own classes copy ``DEFAULT_THROTTLE_RATES`` into a class attribute at
import time, so a rate changed in settings afterwards (a test, a reloaded setting) would be
ignored. A rate of ``None`` turns a scope off (``API_THROTTLING=0``, used by the benchmark).
"""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.settings import api_settings


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    """Per client address, for requests without a user."""


class UserThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    """Per user when signed in, per client address otherwise."""


class ScopedThrottle(_RatesFromSettings, throttling.ScopedRateThrottle):
    """A stricter budget for one kind of request, named by the view's ``throttle_scope``."""
