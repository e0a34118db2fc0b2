"""What the hostile clients of bench/site_under_attack.py send: plain HTTP to 127.0.0.1, no Django.

A ``Visitor`` is one client as the server sees it: a loopback address of its own (127.0.0.0/8
is all this machine's, so per-address limits apply to it alone), its cookies (session, CSRF),
and an API token if it has one. Each attack runs in a process of its own (``start``), so that
its threads do not slow the clock of the process that times the honest requests, and stops by
itself at its deadline. It returns ``{"answers": {"step status": count}, "notes": [...]}``.

The attacks (the rows of the table site_under_attack prints):

- ``profile_pages`` (row 1): 4 clients loading one big profile, /u/<name>/, in a loop;
- ``signups`` (row 2): accounts made as fast as one address can, each importing a one-line
  list that names a new work with a hostile title;
- ``suggestions`` (row 4): 150 clients asking /search/suggest/ for 20 s (at most the phase),
  and 2 uploads sending their body one byte every 2 s;
- ``big_uploads`` (row 7): 12 members uploading a large list each, all at once.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import select
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

HOST = "127.0.0.1"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# Linux: a socket bound to an address with port 0 takes its port at connect(), by the whole
# four-tuple (addresses and ports), as an unbound one does. Without it every bound socket holds
# its port for every destination, and tens of thousands of short connections (each attack's,
# in TIME_WAIT for a minute) leave none for the server's own connections to PostgreSQL.
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to the site from the loopback ``address`` (its port chosen at connect())."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.settimeout(timeout)
        sock.bind((address, 0))
        sock.connect((HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


class _Connection(http.client.HTTPConnection):
    """``http.client`` from a loopback address of its own, through ``connect``."""

    def __init__(self, port: int, address: str, timeout: float):
        super().__init__(HOST, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = connect(self.address, self.port, self.timeout)


@dataclass
class Answer:
    status: int
    seconds: float
    body: bytes
    location: str | None = None


class Visitor:
    """One client: its own source address, its cookies, optionally an API token."""

    def __init__(self, port: int, address: str, *, token: str | None = None, timeout: float = 30):
        self.port, self.address, self.token, self.timeout = port, address, token, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None):
        headers = {"Host": HOST}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        client = _Connection(self.port, self.address, self.timeout)
        try:
            client.request(method, path, body=body, headers=headers)
            response = client.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:  # deleted (logout, or a session flushed)
                        self.cookies.pop(name, None)
            return Answer(
                response.status, time.perf_counter() - started, data, response.getheader("Location")
            )
        finally:
            client.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def send_json(self, method: str, path: str, payload: dict) -> Answer:
        return self.request(method, path, body=json.dumps(payload).encode(), content_type="application/json")

    def post_form(self, path: str, page: Answer, fields: dict, files: dict | None = None) -> Answer:
        """Post a form of ``page`` (its CSRF token added), urlencoded or, with files, multipart."""
        found = CSRF_FIELD.search(page.body)
        fields = {**fields, "csrfmiddlewaretoken": found.group(1).decode() if found else ""}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, content_type=content_type)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` and ``files`` ({name: (file name, bytes)})."""
    boundary = "mangaki-bench-" + secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (file_name, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
            "Content-Type: application/xml\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Record:
    """What an attack was answered, thread-safe: counts by "step status", and the slowest answers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: Counter = Counter()
        self.slowest: dict[str, float] = {}
        self.largest: dict[str, int] = {}

    def add(self, step: str, outcome: int | str, seconds: float = 0.0, size: int = 0) -> None:
        with self.lock:
            self.answers[f"{step} {outcome}"] += 1
            self.slowest[step] = max(self.slowest.get(step, 0.0), seconds)
            self.largest[step] = max(self.largest.get(step, 0), size)

    def call(self, step: str, send, *args) -> Answer | None:
        """``send(*args)``, recorded; None when the connection failed or timed out."""
        try:
            answer = send(*args)
        except TimeoutError:
            self.add(step, "timeout")
            return None
        except OSError:
            self.add(step, "connection error")
            return None
        self.add(step, answer.status, answer.seconds, len(answer.body))
        return answer

    def result(self, notes: list[str] | None = None) -> dict:
        notes = list(notes or [])
        for step, seconds in sorted(self.slowest.items()):
            size = self.largest.get(step, 0)
            notes.append(f"{step}: slowest answer {seconds:.2f} s, largest {size / 1e3:,.1f} kB")
        return {"answers": dict(self.answers), "notes": notes}


def in_threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- The attacks. Each: (port, seconds, plan) -> result; ``plan`` holds what the setup made.


def profile_pages(port: int, seconds: float, plan: dict) -> dict:
    """Row 1: 4 anonymous clients load the profile of a member with 20,000 ratings, over and over."""
    record, deadline = Record(), time.monotonic() + seconds
    path = f"/u/{quote(plan['username'])}/"

    def client(_: int) -> None:
        visitor = Visitor(port, plan["address"], timeout=60)
        while time.monotonic() < deadline:
            record.call("GET /u/<name>/", visitor.get, path)

    in_threads(plan.get("clients", 4), client)
    return record.result()


def signups(port: int, seconds: float, plan: dict) -> dict:
    """Row 2: from one address, sign up as fast as possible; each account imports ``plan["file"]``."""
    record, deadline = Record(), time.monotonic() + seconds
    numbers = iter(range(10**9))
    lock = threading.Lock()

    def client(_: int) -> None:
        while time.monotonic() < deadline:
            visitor = Visitor(port, plan["address"])
            with lock:
                username = f"{plan['prefix']}{next(numbers)}"
            page = record.call("GET signup", visitor.get, "/accounts/signup/")
            if page is None or page.status != 200:
                continue
            password = secrets.token_urlsafe(16)
            fields = {"username": username, "email": "", "password1": password, "password2": password}
            made = record.call("POST signup", visitor.post_form, "/accounts/signup/", page, fields)
            if made is None or made.status != 302:
                continue
            page = record.call("GET import", visitor.get, "/import/")
            if page is None or page.status != 200:
                continue
            files = {"file": ("animelist.xml", plan["file"])}
            record.call("POST import", visitor.post_form, "/import/", page, {}, files)

    in_threads(plan.get("clients", 4), client)
    return record.result()


def slow_upload(port: int, plan: dict, deadline: float, record: Record) -> None:
    """An API upload that sends its headers, then its body one byte every 2 s, until the deadline.

    When the server answers or closes the connection first, that is recorded and a new one starts.
    """
    length = 100_000  # more than the body ever sent: the server cannot have it all before the end
    head = (
        f"POST /api/imports/ HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Token {plan['token']}\r\n"
        f"Content-Type: multipart/form-data; boundary=slow\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    while time.monotonic() < deadline - 1:
        started = time.monotonic()
        try:
            sock = connect(plan["address"], port, timeout=5)
        except OSError:
            record.add("slow upload", "connection refused")
            time.sleep(1)
            continue
        outcome = "held to the end"
        try:
            sock.sendall(head + b"--slow\r\n")
            while time.monotonic() < deadline:
                readable, _, _ = select.select([sock], [], [], 2.0)
                if readable:
                    data = sock.recv(4096)
                    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else None
                    outcome = f"answered {status}" if status else "closed by the server"
                    break
                sock.sendall(b"x")
        except OSError:
            outcome = "closed by the server"
        finally:
            sock.close()
        record.add("slow upload", outcome, time.monotonic() - started)


def suggestions(port: int, seconds: float, plan: dict) -> dict:
    """Row 4: 150 clients on /search/suggest/ (varied queries) for 20 s, and 2 slow uploads throughout."""
    record = Record()
    phase_end = time.monotonic() + seconds
    flood_end = time.monotonic() + min(seconds, plan.get("flood_seconds", 20))
    rng_lock, rng = threading.Lock(), random.Random(7)
    clients = plan.get("clients", 150)

    def client(index: int) -> None:
        if index >= clients:
            slow_upload(port, plan, phase_end, record)
            return
        visitor = Visitor(port, plan["address"], timeout=60)
        while time.monotonic() < flood_end:
            with rng_lock:
                query = rng.choice(plan["queries"])
            record.call("GET /search/suggest/", visitor.get, f"/search/suggest/?q={quote(query)}")

    in_threads(clients + plan.get("slow_uploads", 2), client)
    return record.result()


def big_uploads(port: int, seconds: float, plan: dict) -> dict:
    """Row 7: every member of ``plan["tokens"]`` uploads ``plan["file"]`` over the API, all at once."""
    record = Record()
    body, content_type = multipart({}, {"file": ("animelist.xml", plan["file"])})
    barrier = threading.Barrier(len(plan["tokens"]))

    def client(index: int) -> None:
        visitor = Visitor(
            port, plan["addresses"][index], token=plan["tokens"][index], timeout=max(seconds, 60)
        )
        barrier.wait()
        record.call(
            "POST /api/imports/",
            lambda: visitor.request("POST", "/api/imports/", body=body, content_type=content_type),
        )

    in_threads(len(plan["tokens"]), client)
    return record.result([f"{len(plan['tokens'])} uploads of {len(plan['file']) / 1e6:.1f} MB"])


ATTACKS = {
    "profile": profile_pages,
    "signups": signups,
    "suggest": suggestions,
    "uploads": big_uploads,
}


def _child(attack: str, port: int, seconds: float, plan: dict, results, niceness: int) -> None:
    os.nice(niceness)
    results.put(ATTACKS[attack](port, seconds, plan))


def start(attack: str, port: int, seconds: float, plan: dict, *, niceness: int = 0):
    """The attack in a process of its own; ``finish`` collects what it was answered."""
    results = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(
        target=_child, args=(attack, port, seconds, plan, results, niceness), daemon=True
    )
    process.start()
    return process, results


def finish(handle, timeout: float) -> dict:
    process, results = handle
    try:
        result = results.get(timeout=timeout)
    except Exception:  # queue.Empty: it did not stop in time
        process.kill()
        result = {"answers": {}, "notes": ["the attack did not stop in time and was killed"]}
    process.join(timeout=10)
    return result
