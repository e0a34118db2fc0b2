"""Benchmark: honest raters and readers over HTTP while one person attacks the site or a worker dies.

    python -m bench.site_under_attack [--honest 50] [--seconds 30]
        [--attacks profile,suggest,retrain-kill,signups,uploads] [--full] [--proxy]
        [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
        [--broker redis://127.0.0.1:6379/6] [--cache redis://127.0.0.1:6379/7]

Attacks, each against a live server while ``--honest`` people use it, next to a
baseline of the same length run just before it (the machine's load drifts: a pair is fairer
than one baseline for all). The server is production-like: a scratch PostgreSQL
database ``mangaki_bench_faults`` on the server of ``--pg-url`` (default: DATABASE_URL when
it names a PostgreSQL server; dropped at the end) with the small data (fixtures/anime-small;
``--full``: fixtures/anime), EASE and BALSE trained, gunicorn with the repository's
gunicorn.conf.py (else 2 sync workers, README's command), DEBUG off, a Celery worker
(concurrency 2) on the Redis broker ``--broker``, the cache (throttling counts, sign-up counts)
on the Redis ``--cache``. Both Redis databases are emptied first: give the bench its own.
With ``--proxy`` every client goes through nginx configured as
deploy/nginx.conf (over plain HTTP; README, "What goes in front of gunicorn"), the deployment
the README asks for, and the site reads the client address from it (NUM_PROXIES=1).
Every limit of the site is on (API and page throttles, sign-up and import limits): the
attackers face them as anyone would. The honest people never need to be let through: each
has a loopback address of its own (127.0.1.x; an attacker has its own, 127.0.2.x), as people
behind distinct addresses, and pauses 1-3 s between two requests (``--think``, the mean pause):
50 people send about 25 requests a second.

Honest load, the same in every phase: half the people rate (PUT, sometimes DELETE,
/api/ratings/{work}/ with their API token, as real users of the data), half read
(/api/recommendations/ and /api/works/?ordering=top with their token, the catalogue page
/anime/ and work pages anonymously). A probe asks /api/health/ every 0.5 s.

Phases, each ``--seconds`` long (default 30), after an unmeasured warm-up; before each attack
of ``--attacks`` (default: all, in this order) a ``baseline``, the honest load alone:

- ``profile`` (row 1): one member imported a 20,000-entry list (during the setup, through the
  API); 4 anonymous clients load /u/<member>/ in a loop;
- ``suggest`` (row 4): 150 clients from one address ask /search/suggest/ (prefixes of real
  titles) for 20 s, while 2 API uploads send their body one byte every 2 s;
- ``retrain-kill``: at 10% a staff retrain of BALSE is queued over the API, at 25% the Celery
  worker is killed (SIGKILL) and at 40% a new one starts (the broker hands it the training);
- ``signups`` (row 2): from one address, sign-ups as fast as possible, each account importing
  a one-line list that names a new work titled ``+cmd|' /C calc'!A0`` with a 10; afterwards
  (imports finished) the bench looks for that title on Top rated (page and API), in search
  suggestions and on the work's page;
- ``uploads`` (row 7): 12 members upload an 8.7 MB MyAnimeList list each (valid, ~9,700
  entries) over the API at once.

Prints the setup, a Markdown table (one row per phase: honest requests, honest 5xx, other
honest failures (timeouts, connection errors), honest 429s, p50 and p99 of the honest
requests, the p99 over the baseline's, the slowest health answer, and the attacker's answers
by status), the same per kind of request, every honest 5xx by endpoint, what each attack
noted, the hostile title's check, the retrain's outcome and whether every work's counters
equal a full recount (recomputed in a transaction rolled back), and the 5xx the server logged
(by client, honest or attacker, and path, from gunicorn's access log). Target: no honest 5xx or
failure, honest p99 within 3x the baseline's; the exit code says whether every phase met it.
The attacks run in processes of their own, on the same cores as the server, at niceness 10
(``--attacker-nice``): a real attacker's CPU is on their own machine, and at the server's
priority their 150 clients measured this machine's scheduler more than the site (0 gives the
old setting; its figures are below). Only ever targets 127.0.0.0/8. About 10 minutes with the
defaults (setup 1-2).

With --proxy, the attacks at niceness 10, MANGAKI_IMPORTS_RUNNING_MAX=1 (one import writing
keeps about a core busy, worker and database; 2 at once put the uploads phase at 3.5x) and
clients that take their port at connect() (bound ones exhausted the ports left for PostgreSQL
once): the target met in every phase, no 5xx anywhere, no honest failure or 429; p99 over
the baseline before: profile 1.24, suggest 1.25, retrain-kill 1.14, signups 1.05 (5 accounts,
none counted; the title on no public page), uploads 2.98 (the 12 imports done 137 s later).
The same with the attacks at the server's priority (--attacker-nice 0) and 2 imports at once:
suggest 3.45 and 2.88 in two runs, uploads 3.50 and 3.60; with 1 import at once, uploads 2.37.
Two earlier runs of the product code (93f48af; gthread 2 x 8; the machine shared, load 1 to 8):
no 5xx anywhere, no honest failure or 429; honest p99 over the baseline before: profile
1.73 / 1.97, retrain-kill 0.94 / 1.21, signups 1.69 / 6.44 (5 accounts from the address, then
429; none counted; the title on no public page; the 5 accepted sign-ups hash their passwords
at once, 3-6 s of both cores), suggest 3.71 / 3.92 (the 3,681-5,169 suggestion 429s are still
Django requests on the same cores), uploads 3.25 / 5.69 (the web workers read and store the
12 uploads, 2.5-3.2 s each).
With --proxy (nginx as deploy/nginx.conf) at 78e6212, the machine also running the test suite
(load 3.5 to 9.4): no 5xx, no honest failure or 429; p99 over the baseline before: profile
1.19, retrain-kill 1.29, signups 2.11 (5 accounts, none counted, the title on no public page),
suggest 8.40 (the attack's 150 clients and their 16,000 answers of 429 share the 2 cores with
the site), uploads 4.29 (the 12 lists parsed and written by the worker on those same cores).
The same bench at 0cee4a8 (before the fixes; sync workers): every honest request timed out
during the profile and uploads attacks, suggestions took p50 28 s, and the hostile title was
listed in suggestions and its page public.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench import load_attacks
from bench.load_attacks import Answer, Visitor, multipart
from bench.report import percentile, print_markdown_table
from bench.setup import ROOT, scratch_postgres, start_django

SCRATCH_DATABASE = "mangaki_bench_faults"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
PHASES = ("profile", "suggest", "retrain-kill", "signups", "uploads")
ATTACKS = {
    "baseline": "none",
    "profile": "4 clients on /u/<member with 20,000 ratings>/",
    "suggest": "150 clients on /search/suggest/ 20 s + 2 slow uploads",
    "retrain-kill": "retrain queued, its worker killed and replaced",
    "signups": "sign-ups from one address, each importing a hostile title",
    "uploads": "12 members upload 8.7 MB lists at once",
}
TARGET_RATIO = 3.0
HOSTILE_TITLE = "+cmd|' /C calc'!A0"
HEAVY_ENTRIES = 20_000
UPLOAD_MEMBERS = 12
UPLOAD_BYTES = 8_700_000
# MyAnimeList ids of the works the bench's lists add (far above MyAnimeList's own).
HEAVY_IDS, UPLOAD_IDS, HOSTILE_ID = 80_000_000, 81_000_000, 82_000_000
# Addresses: the health probe, honest people, attackers (one per phase), the setup's uploads.
PROBE_ADDRESS = "127.0.0.2"
SETUP_ADDRESS = "127.0.3.1"


def honest_address(index: int) -> str:
    return f"127.0.1.{index % 250 + 1}" if index < 250 else f"127.0.4.{index % 250 + 1}"


def attacker_address(phase: str) -> str:
    return f"127.0.2.{PHASES.index(phase) + 1}"


# --- The honest people's requests, by phase.


class Tally:
    """Every honest answer of one phase: (kind, status or failure, seconds, endpoint)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[str, int | str, float, str]] = []

    def call(self, kind: str, endpoint: str, send, *args) -> Answer | None:
        try:
            answer = send(*args)
        except TimeoutError:
            self.add(kind, "timeout", float("nan"), endpoint)
            return None
        except OSError:
            self.add(kind, "connection error", float("nan"), endpoint)
            return None
        self.add(kind, answer.status, answer.seconds, endpoint)
        return answer

    def add(self, kind: str, outcome: int | str, seconds: float, endpoint: str) -> None:
        with self.lock:
            self.rows.append((kind, outcome, seconds, endpoint))


def figures(rows) -> dict:
    """Counts and percentiles (ms) of answered requests; failures are counted, not timed."""
    times = [seconds * 1000 for _, outcome, seconds, _ in rows if isinstance(outcome, int)]
    return {
        "n": len(rows),
        "5xx": sum(1 for _, outcome, _, _ in rows if isinstance(outcome, int) and outcome >= 500),
        "429": sum(1 for _, outcome, _, _ in rows if outcome == 429),
        "4xx": sum(1 for _, outcome, _, _ in rows if isinstance(outcome, int) and 400 <= outcome < 500),
        "failed": sum(1 for _, outcome, _, _ in rows if isinstance(outcome, str)),
        "p50": percentile(times, 0.5),
        "p99": percentile(times, 0.99),
        "max": max(times, default=float("nan")),
    }


def rater(
    visitor: Visitor, works: list[int], rng: random.Random, deadline: float, tally: Tally, think: float
):
    from mangaki.choices import Choice

    rated: list[int] = []
    while time.monotonic() < deadline:
        if rated and rng.random() < 0.1:
            work = rated.pop(rng.randrange(len(rated)))
            tally.call(
                "rate",
                "DELETE /api/ratings/<id>/",
                visitor.request,
                "DELETE",
                f"/api/ratings/{work}/",
            )
        else:
            work = rng.choice(works)
            rated.append(work)
            body = {"choice": rng.choice(Choice.values)}
            tally.call(
                "rate",
                "PUT /api/ratings/<id>/",
                visitor.send_json,
                "PUT",
                f"/api/ratings/{work}/",
                body,
            )
        time.sleep(rng.uniform(0.5, 1.5) * think)


def reader(
    visitor: Visitor, works: list[int], rng: random.Random, deadline: float, tally: Tally, think: float
):
    anonymous = Visitor(visitor.port, visitor.address)
    while time.monotonic() < deadline:
        kind = rng.choice(["recommendations", "works?top", "catalogue page", "work page"])
        if kind == "recommendations":
            tally.call(kind, "GET /api/recommendations/", visitor.get, "/api/recommendations/")
        elif kind == "works?top":
            tally.call(kind, "GET /api/works/?ordering=top", visitor.get, "/api/works/?ordering=top")
        elif kind == "catalogue page":
            tally.call(kind, "GET /anime/", anonymous.get, "/anime/")
        else:
            work = rng.choice(works)
            tally.call(kind, "GET /anime/<id>/", anonymous.get, f"/anime/{work}/")
        time.sleep(rng.uniform(0.5, 1.5) * think)


def settle(port: int, longest: float = 120) -> float:
    """Wait until the server is idle again (3 health answers in a row under 0.5 s): seconds waited.

    An attack's requests may still be served after its clients gave up; the next phase starts
    only once they are done.
    """
    visitor, started, quick = Visitor(port, PROBE_ADDRESS, timeout=30), time.monotonic(), 0
    while quick < 3 and time.monotonic() - started < longest:
        try:
            quick = quick + 1 if visitor.get("/api/health/").seconds < 0.5 else 0
        except OSError:
            quick = 0
        time.sleep(0.2)
    return time.monotonic() - started


def probe(port: int, deadline: float, tally: Tally) -> None:
    visitor = Visitor(port, PROBE_ADDRESS, timeout=30)
    while time.monotonic() < deadline:
        started = time.monotonic()
        tally.call("health", "GET /api/health/", visitor.get, "/api/health/")
        time.sleep(max(0.0, 0.5 - (time.monotonic() - started)))


# --- The server's processes.


class Worker:
    """The Celery worker, which the retrain-kill phase kills and replaces."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process = self.start()

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "mangaki",
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],  # fmt: skip
            cwd=ROOT,
            env=dict(os.environ),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def replace(self) -> None:
        self.process = self.start()


def nginx_in_front(ports: tuple[int, int, int], folder: Path, log: Path) -> subprocess.Popen:
    """nginx with deploy/nginx.conf's settings between the clients and gunicorn on ``upstream``.

    The example as shipped (buffering, timeouts, body limit, per-address limits, the one
    X-Forwarded-For entry), over plain HTTP: ``ports`` are where the site's server listens, where
    the example's port-80 server goes, and gunicorn's. TLS is left out; the pid, the logs and the
    temporary files go to ``folder``.
    """
    listen, spare, upstream = ports
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = [
        (r"pid [^;]+;", f"pid {folder}/nginx.pid;"),
        (r"error_log [^;]+;", f"error_log {log} warn;"),
        (r"access_log [^;]+;", "access_log off;"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream};"),
        (r"listen 80;", f"listen 127.0.0.1:{spare};"),
        (r"listen 443 ssl[^;]*;", f"listen 127.0.0.1:{listen};"),
        (r"\s*ssl_[a-z_]+ [^;]+;", ""),
        (r"http \{", "http {\n" + "".join(
            f"    {kind}_temp_path {folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )),
    ]  # fmt: skip
    for pattern, replacement in replacements:
        text, found = re.subn(pattern, lambda _match, new=replacement: new, text)
        if not found:
            raise RuntimeError(f"deploy/nginx.conf has no {pattern!r} any more: update the bench")
    folder.chmod(0o755)  # nginx's workers run as an unprivileged user
    config = folder / "nginx.conf"
    config.write_text(text)
    proxy = subprocess.Popen(
        ["nginx", "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        if proxy.poll() is not None:
            raise RuntimeError(f"nginx exited with {proxy.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{listen}/api/health/", timeout=2):
                return proxy
        except OSError:
            time.sleep(0.1)
    proxy.terminate()
    raise RuntimeError("nginx did not listen")


def gunicorn_config() -> Path | None:
    config = ROOT / "gunicorn.conf.py"
    return config if config.exists() else None


# --- Setup: data, models, the attackers' accounts and files.


def mal_ids_of_catalogue() -> list[int]:
    from mangaki.models import Work

    ids = Work.objects.filter(category__slug="anime", external_source="myanimelist").values_list(
        "external_id", flat=True
    )
    return sorted(int(value) for value in ids if value and value.isdigit())


def mal_list(known: list[int], first_new_id: int, *, entries: int | None = None, size: int | None = None):
    """A valid MyAnimeList anime export: every ``known`` id, then new works, to ``entries`` (or ``size``
    bytes)."""
    from tests.mal_files import mal_export

    rng = random.Random(first_new_id)

    def entry(mal_id: int, title: str) -> dict:
        return {"id": mal_id, "title": title, "score": rng.randint(0, 10), "status": "Completed"}

    rows = [entry(mal_id, f"Known {mal_id}") for mal_id in known]
    if size is not None:
        one = len(mal_export("anime", [entry(first_new_id, "Bench work 0000000")]))
        empty = len(mal_export("anime", []))
        base = len(mal_export("anime", rows))
        entries = len(rows) + max(0, (size - base) // (one - empty))
    rows += [entry(first_new_id + n, f"Bench work {n:07d}") for n in range(entries - len(rows))]
    return mal_export("anime", rows[:entries])


def member(username: str, *, staff: bool = False) -> str:
    """A new member (through the account service) and their API token."""
    from django.contrib.auth import get_user_model

    from mangaki.services.accounts import account_create, token_issue

    user = account_create(username=username, email="", password=secrets.token_urlsafe(16))
    if staff:
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    return token_issue(user=user).key


def suggestion_queries() -> list[str]:
    """Prefixes (3 to 8 letters) of real titles, as people type them."""
    from mangaki.models import Work

    rng = random.Random(4)
    titles = list(Work.objects.order_by("pk").values_list("title", flat=True)[:3000])
    return [title[: rng.randint(3, 8)].lower() for title in titles if len(title) >= 3]


def wait_for_imports(timeout: float) -> tuple[Counter, float]:
    """Wait until no import is queued or running (at most ``timeout`` s): (imports by status, seconds)."""
    from mangaki.models import RatingImport

    started = time.monotonic()
    pending = (RatingImport.Status.QUEUED, RatingImport.Status.RUNNING)
    while RatingImport.objects.filter(status__in=pending).exists() and time.monotonic() - started < timeout:
        time.sleep(1)
    statuses = Counter(RatingImport.objects.values_list("status", flat=True))
    return statuses, time.monotonic() - started


def import_heavy_list(port: int, token: str, data: bytes) -> str:
    """The 20,000-entry list of the profile attack's member, imported over the API; what became of it."""
    from mangaki.models import Rating, RatingImport

    body, content_type = multipart({}, {"file": ("animelist.xml", data)})
    started = time.monotonic()
    answer = Visitor(port, SETUP_ADDRESS, token=token, timeout=600).request(
        "POST", "/api/imports/", body=body, content_type=content_type
    )
    wait_for_imports(900)  # an answer other than 202 may still have queued it
    row = RatingImport.objects.filter(user__username="bench-heavy").order_by("-pk").first()
    ratings = Rating.objects.filter(user__username="bench-heavy").count()
    state = (
        "no import made" if row is None else f"import {row.status} ({row.nb_entries} entries) {row.reason}"
    )
    return (
        f"HTTP {answer.status}, {state.strip()}; {ratings} ratings after {time.monotonic() - started:.0f} s"
    )


# --- After the signups: is the hostile title public?


def hostile_title_check(port: int, prefix: str) -> list[str]:
    from django.utils.html import escape

    from mangaki.models import Profile, Work

    accounts = Profile.objects.filter(user__username__startswith=prefix)
    lines = [
        f"sign-ups: {accounts.count()} accounts made, {accounts.filter(counted_since__isnull=False).count()} "
        "of them counted in the public counters"
    ]
    work = Work.objects.filter(external_source="myanimelist", external_id=str(HOSTILE_ID)).first()
    if work is None:
        return ["the hostile work was never created"]
    confirmed = getattr(work, "confirmed", None)
    lines.append(
        f"work #{work.pk} {work.title!r}: {work.nb_ratings} ratings counted"
        + ("" if confirmed is None else f", confirmed={confirmed}")
    )
    visitor = Visitor(port, PROBE_ADDRESS)
    api = visitor.get("/api/works/?ordering=top&category=anime")
    titles = (
        [row.get("title") for row in json.loads(api.body).get("results", [])] if api.status == 200 else []
    )
    rank = titles.index(HOSTILE_TITLE) + 1 if HOSTILE_TITLE in titles else None
    lines.append(f"API Top rated, first page: {f'#{rank}' if rank else 'absent'} (HTTP {api.status})")
    page = visitor.get("/anime/?sort=top")
    shown = escape(HOSTILE_TITLE).encode() in page.body or HOSTILE_TITLE.encode() in page.body
    lines.append(f"Top rated page /anime/?sort=top: {'shown' if shown else 'absent'} (HTTP {page.status})")
    suggest = visitor.get("/search/suggest/?q=cmd")
    found = suggest.status == 200 and HOSTILE_TITLE in [
        r["title"] for r in json.loads(suggest.body)["results"]
    ]
    lines.append(f"search suggestions for 'cmd': {'listed' if found else 'absent'} (HTTP {suggest.status})")
    detail = visitor.get(f"/anime/{work.pk}/")
    lines.append(f"its page /anime/{work.pk}/ to a visitor: HTTP {detail.status}")
    return lines


def counters_equal_a_recount() -> tuple[bool, int]:
    """(every work's counters equal a full recount, works that differ); the recount is rolled back."""
    from django.db import transaction

    from mangaki.choices import COUNTER_FIELDS
    from mangaki.models import Work
    from mangaki.services.ranking import ranking_recompute

    counters = (*COUNTER_FIELDS.values(), "nb_ratings")
    before = {row[0]: row[1:] for row in Work.objects.values_list("pk", *counters)}
    with transaction.atomic():
        ranking_recompute()
        after = {row[0]: row[1:] for row in Work.objects.values_list("pk", *counters)}
        differing = sum(1 for pk, values in before.items() if after.get(pk) != values)
        transaction.set_rollback(True)
    return differing == 0, differing


# --- One phase.


def run_phase(name: str, seconds: float, port: int, args, people, works, plans, worker, staff) -> dict:
    """``seconds`` of the honest load from ``people`` ((rater or reader, token)), with the attack ``name``."""
    from django.db import connections

    connections.close_all()  # before the fork: the attack's process shares no connection
    handle = (
        load_attacks.start(name, port, seconds, plans[name], niceness=args.attacker_nice)
        if name in plans
        else None
    )
    tally, health, events = Tally(), Tally(), []
    started = time.monotonic()
    deadline = started + seconds

    def timeline() -> None:
        def at(fraction: float) -> None:
            time.sleep(max(0.0, started + fraction * seconds - time.monotonic()))

        at(0.10)
        answer = Visitor(port, attacker_address(name), token=staff).send_json(
            "POST", "/api/models/retrain/", {"algorithm": "balse"}
        )
        events.append(f"{time.monotonic() - started:5.1f} s  retrain of BALSE queued: HTTP {answer.status}")
        at(0.25)
        worker.kill()
        events.append(f"{time.monotonic() - started:5.1f} s  Celery worker killed (SIGKILL)")
        at(0.40)
        worker.replace()
        events.append(f"{time.monotonic() - started:5.1f} s  a new Celery worker started")

    threads = [threading.Thread(target=probe, args=(port, deadline, health))]
    for index, (kind, token) in enumerate(people):
        visitor = Visitor(port, honest_address(index), token=token)
        target = rater if kind == "rater" else reader
        rng = random.Random(f"{name}-{index}")
        threads.append(
            threading.Thread(target=target, args=(visitor, works, rng, deadline, tally, args.think))
        )
    if name == "retrain-kill":
        threads.append(threading.Thread(target=timeline))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    attack = load_attacks.finish(handle, timeout=seconds + 300) if handle else {"answers": {}, "notes": []}
    attack["notes"] = events + attack["notes"]
    load = os.getloadavg()[0]  # the machine's, over the last minute: other work on it shows here
    return {"name": name, "honest": tally.rows, "health": health.rows, "attack": attack, "load": load}


# --- The report.


def report(phases: list[dict]) -> bool:
    """The tables; whether every attack phase met the target (each next to the baseline just before it)."""
    rows, met, baseline = [], True, None
    for phase in phases:
        honest, health = figures(phase["honest"]), figures(phase["health"])
        if phase["name"] == "baseline":
            baseline = honest
        ratio = honest["p99"] / baseline["p99"] if baseline and baseline["p99"] else float("nan")
        ok = honest["5xx"] == 0 and honest["failed"] == 0 and health["5xx"] + health["failed"] == 0
        ok = ok and (phase["name"] == "baseline" or ratio <= TARGET_RATIO)
        met = met and ok
        answers = phase["attack"]["answers"]
        rows.append(
            {
                "phase": phase["name"],
                "attack": ATTACKS[phase["name"]],
                "n": honest["n"],
                "5xx": honest["5xx"],
                "failed": honest["failed"],
                "429": honest["429"],
                "p50": honest["p50"],
                "p99": honest["p99"],
                "ratio": ratio,
                "health": health["max"] if health["failed"] == 0 else float("inf"),
                "met": "yes" if ok else "no",
                "load": phase["load"],
                "attacker": ", ".join(f"{step}: {count}" for step, count in sorted(answers.items())) or "-",
            }
        )
    print("\n## Honest requests by phase (target: no 5xx or failure, p99 within 3x the baseline before)\n")
    print_markdown_table(
        rows,
        [
            ("phase", "phase", "<"),
            ("attack", "attack", "<"),
            ("n", "honest requests", "d"),
            ("5xx", "honest 5xx", "d"),
            ("failed", "honest failed", "d"),
            ("429", "honest 429", "d"),
            ("p50", "p50 ms", ".1f"),
            ("p99", "p99 ms", ".1f"),
            ("ratio", "p99 / baseline", ".2f"),
            ("health", "health max ms", ".0f"),
            ("met", "target met", "<"),
            ("load", "load avg", ".1f"),
            ("attacker", "attacker's answers", "<"),
        ],
    )
    print(
        f"\n{'phase':<14}{'kind':<17}{'answered':>9}{'5xx':>6}{'4xx':>6}{'failed':>8}"
        f"{'p50 ms':>9}{'p99 ms':>9}"
    )
    for phase in phases:
        kinds = sorted({row[0] for row in phase["honest"]})
        for kind in kinds:
            f = figures([row for row in phase["honest"] if row[0] == kind])
            print(
                f"{phase['name']:<14}{kind:<17}{f['n']:>9}{f['5xx']:>6}{f['4xx']:>6}{f['failed']:>8}"
                f"{f['p50']:>9.1f}{f['p99']:>9.1f}"
            )
    print("\nhonest requests that were not answered 2xx/3xx/404 (by phase, endpoint and outcome):")
    shown = False
    for phase in phases:
        bad = Counter(
            (endpoint, outcome)
            for _, outcome, _, endpoint in phase["honest"] + phase["health"]
            if isinstance(outcome, str) or outcome >= 500 or outcome == 429
        )
        for (endpoint, outcome), count in sorted(bad.items(), key=str):
            print(f"  {phase['name']}: {count} x {outcome} on {endpoint}")
            shown = True
    if not shown:
        print("  none")
    for phase in phases:
        if phase["name"] == "baseline":
            continue
        print(f"\n{phase['name']}, the attacker's side:")
        for step, count in sorted(phase["attack"]["answers"].items()):
            print(f"  {count:>6} x {step}")
        for note in phase["attack"]["notes"]:
            print(f"  {note}")
    return met


def server_errors(log: Path) -> str:
    """The 5xx answers in the server's log, by who was answered and path, and gunicorn's worker timeouts.

    From gunicorn's access log when its configuration writes one (``address "request" status``),
    else from Django's own lines (``Internal Server Error: /path``).
    """
    access, django = Counter(), Counter()
    for line in log.read_text(errors="replace").splitlines():
        answered = re.match(r'(\S+) "(\S+) (\S+?)(?:\?\S*)? [^"]*" (5\d\d) ', line)
        logged = re.match(r"(Internal Server Error|Service Unavailable|Gateway Timeout): (\S+)", line)
        if answered:
            honest = answered.group(1).startswith(("127.0.1.", "127.0.4.", PROBE_ADDRESS))
            path = re.sub(r"/[0-9]+/", "/<id>/", answered.group(3))
            who = "honest" if honest else "attacker"
            access[f"{answered.group(4)} to the {who} on {answered.group(2)} {path}"] += 1
        elif logged:
            django[f"{logged.group(1)} {re.sub(r'/[0-9]+/', '/<id>/', logged.group(2))}"] += 1
        elif "WORKER TIMEOUT" in line:
            access["gunicorn worker timeout"] += 1
            django["gunicorn worker timeout"] += 1
    found = access if any(key[0].isdigit() for key in access) else django
    return ", ".join(f"{count} x {what}" for what, count in sorted(found.items()))


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


# --- The run.


def run(args) -> int:
    from bench import site_api as server

    # isort: split
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from mangaki.models import TrainedModel, Work
    from tests.mal_files import mal_export

    for url in (args.broker, args.cache):
        redis.Redis.from_url(url).flushdb()
    setup_started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("load_anime", small=not args.full, verbosity=0)
    for algorithm in server.SERVED_ALGORITHMS:
        server.ensure_active_model(algorithm)
    tokens = server.user_tokens(args.honest)
    people = [("rater" if i % 2 == 0 else "reader", tokens[i % len(tokens)]) for i in range(args.honest)]
    works = list(Work.objects.filter(nsfw=False).popular().values_list("pk", flat=True)[:3000])
    known = mal_ids_of_catalogue()
    heavy_token = member("bench-heavy")
    plans = {
        "profile": {"username": "bench-heavy", "address": attacker_address("profile")},
        "suggest": {
            "address": attacker_address("suggest"),
            "queries": suggestion_queries(),
            "token": member("bench-slow"),
        },
        "signups": {
            "address": attacker_address("signups"),
            "prefix": f"sig{secrets.token_hex(2)}x",
            "file": mal_export("anime", [{"id": HOSTILE_ID, "title": HOSTILE_TITLE, "score": 10}]),
        },
        "uploads": {
            "tokens": [member(f"bench-upload-{n}") for n in range(UPLOAD_MEMBERS)],
            "addresses": [f"127.0.2.{100 + n}" for n in range(UPLOAD_MEMBERS)],
            "file": mal_list(known, UPLOAD_IDS, size=UPLOAD_BYTES),
        },
    }
    plans = {name: plan for name, plan in plans.items() if name in args.attacks}
    staff = member("bench-staff", staff=True)
    heavy_file = mal_list(known, HEAVY_IDS, entries=HEAVY_ENTRIES)
    balse_before = TrainedModel.objects.filter(algorithm="balse").count()
    config = gunicorn_config()
    print(
        f"code {git_revision()}; {Work.objects.count()} works, {len(tokens)} honest tokens; "
        f"setup so far {time.monotonic() - setup_started:.0f} s\n"
        f"gunicorn: {'gunicorn.conf.py' if config else '2 sync workers (no gunicorn.conf.py)'}; "
        f"import limits: MANGAKI_IMPORT_MAX_ENTRIES={settings.MANGAKI_IMPORT_MAX_ENTRIES}, "
        f"MANGAKI_IMPORT_MAX_BYTES={settings.MANGAKI_IMPORT_MAX_BYTES}; every throttle on\n"
        f"lists: heavy member {len(heavy_file) / 1e6:.1f} MB ({HEAVY_ENTRIES} entries, {len(known)} known), "
        + (f"uploads {len(plans['uploads']['file']) / 1e6:.2f} MB each" if "uploads" in plans else ""),
        flush=True,
    )
    connections.close_all()

    log, server_log = (
        Path(tempfile.gettempdir()) / f"mangaki-bench-faults-{name}.log" for name in ("worker", "web")
    )
    for path in (log, server_log):
        path.unlink(missing_ok=True)
    worker = Worker(log)
    port = server.free_port()
    proxy = None
    if args.proxy:
        os.environ["NUM_PROXIES"] = "1"  # the client address is the proxy's X-Forwarded-For entry
    gunicorn = server.start_gunicorn(port, throttling=True, config=config, log=server_log)
    if args.proxy:
        upstream, port = port, server.free_port()
        proxy_folder = Path(tempfile.mkdtemp(prefix="mangaki-bench-nginx-"))
        ports = (port, server.free_port(), upstream)
        proxy = nginx_in_front(ports, proxy_folder, proxy_folder / "error.log")
        print(f"nginx (deploy/nginx.conf over HTTP) on {port}, gunicorn behind it on {upstream}", flush=True)
    phases, checks = [], []
    try:
        if "profile" in plans:
            print(f"heavy member's import: {import_heavy_list(port, heavy_token, heavy_file)}", flush=True)
        # Unmeasured: the workers load the models, open connections, fill caches.
        run_phase("warm-up", min(args.seconds, 8), port, args, people, works, plans, worker, staff)
        settle(port)
        for name in args.attacks:
            for phase in ("baseline", name):
                print(f"phase {phase}: {args.honest} honest people for {args.seconds:g} s…", flush=True)
                phases.append(run_phase(phase, args.seconds, port, args, people, works, plans, worker, staff))
                print(f"  the server was idle again {settle(port):.1f} s later", flush=True)
            if name in ("signups", "uploads"):
                statuses, waited = wait_for_imports(args.settle)
                checks.append(f"after {name}: imports by status {dict(statuses)} ({waited:.0f} s waited)")
                if name == "signups":
                    checks += hostile_title_check(port, plans["signups"]["prefix"])
    except BaseException:
        worker.kill()  # in a session of its own, it would outlive this process
        raise
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=30)
        gunicorn.terminate()
        gunicorn.wait(timeout=60)

    if "retrain-kill" in args.attacks:
        waited, row = time.monotonic(), None
        while time.monotonic() - waited < 300:
            row = TrainedModel.objects.filter(algorithm="balse").order_by("-version").first()
            if (
                TrainedModel.objects.filter(algorithm="balse").count() > balse_before
                and row.status != "training"
            ):
                break
            time.sleep(1)
        if row is not None and TrainedModel.objects.filter(algorithm="balse").count() > balse_before:
            checks.append(f"retrain: BALSE version {row.version}: {row.status} {row.reason or ''}".rstrip())
        else:
            checks.append("retrain: no new BALSE version within 300 s after the run")
    worker.kill()

    met = report(phases)
    exact, differing = counters_equal_a_recount()
    print("\nchecks:")
    for line in checks:
        print(f"  {line}")
    print(f"  counters equal a full recount: {'yes' if exact else f'no, {differing} works differ'}")
    print(f"  server errors logged by the site: {server_errors(server_log) or 'none'}")
    print(f"  logs: {server_log}, {log}")
    print(f"\ntarget met in every phase: {'yes' if met else 'no'}")
    return 0 if met and exact else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=50, help="honest people (half rate, half read)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--attacks", default=",".join(PHASES), help=f"phases after the baseline, of {PHASES}")
    parser.add_argument("--think", type=float, default=2.0, help="a person's mean pause, s (0.5x to 1.5x)")
    parser.add_argument("--settle", type=float, default=180, help="longest wait for imports after a phase")
    parser.add_argument("--full", action="store_true", help="load fixtures/anime instead of anime-small")
    parser.add_argument(
        "--proxy", action="store_true", help="every client through nginx with deploy/nginx.conf (README)"
    )
    parser.add_argument(
        "--attacker-nice", type=int, default=10, help="the attacks' niceness (0: as the server's)"
    )
    parser.add_argument("--pg-url", default=None, help="PostgreSQL server for the scratch database")
    parser.add_argument("--scratch-name", default=SCRATCH_DATABASE)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/6", help="Redis broker (emptied)")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/7", help="Redis cache (emptied)")
    args = parser.parse_args()
    args.attacks = [name.strip() for name in args.attacks.split(",") if name.strip()]
    unknown = set(args.attacks) - set(PHASES)
    if unknown:
        parser.error(f"unknown attacks {sorted(unknown)}; choose from {PHASES}")
    default_pg = os.environ.get("DATABASE_URL", "")
    server_url = args.pg_url or (default_pg if default_pg.startswith("postgres") else DEFAULT_PG_SERVER)
    media_root = tempfile.mkdtemp(prefix="mangaki-bench-faults-media-")
    try:
        with scratch_postgres(server_url, args.scratch_name) as url:
            # Every process the bench starts (gunicorn, the Celery worker) inherits this environment.
            start_django(
                url,
                media_root,
                ALLOWED_HOSTS="127.0.0.1",
                CELERY_BROKER_URL=args.broker,
                CACHE_URL=args.cache,
                LOG_LEVEL="WARNING",
                # A killed worker's task goes back to the queue after seconds, not an hour.
                MANGAKI_BROKER_VISIBILITY_TIMEOUT="20",
                MANGAKI_BROKER_RESTORE_INTERVAL="1",
                MANGAKI_BROKER_RESTORE_THROTTLE="1",
            )
            return run(args)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
