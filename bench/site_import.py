"""Benchmark: importing a 10,000-entry MyAnimeList list, on PostgreSQL and on SQLite.

    python -m bench.site_import [--repeats 5] [--backend pg|sqlite|both] [--small]

Target: 10,000 entries import in under 10 s on PostgreSQL. For each backend, in the
same run (each in a process of its own, since Django has one database configuration per
process):

- PostgreSQL: a scratch database ``mangaki_bench_import`` is created on the server of
  ``--pg-url`` (default: DATABASE_URL when it names a PostgreSQL server, else
  postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end; SQLite: a database file
  in a temporary folder, removed at the end (the settings' WAL, synchronous=NORMAL).
- Setup, timed apart and not part of the figures: ``migrate``, then ``manage.py load_anime``
  (the shipped fixtures/anime: 7,390 anime, 420k ratings, so that the rating table and the
  works' counters are the size of a real site; ``--small`` loads fixtures/anime-small).
- Each repetition builds, with ``tests.mal_files.mal_export`` (every field MyAnimeList
  writes, gzipped as MyAnimeList delivers it), a 10,000-entry anime export: 7,000 anime of
  the catalogue and 3,000 anime it does not have (new ids each repetition, with titles, so
  every repetition adds 3,000 works), in a realistic mix of statuses (mostly Completed, then
  Plan to Watch unscored, Watching, Dropped, On-Hold) and scores 0-10; and a 10,000-entry
  manga export (manga the catalogue does not have: 10,000 works added). Then, for a new
  member, it times:

  a. ``import_receive``: the web request's part: cheap checks, the file stored on a queued
     RatingImport;
  b. ``import_run``: the worker's part: read and check the file, match the works, add the
     unknown ones, write the 10,000 ratings through ``ratings_bulk_set`` in work-id order,
     1,000 per transaction;
  c. a + b;
  d. the same file imported again (receive + run), which must report 0 created, 0 updated,
     10,000 unchanged;
  e. the manga export (receive + run);

  and, as the peer, the same 10,000 ratings of the anime file set one at a time by another new
  member through ``rating_set`` (what rating card by card costs; the works exist by then), in
  the first ``--peer-repeats`` repetitions (default 1: it takes a minute or two).
  ``--peer-entries N`` sets only the first N one by one and extrapolates to 10,000, saying so.

After the repetitions every work's counters (nb_*, sum_ratings, controversy) are compared with
a full recount (``manage.py ranking``); the bench fails if one differs, if an import's report
is not what the file implies, or if the peer's ratings are not the ones the import wrote.

Prints the setup figures and a Markdown table, one row per backend: seconds as median
(min–max) over the repetitions, entries per second of the median total, and the ratio
import / one by one. ``--profile`` also profiles one more anime import (cProfile, top
functions). Wall-clock on a shared machine, so noisy; the core count is printed. DEBUG is off
(no query log); the cache is CACHE_URL's (per-process memory when unset).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gzip
import io
import json
import math
import os
import pstats
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import timed
from bench.setup import ROOT, django_environment, postgres_connection, scratch_postgres, start_django

SCRATCH_DATABASE = "mangaki_bench_import"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
BACKENDS = {"pg": "PostgreSQL", "sqlite": "SQLite"}
ENTRIES = 10_000
KNOWN = 7_000  # anime of the catalogue in the anime export; the rest are new works
TARGET_SECONDS = 10.0  # on PostgreSQL
# (status, share of the list, share of its entries that have a score). Roughly a MyAnimeList
# list: most entries completed and scored, plans never scored, some of the rest scored.
STATUS_MIX = {
    "anime": [
        ("Completed", 0.62, 0.92),
        ("Plan to Watch", 0.18, 0.0),
        ("Watching", 0.07, 0.5),
        ("Dropped", 0.07, 0.6),
        ("On-Hold", 0.06, 0.3),
    ],
    "manga": [
        ("Completed", 0.45, 0.9),
        ("Plan to Read", 0.25, 0.0),
        ("Reading", 0.18, 0.6),
        ("Dropped", 0.06, 0.6),
        ("On-Hold", 0.06, 0.3),
    ],
}
# Scores 1-10 of scored entries (MyAnimeList lists lean to 7-8); dropped ones lean low.
SCORE_WEIGHTS = {10: 8, 9: 15, 8: 25, 7: 22, 6: 12, 5: 7, 4: 4, 3: 3, 2: 2, 1: 2}
DROPPED_SCORE_WEIGHTS = {6: 10, 5: 20, 4: 25, 3: 20, 2: 15, 1: 10}
ANIME_TYPES = [("TV", 12), ("TV", 24), ("TV", 13), ("Movie", 1), ("OVA", 6), ("ONA", 10), ("Special", 2)]
TITLE_WORDS = [
    *("Shōjo", "Kakumei", "Hoshi", "no", "Kioku", "Tsuki", "Yoru", "Sekai", "Monogatari", "Kōkaku"),
    *("Senki", "Mahō", "Tenshi", "Gakuen", "Requiem", "Chronicle", "Zero", "Blade", "Kaiju"),
    *("Lullaby", "Overdrive", "Ōkami", "Natsu", "Sora"),
]


# --- The parent: one child process per backend, then the tables.


@contextlib.contextmanager
def scratch_sqlite():
    folder = tempfile.mkdtemp(prefix="mangaki-bench-import-")
    try:
        yield f"sqlite:///{Path(folder) / 'db.sqlite3'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_backend(backend: str, args) -> dict:
    """Run the measurements of ``backend`` in a child process; its results."""
    print(f"\n## {BACKENDS[backend]}", flush=True)
    database = scratch_postgres(args.pg_url, args.scratch_name) if backend == "pg" else scratch_sqlite()
    media_root = tempfile.mkdtemp(prefix="mangaki-bench-import-media-")
    result_file = Path(media_root) / "result.json"
    try:
        with database as url:
            env = django_environment(DATABASE_URL=url, MEDIA_ROOT=media_root)
            command = [sys.executable, "-m", "bench.site_import", "--child", backend]
            command += ["--repeats", str(args.repeats), "--result-file", str(result_file)]
            command += ["--small"] * args.small + ["--profile"] * args.profile
            command += ["--peer-repeats", str(args.peer_repeats)]
            if args.peer_entries:
                command += ["--peer-entries", str(args.peer_entries)]
            finished = subprocess.run(command, env=env, cwd=ROOT, check=False)
            if finished.returncode != 0:
                raise SystemExit(f"the {BACKENDS[backend]} run failed (exit {finished.returncode})")
        return json.loads(result_file.read_text())
    finally:
        shutil.rmtree(media_root, ignore_errors=True)


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def print_tables(results: list[dict]) -> None:
    headers = [
        "backend",
        "read+check s",
        "write s",
        "total s",
        "entries/s",
        "re-import s",
        "manga 10k (all new works) s",
        "one-by-one peer s",
        "ratio import/peer",
    ]
    rows = []
    for result in results:
        times = result["times"]
        total = statistics.median(times["total"])
        peer = statistics.median(times["peer"])
        rows.append(
            [
                result["backend"],
                spread(times["receive"]),
                spread(times["run"]),
                spread(times["total"]),
                f"{result['entries'] / total:,.0f}",
                spread(times["reimport"]),
                spread(times["manga"]),
                spread(times["peer"]) + ("*" if result["peer_extrapolated"] else ""),
                f"{total / peer:.3f} ({peer / total:.0f}× faster)",
            ]
        )
    print("| " + " | ".join(headers) + " |")
    print("| --- |" + " ---: |" * (len(headers) - 1))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        "\nseconds: median (min–max) over the repetitions; entries/s = 10,000 / median total; "
        "ratio = median total / median one-by-one peer."
    )
    for result in results:
        if result["peer_extrapolated"]:
            print(
                f"* {result['backend']}: the peer set {result['peer_entries']:,} ratings one at a time; "
                f"the figure is that time × {result['entries'] / result['peer_entries']:g} "
                "(extrapolated to 10,000)."
            )


def parent(args) -> int:
    # A plain `kill` still drops the scratch database and removes the temporary folders.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    backends = ["pg", "sqlite"] if args.backend == "both" else [args.backend]
    fixtures = ROOT / "fixtures" / ("anime-small" if args.small else "anime")
    for stem in ("works", "ratings"):
        if not any((fixtures / f"{stem}.csv{suffix}").exists() for suffix in (".gz", "")):
            raise SystemExit(f"{fixtures.relative_to(ROOT)}: no {stem}.csv.gz or {stem}.csv to load")
    if "pg" in backends:
        postgres_connection(args.pg_url).close()  # a clear message before anything else
    results = [run_backend(backend, args) for backend in backends]

    cores = os.cpu_count()
    print(f"\n# MyAnimeList import: {ENTRIES:,} entries ({cores} cores, Python {sys.version.split()[0]})\n")
    for r in results:
        small = " --small" if r["small"] else ""
        print(
            f"- {r['backend']}: setup (not measured): migrate {r['migrate_seconds']:.1f} s, "
            f"load_anime{small} {r['load_seconds']:.1f} s ({r['catalogue_works']:,} anime, "
            f"{r['catalogue_ratings']:,} ratings)\n"
            f"  - anime export: {r['anime_known']:,} anime of the catalogue + {r['anime_unknown']:,} new, "
            f"{r['anime_gz_bytes'] / 1e6:.2f} MB gzipped ({r['anime_xml_bytes'] / 1e6:.1f} MB of XML); "
            f"{r['repeats']} repetition(s), the one-by-one peer in {r['peer_repeats']}\n"
            f"  - reports exact (10,000 created; re-import 0 created, 0 updated, 10,000 unchanged; manga "
            f"10,000 created, 10,000 works added); the peer's ratings equal the import's\n"
            f"  - afterwards the counters of all {r['checked_works']:,} works ({r['checked_ratings']:,} "
            f"ratings) equal a recount by manage.py ranking (which took {r['recount_seconds']:.1f} s)"
        )
    print()
    print_tables(results)
    for result in results:
        if result["backend"] == "PostgreSQL":
            total = statistics.median(result["times"]["total"])
            verdict = "met" if total < TARGET_SECONDS else "NOT met"
            print(f"\ntarget (< {TARGET_SECONDS:g} s on PostgreSQL): {verdict} ({total:.2f} s)")
    return 0


# --- The child: one backend, inside Django.


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def status_and_score(rng: random.Random, kind: str) -> tuple[str, int]:
    mix = STATUS_MIX[kind]
    status, _, scored_share = rng.choices(mix, weights=[share for _, share, _ in mix])[0]
    if rng.random() >= scored_share:
        return status, 0
    weights = DROPPED_SCORE_WEIGHTS if status == "Dropped" else SCORE_WEIGHTS
    return status, rng.choices(list(weights), weights=list(weights.values()))[0]


def new_title(rng: random.Random, number: int) -> str:
    return " ".join(rng.sample(TITLE_WORDS, rng.randint(2, 5))) + f" {number}"


def anime_export(rng: random.Random, known: list[tuple], unknown_ids: range) -> bytes:
    """The gzipped export of the ``known`` catalogue anime (id, title, type, episodes) and new ones."""
    from tests.mal_files import mal_export

    entries = [
        {"id": mal_id, "title": title, "type": work_type or "TV", "episodes": episodes or 0}
        for mal_id, title, work_type, episodes in known
    ]
    for mal_id in unknown_ids:
        work_type, episodes = rng.choice(ANIME_TYPES)
        entries.append(
            {"id": mal_id, "title": new_title(rng, mal_id), "type": work_type, "episodes": episodes}
        )
    rng.shuffle(entries)
    for entry in entries:
        entry["status"], entry["score"] = status_and_score(rng, "anime")
    return mal_export("anime", entries, gz=True)


def manga_export(rng: random.Random, ids: range) -> bytes:
    from tests.mal_files import mal_export

    entries = []
    for mal_id in ids:
        status, score = status_and_score(rng, "manga")
        volumes = rng.randint(1, 40)
        entries.append(
            {
                "id": mal_id,
                "title": new_title(rng, mal_id),
                "status": status,
                "score": score,
                "volumes": volumes,
                "chapters": volumes * rng.randint(6, 12),
            }
        )
    return mal_export("manga", entries, gz=True)


def new_member(name: str):
    from django.contrib.auth import get_user_model

    from mangaki.models import Profile

    User = get_user_model()
    user = User.objects.create_user(username=name, email=f"{name}@example.com")
    # The catalogue's NSFW anime are in the export: a member without the opt-in would have them
    # skipped, and the figures are for the whole 10,000.
    Profile.objects.filter(user=user).update(nsfw_ok=True)
    return User.objects.select_related("profile").get(pk=user.pk)


def import_file(user, data: bytes, file_name: str) -> tuple[dict, float, float]:
    """Receive then run one import as the site does; (report, receive seconds, run seconds)."""
    from mangaki.models import RatingImport
    from mangaki.services.rating_imports import import_receive, import_run

    received, receive_seconds = timed(import_receive, user=user, file_name=file_name, data=data)
    done, run_seconds = timed(import_run, import_id=received.pk)
    expect(done.status == RatingImport.Status.DONE, f"the import of {file_name} failed: {done.reason}")
    return done.report, receive_seconds, run_seconds


def expect_report(report: dict, what: str, **expected) -> None:
    got = {key: report.get(key) for key in expected}
    expect(got == expected, f"{what}: the report says {got}, expected {expected}")


def counter_names() -> tuple[str, ...]:
    """Each choice's counter (``COUNTER_FIELDS``, read once Django is set up) and those derived from them."""
    from mangaki.choices import COUNTER_FIELDS

    return (*COUNTER_FIELDS.values(), "nb_ratings", "sum_ratings", "controversy")


def counters() -> dict[int, tuple]:
    from mangaki.models import Work

    return {row[0]: row[1:] for row in Work.objects.values_list("pk", *counter_names())}


def expect_counters_equal_a_recount() -> tuple[int, float]:
    """Every work's counters equal a full recount (``manage.py ranking``); (works, recount seconds)."""
    from django.core.management import call_command

    incremental = counters()
    _, seconds = timed(call_command, "ranking", stdout=io.StringIO())
    recounted = counters()
    expect(incremental.keys() == recounted.keys(), "works appeared or vanished during the recount")
    differing = [
        (pk, name)
        for pk, values in incremental.items()
        for name, value, recount in zip(counter_names(), values, recounted[pk], strict=True)
        if not math.isclose(value, recount, abs_tol=1e-9)
    ]
    expect(
        not differing,
        f"{len(differing)} counters differ from a recount, e.g. (work, counter) {differing[:5]}",
    )
    return len(incremental), seconds


def peer_one_by_one(user, data: bytes, limit: int) -> tuple[float, list[tuple[int, str]]]:
    """Set the first ``limit`` ratings of the export one at a time with ``rating_set``.

    Returns (seconds, the (work id, choice) pairs written). The works are read beforehand, as a
    page has its work at hand when a card is rated.
    """
    from django.conf import settings

    from mangaki.mal import MYANIMELIST as SOURCE
    from mangaki.mal import read_list
    from mangaki.models import Work
    from mangaki.services.ratings import rating_set

    parsed = read_list(
        data, max_bytes=settings.MANGAKI_IMPORT_MAX_BYTES, max_entries=settings.MANGAKI_IMPORT_MAX_ENTRIES
    )
    entries = parsed.entries[:limit]
    works = {
        int(work.external_id): work
        for work in Work.objects.filter(
            external_source=SOURCE,
            category__slug=parsed.kind,
            external_id__in=[str(entry.mal_id) for entry in entries],
        )
    }
    expect(len(works) == len(entries), "the peer needs every work of the file to exist")
    pairs = [(works[entry.mal_id], entry.choice) for entry in entries]
    started = time.perf_counter()
    for work, choice in pairs:
        rating_set(user=user, work=work, choice=choice)
    return time.perf_counter() - started, [(work.pk, choice) for work, choice in pairs]


def print_profile(profile: cProfile.Profile, title: str) -> None:
    print(f"\n{title}: top functions by cumulative time, then by own time")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(18)
        text = out.getvalue()
        print(text[text.find("   ncalls") :].rstrip())


def child(args) -> int:
    start_django()  # the parent's environment: DATABASE_URL, MEDIA_ROOT
    from django.core.management import call_command
    from django.db import connection

    from mangaki.mal import MYANIMELIST as SOURCE
    from mangaki.models import Rating, Work

    backend = BACKENDS[args.child]
    _, migrate_seconds = timed(call_command, "migrate", verbosity=0)
    print(
        f"migrated in {migrate_seconds:.1f} s; loading fixtures/anime{'-small' if args.small else ''}…",
        flush=True,
    )
    _, load_seconds = timed(call_command, "load_anime", small=args.small, verbosity=0, stdout=io.StringIO())
    catalogue = list(
        Work.objects.filter(external_source=SOURCE, category__slug="anime")
        .order_by("pk")
        .values_list("external_id", "title", "work_type", "nb_episodes")
    )
    catalogue = [(int(mal_id), *rest) for mal_id, *rest in catalogue]
    catalogue_ratings = Rating.objects.count()
    print(
        f"load_anime: {len(catalogue):,} anime, {catalogue_ratings:,} ratings in {load_seconds:.1f} s "
        "(setup, not measured)",
        flush=True,
    )
    n_known = min(KNOWN, len(catalogue))
    n_unknown = ENTRIES - n_known
    if n_known < KNOWN:
        print(
            f"the catalogue has {len(catalogue):,} anime: the export has {n_known:,} of them and "
            f"{n_unknown:,} new ones",
            flush=True,
        )
    first_new_id = max(mal_id for mal_id, *_ in catalogue) + 1
    peer_entries = min(args.peer_entries or ENTRIES, ENTRIES)

    times: dict[str, list[float]] = {
        key: [] for key in ("receive", "run", "total", "reimport", "manga", "peer")
    }
    sizes = {}
    for repetition in range(args.repeats + args.profile):
        profiling = repetition == args.repeats
        rng = random.Random(repetition)
        known = rng.sample(catalogue, n_known)
        unknown_ids = range(
            first_new_id + repetition * n_unknown, first_new_id + (repetition + 1) * n_unknown
        )
        anime = anime_export(rng, known, unknown_ids)
        sizes = {"anime_gz_bytes": len(anime), "anime_xml_bytes": len(gzip.decompress(anime))}
        member = new_member(f"bench-import-{repetition}")
        if profiling:
            profile = cProfile.Profile()
            profile.enable()
            report, receive_seconds, run_seconds = import_file(member, anime, "animelist.xml.gz")
            profile.disable()
            expect_report(report, "profiled anime import", created=ENTRIES, new_works=n_unknown)
            print_profile(
                profile,
                f"{backend}: one more anime import, profiled "
                f"(read+check {receive_seconds:.2f} s, write {run_seconds:.2f} s, with the profiler's cost)",
            )
            break
        report, receive_seconds, run_seconds = import_file(member, anime, "animelist.xml.gz")
        expect_report(
            report, "anime import", created=ENTRIES, updated=0, unchanged=0, new_works=n_unknown, n_skipped=0
        )
        again, *reimport = import_file(member, anime, "animelist.xml.gz")
        expect_report(again, "re-import", created=0, updated=0, unchanged=ENTRIES, new_works=0, n_skipped=0)
        manga_report, *manga = import_file(
            member,
            manga_export(rng, range(1 + repetition * ENTRIES, 1 + (repetition + 1) * ENTRIES)),
            "mangalist.xml.gz",
        )
        expect_report(
            manga_report,
            "manga import",
            created=ENTRIES,
            updated=0,
            unchanged=0,
            new_works=ENTRIES,
            n_skipped=0,
        )

        times["receive"].append(receive_seconds)
        times["run"].append(run_seconds)
        times["total"].append(receive_seconds + run_seconds)
        times["reimport"].append(sum(reimport))
        times["manga"].append(sum(manga))
        line = (
            f"repetition {repetition + 1}/{args.repeats}: read+check {receive_seconds:.2f} s, "
            f"write {run_seconds:.2f} s, total {receive_seconds + run_seconds:.2f} s; "
            f"re-import {sum(reimport):.2f} s; manga {sum(manga):.2f} s"
        )
        if repetition < args.peer_repeats:
            peer = new_member(f"bench-peer-{repetition}")
            peer_seconds, written = peer_one_by_one(peer, anime, peer_entries)
            imported = dict(
                Rating.objects.filter(user=member, work__category__slug="anime").values_list(
                    "work_id", "choice"
                )
            )
            expect(
                all(imported.get(work_id) == choice for work_id, choice in written),
                "the peer's ratings differ from the import's",
            )
            expect(
                Rating.objects.filter(user=peer).count() == len(written),
                "the peer did not write every rating",
            )
            times["peer"].append(peer_seconds * ENTRIES / peer_entries)
            line += f"; one by one {peer_seconds:.2f} s for {peer_entries:,}"
        print(line, flush=True)

    print("checking every work's counters against a recount…", flush=True)
    checked_works, recount_seconds = expect_counters_equal_a_recount()
    print(f"counters of {checked_works:,} works equal a recount ({recount_seconds:.1f} s)", flush=True)
    result = {
        "backend": backend,
        "vendor": connection.vendor,
        "entries": ENTRIES,
        "repeats": args.repeats,
        "small": args.small,
        "migrate_seconds": migrate_seconds,
        "load_seconds": load_seconds,
        "catalogue_works": len(catalogue),
        "catalogue_ratings": catalogue_ratings,
        "anime_known": n_known,
        "anime_unknown": n_unknown,
        **sizes,
        "peer_entries": peer_entries,
        "peer_repeats": len(times["peer"]),
        "peer_extrapolated": peer_entries < ENTRIES,
        "checked_works": checked_works,
        "checked_ratings": Rating.objects.count(),
        "recount_seconds": recount_seconds,
        "times": times,
    }
    Path(args.result_file).write_text(json.dumps(result))
    connection.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per backend (default 5)")
    parser.add_argument("--backend", choices=["pg", "sqlite", "both"], default="both")
    parser.add_argument(
        "--small", action="store_true", help="load fixtures/anime-small instead of fixtures/anime"
    )
    parser.add_argument(
        "--peer-entries",
        type=int,
        default=None,
        help="ratings the one-by-one peer sets (default all 10,000); fewer are extrapolated to 10,000",
    )
    parser.add_argument(
        "--peer-repeats",
        type=int,
        default=1,
        help="repetitions in which the one-by-one peer also runs (default 1: 10,000 calls take minutes)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one more anime import (cProfile)"
    )
    default_pg = os.environ.get("DATABASE_URL", "")
    parser.add_argument(
        "--pg-url",
        default=default_pg if default_pg.startswith(("postgres://", "postgresql://")) else DEFAULT_PG_SERVER,
        help="a PostgreSQL server URL; the scratch database is created there (default: DATABASE_URL if "
        f"PostgreSQL, else {DEFAULT_PG_SERVER})",
    )
    parser.add_argument(
        "--scratch-name", default=SCRATCH_DATABASE, help="name of the scratch PostgreSQL database"
    )
    parser.add_argument("--child", choices=list(BACKENDS), help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.peer_repeats < 1:
        parser.error("--repeats and --peer-repeats must be at least 1")
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    raise SystemExit(main())
