"""Benchmark: recommendations_for on the real data, for users with 200 ratings.

    DATABASE_URL=postgres://… python -m bench.site_serving [--calls 500] [--algorithm ease]

Uses the database of DATABASE_URL (loading fixtures/anime and training the models first if
needed). Without ``--algorithm`` it times what the site serves by default: EASE's list with
BALSE's predicted ratings and tags beside it (both are trained if needed); ``--algorithm``
times one model alone, as the API's ``?algorithm=`` does. Picks real users with at least 200
ratings, keeps 200 of each (in a transaction that is rolled back at the end), and times
recommendations_for(user=user, limit=20) over the full catalogue, warm (the models already loaded
in this process), as the pages ask (the works with their tags) and as the API asks
(``with_tags=False``): median, p90, p99, and the SQL queries per call for 200 and for 20
ratings (must be equal). Target: p99 under 10 ms. A control row times a fixed pure-Python
computation of about the same length, interleaved with the calls: its p99 over its median is
what the machine alone adds to the tail.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import time

from bench.report import percentile
from bench.setup import setup_with_real_data


class Rollback(Exception):
    pass


def fixed_work(rounds: int) -> int:
    """The same pure-Python computation every call: how much this machine alone spreads timings."""
    total = 0
    for i in range(rounds):
        total += i * i % 7
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument(
        "--algorithm",
        default=None,
        choices=["ease", "balse", "als", "lasso"],
        help="default: what the site serves (EASE's list, BALSE's predictions and tags)",
    )
    parser.add_argument("--users", type=int, default=50)
    arguments = parser.parse_args()

    setup_with_real_data()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from mangaki.models import Rating
    from mangaki.recommendations.lists import recommendations_for
    from mangaki.recommendations.serving import active_model
    from mangaki.recommendations.training import model_train

    # The default serves EASE's list with BALSE beside it: both must be trained and active.
    for algorithm in [arguments.algorithm] if arguments.algorithm else ["ease", "balse"]:
        if active_model(algorithm) is None:  # none trained, or its artifact is elsewhere
            print(f"training {algorithm} (once)…", flush=True)
            model_train(algorithm=algorithm)

    User = get_user_model()
    heavy = list(
        User.objects.annotate(n=Count("ratings"))
        .filter(n__gte=200)
        .order_by("pk")
        .values_list("pk", flat=True)
    )[: arguments.users]
    try:
        with transaction.atomic():
            for pk in heavy:  # exactly 200 ratings each: drop the others (rolled back below)
                keep = Rating.objects.filter(user_id=pk).order_by("pk").values_list("pk", flat=True)[:200]
                Rating.objects.filter(user_id=pk).exclude(pk__in=list(keep)).delete()
            users = [User.objects.select_related("profile").get(pk=pk) for pk in heavy]
            assert all(Rating.objects.filter(user=u).count() == 200 for u in users)
            result = recommendations_for(user=users[0], algorithm=arguments.algorithm)  # loads the model
            assert not result.is_fallback and len(result.items) == 20
            if arguments.algorithm is None:  # EASE lists, BALSE predicts and names tags
                assert result.algorithm == "ease" and result.items[0].predicted is not None

            # As pages ask (the works with their tags) and, when the selector can leave the tags
            # out, as the API asks; interleaved, so that both see the same machine.
            variants = {"as pages ask": {}}
            if "with_tags" in inspect.signature(recommendations_for).parameters:
                variants["as the API asks (with_tags=False)"] = {"with_tags": False}
            timings = {name: [] for name in variants}
            # The control: a fixed computation sized to the first variant's median, interleaved
            # with the calls. Its p99 over its median is the machine's own jitter (a shared VM
            # spreads even constant work), which no change to the code can remove.
            warm = []
            for user in users:
                started = time.perf_counter()
                recommendations_for(user=user, algorithm=arguments.algorithm)
                warm.append(time.perf_counter() - started)
            started = time.perf_counter()
            fixed_work(100_000)
            rounds = int(100_000 * statistics.median(warm) / (time.perf_counter() - started))
            control = []
            for call in range(arguments.calls):
                user = users[call % len(users)]
                for name, options in variants.items():
                    started = time.perf_counter()
                    recommendations_for(user=user, algorithm=arguments.algorithm, **options)
                    timings[name].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                fixed_work(rounds)
                control.append((time.perf_counter() - started) * 1000)

            counts = {}
            for n in (200, 20):
                user = users[1]
                Rating.objects.filter(user=user).exclude(
                    pk__in=list(
                        Rating.objects.filter(user=user).order_by("pk").values_list("pk", flat=True)[:n]
                    )
                ).delete()
                fresh = User.objects.get(pk=user.pk)
                with CaptureQueriesContext(connection) as queries:
                    recommendations_for(user=fresh, algorithm=arguments.algorithm)
                counts[n] = len(queries)
            raise Rollback
    except Rollback:
        pass

    served = result.algorithm if arguments.algorithm else f"default ({result.algorithm}, BALSE beside it)"
    print(f"database {connection.vendor}, {served}, {len(users)} users × 200 ratings, limit 20")
    for name, times in timings.items():
        print(
            f"recommendations_for {name}, {arguments.calls} calls: median {statistics.median(times):.2f} ms, "
            f"p90 {percentile(times, 0.90):.2f} ms, p99 {percentile(times, 0.99):.2f} ms, "
            f"max {max(times):.2f} ms (target p99 < 10 ms)"
        )
    print(
        f"control (fixed pure-Python work, same calls): median {statistics.median(control):.2f} ms, "
        f"p90 {percentile(control, 0.90):.2f} ms, p99 {percentile(control, 0.99):.2f} ms, "
        f"p99/median {percentile(control, 0.99) / statistics.median(control):.2f} "
        "(the machine's own spread)"
    )
    print(f"SQL queries per call: {counts[200]} with 200 ratings, {counts[20]} with 20 ratings")


if __name__ == "__main__":
    main()
