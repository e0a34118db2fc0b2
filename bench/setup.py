"""What the benchmarks share to start: data folders, Django's settings, scratch databases.

One DEBUG rule for every bench: DEBUG is off, as in production, so no bench times Django's query
log; a bench that counts queries uses ``CaptureQueriesContext``. ``django_environment()`` is the
environment of a production-like process on plain HTTP (for Django in this process, through
``start_django``, and for the servers and commands a bench starts).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
MOVIELENS_ENV = "RECOMMENDER_MOVIELENS_DIR"
SHARED_MEDIA_ROOT = os.path.join(tempfile.gettempdir(), "mangaki-bench-media")


# --- Data and the library.


def movielens_directory(cli_value: str | None = None) -> Path | None:
    """ml-latest-small: the --movielens flag, else $RECOMMENDER_MOVIELENS_DIR, else
    ../shared/data/ml-latest-small next to the repository; None when none of them exists."""
    candidates = [cli_value, os.environ.get(MOVIELENS_ENV), ROOT.parent / "shared/data/ml-latest-small"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "ratings.csv").exists():
            return Path(candidate)
    return None


def movielens_or_say(cli_value: str | None = None, then: str = "skipped") -> Path | None:
    """``movielens_directory``, saying on stderr how to give the folder when there is none."""
    directory = movielens_directory(cli_value)
    if directory is None:
        print(
            f"ml-latest-small not found: pass --movielens DIR or set {MOVIELENS_ENV} "
            f"(default ../shared/data/ml-latest-small next to the repository); {then}",
            file=sys.stderr,
        )
    return directory


def datasets(names: list[str], movielens: str | None = None, as_choices: bool = False):
    """(name, data) of each of ``names``: "ml" is ml-latest-small (skipped, with a word on stderr,
    when it is not found), the others are fixtures read by ``recommender.datasets.load_anime``."""
    from recommender.datasets import load_anime, load_movielens

    for name in names:
        if name != "ml":
            yield name, load_anime(name)
        elif (directory := movielens_or_say(movielens)) is not None:
            yield "ml-latest-small", load_movielens(directory, as_choices=as_choices)


def tables_by_dataset(arguments: argparse.Namespace, run) -> dict[str, list[dict]]:
    """``run(data)``'s rows for each dataset of ``dataset_arguments``' ``--datasets`` (MovieLens
    stars as choices), saying which dataset is running."""
    tables = {}
    for name, data in datasets(arguments.datasets, arguments.movielens, as_choices=True):
        print(f"{name}:", flush=True)
        tables[name] = run(data)
    return tables


def tables_bench(description: str, run, columns, argv: list[str] | None = None) -> int:
    """The whole main() of a library bench that prints one table per dataset of ``run(data)``."""
    from bench.report import print_tables

    arguments = dataset_arguments(description).parse_args(argv)
    announce_warm_up()
    print_tables(tables_by_dataset(arguments, run), columns, arguments.markdown)
    return 0


DATASET_NAMES = ("anime", "anime-small", "ml")


def dataset_arguments(description: str, *, markdown: bool = True) -> argparse.ArgumentParser:
    """A parser with what the library benches take: ``--datasets`` (read by ``datasets``),
    ``--movielens`` and, for those that print tables, ``--markdown``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--datasets", nargs="+", default=["anime", "ml"], choices=DATASET_NAMES)
    parser.add_argument("--movielens", default=None, help="folder of ml-latest-small")
    if markdown:
        parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    return parser


def peers_installed(*modules: str) -> bool:
    """Whether the peers a bench compares with import; if not, says how to install them."""
    import importlib

    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError as error:
        print(f"error: {error}; install the peers: pip install -r requirements-bench.txt", file=sys.stderr)
        return False
    return True


def warm_up_compiled_kernels() -> float:
    """Run every numba kernel once on tiny data so timings exclude compilation; returns seconds."""
    import numpy as np
    import scipy.sparse as sp

    from recommender import BALSE
    from recommender.ease import EASE

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 30, 600), rng.integers(0, 20, 600)])
    tags = sp.random(20, 5, density=0.4, format="csr", random_state=0)
    model = BALSE(n_epochs=2).fit(X, rng.normal(size=600), item_tags=tags)
    model.predict(X)
    model.fold_in(X[:5, 1], np.ones(5))
    choices = rng.choice([4.0, 2.0, 0.1, 0.5, -0.5, -2.0], size=600)
    for ranker in (EASE(), EASE(value_weights=None, intercept=False)):
        ranker.fit(X, choices).recommend(X[:5, 1], choices[:5], n=5)
    return time.perf_counter() - started


def announce_warm_up() -> None:
    """``warm_up_compiled_kernels``, saying how long it took (before the first timing)."""
    print(f"numba warm-up (compilation or cache load): {warm_up_compiled_kernels():.2f} s")


# --- Django.


def django_environment(**overrides: str) -> dict[str, str]:
    """os.environ with the bench rule: DEBUG off, plain HTTP, a secret key, local hosts."""
    environment = dict(os.environ)
    environment.setdefault("DJANGO_SETTINGS_MODULE", "mangaki.settings")
    environment.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    environment.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")  # testserver: the test client
    environment.update(DEBUG="0", HTTPS="0")  # the clients speak plain HTTP to this machine
    environment.update(overrides)
    return environment


def start_django(database_url: str | None = None, media_root: str | None = None, **overrides: str) -> None:
    """Set Django up in this process under ``django_environment(**overrides)``.

    ``database_url`` and ``media_root`` default to $DATABASE_URL and $MEDIA_ROOT, else the
    settings' database and a scratch folder shared by the benches that reuse trained models.
    """
    overrides.setdefault("MEDIA_ROOT", media_root or os.environ.get("MEDIA_ROOT") or SHARED_MEDIA_ROOT)
    if database_url:
        overrides["DATABASE_URL"] = database_url
    os.environ.update(django_environment(**overrides))
    # Static files come from the finders here: STATIC_ROOT exists only after collectstatic.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def setup_with_real_data(database_url: str | None = None, **overrides: str) -> None:
    """Start Django, migrate, then load fixtures/anime once if the database has no rating."""
    start_django(database_url, **overrides)
    from django.core.management import call_command

    from mangaki.models import Rating

    call_command("migrate", verbosity=0)  # a new database has no tables yet
    if not Rating.objects.exists():
        print("loading fixtures/anime (once)…", flush=True)
        call_command("load_anime", verbosity=0)


# --- Scratch databases: a bench that loads data of its own creates a database, works in it and
# drops it on the way out, even when it fails. One of that name left by an interrupted run stops
# the bench with a message saying how to drop it, rather than being reused or dropped unasked.


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


def scratch_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


@contextlib.contextmanager
def scratch_postgres(server_url: str, name: str, keep: bool = False) -> Iterator[str]:
    """The URL of a new, empty database ``name`` on the server; dropped on the way out unless ``keep``."""
    from psycopg import sql

    with postgres_connection(server_url) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(
                f"database {name} already exists (left by an interrupted run, or another run is using "
                f"it): drop it (dropdb -h HOST -U postgres {name}) and run again"
            )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield scratch_url(server_url, name)
    finally:
        from django.apps import apps

        if apps.ready:  # this process's own connections, when it set Django up
            from django.db import connections

            connections.close_all()
        if keep:
            print(f"kept the scratch database {name}", flush=True)
        else:
            with postgres_connection(server_url) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@contextlib.contextmanager
def scratch_database(server_url: str, name: str, workdir: str) -> Iterator[str]:
    """``scratch_postgres`` on the server of ``server_url``, or without one a SQLite file in
    ``workdir`` (removed with it)."""
    if not server_url:
        yield f"sqlite:///{os.path.join(workdir, name + '.sqlite3')}"
        return
    with scratch_postgres(server_url, name) as url:
        yield url
