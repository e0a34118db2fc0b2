"""Benchmark: server-side render time of the pages on the full real data.

    DATABASE_URL=postgres://… python -m bench.site_pages [--repeat 50]

Uses the database of DATABASE_URL (migrated and loaded with fixtures/anime first if it has no
rating), with the page and API throttles off (the measure is of the work). Renders each page
through Django's test client (the whole middleware stack, templates and queries, no network)
for a visitor and for a member with 200 ratings, and prints the median,
p90 and the number of SQL queries. Target: home and catalogue under 100 ms median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.setup import setup_with_real_data

TARGET_MS = 100
BENCH_USER = "bench-pages-member"


def member_with_ratings(count: int = 200):
    """A member (created once, kept) who rated the ``count`` most popular works."""
    from django.contrib.auth import get_user_model

    from mangaki.models import Rating, Work
    from mangaki.services.ratings import rating_set

    user, created = get_user_model().objects.get_or_create(username=BENCH_USER)
    if created or Rating.objects.filter(user=user).count() < count:
        for index, work in enumerate(Work.objects.filter(nsfw=False).popular()[:count]):
            rating_set(user=user, work=work, choice=("favorite", "like", "neutral", "dislike")[index % 4])
    return user


def measure(client, url: str, repeat: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the caches a running server would have warm
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return timings, len(queries.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    setup_with_real_data(API_THROTTLING="0")
    from django.test import Client

    from mangaki.models import Rating, Work
    from mangaki.recommendations.lists import recommendations_for

    works = Work.objects.count()
    work = Work.objects.filter(nsfw=False).popular().first()
    pages = [
        ("home", "/"),
        ("catalogue", "/anime/"),
        ("catalogue, search", "/anime/?q=gundam"),
        ("catalogue, genre+type+top", "/anime/?genre=mecha&type=TV&sort=top"),
        ("catalogue, page 40 by title", "/anime/?sort=title&page=40"),
        ("work page", work.get_absolute_url()),
        ("recommendations", "/recommendations/"),
    ]
    visitor = Client()
    member = Client()
    user = member_with_ratings()
    member.force_login(user)
    personal = not recommendations_for(user=user).is_fallback
    if not personal:
        print("no BALSE model loads: the recommendations rows measure the fallback (manage.py train)")
    print(f"{works} works, {Rating.objects.count()} ratings; {args.repeat} renders each; times in ms")
    print(f"{'page':30} {'who':8} {'median':>8} {'p90':>8} {'queries':>8}")
    failed = False
    for name, url in pages:
        for who, client in (("visitor", visitor), ("member", member)):
            timings, queries = measure(client, url, args.repeat)
            median = statistics.median(timings)
            p90 = statistics.quantiles(timings, n=10)[-1]
            flag = ""
            if name in {"home", "catalogue"} and median >= TARGET_MS:
                flag, failed = f"  over the {TARGET_MS} ms target", True
            print(f"{name:30} {who:8} {median:8.1f} {p90:8.1f} {queries:8d}{flag}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
