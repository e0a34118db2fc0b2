"""Covers: download an upstream cover once, resize it with Pillow, store it through Django's storage.

Pages then load covers from the site itself (the Content-Security-Policy stays ``self``). The
stored name is made from the work and the source address, so a retried sync finds the file it
already wrote, and ``Work.cover_source_url`` lets an unchanged cover be skipped without a download.
"""

from __future__ import annotations

import hashlib
import io
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

COVER_WIDTH = 230  # pixels; height follows the image's proportions
COVER_MAX_BYTES = 10_000_000
COVER_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
JPEG_QUALITY = 85


class CoverError(Exception):
    """A cover that could not be fetched or read; the work keeps the cover it had."""


@dataclass(frozen=True)
class Cover:
    name: str  # storage name under covers/
    content: bytes  # JPEG
    source_url: str


def cover_name(*, key: str, source_url: str) -> str:
    digest = hashlib.sha256(source_url.encode()).hexdigest()[:12]
    return f"covers/{key}-{digest}.jpg"


def cover_resize(data: bytes, *, width: int = COVER_WIDTH) -> bytes:
    """``data`` (any image Pillow reads) as a JPEG ``width`` pixels wide (never enlarged)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > COVER_MAX_PIXELS:
                raise CoverError(f"image of {image.width}x{image.height} pixels is too large")
            image.load()
            if image.width > width:
                height = max(1, round(image.height * width / image.width))
                image = image.resize((width, height), Image.Resampling.LANCZOS)
            if image.mode != "RGB":
                image = image.convert("RGB")
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            return output.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise CoverError(f"not an image Pillow can read ({error})") from None


class _SameHostsRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an allowed host (a cover address must not lead elsewhere)."""

    def __init__(self, hosts: frozenset[str]):
        self.hosts = hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if (urlsplit(newurl).hostname or "").lower() not in self.hosts:
            raise CoverError(f"cover {req.full_url} redirects to {newurl}, not an allowed host")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def cover_fetch(*, url: str, key: str, timeout_seconds: float, hosts: frozenset[str]) -> Cover:
    """Download ``url`` (from one of ``hosts`` only) and resize it; raises :class:`CoverError`.

    Cover addresses come from upstream data: limiting them to the image host it uses keeps the
    sync from being sent to fetch anything else (another site, a machine of the local network).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"}:
        raise CoverError(f"cover address {url!r} is not http(s)")
    if (parts.hostname or "").lower() not in hosts:
        raise CoverError(f"cover address {url} is not on an allowed host ({', '.join(sorted(hosts))})")
    request = urllib.request.Request(url, headers={"User-Agent": "mangaki-catalogue-sync"})
    opener = urllib.request.build_opener(_SameHostsRedirects(hosts))
    try:
        with opener.open(request, timeout=timeout_seconds) as response:
            data = response.read(COVER_MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise CoverError(f"cover {url} could not be downloaded: {getattr(error, 'reason', error)}") from None
    if len(data) > COVER_MAX_BYTES:
        raise CoverError(f"cover {url} is larger than {COVER_MAX_BYTES} bytes")
    return Cover(name=cover_name(key=key, source_url=url), content=cover_resize(data), source_url=url)


def cover_store(cover: Cover) -> str:
    """Write ``cover`` to the default storage (once: a file of that name is the same cover); its name."""
    if default_storage.exists(cover.name):
        return cover.name
    return default_storage.save(cover.name, ContentFile(cover.content))
