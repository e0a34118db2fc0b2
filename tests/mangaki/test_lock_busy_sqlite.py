"""SQLite busy with another writer is a lock given up on (503, retry in seconds), not a database down."""

import sqlite3

import pytest
from django.db import OperationalError

from mangaki.middleware import is_lock_timeout


def django_error_from(cause: Exception) -> OperationalError:
    """What Django raises for ``cause``: its own OperationalError, with the driver's as the cause."""
    try:
        raise OperationalError(*cause.args) from cause
    except OperationalError as error:
        return error


def test_a_write_refused_by_another_writer_is_a_busy_lock(tmp_path):
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # a writer holds the database
    holder.execute("INSERT INTO t VALUES (1)")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as refused:
        other.execute("INSERT INTO t VALUES (2)")
    holder.rollback()
    assert is_lock_timeout(django_error_from(refused.value))


def test_other_sqlite_errors_are_not(tmp_path):
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect(tmp_path / "empty.sqlite3").execute("SELECT * FROM nowhere")
    assert not is_lock_timeout(django_error_from(missing.value))
    assert not is_lock_timeout(OperationalError("server closed the connection unexpectedly"))
