"""A small client of AniList's public GraphQL API (no key), paced to its documented rate limit.

AniList allows 90 requests a minute (30 while it runs degraded) and says so in every answer's
``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` headers; past it, it answers 429 with
``Retry-After`` (seconds). The client spaces its requests to the limit the last answer stated,
waits when none remain, and honours ``Retry-After``. Every failure becomes one
:class:`AniListError` whose message is one line a person can act on: what failed, at which
address, and why. The clock and the wait are injectable, so tests do not sleep.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).parent
MEDIA_PAGE_QUERY = (QUERIES / "media_page.graphql").read_text(encoding="utf-8")
# AniList's most entries per page.
PER_PAGE = 50
DEFAULT_REQUESTS_PER_MINUTE = 90
# A 5xx answer is tried again this many times (after 2, 4, 8 seconds) before the sync gives up.
SERVER_ERROR_RETRIES = 3
# 429 answers tried again before giving up (each after its Retry-After).
RATE_LIMIT_RETRIES = 5
MAX_ANSWER_BYTES = 20_000_000
USER_AGENT = "mangaki-catalogue-sync (+https://github.com/mangaki)"


class AniListError(Exception):
    """AniList could not be asked, or answered something the sync cannot use: nothing was written."""


class AniListUnreachable(AniListError):
    """No answer at all: no network, a refused connection, a timeout."""


class AniListBadAnswer(AniListError):
    """An answer that is not the JSON the query asks for (malformed, partial, GraphQL errors)."""


@dataclass(frozen=True)
class MediaPage:
    media: list[dict]
    has_next_page: bool


class AniListClient:
    """POST GraphQL queries to ``url``; ``sleep`` and ``clock`` are ``time.sleep`` and ``time.monotonic``."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 30.0,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = url
        self.timeout_seconds = timeout_seconds
        self.requests_per_minute = requests_per_minute
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self.waited_seconds = 0.0
        self._last_request_at: float | None = None
        self._remaining: int | None = None

    # --- pacing

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited_seconds += seconds
            self.sleep(seconds)

    def _pace(self) -> None:
        """Space requests to the limit AniList last stated; wait a minute when none remain."""
        if self._remaining == 0:
            self._wait(60.0)
            self._remaining = None
        if self._last_request_at is not None:
            interval = 60.0 / max(self.requests_per_minute, 1)
            self._wait(self._last_request_at + interval - self.clock())
        self._last_request_at = self.clock()

    def _read_limits(self, headers) -> None:
        limit, remaining = headers.get("X-RateLimit-Limit"), headers.get("X-RateLimit-Remaining")
        if limit and limit.strip().isdigit() and int(limit) > 0:
            self.requests_per_minute = int(limit)
        if remaining and remaining.strip().isdigit():
            self._remaining = int(remaining)

    # --- one request

    def _unreachable(self, reason: object) -> AniListUnreachable:
        return AniListUnreachable(f"AniList could not be reached at {self.url}: {reason}")

    def post(self, query: str, variables: dict) -> dict:
        """The ``data`` of the answer to ``query``; raises :class:`AniListError`."""
        body = json.dumps({"query": query, "variables": variables}).encode()
        server_errors = rate_limited = 0
        while True:
            self._pace()
            request = urllib.request.Request(
                self.url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                },
            )
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310 (a configured https URL)
                    self._read_limits(response.headers)
                    raw = response.read(MAX_ANSWER_BYTES + 1)
                    status = response.status
            except urllib.error.HTTPError as error:
                self._read_limits(error.headers)
                status = error.code
                raw = error.read(MAX_ANSWER_BYTES + 1) if error.fp is not None else b""
                if status == 429 and rate_limited < RATE_LIMIT_RETRIES:
                    rate_limited += 1
                    self._wait(_retry_after_seconds(error.headers.get("Retry-After")))
                    self._remaining = None
                    continue
                if status >= 500 and server_errors < SERVER_ERROR_RETRIES:
                    server_errors += 1
                    self._wait(2.0**server_errors)
                    continue
                if status == 429 or status >= 500:
                    raise AniListError(
                        f"AniList at {self.url} answered HTTP {status} {_error_text(raw)}"
                    ) from None
            except OSError as error:  # URLError, refused connections, timeouts
                reason = getattr(error, "reason", None) or error or "no answer"
                if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError):
                    reason = f"no answer within {self.timeout_seconds:g} s"
                raise self._unreachable(reason) from None
            return self._data(status, raw)

    def _data(self, status: int, raw: bytes) -> dict:
        if len(raw) > MAX_ANSWER_BYTES:
            raise AniListBadAnswer(f"AniList at {self.url} answered more than {MAX_ANSWER_BYTES} bytes")
        try:
            answer = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise AniListBadAnswer(
                f"AniList at {self.url} answered HTTP {status} with malformed JSON ({error})"
            ) from None
        if not isinstance(answer, dict):
            raise AniListBadAnswer(
                f"AniList at {self.url} answered HTTP {status} with JSON that is not an object"
            )
        if answer.get("errors"):
            raise AniListBadAnswer(f"AniList at {self.url} answered HTTP {status} {_error_text(raw)}")
        if status != 200 or not isinstance(answer.get("data"), dict):
            raise AniListBadAnswer(f"AniList at {self.url} answered HTTP {status} without data")
        return answer["data"]

    # --- queries

    def media_page(self, **variables) -> MediaPage:
        """One page of ``Page.media`` (``media_page.graphql``), checked to have the shape the sync reads."""
        variables = {"perPage": PER_PAGE, **{k: v for k, v in variables.items() if v is not None}}
        data = self.post(MEDIA_PAGE_QUERY, variables)
        page = data.get("Page")
        if not isinstance(page, dict) or not isinstance(page.get("media"), list):
            raise AniListBadAnswer(f"AniList at {self.url} answered without Page.media (a partial answer)")
        for position, media in enumerate(page["media"]):
            if not isinstance(media, dict) or not isinstance(media.get("id"), int):
                raise AniListBadAnswer(
                    f"AniList at {self.url} answered Page.media[{position}] without an id (a partial answer)"
                )
        page_info = page.get("pageInfo") or {}
        return MediaPage(media=page["media"], has_next_page=bool(page_info.get("hasNextPage")))


def _retry_after_seconds(value: str | None) -> float:
    """``Retry-After`` in seconds (AniList sends a number); a minute when missing or unreadable."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 60.0


def _error_text(raw: bytes) -> str:
    """The GraphQL error messages of an answer, or its first characters, on one line."""
    try:
        errors = json.loads(raw).get("errors") or []
        messages = "; ".join(str(error.get("message", error)) for error in errors if isinstance(error, dict))
    except (ValueError, AttributeError):
        messages = raw[:200].decode(errors="replace")
    return " ".join(f"({messages})".split()) if messages else ""
