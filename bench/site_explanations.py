"""Which rated works the models name to explain a recommendation, under the old rule and the site's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python -m bench.site_explanations [--small] [--users 300] [--seed 0]

A listed work is explained by "neighbours": works the person rated that pull it up ("Close to
X, which you liked"). Every model's ``explain(state, item_id, ..., min_value=)`` names only rated
works whose rating value is at least ``min_value``; the site passes
``mangaki.choices.LIKED_MIN_VALUE`` (like; ``LIKED_CHOICES`` = favorite, like). With
``min_value=None`` (the old, value-blind rule) any rating that raises the score may be named.

1. a scratch database `mangaki_bench_explanations` is created on the PostgreSQL server of
   DATABASE_URL (a temporary SQLite file without DATABASE_URL; dropped at the end), migrated and
   loaded with `manage.py load_anime` (fixtures/anime, or fixtures/anime-small with `--small`);
   model artifacts go to a temporary MEDIA_ROOT, removed at the end;
2. EASE, ALS and BALSE are trained with `model_train`, as the site trains them;
3. `--users` people with at least 10 ratings are drawn (numpy seed `--seed`); for each model
   and person, `recommendations_for(user=..., limit=10, algorithm=...)` gives the site's list.
   The active model is then asked directly, as the selector asks it: `recommend` on the
   person's current ratings (`mangaki.recommendations.arrays.user_ratings`) and the works the site may show
   (the catalogue's candidates, NSFW as their profile says), and `explain(state, work,
   n_tags=0, n_neighbours=3, min_value=...)` for each work of the site's list, once with
   ``min_value=None`` and once with ``LIKED_MIN_VALUE`` (the two calls alternate, so that both
   see the same machine). Checked: the model's top 10 is the site's list, and the neighbours the
   site shows are those of the ``LIKED_MIN_VALUE`` rule.

Figures per model and rule: the share of listed works with at least one named neighbour; the
share of named neighbours the person rated below like (neutral, will see, won't see, dislike;
values mapped back to choices through `mangaki.choices.RATING_VALUES`), i.e. "because you liked
X" for an X they did not like (asserted 0 under the site's rule); the share they disliked; the
median wall-clock time of one `explain` call (µs; a shared 2-core machine, noisy). A second
table splits the named neighbours by choice and counts the works whose explanation names at
least one work rated below like. The shipped ratings hold favorite, like, neutral and dislike
only (MyAnimeList scores), so the will see and won't see columns stay empty on them; EASE gives
a dislike an input of 0, so it cannot name a disliked work under either rule.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bench.report import print_markdown_table
from bench.setup import scratch_database, start_django

SCRATCH_DATABASE = "mangaki_bench_explanations"
ALGORITHMS = ("ease", "als", "balse")
LIMIT = 10
N_NEIGHBOURS = 3
MIN_USER_RATINGS = 10
# The choices in the order the breakdown prints them.
CHOICE_ORDER = ("favorite", "like", "neutral", "willsee", "wontsee", "dislike")


# --- The measures.


@dataclass
class Tally:
    """What one model named under one rule, over every listed work of every person."""

    works: int = 0
    explained: int = 0  # works with at least one named neighbour
    naming_not_liked: int = 0  # works whose neighbours include one rated below like
    neighbours: Counter = field(default_factory=Counter)  # choice -> named neighbours
    micros: list[float] = field(default_factory=list)  # one explain call each

    def add(self, named_choices: list[str], liked: set[str], micros: float) -> None:
        self.works += 1
        self.explained += bool(named_choices)
        self.naming_not_liked += any(choice not in liked for choice in named_choices)
        self.neighbours.update(named_choices)
        self.micros.append(micros)

    @property
    def n_neighbours(self) -> int:
        return sum(self.neighbours.values())

    def share_of_neighbours(self, choices) -> float:
        total = self.n_neighbours
        return 100 * sum(self.neighbours[choice] for choice in choices) / total if total else float("nan")


def load_and_train(small: bool) -> list[str]:
    from django.core.management import call_command

    from mangaki.models import Rating, TrainedModel, Work
    from mangaki.recommendations.training import model_train

    lines = []
    folder = "fixtures/anime-small (--small)" if small else "fixtures/anime (full)"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_anime", small=small, verbosity=0)
    n_users = Rating.objects.values("user_id").distinct().count()
    lines.append(
        f"data: {folder}: {Rating.objects.count()} ratings by {n_users} users on "
        f"{Work.objects.count()} works, migrated and loaded in {time.perf_counter() - started:.0f} s"
    )
    print(lines[-1], flush=True)
    for algorithm in ALGORITHMS:
        started = time.perf_counter()
        row = model_train(algorithm=algorithm)
        seconds = time.perf_counter() - started
        if row is None:
            raise SystemExit(f"training of {algorithm} skipped: another training holds its lock")
        if not row.is_active or row.status != TrainedModel.Status.READY:
            raise SystemExit(f"{algorithm} v{row.version} was not activated: {row.status} {row.reason}")
        lines.append(f"trained {algorithm} v{row.version} with model_train in {seconds:.0f} s")
        print(lines[-1], flush=True)
    return lines


def sample_users(n_users: int, seed: int) -> tuple[list, int]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    User = get_user_model()
    eligible = np.array(
        User.objects.annotate(n=Count("ratings"))
        .filter(n__gte=MIN_USER_RATINGS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = np.random.default_rng(seed).choice(eligible, size=min(n_users, eligible.size), replace=False)
    users = User.objects.select_related("profile").in_bulk(sorted(chosen.tolist()))
    return [users[pk] for pk in sorted(users)], int(eligible.size)


def measure(algorithm: str, users: list) -> tuple[dict, dict]:
    """Tallies of the two rules for ``algorithm``, and what the site check found."""
    from mangaki.choices import LIKED_CHOICES, LIKED_MIN_VALUE, RATING_VALUES
    from mangaki.querysets import nsfw_allowed
    from mangaki.recommendations.arrays import user_ratings
    from mangaki.recommendations.lists import recommendations_for
    from mangaki.recommendations.serving import active_model

    choice_of_value = {value: str(choice) for choice, value in RATING_VALUES.items()}
    assert len(choice_of_value) == len(RATING_VALUES), "two choices share a value: cannot map values back"
    liked = {str(choice) for choice in LIKED_CHOICES}
    rules = {"None (old)": None, f"{LIKED_MIN_VALUE:g} (like, site)": LIKED_MIN_VALUE}
    tallies = {rule: Tally() for rule in rules}
    check = {"lists": 0, "same list": 0, "works": 0, "same neighbours": 0}

    for index, user in enumerate(users):
        site = recommendations_for(user=user, limit=LIMIT, algorithm=algorithm)
        assert not site.is_fallback and site.algorithm == algorithm, (algorithm, site.fallback_reason)
        loaded = active_model(algorithm)
        item_ids, values = user_ratings(user.pk)
        candidates = loaded.catalogue.candidates(None, nsfw_allowed(user))
        listed = loaded.model.recommend(item_ids, values, n=LIMIT, candidates=candidates)
        shown = [item.work.pk for item in site.items]
        check["lists"] += 1
        check["same list"] += shown == listed.item_ids.tolist()
        value_of = dict(zip(item_ids.tolist(), values.tolist(), strict=True))

        for position, pk in enumerate(shown):
            order = list(rules.items())
            if (index + position) % 2:  # alternate which rule is timed first
                order.reverse()
            named = {}
            for rule, min_value in order:
                started = time.perf_counter()
                why = loaded.model.explain(
                    listed.state, pk, n_tags=0, n_neighbours=N_NEIGHBOURS, min_value=min_value
                )
                micros = (time.perf_counter() - started) * 1e6
                # As the site shows them: a neighbour that adds nothing is not named.
                named[rule] = [neighbour for neighbour, weight in why.neighbours if weight > 0]
                choices = [choice_of_value[value_of[neighbour]] for neighbour in named[rule]]
                tallies[rule].add(choices, liked, micros)
            site_neighbours = [work.pk for work, _ in site.items[position].explanation.neighbours]
            check["works"] += 1
            check["same neighbours"] += site_neighbours == named[f"{LIKED_MIN_VALUE:g} (like, site)"]

    site_rule = tallies[f"{LIKED_MIN_VALUE:g} (like, site)"]
    not_liked = {choice: n for choice, n in site_rule.neighbours.items() if choice not in liked}
    assert not not_liked, f"{algorithm}: the site's rule named works rated below like: {not_liked}"
    return tallies, check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--small", action="store_true", help="load fixtures/anime-small instead of the full data"
    )
    parser.add_argument("--users", type=int, default=300, help="people drawn among those with 10+ ratings")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    # A plain `kill` still drops the scratch database and removes the temporary folder.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))

    workdir = tempfile.mkdtemp(prefix="mangaki-bench-explanations-")
    try:
        with scratch_database(os.environ.get("DATABASE_URL", ""), SCRATCH_DATABASE, workdir) as url:
            start_django(url, os.path.join(workdir, "media"))
            from django.db import connection

            from mangaki.choices import LIKED_CHOICES

            started = time.perf_counter()
            notes = load_and_train(args.small)
            users, n_eligible = sample_users(args.users, args.seed)
            notes.append(
                f"{len(users)} people drawn (seed {args.seed}) among the {n_eligible} with at least "
                f"{MIN_USER_RATINGS} ratings; their top {LIMIT}, {N_NEIGHBOURS} neighbours at most per work; "
                f"database {connection.vendor}"
            )
            rows, breakdown = [], []
            liked = {str(choice) for choice in LIKED_CHOICES}
            for algorithm in ALGORITHMS:
                tallies, check = measure(algorithm, users)
                notes.append(
                    f"{algorithm}: model top {LIMIT} = site list for {check['same list']}/{check['lists']} "
                    f"people; site neighbours = like rule's for {check['same neighbours']}/{check['works']} "
                    "works"
                )
                print(notes[-1], flush=True)
                for rule, tally in tallies.items():
                    rows.append(
                        {
                            "model": algorithm.upper(),
                            "rule": f"min_value={rule}",
                            "explained": 100 * tally.explained / tally.works,
                            "not_liked": tally.share_of_neighbours(set(CHOICE_ORDER) - liked),
                            "disliked": tally.share_of_neighbours({"dislike"}),
                            "micros": statistics.median(tally.micros),
                        }
                    )
                    breakdown.append(
                        {
                            "model": algorithm.upper(),
                            "rule": f"min_value={rule}",
                            "works": tally.works,
                            "named": tally.n_neighbours,
                            **{choice: tally.share_of_neighbours({choice}) for choice in CHOICE_ORDER},
                            "works_not_liked": 100 * tally.naming_not_liked / tally.works,
                        }
                    )
            notes.append(f"total {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    for line in notes:
        print(f"- {line}")
    print()
    print_markdown_table(
        rows,
        [
            ("model", "model", "<"),
            ("rule", "rule", "<"),
            ("explained", "works explained %", ".1f"),
            ("not_liked", "neighbours not liked %", ".1f"),
            ("disliked", "neighbours disliked %", ".1f"),
            ("micros", "median µs", ".0f"),
        ],
    )
    print()
    print_markdown_table(
        breakdown,
        [
            ("model", "model", "<"),
            ("rule", "rule", "<"),
            ("works", "listed works", "d"),
            ("named", "neighbours named", "d"),
            *((choice, f"{choice} %", ".1f") for choice in CHOICE_ORDER),
            ("works_not_liked", "works naming a not-liked work %", ".1f"),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
