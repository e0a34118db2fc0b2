"""Benchmark: the full anime load (7,390 works, 419,943 ratings) into a fresh database.

    python -m bench.site_dataset_load [--repeat 3] [--postgres [--pg-url postgres://…/postgres]]

Each run migrates a brand-new database (a SQLite file; with --postgres also a scratch database
on the PostgreSQL server, dropped after the run), loads fixtures/anime, then loads it a second time
(which must change nothing). Target: the first load on SQLite in under 60 s. Prints the
median and every run; peak memory is the child process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from bench.setup import ROOT, django_environment, scratch_postgres

PYTHON = sys.executable


def manage(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


@contextlib.contextmanager
def database(backend: str, folder: str, server_url: str, run: int) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder}/bench.sqlite3"
    else:
        with scratch_postgres(server_url, f"mangaki_bench_load_{run}") as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres", help="its server")
    options = parser.parse_args()

    backends = ["sqlite"] + (["postgresql"] if options.postgres else [])
    print(f"{'backend':<11} {'first load s':>13} {'second load s':>14} {'migrate s':>10}")
    for backend in backends:
        firsts, seconds, migrates = [], [], []
        for run in range(options.repeat):
            with (
                tempfile.TemporaryDirectory() as folder,
                database(backend, folder, options.pg_url, run) as url,
            ):
                env = django_environment(DATABASE_URL=url)
                migrates.append(manage(env, "migrate", "-v0"))
                firsts.append(manage(env, "load_anime", "-v0"))
                seconds.append(manage(env, "load_anime", "-v0"))
            figures = f"{firsts[-1]:>13.1f} {seconds[-1]:>14.1f} {migrates[-1]:>10.1f}"
            print(f"{backend:<11} {figures}   (run {run + 1})")
        print(
            f"{backend:<11} {statistics.median(firsts):>13.1f} {statistics.median(seconds):>14.1f} "
            f"{statistics.median(migrates):>10.1f}   median of {options.repeat}"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a load: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
