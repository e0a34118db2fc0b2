"""Covers from Django's default storage, for servers that do not serve ``MEDIA_ROOT`` themselves.

WhiteNoise serves the static files only, and ``runserver`` nothing of media: this view serves
the stored covers (``Work.cover``, under ``covers/``) in development and production alike, so
pages load every image from this site (the Content-Security-Policy's ``img-src 'self'``). Only
covers: the other files in media (fitted models) are not public. A site with a reverse proxy in
front can serve ``/media/covers/`` itself from ``MEDIA_ROOT`` (README, Configuration).
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

COVERS = "covers"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/avif", "image/gif"}
# A day in browsers' and proxies' caches: the sync replaces a changed cover under a new name
# (the storage never overwrites), and the page that links it is not cached.
CACHE_SECONDS = 24 * 3600


def _not_found() -> HttpResponse:
    # A plain answer, not the site's 404 page: an image is asked for, nobody reads it (the page
    # draws the placeholder), and it costs no query.
    return HttpResponseNotFound("No such cover.", content_type="text/plain; charset=utf-8")


@require_safe
def cover(request: HttpRequest, name: str) -> HttpResponse:
    """``GET /media/covers/<name>``: the stored cover file, with caching headers; 404 otherwise."""
    parts = PurePosixPath(name).parts
    if not parts or any(part in {"", ".", ".."} or part.startswith(".") for part in parts):
        return _not_found()
    path = f"{COVERS}/{PurePosixPath(*parts)}"
    content_type, _ = mimetypes.guess_type(path)
    if content_type not in IMAGE_TYPES:
        return _not_found()
    try:
        modified = default_storage.get_modified_time(path)
        stored = default_storage.open(path, "rb")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, SuspiciousFileOperation):
        return _not_found()
    except NotImplementedError:  # a storage that does not tell when a file changed
        modified = None
        stored = default_storage.open(path, "rb")
    if modified is not None and not was_modified_since(
        request.headers.get("If-Modified-Since"), modified.timestamp()
    ):
        stored.close()
        response = HttpResponseNotModified()
    else:
        response = FileResponse(stored, content_type=content_type)
        if modified is not None:
            response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
