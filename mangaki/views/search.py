"""Search suggestions for the header's search box: a small JSON answer, fetched as one types."""

from __future__ import annotations

from urllib.parse import quote

from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from ..forms import CatalogueForm
from ..suggestions import work_suggestions

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
    the search for ``q`` in the work's own category. Not throttled: it costs less than the
    catalogue page it stands in for (bench/bench_search.py).
    """
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    results = [
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
            "search_url": search_url(suggestion.work.category.slug, query),
        }
        for suggestion in work_suggestions(query=query, user=request.user)
    ]
    response = JsonResponse({"query": query, "results": results})
    # Private: what is hidden (NSFW) depends on who asks.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
