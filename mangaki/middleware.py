"""Requests no view should see, and answers when the database is away."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)
DATABASE_RETRY_SECONDS = 10


def _api_error(message: str, code: str, status: int) -> JsonResponse:
    """An answer in the API's one error shape (see mangaki.api.exceptions)."""
    return JsonResponse(
        {"detail": message, "errors": [{"field": None, "code": code, "message": message}]}, status=status
    )


def reject_nul_in_path(get_response):
    """A NUL character in the path names no page or API resource: 404, before any view or query.

    PostgreSQL refuses NUL in text, so a lookup such as ``/u/%00/`` would otherwise fail deep in
    the database driver (a 500). The API answers in its JSON error shape, pages with the 404 page.
    """

    def middleware(request):
        if "\x00" in request.path_info:
            if request.path_info.startswith("/api/"):
                return _api_error(
                    "No API endpoint at this path: it contains a NUL character.", "not_found", 404
                )
            raise Http404("No page at a path with a NUL character.")
        return get_response(request)

    return middleware


class DatabaseUnavailable:
    """The database cannot be reached: 503 with Retry-After (JSON under /api/), not a 500.

    Connections are checked before reuse (``CONN_HEALTH_CHECKS``), so the first request after
    the database is back is served normally.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unreachable: %s", exception)
        message = "The site's database cannot be reached right now; try again in a few seconds."
        if request.path_info.startswith("/api/"):
            answer = _api_error(message, "service_unavailable", 503)
        else:
            title = "Back in a moment"
            page = f"<!doctype html><title>{title} · Mangaki</title><h1>{title}</h1><p>{message}</p>"
            answer = HttpResponse(page, status=503)
        answer["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return answer
