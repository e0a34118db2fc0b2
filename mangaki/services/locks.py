"""One process at a time: the lock that keeps two trainings (or two catalogue syncs) apart."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def process_lock(name: str) -> Iterator[bool]:
    """Yield whether this process now holds the lock called ``name`` (it does not wait).

    PostgreSQL: a session advisory lock, released by the server if the process dies (a
    worker killed mid-task never leaves a stale lock). SQLite (one machine): an ``flock``
    on a file named after the database, released by the kernel the same way.
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    import fcntl

    database = str(connection.settings_dict.get("NAME") or ":memory:")
    if "memory" in database:  # an in-memory database (tests) belongs to this process alone
        database = f"{database}-{os.getpid()}"
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    with open(os.path.join(tempfile.gettempdir(), f"{name}-{digest}.lock"), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
