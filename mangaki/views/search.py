"""Search suggestions for the header's search box: a small JSON answer, fetched as one types."""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from ..forms import CatalogueForm
from ..querysets import nsfw_allowed
from ..suggestions import work_suggestions
from ..text_search import normalize

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = CatalogueForm.base_fields["q"].max_length
# The browser may answer the same query again from its cache for a minute (backspacing).
CACHE_SECONDS = 60


def search_url(category: str, query: str) -> str:
    """The catalogue page of ``category`` searching ``query`` (as the page's own links write it)."""
    return f"{reverse('work-list', args=[category])}?q={quote(query, safe='')}"


@require_GET
def suggest(request):
    """``GET /search/suggest/?q=…``: at most eight works matching ``q``, best first.

    ``{"query": q, "results": [{"id", "title", "other_title", "close", "year", "type",
    "category", "category_name", "url", "search_url"}]}``; ``title`` is the work's title in its
    proper form (``titles.proper_form``), ``other_title`` the title that matched when it is not
    the one shown, ``close`` true when no title holds the query (it only comes close), ``year``
    the year it first aired (null when unknown); ``url`` is the work's page and ``search_url``
    the search for ``q`` in the work's own category.

    Throttled per client address (``MANGAKI_SUGGESTIONS_PER_MINUTE``, mangaki.middleware), and
    cached in the shared cache for ``MANGAKI_SUGGESTIONS_CACHE_SECONDS`` per normalised query
    and NSFW flag (what decides the answer: ``Naruto`` and ``naruto `` are one entry), so a
    burst of the same keystrokes reads the database once.
    """
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    key = _cache_key(query, nsfw_allowed(request.user))
    results = _cached(key)
    if results is None:
        results = _results(query, request.user)
        _store(key, results)
    for result in results:  # the search links keep the query as it was typed
        result["search_url"] = search_url(result["category"], query)
    response = JsonResponse({"query": query, "results": results})
    # Private: what is hidden (NSFW) depends on who asks.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


def _cache_key(query: str, nsfw: bool) -> str:
    digest = hashlib.sha256(normalize(query).encode("utf-8")).hexdigest()
    return f"mangaki:suggest:v1:{int(nsfw)}:{digest}"


def _cached(key: str) -> list[dict] | None:
    if not settings.MANGAKI_SUGGESTIONS_CACHE_SECONDS:
        return None
    try:
        return cache.get(key)
    except (RedisError, OSError) as error:  # the cache is down: answer from the database
        logger.warning("suggestion cache unreachable: %s", error)
        return None


def _store(key: str, results: list[dict]) -> None:
    if not settings.MANGAKI_SUGGESTIONS_CACHE_SECONDS:
        return
    try:
        cache.set(key, results, timeout=settings.MANGAKI_SUGGESTIONS_CACHE_SECONDS)
    except (RedisError, OSError) as error:
        logger.warning("suggestion cache unreachable: %s", error)


def _results(query: str, user) -> list[dict]:
    """The suggestions as the answer lists them, without their ``search_url`` (it keeps ``q`` as typed)."""
    return [
        {
            "id": suggestion.work.pk,
            "title": suggestion.title,
            "other_title": suggestion.other_title,
            "close": suggestion.close,
            "year": suggestion.work.year,
            "type": suggestion.work.work_type,
            "category": suggestion.work.category.slug,
            "category_name": suggestion.work.category.name,
            "url": suggestion.work.get_absolute_url(),
        }
        for suggestion in work_suggestions(query=query, user=user)
    ]
