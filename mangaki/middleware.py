"""Requests no view should see."""

from __future__ import annotations

from django.http import Http404, JsonResponse


def reject_nul_in_path(get_response):
    """A NUL character in the path names no page or API resource: 404, before any view or query.

    PostgreSQL refuses NUL in text, so a lookup such as ``/u/%00/`` would otherwise fail deep in
    the database driver (a 500). The API answers in its JSON error shape, pages with the 404 page.
    """

    def middleware(request):
        if "\x00" in request.path_info:
            if request.path_info.startswith("/api/"):
                message = "No API endpoint at this path: it contains a NUL character."
                return JsonResponse(
                    {"detail": message, "errors": [{"field": None, "code": "not_found", "message": message}]},
                    status=404,
                )
            raise Http404("No page at a path with a NUL character.")
        return get_response(request)

    return middleware
