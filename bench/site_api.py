"""Benchmark: the REST API under gunicorn (2 workers) and PostgreSQL with the full real data.

    createdb -h 127.0.0.1 -U postgres mangaki_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/mangaki_bench
    python -m bench.site_api [--rate 50] [--seconds 20] [--clients 16] [--users 500]

Three endpoints measured in the same run, next to each other:
  health           GET /api/health/ (trivial: no database) -- the floor of the stack
  works?top        GET /api/works/?ordering=top (anonymous)
  recommendations  GET /api/recommendations/ (what the site serves by default: EASE's list of 20
                   works, with BALSE's predicted ratings and tags, and explanations), each
                   request from another of ``--users`` real users of the data, with their API token

(a) open loop: requests sent on a fixed schedule of ``--rate`` per second whatever the answers
    (latency counted from the scheduled time, so a slow server cannot hide its queue), p50/p99;
(b) closed loop: ``--clients`` clients each sending the next request as soon as the last is
    answered, for the highest throughput, with its p50/p99.
CPU seconds per request: user+system time of the gunicorn processes (and, separately, of the
PostgreSQL backends connected to the benchmark database) over each phase, divided by the
requests answered. The client runs on the same machine and takes CPU from the server;
throttling is off (API_THROTTLING=0) so that the measure is of the work, not of the 429s.
EASE and BALSE are trained (once, kept in the registry) if either has no active version, and
the warm-up checks that the answers are EASE's lists with BALSE's predictions. It prints the
resident memory of each gunicorn worker before and after the models are loaded, and the size
of the models' artifacts. Only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report import percentile
from bench.setup import ROOT, django_environment, setup_with_real_data

if TYPE_CHECKING:
    from mangaki.models import TrainedModel

HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_P99_MS = 50


# --- Setup: data, an active model, users with tokens.


# The default list: EASE ranks, BALSE beside it predicts ratings and names tags.
SERVED_ALGORITHMS = ("ease", "balse")


def ensure_active_model(algorithm: str) -> TrainedModel:
    from mangaki.models import TrainedModel

    active = TrainedModel.objects.filter(algorithm=algorithm, is_active=True).first()
    if active is None:
        from mangaki.recommendations.training import model_train

        print(f"training {algorithm} on the full data (once; kept in the registry)...", flush=True)
        model_train(algorithm=algorithm)
        active = TrainedModel.objects.get(algorithm=algorithm, is_active=True)
    return active


def user_tokens(count: int) -> list[str]:
    """API tokens of ``count`` real users of the data with at least 10 ratings (created once)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    users = (
        get_user_model()
        .objects.annotate(n=Count("ratings"))
        .filter(n__gte=10)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    return [Token.objects.get_or_create(user_id=pk)[0].key for pk in users]


# --- The server.


def start_gunicorn(
    port: int, *, throttling: bool = False, config: Path | None = None, log: Path | None = None
) -> subprocess.Popen:
    """gunicorn on ``port``: 2 sync workers, or as ``config`` (a gunicorn.conf.py) says; throttling off
    unless ``throttling``; its output to ``log`` if given."""
    env = django_environment(
        ALLOWED_HOSTS=HOST,
        API_THROTTLING="1" if throttling else "0",
        # Each worker keeps one database backend for the whole run (its CPU is measured per phase).
        DATABASE_CONN_MAX_AGE="3600",
        LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "mangaki.wsgi",
            *(["--config", str(config)] if config else ["--workers", "2"]),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab") if log else None,
        stderr=subprocess.STDOUT if log else None,
    )
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if get(port, "/api/health/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not answer on /api/health/")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, token: str | None = None) -> tuple[int, float]:
    """One request on a fresh connection (gunicorn's sync workers close after each answer)."""
    started = time.perf_counter()
    client = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        client.request("GET", path, headers={"Authorization": f"Token {token}"} if token else {})
        response = client.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        client.close()


def check_default_list(port: int, token: str) -> None:
    """The answer is personal: EASE's list, with BALSE's predicted ratings beside it."""
    client = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        client.request("GET", "/api/recommendations/", headers={"Authorization": f"Token {token}"})
        body = json.loads(client.getresponse().read())
    finally:
        client.close()
    assert (body["algorithm"], body["is_fallback"]) == ("ease", False), body["fallback_reason"]
    assert body["results"] and all(item["predicted"] is not None for item in body["results"])


# --- CPU accounting from /proc.


def cpu_seconds(pids: list[int], reaped: bool = False) -> float:
    """User + system CPU of ``pids``; with ``reaped``, also of their children that have exited."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime: children waited for
    return total / TICKS


def server_cpu_seconds(master: int) -> float:
    """CPU of gunicorn: the master, its live workers and those it replaced (max_requests).

    A worker that exits after max_requests takes its CPU out of its own /proc entry and adds
    it to the master's children's time once reaped: counting both keeps the sum growing, where
    the workers alive at the start would lose the CPU of those that left and miss the new ones.
    """
    workers = [pid for pid in processes(parent=master) if pid != master]
    return cpu_seconds([master], reaped=True) + cpu_seconds(workers)


def processes(parent: int | None = None, name: str | None = None) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError):
            continue
        comm, ppid = head.split("(", 1)[1], int(tail.split()[1])
        if (parent is not None and (ppid == parent or int(entry.name) == parent)) or (
            name is not None and comm == name
        ):
            found.append(int(entry.name))
    return found


def worker_memory(master: int) -> dict[int, float]:
    """Resident memory (MiB) of each gunicorn worker."""
    resident = {}
    for pid in processes(parent=master):
        if pid == master:
            continue
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                resident[pid] = int(row.split()[1]) / 1024
    return resident


def memory_report(before: dict[int, float], after: dict[int, float], models: list[TrainedModel]) -> str:
    """Resident memory of each worker before and after loading the models; the artifacts' sizes."""
    from django.core.files.storage import default_storage

    workers = ", ".join(f"{before.get(pid, float('nan')):.0f} → {after[pid]:.0f}" for pid in sorted(after))
    artifacts = ", ".join(
        f"{model.algorithm} {default_storage.size(model.artifact_name) / 2**20:.1f} MiB" for model in models
    )
    return (
        f"resident memory per worker, before → after loading the models: {workers} MiB\n"
        f"artifacts (.npz): {artifacts}"
    )


# --- Load.


class Endpoint:
    def __init__(self, name: str, path: str, tokens: list[str] | None = None):
        self.name, self.path, self.tokens = name, path, tokens
        self._next = 0
        self._lock = threading.Lock()

    def token(self) -> str | None:
        if not self.tokens:
            return None
        with self._lock:
            self._next += 1
            return self.tokens[self._next % len(self.tokens)]


def open_loop(port: int, endpoint: Endpoint, rate: float, seconds: float) -> dict:
    count = int(rate * seconds)
    latencies, errors = [], []
    lock = threading.Lock()

    def send(scheduled: float) -> None:
        status, _ = get(port, endpoint.path, endpoint.token())
        elapsed = time.perf_counter() - scheduled  # includes any wait for a free client thread
        with lock:
            (latencies if status == 200 else errors).append(elapsed if status == 200 else status)

    start = time.perf_counter() + 0.1
    with ThreadPoolExecutor(max_workers=64) as pool:
        for index in range(count):
            scheduled = start + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, scheduled)
    return {"n": len(latencies), "errors": errors, "latencies": latencies, "seconds": seconds}


def closed_loop(port: int, endpoint: Endpoint, clients: int, seconds: float) -> dict:
    latencies, errors = [], []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            status, elapsed = get(port, endpoint.path, endpoint.token())
            with lock:
                (latencies if status == 200 else errors).append(elapsed if status == 200 else status)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "n": len(latencies),
        "errors": errors,
        "latencies": latencies,
        "seconds": time.perf_counter() - started,
    }


def database_backends() -> list[int]:
    """PostgreSQL backends connected to the benchmark database (the gunicorn workers' ones)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def measured(run, master: int) -> dict:
    backends = database_backends()
    app_before, db_before = server_cpu_seconds(master), {pid: cpu_seconds([pid]) for pid in backends}
    result = run()
    db_after = {pid: cpu_seconds([pid]) for pid in database_backends()}
    result["app_cpu"] = (server_cpu_seconds(master) - app_before) / max(result["n"], 1)
    # The workers keep their backends (CONN_MAX_AGE); a replaced worker's new backend counts
    # from zero, its old one's CPU since the last reading is lost once it has closed.
    db_seconds = sum(after - db_before.get(pid, 0) for pid, after in db_after.items())
    result["db_cpu"] = db_seconds / max(result["n"], 1)
    return result


def line(name: str, result: dict) -> str:
    latencies = result["latencies"]
    return (
        f"{name:<16} {result['n']:>6} {len(result['errors']):>4} {result['n'] / result['seconds']:>8.1f} "
        f"{statistics.median(latencies) * 1000:>8.1f} {percentile(latencies, 0.99) * 1000:>8.1f} "
        f"{result['app_cpu'] * 1000:>9.2f} {result['db_cpu'] * 1000:>8.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50, help="open-loop requests per second")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop concurrent clients")
    parser.add_argument("--users", type=int, default=500, help="distinct users asking for recommendations")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    setup_with_real_data()
    from django.conf import settings
    from django.db import connection

    from mangaki.models import Work

    if connection.vendor != "postgresql" or Work.objects.count() < 1000:
        print("needs PostgreSQL with the real data: set DATABASE_URL (see the docstring)")
        return 1
    models = [ensure_active_model(algorithm) for algorithm in SERVED_ALGORITHMS]
    tokens = user_tokens(args.users)
    served = ", ".join(
        f"{model.algorithm} v{model.version} on {model.nb_ratings} ratings" for model in models
    )
    print(
        f"{Work.objects.count()} works; {served}; "
        f"{len(tokens)} users; database {settings.DATABASES['default']['NAME']}",
        flush=True,
    )
    args.port = args.port or free_port()
    server = start_gunicorn(args.port)
    try:
        endpoints = [
            Endpoint("health", "/api/health/"),
            Endpoint("works?top", "/api/works/?ordering=top"),
            Endpoint("recommendations", "/api/recommendations/", tokens),
        ]
        without_models = {}
        for endpoint in endpoints:  # warm both workers: model load, connections, caches
            if endpoint.tokens:  # the models are loaded by the first recommendations
                without_models = worker_memory(server.pid)
            # Four at a time, so that both workers answer some (one alone may take them all).
            with ThreadPoolExecutor(max_workers=4) as pool:
                answers = list(pool.map(lambda _, e=endpoint: get(args.port, e.path, e.token()), range(40)))
            assert all(status == 200 for status, _ in answers), endpoint.path
        check_default_list(args.port, tokens[0])
        print(memory_report(without_models, worker_memory(server.pid), models), flush=True)
        header = (
            f"{'endpoint':<16} {'n':>6} {'err':>4} {'req/s':>8} "
            f"{'p50 ms':>8} {'p99 ms':>8} {'app ms':>9} {'db ms':>8}"
        )
        for title, run in [
            (
                f"(a) open loop, {args.rate:g} req/s for {args.seconds:g} s",
                lambda e: open_loop(args.port, e, args.rate, args.seconds),
            ),
            (
                f"(b) closed loop, {args.clients} clients for {args.seconds:g} s",
                lambda e: closed_loop(args.port, e, args.clients, args.seconds),
            ),
        ]:
            print(f"\n{title}   (app/db ms: CPU milliseconds per request)\n{header}", flush=True)
            for endpoint in endpoints:
                result = measured(lambda endpoint=endpoint, run=run: run(endpoint), server.pid)
                print(line(endpoint.name, result), flush=True)
                if result["errors"]:
                    print(f"   non-200 answers: {sorted(set(result['errors']))}")
        print(f"\ntarget: recommendations p99 under {TARGET_P99_MS} ms at {args.rate:g} req/s (open loop)")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
