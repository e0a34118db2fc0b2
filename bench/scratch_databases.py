"""Scratch PostgreSQL databases for the benchmarks that load data of their own.

A bench creates ``name`` on the server of a PostgreSQL URL, works in it, and drops it on the way
out, even when it fails. A database of that name left by an interrupted run stops the bench
with a message saying how to drop it, rather than being reused or dropped unasked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit


def postgres_connection(server_url: str):
    """An autocommit connection to the maintenance database of ``server_url``'s server."""
    import dj_database_url
    import psycopg

    parsed = dj_database_url.parse(server_url)
    if "postgresql" not in parsed["ENGINE"]:
        raise SystemExit(f"not a PostgreSQL URL: {server_url}")
    parameters = {
        "host": parsed.get("HOST") or None,
        "port": parsed.get("PORT") or None,
        "user": parsed.get("USER") or None,
        "password": parsed.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    try:
        return psycopg.connect(**{k: v for k, v in parameters.items() if v is not None}, autocommit=True)
    except psycopg.OperationalError as error:
        raise SystemExit(f"cannot reach PostgreSQL at {server_url} ({str(error).strip()})") from None


@contextlib.contextmanager
def scratch_postgres(server_url: str, name: str) -> Iterator[str]:
    """The URL of a new, empty database ``name`` on the server; dropped on the way out."""
    from psycopg import sql

    with postgres_connection(server_url) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(
                f"database {name} already exists (left by an interrupted run, or another run is using "
                f"it): drop it (dropdb -h HOST -U postgres {name}) and run again"
            )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        from django.apps import apps

        if apps.ready:  # this process's own connections, when it set Django up
            from django.db import connections

            connections.close_all()
        with postgres_connection(server_url) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
