"""Benchmark: each precompiled query of the serving path next to the ORM queryset it replaces.

    DATABASE_URL=postgres://… python -m bench.site_precompiled [--calls 2000]

``mangaki.precompiled`` compiles a query to SQL once per process and builds its rows into
objects directly. That is worth its code only where it saves time a person waits for: this
times, in one run and interleaved (so that both see the same machine), each query both ways
on the database of DATABASE_URL with the real data (loaded and trained first if needed):
the active versions' lookup and one person's ratings (every recommendation), the listed works
with their category, the listed works' tags (every list), and the API's token with its user
and profile. Each row: median and p90 in microseconds of the ORM way and the precompiled way,
what is saved per call and its share of one ``recommendations_for`` call (timed in the same
run, as the API asks). Target: a precompiled query stays only where it saves at least 5% of a
recommendation call; the others go back to the ORM.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.report import percentile
from bench.setup import setup_with_real_data


def timed_pair(orm, precompiled, calls: int) -> tuple[list[float], list[float]]:
    """Microseconds per call of each, interleaved; each checked to give the same answer first."""
    assert orm() == precompiled(), "the two ways disagree"
    slow, fast = [], []
    for _ in range(calls):
        started = time.perf_counter()
        orm()
        slow.append((time.perf_counter() - started) * 1e6)
        started = time.perf_counter()
        precompiled()
        fast.append((time.perf_counter() - started) * 1e6)
    return slow, fast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    arguments = parser.parse_args()
    setup_with_real_data()

    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from mangaki.api.recommendations import TokenWithProfileAuthentication
    from mangaki.models import Rating, TaggedWork, Work
    from mangaki.precompiled import PrecompiledQuery
    from mangaki.recommendations import lists, serving
    from mangaki.recommendations.serving import active_model
    from mangaki.recommendations.training import model_train

    for algorithm in ("ease", "balse"):
        if active_model(algorithm) is None:
            print(f"training {algorithm} (once)…", flush=True)
            model_train(algorithm=algorithm)
    user = (
        get_user_model()
        .objects.annotate(n=Count("ratings"))
        .filter(n__gte=200)
        .select_related("profile")
        .order_by("pk")
        .first()
    )
    token, _ = Token.objects.get_or_create(user=user)
    listed = lists.recommendations_for(user=user, limit=20, with_tags=False)
    pks = [item.work.pk for item in listed.items]
    pks += [work.pk for item in listed.items for work, _ in item.explanation.neighbours if work.pk not in pks]
    fields = lists.LISTED_WORK_FIELDS

    def work_rows(works) -> list:
        return sorted(
            (work.pk, *(getattr(work, field) for field in fields if field != "category"), work.category.slug)
            for work in works.values()
        )

    # Back on the ORM in the product (it saved under 5%); precompiled here to keep measuring it.
    ratings_sql = PrecompiledQuery(
        lambda user_id: Rating.objects.filter(user_id=user_id).order_by().values_list("work_id", "choice")
    )
    queries = {
        "active versions (every list)": (
            lambda: sorted(serving._active_rows_query("ease", "balse")),
            lambda: sorted(serving._active_rows_sql.rows("ease", "balse")),
        ),
        "a person's ratings (every list)": (
            lambda: sorted(
                Rating.objects.filter(user_id=user.pk).order_by().values_list("work_id", "choice")
            ),
            lambda: sorted(ratings_sql.rows(user.pk)),
        ),
        f"listed works with category ({len(pks)})": (
            lambda: work_rows(
                {
                    w.pk: w
                    for w in Work.objects.filter(pk__in=pks)
                    .select_related("category")
                    .only(*fields, "category__slug", "category__name")
                }
            ),
            lambda: work_rows(lists.works_by_pk(pks)),
        ),
        f"tags of the listed works ({len(listed.items)})": (
            lambda: sorted(
                (tw.work_id, tw.tag.slug)
                for tw in TaggedWork.objects.filter(work_id__in=pks[: len(listed.items)]).select_related(
                    "tag"
                )
            ),
            lambda: sorted(
                (work_id, tag.slug)
                for work_id, tags in lists._tags_by_work(
                    [listed.items[i].work for i in range(len(listed.items))]
                ).items()
                for tag in tags
            ),
        ),
        "API token with user and profile": (
            lambda: (lambda t: (t.user.pk, t.user.profile.nsfw_ok))(
                Token.objects.select_related("user__profile").get(key=token.key)
            ),
            lambda: (lambda pair: (pair[0].pk, pair[0].profile.nsfw_ok))(
                TokenWithProfileAuthentication().authenticate_credentials(token.key)
            ),
        ),
    }
    whole = []
    for _ in range(max(arguments.calls // 4, 50)):
        started = time.perf_counter()
        lists.recommendations_for(user=user, limit=20, with_tags=False)
        whole.append((time.perf_counter() - started) * 1e6)
    call = statistics.median(whole)
    print(f"recommendations_for (as the API asks, 20 works): median {call / 1000:.2f} ms")
    print()
    print(
        "| query | ORM median µs | ORM p90 µs | precompiled median µs | precompiled p90 µs | saved µs "
        "| share of a list | pays (≥ 5%) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, (orm, precompiled) in queries.items():
        slow, fast = timed_pair(orm, precompiled, arguments.calls)
        saved = statistics.median(slow) - statistics.median(fast)
        pays = "yes" if saved >= 0.05 * call else "no"
        cells = [
            name,
            f"{statistics.median(slow):.0f}",
            f"{percentile(slow, 0.9):.0f}",
            f"{statistics.median(fast):.0f}",
        ]
        cells += [f"{percentile(fast, 0.9):.0f}", f"{saved:.0f}", f"{saved / call:.1%}", pays]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
