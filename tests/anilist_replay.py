"""A local AniList for the tests: a real HTTP server on 127.0.0.1 that answers with recorded answers.

The recordings (``tests/fixtures/anilist/``, see its README for where each comes from) are real
AniList answers taken from public client libraries' test cassettes. The server:

- checks every GraphQL request against AniList's published schema (graphql-core ``validate``
  and variable coercion): a query or a variable AniList would refuse fails the test;
- answers each request with what the test's ``answer(variables)`` returns: a recorded body
  as it was, or a ``Page`` whose media objects are recorded ones (``page()``);
- serves cover images the tests make with Pillow under ``/covers/``; ``local_covers()`` points
  a recorded media object's cover addresses (AniList's CDN) at those, path kept.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from graphql import build_client_schema, parse, validate
from graphql.execution.values import get_variable_values
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures" / "anilist"


def recording(name: str) -> dict:
    """A recorded answer body (``tests/fixtures/anilist/<name>.json``), as JSON."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def recorded_media(anilist_id: int) -> dict:
    """A recorded Media object: a full one, or a relation's node, or a listed page's entry."""
    if anilist_id == 99426:
        return copy.deepcopy(recording("media_99426")["data"]["Media"])
    for edge in recording("relations_16498")["data"]["Media"]["relations"]["edges"]:
        if edge["node"]["id"] == anilist_id:
            return copy.deepcopy(edge["node"])
    for media in recording("all_media_page1")["data"]["page1"]["media"]:
        if media["id"] == anilist_id:
            return copy.deepcopy(media)
    raise KeyError(anilist_id)


def aot_with_relations() -> dict:
    """Attack on Titan (AniList 16498, the id the recorded request asked for) with its recorded relations.

    The recorded query asked only for ``relations``, so the object has no other field.
    """
    return {"id": 16498, **copy.deepcopy(recording("relations_16498")["data"]["Media"])}


def schema():
    data = json.loads(gzip.decompress((FIXTURES / "anilist_schema.json.gz").read_bytes()))
    return build_client_schema(data["data"])


_SCHEMA = None


def anilist_schema():
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = schema()
    return _SCHEMA


def schema_errors(query: str, variables: dict | None = None) -> list[str]:
    """Why AniList's schema refuses ``query`` with ``variables`` (empty when it accepts them)."""
    document = parse(query)
    errors = [error.message for error in validate(anilist_schema(), document)]
    if errors:
        return errors
    operation = next(
        definition for definition in document.definitions if definition.kind == "operation_definition"
    )
    coerced = get_variable_values(anilist_schema(), operation.variable_definitions or [], variables or {})
    return [error.message for error in coerced] if isinstance(coerced, list) else []


@dataclass
class Answer:
    body: bytes | dict
    status: int = 200
    headers: dict = field(default_factory=lambda: {"X-RateLimit-Limit": "90", "X-RateLimit-Remaining": "89"})
    delay_seconds: float = 0.0

    def bytes(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


def page(media: list[dict], *, has_next_page: bool) -> Answer:
    """A ``Page`` answer (the envelope our query asks for) around recorded media objects."""
    return Answer({"data": {"Page": {"pageInfo": {"hasNextPage": has_next_page}, "media": media}}})


def empty_page() -> Answer:
    """The recorded last page (no media, hasNextPage false), under our query's ``Page``."""
    return Answer({"data": {"Page": recording("all_media_last_page")["data"]["page1"]}})


def cover_image(color: str, size=(460, 650)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="PNG")
    return output.getvalue()


class ReplayServer:
    """``answer(variables) -> Answer`` serves the GraphQL requests; ``covers[path] = bytes`` the images."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[dict] = []
        self.cover_requests: list[str] = []
        self.covers: dict[str, bytes] = {}
        self.refusals: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                server.cover_requests.append(path)
                content = server.covers.get(path)
                self.send_response(200 if content else 404)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(content or b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length))
                server.requests.append(request)
                errors = schema_errors(request["query"], request.get("variables"))
                if errors:
                    server.refusals.extend(errors)
                    answer = Answer({"data": None, "errors": [{"message": m} for m in errors]}, status=400)
                else:
                    answer = server.answer(request.get("variables") or {})
                if answer.delay_seconds:
                    time.sleep(answer.delay_seconds)
                body = answer.bytes()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def local_covers(self, media: dict, color: str = "#336699") -> dict:
        """``media`` with its cover addresses on this server (same path), and an image served there."""
        cover = media.get("coverImage") or {}
        for key in ("extraLarge", "large", "medium"):
            if cover.get(key):
                path = urlsplit(cover[key]).path
                cover[key] = f"{self.url.rstrip('/')}{path}"
                self.covers[path] = cover_image(color)
        return media

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
