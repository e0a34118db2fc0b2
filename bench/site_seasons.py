"""Benchmark: render time of the season page and the airing calendar.

    DATABASE_URL=sqlite:////tmp/seasons.sqlite3 python -m bench.site_seasons --make-works 400 [--repeat 20]
    DATABASE_URL=… python -m bench.site_seasons --season 2026/spring   # after load_anime

The database of DATABASE_URL is migrated first; page throttles are off (the measure is of the work).

Renders the current season's page and the calendar through Django's test client (middleware,
templates and queries, no network) for a visitor and for a member who rated every tenth work,
and prints the median and p90 wall-clock time, the median CPU time and the number of SQL
queries. ``--make-works N`` first adds N works to the current season (made once, titled
"bench-season …"; two thirds airing with a weekly slot, a few continuing from earlier
seasons), for a database without this season's data.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench.setup import start_django

PREFIX = "bench-season"
BENCH_USER = "bench-seasons-member"
TYPES = ("TV", "TV", "TV", "ONA", "Movie", "OVA", "Special")


def make_works(count: int) -> None:
    """``count`` works in the current season (once), two thirds of them airing weekly."""
    from mangaki.models import Category, Work
    from mangaki.seasons import current_season

    anime = Category.objects.get(slug="anime")
    have = Work.objects.filter(title__startswith=PREFIX).count()
    season = current_season()
    first_slot = datetime(season.first_day.year, season.first_day.month, 1, 12, tzinfo=UTC)
    works = []
    for index in range(have, count):
        continuing = index % 25 == 0
        weekly = index % 3 != 0
        works.append(
            Work(
                title=f"{PREFIX} {index:04d}",
                category=anime,
                work_type=TYPES[index % len(TYPES)],
                aired_from=season.first_day - timedelta(days=400)
                if continuing
                else season.first_day + timedelta(days=index % 80),
                status=Work.Status.RELEASING if weekly else "",
                broadcast_start=first_slot + timedelta(minutes=37 * index) if weekly else None,
                broadcast_interval_days=7 if weekly else None,
                nb_members=index * 13 % 997,
            )
        )
    for work in works:
        work.save()  # save() writes search_text
    print(f"{Work.objects.filter(title__startswith=PREFIX).count()} bench works in {season.label}")


def member() -> object:
    from django.contrib.auth import get_user_model

    from mangaki.models import Rating, Work
    from mangaki.services.ratings import rating_set

    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    if not Rating.objects.filter(user=user).exists():
        for work in Work.objects.filter(title__startswith=PREFIX).order_by("pk")[::10]:
            rating_set(user=user, work=work, choice="like")
    return user


def measure(client, url: str, repeat: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds of ``repeat`` requests (CPU time is less sensitive to a busy
    machine), and the number of queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200  # warm the caches a running server would have warm
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return wall, cpu, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--make-works", type=int, default=0)
    parser.add_argument("--season", help="YEAR/SEASON to time, e.g. 2026/spring (default: the current one)")
    args = parser.parse_args()
    start_django(API_THROTTLING="0")
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from mangaki.models import Work
    from mangaki.seasons import Season, YearSeason, current_season

    call_command("migrate", verbosity=0)
    if args.make_works:
        make_works(args.make_works)
    season = current_season()
    if args.season:
        year, name = args.season.split("/")
        season = YearSeason(int(year), Season(name))
    urls = {
        "season": reverse("season", args=["anime", season.year, season.season.value]),
        "calendar": reverse("calendar", args=["anime"]),
        "home": reverse("home"),
    }
    visitor, signed_in = Client(), Client()
    signed_in.force_login(member())
    print(f"{Work.objects.count()} works; {season.label}; {args.repeat} requests each")
    print(f"{'page':<10} {'who':<8} {'median ms':>10} {'p90 ms':>8} {'cpu ms':>8} {'queries':>8}")
    for name, url in urls.items():
        for who, client in (("visitor", visitor), ("member", signed_in)):
            wall, cpu, queries = measure(client, url, args.repeat)
            p90 = statistics.quantiles(wall, n=10)[-1]
            print(
                f"{name:<10} {who:<8} {statistics.median(wall):>10.1f} {p90:>8.1f} "
                f"{statistics.median(cpu):>8.1f} {queries:>8}"
            )


if __name__ == "__main__":
    main()
