"""Benchmark: raters and readers over HTTP while the site retrains and loses its Celery worker.

    createdb -h 127.0.0.1 -U postgres mangaki_faults
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mangaki_faults \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
      .venv/bin/python bench/bench_load_faults.py [--raters 50] [--readers 50] [--seconds 60]

Loads fixtures/anime into the database of DATABASE_URL if it has no rating (it changes the
ratings of the data's users: use a database of its own), trains EASE and BALSE if needed,
starts gunicorn (2 workers, production settings over plain HTTP, throttling off so that the
load is work, not 429s) and one Celery worker, then for ``--seconds``:

- ``--raters`` clients each rate random works with random choices (PUT, sometimes DELETE
  /api/ratings/{work}/) as a real user of the data with their token;
- ``--readers`` clients alternate GET /api/recommendations/ and /api/works/?ordering=top;
- after 10% of the run a staff retrain of BALSE is queued over the API; at 25% the worker is
  killed (SIGKILL, mid-training) and at 40% a new one is started: the broker hands the
  unacknowledged training to it.

Prints, per kind of request, how many were answered, server errors (5xx), other failures
(connection errors), p50 and p99; what became of the retrain; and whether every work's
counters equal a full recount afterwards (recomputed in a transaction that is rolled back).
Target: 0 server errors, counters exact. Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
    raise SystemExit("set CELERY_BROKER_URL to a Redis broker, e.g. redis://127.0.0.1:6379/3")
# A killed worker's task goes back to the queue after seconds, not an hour (both the web
# processes and the worker read these).
os.environ.setdefault("MANGAKI_BROKER_VISIBILITY_TIMEOUT", "20")
os.environ.setdefault("MANGAKI_BROKER_RESTORE_INTERVAL", "1")
os.environ.setdefault("MANGAKI_BROKER_RESTORE_THROTTLE", "1")

from bench import bench_api as server  # noqa: E402  (starts Django)
from bench.bench_api import HOST, percentile  # noqa: E402

# isort: split

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from mangaki.choices import COUNTER_FIELDS, Choice  # noqa: E402
from mangaki.models import Rating, TrainedModel, Work  # noqa: E402
from mangaki.services.ranking import ranking_recompute  # noqa: E402

# Every counter kept per choice, and their total (the weighted ones derive from these).
COUNTERS = (*COUNTER_FIELDS.values(), "nb_ratings")


def request(port: int, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    client = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        headers = {"Authorization": f"Token {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        client.request(method, path, body=payload, headers=headers)
        response = client.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        client.close()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[str, list[tuple[int, float]]] = {}
        self.failures: dict[str, int] = {}

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.answers.setdefault(kind, []).append((status, seconds))

    def fail(self, kind: str) -> None:
        with self.lock:
            self.failures[kind] = self.failures.get(kind, 0) + 1


def start_worker(log: Path) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": "bench-" + "x" * 40}
    handle = log.open("ab")
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "mangaki",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=server.ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def counters_equal_a_recount() -> tuple[bool, int]:
    """(every work's counters equal a full recount, works that differ); the recount is rolled back."""
    before = {row[0]: row[1:] for row in Work.objects.values_list("pk", *COUNTERS)}
    differing = 0
    with transaction.atomic():
        ranking_recompute()
        after = {row[0]: row[1:] for row in Work.objects.values_list("pk", *COUNTERS)}
        differing = sum(1 for pk, values in before.items() if after[pk] != values)
        transaction.set_rollback(True)
    return differing == 0, differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=50)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Rating.objects.exists():
        print("loading fixtures/anime (once)…", flush=True)
        call_command("load_anime", verbosity=0)
    for algorithm in server.SERVED_ALGORITHMS:
        server.ensure_active_model(algorithm)
    tokens = server.user_tokens(args.raters + args.readers)
    staff, _ = get_user_model().objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    staff_token = Token.objects.get_or_create(user=staff)[0].key
    works = list(Work.objects.filter(nsfw=False).popular().values_list("pk", flat=True)[:3000])
    balse_before = TrainedModel.objects.filter(algorithm="balse").count()
    connection.close()

    log = Path(server.tempfile.gettempdir()) / "mangaki-bench-faults-worker.log"
    log.unlink(missing_ok=True)
    worker = start_worker(log)
    port = server.free_port()
    gunicorn = server.start_gunicorn(port)
    tally = Tally()
    deadline = time.monotonic() + args.seconds
    events: list[str] = []

    def rater(token: str, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            work = rng.choice(works)
            try:
                if rng.random() < 0.1:
                    status, seconds = request(port, "DELETE", f"/api/ratings/{work}/", token)
                else:
                    body = {"choice": rng.choice(Choice.values)}
                    status, seconds = request(port, "PUT", f"/api/ratings/{work}/", token, body)
                tally.add("rate (PUT/DELETE)", status, seconds)
            except OSError:
                tally.fail("rate (PUT/DELETE)")

    def reader(token: str, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            kind, path = rng.choice(
                [("recommendations", "/api/recommendations/"), ("works?top", "/api/works/?ordering=top")]
            )
            try:
                status, seconds = request(port, "GET", path, token)
                tally.add(kind, status, seconds)
            except OSError:
                tally.fail(kind)

    def timeline() -> None:
        nonlocal worker
        started = time.monotonic()

        def at(fraction: float) -> None:
            time.sleep(max(0.0, started + fraction * args.seconds - time.monotonic()))

        at(0.10)
        status, seconds = request(port, "POST", "/api/models/retrain/", staff_token, {"algorithm": "balse"})
        events.append(
            f"{time.monotonic() - started:5.1f} s  retrain of BALSE queued: HTTP {status} in {seconds:.2f} s"
        )
        at(0.25)
        kill(worker)
        events.append(f"{time.monotonic() - started:5.1f} s  Celery worker killed (SIGKILL)")
        at(0.40)
        worker = start_worker(log)
        events.append(f"{time.monotonic() - started:5.1f} s  a new Celery worker started")

    threads = [threading.Thread(target=rater, args=(tokens[i], i)) for i in range(args.raters)]
    threads += [
        threading.Thread(target=reader, args=(tokens[args.raters + i], 1000 + i)) for i in range(args.readers)
    ]
    threads.append(threading.Thread(target=timeline))
    print(
        f"{args.raters} raters and {args.readers} readers for {args.seconds:.0f} s against gunicorn…",
        flush=True,
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gunicorn.terminate()
    gunicorn.wait()

    # The retrain: the new worker finishes the training the killed one left unacknowledged.
    waited = time.monotonic()
    row = None
    while time.monotonic() - waited < 300:
        row = TrainedModel.objects.filter(algorithm="balse").order_by("-version").first()
        if TrainedModel.objects.filter(algorithm="balse").count() > balse_before and row.status != "training":
            break
        time.sleep(1)
    kill(worker)

    print("\nwhat happened:")
    for event in events:
        print(f"  {event}")
    if row is not None and TrainedModel.objects.filter(algorithm="balse").count() > balse_before:
        print(f"  BALSE version {row.version}: {row.status} {row.reason or ''}".rstrip())
    else:
        print("  no new BALSE version within 300 s after the run")
    print(f"\n{'requests':<20}{'answered':>10}{'5xx':>6}{'4xx':>6}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}")
    server_errors = 0
    for kind, answers in sorted(tally.answers.items()):
        times = [seconds * 1000 for _, seconds in answers]
        errors = sum(1 for status, _ in answers if status >= 500)
        client_errors = sum(1 for status, _ in answers if 400 <= status < 500)
        server_errors += errors
        print(
            f"{kind:<20}{len(answers):>10}{errors:>6}{client_errors:>6}{tally.failures.get(kind, 0):>8}"
            f"{percentile(times, 0.5):>9.1f}{percentile(times, 0.99):>9.1f}"
        )
    exact, differing = counters_equal_a_recount()
    print(f"\nserver errors: {server_errors} (target 0)")
    print(f"counters equal a full recount: {'yes' if exact else f'no, {differing} works differ'}")
    print(f"worker log: {log}")
    return 0 if server_errors == 0 and exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
