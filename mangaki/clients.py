"""Who is asking: the client address every limit counts by (sign-in lockouts, API throttles).

Behind ``NUM_PROXIES`` reverse proxies, the address the nearest trusted proxy saw: that many
entries from the end of X-Forwarded-For (what a client writes before them is ignored). With no
proxy (the default) the header is ignored altogether, since any client can write it. REST
framework's throttles apply the same rule from the same setting.
"""

from __future__ import annotations

from django.conf import settings


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
