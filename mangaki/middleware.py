"""Requests no view should see, and answers when the database is away or busy."""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.views import defaults
from redis.exceptions import RedisError

from .clients import client_address

logger = logging.getLogger(__name__)
DATABASE_RETRY_SECONDS = 10
# A request that gave up waiting for a row lock (``MANGAKI_WEB_LOCK_TIMEOUT_MS``) is worth
# retrying sooner than one that found the database down.
LOCK_RETRY_SECONDS = 2
# PostgreSQL's SQLSTATE for "lock_not_available", what ``lock_timeout`` raises.
LOCK_NOT_AVAILABLE = "55P03"
NUL = "\x00"


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


def _nul_fields_in_json(document) -> list[str]:
    """Paths (``ratings[3].choice``, as the API's errors name fields) of the strings holding a NUL."""
    found, stack = [], [("", document)]
    while stack:  # no recursion: a document nested 900 deep is valid JSON
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                found.append(path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if NUL in str(key):
                    found.append(name)
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return sorted(found)


def _nul_fields(request) -> list[str]:
    """Query parameters, form fields and JSON strings of ``request`` that hold a NUL character.

    A body Django or REST framework would refuse anyway (too large, too many fields, not JSON)
    is left for the view to refuse in its usual words.
    """
    found = []
    try:
        found.extend(
            name for name, values in request.GET.lists() if NUL in name or any(NUL in v for v in values)
        )
    except SuspiciousOperation:
        return []
    content_type = request.content_type or ""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return found
    if content_type == "application/x-www-form-urlencoded":
        try:  # the body is kept (request.body): the view reads the same fields again
            # Django parses the fields of a POST only; REST framework reads PUT's and PATCH's too.
            fields = request.POST if request.method == "POST" else QueryDict(request.body)
        except SuspiciousOperation:
            return found
        found.extend(name for name, values in fields.lists() if NUL in name or any(NUL in v for v in values))
    elif content_type == "multipart/form-data":
        # Parsed once and kept by Django (REST framework reuses it); a body it refuses raises
        # here, and the caller answers as the view would have.
        fields = request.POST
        found.extend(name for name, values in fields.lists() if NUL in name or any(NUL in v for v in values))
        found.extend(name for name, upload in request.FILES.items() if NUL in (upload.name or ""))
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except (RequestDataTooBig, ValueError, RecursionError):
            return found
        found.extend(_nul_fields_in_json(document))
    return found


def _body_refused(request, error: Exception):
    """The API's answer to a multipart body Django refused while it was checked for NUL characters."""
    if not request.path_info.startswith("/api/"):
        raise error  # Django's 400 page, as the view itself would have raised it
    if isinstance(error, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message, code, status = f"The request body is larger than {limit} bytes.", "too_large", 413
    elif isinstance(error, MultiPartParserError):
        message, code, status = f"Multipart form parse error - {error}", "parse_error", 400
    else:
        message, code, status = str(error), "parse_error", 400
    return JsonResponse(
        {"detail": message, "errors": [{"field": "body", "code": code, "message": message}]}, status=status
    )


def reject_nul_in_input(get_response):
    """A NUL character in a query parameter, a form field or a JSON string: 400, before any view.

    No text the site stores or searches may hold one (PostgreSQL refuses it outright, a 500 deep
    in the driver otherwise), so it is refused at the door for every page and endpoint: in the
    API's JSON error shape under /api/, naming each field, and with the 400 page elsewhere.
    """

    def middleware(request):
        try:
            fields = _nul_fields(request)
        except (SuspiciousOperation, MultiPartParserError) as error:
            return _body_refused(request, error)
        if not fields:
            return get_response(request)
        message = "Must not contain a NUL character (\\x00)."
        if request.path_info.startswith("/api/"):
            errors = [
                {"field": field, "code": "null_characters_not_allowed", "message": message}
                for field in fields
            ]
            summary = "Invalid input: " + "; ".join(f"{field}: {message}" for field in fields[:5])
            return JsonResponse({"detail": summary, "errors": errors}, status=400)
        return defaults.bad_request(request, SuspiciousOperation(f"NUL character in {', '.join(fields)}"))

    return middleware


def _wants_json(request) -> bool:
    """The API, the suggestions, and the page's own scripts (the rating widget asks for JSON)."""
    path = request.path_info
    return (
        path.startswith("/api/")
        or path == SUGGEST_PATH
        or request.headers.get("Accept", "").startswith("application/json")
    )


def is_lock_timeout(error: Exception) -> bool:
    """``error`` is a lock given up on: PostgreSQL's ``lock_timeout``, or SQLite busy with a writer
    (the embedded default: one writer at a time, "database is locked", "database table is locked")."""
    cause = getattr(error, "__cause__", None)
    if getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE or getattr(cause, "pgcode", None) == (
        LOCK_NOT_AVAILABLE
    ):
        return True
    return type(cause).__module__ == "sqlite3" and "locked" in str(cause)


def set_web_lock_timeout(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver of the web server (mangaki/wsgi.py): PostgreSQL's
    ``lock_timeout`` for every connection, so a request blocked by a long writer (an import, an
    account being deleted) gives up after ``MANGAKI_WEB_LOCK_TIMEOUT_MS`` and answers 503.

    Celery workers and commands do not load wsgi.py: their writes wait as long as they need.
    """
    milliseconds = settings.MANGAKI_WEB_LOCK_TIMEOUT_MS
    if connection.vendor != "postgresql" or not milliseconds:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(milliseconds)}ms"])


# Paths no page budget counts: the API (its own throttles), the health probe, covers and the
# favicon (a page loads dozens of covers), and static files (served before this middleware).
UNTHROTTLED_PREFIXES = ("/api/", "/media/", "/static/", "/favicon.ico")
SUGGEST_PATH = "/search/suggest/"
THROTTLE_WINDOW_SECONDS = 60


def throttle_wait(scope: str, address: str, limit: int, *, now: float | None = None) -> int:
    """0 if one more request of ``scope`` from ``address`` fits in ``limit`` a minute, else the
    seconds until it does. Counted in the shared cache (a fixed window per minute); a cache that
    is down lets the request through (and says so in the log), it never fails it."""
    now = time.time() if now is None else now
    window = int(now // THROTTLE_WINDOW_SECONDS)
    key = f"mangaki:throttle:{scope}:{address}:{window}"
    try:
        cache.add(key, 0, timeout=THROTTLE_WINDOW_SECONDS + 5)
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one as the first
        return 0
    except (RedisError, OSError) as error:
        logger.warning("page throttling skipped, the cache is unreachable: %s", error)
        return 0
    if count <= limit:
        return 0
    return max(1, int((window + 1) * THROTTLE_WINDOW_SECONDS - now + 0.999))


def throttle_pages(get_response):
    """Pages and search suggestions per client address: ``MANGAKI_PAGES_PER_MINUTE`` and
    ``MANGAKI_SUGGESTIONS_PER_MINUTE`` (0 turns one off), past which the answer is 429 with
    Retry-After (JSON for suggestions, the 429 page otherwise), before any session or query.

    A few clients asking as fast as they can would otherwise hold every worker; the API has
    REST framework's throttles, and the address is the one the proxy saw (``NUM_PROXIES``).
    """

    def middleware(request):
        path = request.path_info
        if path.startswith(UNTHROTTLED_PREFIXES):
            return get_response(request)
        suggest = path == SUGGEST_PATH
        limit = settings.MANGAKI_SUGGESTIONS_PER_MINUTE if suggest else settings.MANGAKI_PAGES_PER_MINUTE
        if not limit:
            return get_response(request)
        wait = throttle_wait("suggest" if suggest else "page", client_address(request), limit)
        if not wait:
            return get_response(request)
        if suggest:
            message = f"Too many suggestions asked from this address; try again in {wait} seconds."
            answer = _api_error(message, "throttled", 429)
        else:
            page = loader.get_template("429.html").render({"retry_after": wait})
            answer = HttpResponse(page, status=429)
        answer["Retry-After"] = str(wait)
        return answer

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
        if isinstance(exception, DataError):
            # A value the database refuses (out of range, malformed): the request's fault, 400.
            logger.warning("value refused by the database: %s", exception)
            if request.path_info.startswith("/api/"):
                return _api_error("A value of the request is not valid here.", "invalid", 400)
            return defaults.bad_request(request, exception)
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if is_lock_timeout(exception):
            logger.warning("gave up waiting for a lock: %s", exception)
            message = "What this request changes is busy right now; try again in a few seconds."
            retry = LOCK_RETRY_SECONDS
        else:
            logger.error("database unreachable: %s", exception)
            message = "The site's database cannot be reached right now; try again in a few seconds."
            retry = DATABASE_RETRY_SECONDS
        if _wants_json(request):
            answer = _api_error(message, "service_unavailable", 503)
        else:
            title = "Back in a moment"
            page = f"<!doctype html><title>{title} · Mangaki</title><h1>{title}</h1><p>{message}</p>"
            answer = HttpResponse(page, status=503)
        answer["Retry-After"] = str(retry)
        return answer
