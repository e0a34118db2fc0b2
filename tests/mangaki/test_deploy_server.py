"""The shipped server configuration: gunicorn.conf.py, and the reverse proxy of deploy/nginx.conf.

A real gunicorn started with the README's production command (``gunicorn -c gunicorn.conf.py``)
on a free port: two clients trickling a POST body (a byte every half second) hold a thread each,
and ``/api/health/`` still answers at once. With the sync workers of the former command
(``--workers 2``) the same two clients hold both workers and the probe waits (issue 20, row 4).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
STARTUP_SECONDS = 60
# The test's own services never reach the server: it reads an empty SQLite file of its own.
NOT_INHERITED = {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


class Server:
    def __init__(self, tmp_path: Path, *options: str):
        self.port = free_port()
        environment = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        environment.update(
            DJANGO_SETTINGS_MODULE="mangaki.settings",
            SECRET_KEY="tests-only-" + "x" * 40,
            HTTPS="0",
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            MEDIA_ROOT=str(tmp_path / "media"),
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="4",
        )
        self.log = open(tmp_path / f"gunicorn-{self.port}.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             *options],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                get(self.port, "/api/health/", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(
                        (tmp_path / f"gunicorn-{self.port}.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()


class SlowClient(threading.Thread):
    """A POST whose body comes a byte every half second, for as long as the test runs."""

    def __init__(self, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.stop = port, stop

    def run(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(
                b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
            )
            while not self.stop.wait(0.5):
                try:
                    sock.sendall(b"a")
                except OSError:
                    return


def probes_while_two_clients_trickle(server: Server) -> list[float | None]:
    """Seconds each of five health probes took while two slow clients send (None: no answer in 3 s)."""
    stop = threading.Event()
    clients = [SlowClient(server.port, stop) for _ in range(2)]
    for client in clients:
        client.start()
    time.sleep(1.5)  # both requests are in the server, waiting for their bodies
    timings = []
    try:
        for _ in range(5):
            started = time.monotonic()
            try:
                get(server.port, "/api/health/", timeout=3)
                timings.append(time.monotonic() - started)
            except OSError:
                timings.append(None)
    finally:
        stop.set()
        for client in clients:
            client.join(5)
    return timings


def test_two_slow_clients_leave_the_shipped_gunicorn_answering_at_once(tmp_path):
    server = Server(tmp_path)
    try:
        timings = probes_while_two_clients_trickle(server)
    finally:
        server.stop()
    assert None not in timings and max(timings) < 1.0, timings


def test_the_same_two_clients_stall_sync_workers(tmp_path):
    # What the former command ran (two sync workers): the reason for gthread and the proxy.
    # (gunicorn runs gthread instead of sync when threads > 1: the config's threads are set back to 1.)
    server = Server(tmp_path, "--worker-class", "sync", "--workers", "2", "--threads", "1")
    try:
        timings = probes_while_two_clients_trickle(server)
    finally:
        server.stop()
    assert timings.count(None) >= 4, timings


def test_the_config_reads_its_sizes_from_the_environment():
    code = (
        "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('worker_class', 'workers', 'threads', 'bind', 'timeout')}))"
    )
    env = {**os.environ, "GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "16", "GUNICORN_BIND": "0.0.0.0:9000"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout) == {
        "worker_class": "gthread",
        "workers": 3,
        "threads": 16,
        "bind": ["0.0.0.0:9000"],
        "timeout": 30,
    }
    bad = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "GUNICORN_THREADS": "many"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "GUNICORN_THREADS must be a positive whole number" in bad.stderr


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")
def test_the_example_proxy_config_is_valid_nginx(tmp_path):
    # Its certificate and file paths are a deployment's; here they point into tmp_path.
    certificate = [
        "-subj",
        "/CN=mangaki.example",
        "-keyout",
        str(tmp_path / "key.pem"),
        "-out",
        str(tmp_path / "cert.pem"),
    ]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *certificate],
        check=True,
        capture_output=True,
    )
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_request_buffering on;" in config and "X-Forwarded-For $remote_addr;" in config
    assert "client_body_timeout" in config and "client_max_body_size 31m;" in config
    assert settings.MANGAKI_IMPORT_MAX_BYTES < 31 * 1024 * 1024  # the largest import fits
    replacements = {
        "/etc/ssl/mangaki/fullchain.pem": str(tmp_path / "cert.pem"),
        "/etc/ssl/mangaki/privkey.pem": str(tmp_path / "key.pem"),
        "/run/nginx-mangaki.pid": str(tmp_path / "nginx.pid"),
        "/var/log/nginx/": f"{tmp_path}/",
    }
    for before, after in replacements.items():
        assert before in config
        config = config.replace(before, after)
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [
            "nginx",
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "error.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
