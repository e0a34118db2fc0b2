"""Error pages that must render whatever state the site is in."""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.template import loader


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: the styled "form expired" page (403), read from no database.

    Django's default renders through the context processors, which read the categories, the
    session and the user: with the database down a refused form became a 500. The template
    is rendered without a request context instead, as the 400 and 500 pages are.
    """
    page = loader.get_template("403_csrf.html").render({"no_cookie": reason == REASON_NO_CSRF_COOKIE})
    return HttpResponseForbidden(page)
