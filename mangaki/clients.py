"""Who is asking: the client address every limit counts by (sign-in lockouts, API throttles).

Behind ``NUM_PROXIES`` reverse proxies, the address the nearest trusted proxy saw: that many
entries from the end of X-Forwarded-For (what a client writes before them is ignored). With no
proxy (the default) the header is ignored altogether, since any client can write it. REST
framework's throttles apply the same rule from the same setting.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]


def hourly_share_spent(scope: str, address: str, *, limit: int) -> bool:
    """Count one more ``scope`` event (a new guest, a sign-up) for ``address`` this hour.

    True once the count passes ``limit``. Counted in the shared cache; if the cache is
    unreachable the event is allowed (False): what these limits guard, new accounts, moves no
    public counter until the account has shown life.
    """
    key = f"mangaki:{scope}:{address}"
    try:
        cache.add(key, 0, timeout=3600)
        count = cache.incr(key)
    except (RedisError, OSError, ValueError) as error:  # ValueError: the key expired in between
        logger.warning("%s limit not counted: %s", scope, error)
        return False
    return count > limit
