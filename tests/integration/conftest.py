"""A real Celery worker (and beat) in separate processes, against the real Redis broker.

The worker must see the test database and the test's model storage, so these tests need
PostgreSQL (``DATABASE_URL``), a Redis broker (``CELERY_BROKER_URL``), and committed data
(``transactional_db``). The broker gets a Redis database number of its own so that nothing
else queued on the default one is consumed here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from mangaki.celery import app
from mangaki.recommendations.serving import forget_loaded_models

BROKER_DB = int(os.environ.get("MANGAKI_TEST_BROKER_DB", "14"))
STARTUP_SECONDS = 60


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.worker)
            if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
                item.add_marker(pytest.mark.skip(reason="needs a Redis broker: set CELERY_BROKER_URL"))


@pytest.fixture
def test_broker_url() -> str:
    parts = urlsplit(os.environ["CELERY_BROKER_URL"])
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


@pytest.fixture
def shared_media(settings, tmp_path):
    """Model storage both the test process and the worker processes read and write."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    forget_loaded_models()
    yield Path(settings.MEDIA_ROOT)
    forget_loaded_models()


@pytest.fixture
def broker(test_broker_url):
    """A producer connection to the test broker; the queue is emptied before and after."""
    with app.connection_for_write(test_broker_url) as connection_:
        app.control.purge(connection=connection_)
        yield connection_
        app.control.purge(connection=connection_)


class Celery:
    """Start and kill ``celery -A mangaki worker|beat`` processes for one test."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.processes = env, logs, []

    def _start(self, name: str, *arguments: str, ready: str | None) -> subprocess.Popen:
        log = self.logs / f"{name}-{len(self.processes)}.log"
        handle = open(log, "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mangaki", *arguments],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        self.processes.append((process, handle))
        if ready:
            deadline = time.monotonic() + STARTUP_SECONDS
            while ready not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"celery {name} did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        return process

    def worker(self) -> subprocess.Popen:
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        arguments = [
            "worker",
            "--pool=solo",
            "-l",
            "info",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
        ]
        return self._start("worker", *arguments, ready=" ready.")

    def beat(self) -> subprocess.Popen:
        """Beat with django_celery_beat's database scheduler, waking up at least every second."""
        return self._start("beat", "beat", "-l", "info", "--max-interval", "1", ready="beat: Starting")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: the process gets no chance to acknowledge, clean up or give its task back."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, handle in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            handle.close()


@pytest.fixture
def celery_processes(transactional_db, broker, test_broker_url, shared_media, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the worker process must see the test database")
    database = connection.settings_dict
    database_url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": test_broker_url,
        "CELERY_RESULT_BACKEND": test_broker_url,
        "MEDIA_ROOT": str(shared_media),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        # A task whose worker died is handed out again after a few seconds, not an hour.
        "MANGAKI_BROKER_VISIBILITY_TIMEOUT": "6",
        "MANGAKI_BROKER_RESTORE_INTERVAL": "1",
        "MANGAKI_BROKER_RESTORE_THROTTLE": "1",
        # A short schedule for beat: check every second, retrain after 5 new ratings.
        "MANGAKI_RETRAIN_CHECK_SECONDS": "1",
        "MANGAKI_RETRAIN_MIN_NEW_RATINGS": "5",
    }
    processes = Celery(env, tmp_path)
    yield processes
    processes.stop_all()


def wait_for(condition, seconds: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")
