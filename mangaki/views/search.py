"""Search suggestions for the header's search box: a small JSON answer, fetched as one types."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from ..forms import CatalogueForm
from ..suggestions import work_suggestions

MAX_QUERY_LENGTH = CatalogueForm.base_fields["q"].max_length
# The browser may answer the same query again from its cache for a minute (backspacing).
CACHE_SECONDS = 60


@require_GET
def suggest(request):
    """``GET /search/suggest/?q=…``: at most eight works matching ``q``, best first.

    ``{"query": q, "results": [{"id", "title", "other_title", "year", "type", "category",
    "category_name", "url"}]}``; ``other_title`` is the title that matched when it is not the
    one shown, ``year`` the year it first aired (null when unknown). Not throttled: it costs
    less than the catalogue page it stands in for (bench/bench_search.py).
    """
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    results = [
        {
            "id": suggestion.work.pk,
            "title": suggestion.work.title,
            "other_title": suggestion.other_title,
            "year": suggestion.work.aired_from.year if suggestion.work.aired_from else None,
            "type": suggestion.work.work_type,
            "category": suggestion.work.category.slug,
            "category_name": suggestion.work.category.name,
            "url": suggestion.work.get_absolute_url(),
        }
        for suggestion in work_suggestions(query=query, user=request.user)
    ]
    response = JsonResponse({"query": query, "results": results})
    # Private: what is hidden (NSFW) depends on who asks.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
