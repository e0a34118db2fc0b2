"""The top-N list protocol measured through the product: load, split, train and ask the site itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python -m bench.site_lists [--folder DIR ...] [--with-movielens] [--markdown]

For each dataset folder (default fixtures/anime; any folder in its CSV format, e.g. one written by
bench/movielens_as_anime.py, or `--with-movielens` to convert ml-latest-small on the fly):

1. a scratch database `mangaki_bench_lists` is created on the PostgreSQL server of DATABASE_URL
   (dropped at the end; `--in-place` uses the DATABASE_URL database itself instead and refuses
   one that already holds ratings unless `--reuse`), migrated, and loaded with
   `manage.py load_anime FOLDER`;
2. every rating is read back from the database and checked against the folder's files, and
   `recommender.list_evaluation.list_split(seed=0)` splits them: users with at least 20 ratings
   hold out 20%, 10% of those users are newcomers left out of training altogether;
3. the held-out and newcomer ratings are deleted (one bulk delete, then `manage.py ranking`, so
   that the counters the fallback sorts on are exact; they are checked), and EASE, BALSE and ALS are
   trained with `model_train`, as the site trains them;
4. every existing test user is asked `recommendations_for(user=user, category="anime", limit=10)` with
   the default algorithm and with "balse" and "als", and measured against their held-out likes
   and favorites (`list_metrics`); newcomers are given their first k = 1, 3, 10 ratings (the
   first k of `split.order`) through the rating service `rating_set`, asked again, and measured
   on the rest;
5. the site's non-personal list: `recommendations_for(user=user, ..., algorithm="lasso")` while LASSO
   has no trained model is the site's own fallback for a signed-in person (the most rated works of the
   category, NSFW hidden, minus what they rated; what a visitor or a newcomer with too few
   ratings gets); LASSO is trained last, only for its training time;
6. the library, on the same split and the same rows: `evaluate_lists` of `EASE()`, `BALSE()`,
   `ALS()` and `MostRated` (the library protocol: every item not given is a candidate), and the
   same library models asked with the site's candidates (category, NSFW hidden), whose lists are
   compared one by one with the lists the site served.

The figures use the dataset's external ids (user number, mal_id), sorted as in the fixture files,
so the split is the one bench/library_lists.py measures. Coverage is over the works that
have at least one rating (the library's catalogue), popularity is the number of training ratings.
Quality figures are deterministic; seconds and milliseconds are wall-clock on a shared 2-core
machine and noisy. Model artifacts go to a temporary MEDIA_ROOT, removed at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.report import print_markdown_table, print_table
from bench.setup import (
    ROOT,
    movielens_or_say,
    postgres_connection,
    scratch_postgres,
    scratch_url,
    start_django,
)

SCRATCH_DATABASE = "mangaki_bench_lists"
# The importer files every work of the fixture format under this category.
CATEGORY = "anime"
LIMIT = 10
NEWCOMER_KS = (1, 3, 10)
RELEVANT_VALUE = 2.0  # like or favorite
# (label, algorithm passed to recommendations_for). LASSO stays untrained while lists are asked:
# the site then answers with its fallback list, the one a visitor or a newcomer gets.
SITE_ROWS = (
    ("site: served default", None),
    ("site: BALSE", "balse"),
    ("site: ALS", "als"),
    ("site: fallback (most rated)", "lasso"),
)
TRAINED_BEFORE_MEASURING = ("ease", "balse", "als")
TRAINED_AFTER_MEASURING = ("lasso",)


# --- One dataset.


@dataclass
class Ratings:
    """Every rating of the database, in external ids sorted by (user, mal_id) like the files."""

    X: np.ndarray  # (user number, mal_id)
    y: np.ndarray  # values, through the site's choice mapping
    choices: np.ndarray  # the choice strings
    rating_pks: np.ndarray
    user_pk: dict[int, int]  # user number -> User pk
    work_pk: dict[int, int]  # mal_id -> Work pk
    work_external: dict[int, int]  # Work pk -> mal_id


@dataclass
class DatasetResult:
    name: str
    summary: list[str] = field(default_factory=list)
    trainings: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def read_ratings() -> Ratings:
    from django.contrib.auth import get_user_model

    from mangaki.mal import MYANIMELIST as SOURCE
    from mangaki.models import Rating, Work
    from mangaki.recommendations.arrays import choice_values
    from mangaki.services.dataset_load import USERNAME_PREFIX

    users = get_user_model().objects.filter(username__startswith=USERNAME_PREFIX)
    user_pk = {
        int(name[len(USERNAME_PREFIX) :]): pk
        for name, pk in users.values_list("username", "pk")
        if name[len(USERNAME_PREFIX) :].isdigit()
    }
    work_pk = {
        int(external): pk
        for external, pk in Work.objects.filter(external_source=SOURCE).values_list("external_id", "pk")
    }
    user_number = {pk: number for number, pk in user_pk.items()}
    work_external = {pk: external for external, pk in work_pk.items()}
    rows = list(Rating.objects.order_by().values_list("pk", "user_id", "work_id", "choice"))
    foreign = [row for row in rows if row[1] not in user_number or row[2] not in work_external]
    if foreign:
        raise SystemExit(
            f"{len(foreign)} ratings of the database are not from the imported users and works "
            f"(e.g. rating {foreign[0][0]}): run on a database holding only this dataset"
        )
    pks = np.array([row[0] for row in rows], dtype=np.int64)
    X = np.array([(user_number[row[1]], work_external[row[2]]) for row in rows], dtype=np.int64)
    choices = np.array([row[3] for row in rows], dtype=object)
    order = np.lexsort((X[:, 1], X[:, 0]))
    return Ratings(
        X[order], choice_values(choices[order]), choices[order], pks[order], user_pk, work_pk, work_external
    )


def check_against_files(ratings: Ratings, folder: Path) -> None:
    """The database holds exactly the folder's ratings, with the library reader's values."""
    from recommender.datasets import load_anime

    data = load_anime(folder)
    order = np.lexsort((data.X[:, 1], data.X[:, 0]))
    if not (np.array_equal(data.X[order], ratings.X) and np.allclose(data.y[order], ratings.y)):
        raise SystemExit(
            f"the database's {ratings.y.size} ratings differ from the {data.y.size} of {folder} "
            "(bad rows skipped by the import, or other data in the database)"
        )


def remove_test_ratings(ratings: Ratings, remove: np.ndarray) -> None:
    """Delete the held-out and newcomer ratings, then recompute every counter (`manage.py ranking`)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from mangaki.models import Rating, Work

    pks = ratings.rating_pks[remove].tolist()
    with transaction.atomic():
        for start in range(0, len(pks), 5000):
            Rating.objects.filter(pk__in=pks[start : start + 5000]).delete()
    call_command("ranking", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the planner's statistics, as after a load
            cursor.execute(f"ANALYZE {Rating._meta.db_table}, {Work._meta.db_table}")


def check_counters(ratings: Ratings, kept: np.ndarray) -> None:
    """Every work's nb_ratings equals its number of remaining counted ratings."""
    from mangaki.choices import COUNTED_CHOICES
    from mangaki.models import Work

    counted = kept & np.isin(ratings.choices, [str(choice) for choice in COUNTED_CHOICES])
    items, counts = np.unique(ratings.X[counted, 1], return_counts=True)
    expected = dict(zip(items.tolist(), counts.tolist(), strict=True))
    wrong = [
        (pk, stored)
        for pk, stored in Work.objects.values_list("pk", "nb_ratings")
        if stored != expected.get(ratings.work_external.get(pk), 0)
    ]
    if wrong:
        raise SystemExit(f"{len(wrong)} works have wrong counters after `manage.py ranking`, e.g. {wrong[0]}")


def train(algorithm: str) -> dict:
    from mangaki.recommendations.training import model_train

    started = time.perf_counter()
    row = model_train(algorithm=algorithm)
    wall = time.perf_counter() - started
    if row is None:
        raise SystemExit(f"training of {algorithm} skipped: another training holds its lock")
    return {
        "algorithm": algorithm,
        "version": row.version,
        "status": row.status,
        "reason": row.reason,
        "active": row.is_active,
        "seconds": wall,
        "registry_ndcg": row.metrics.get("ndcg"),
        "registry_most_rated_ndcg": row.metrics.get("most_rated_ndcg"),
    }


@dataclass
class Phase:
    """The people asked in one phase (existing users, or newcomers given k ratings)."""

    name: str
    user_numbers: list[int]
    given: list[np.ndarray]  # row indices of what each person has rated (in the database)
    relevant: list[np.ndarray]  # mal_ids that would be right


def existing_phase(ratings: Ratings, split) -> Phase:
    users = np.unique(ratings.X[split.held_out, 0])
    by_user_train = _rows_by_user(ratings.X[:, 0], split.train)
    by_user_held = _rows_by_user(ratings.X[:, 0], split.held_out)
    given, relevant = [], []
    for user in users.tolist():
        held = by_user_held[user]
        given.append(by_user_train.get(user, np.empty(0, dtype=np.int64)))
        relevant.append(ratings.X[held[ratings.y[held] >= RELEVANT_VALUE], 1])
    return Phase("existing", users.tolist(), given, relevant)


def newcomer_phase(ratings: Ratings, split, k: int) -> Phase:
    by_user = _rows_by_user(ratings.X[:, 0], split.newcomer)
    users, given, relevant = [], [], []
    for user, rows in by_user.items():
        first, rest = rows[split.order[rows] < k], rows[split.order[rows] >= k]
        users.append(user)
        given.append(first)
        relevant.append(ratings.X[rest[ratings.y[rest] >= RELEVANT_VALUE], 1])
    return Phase(f"k={k}", users, given, relevant)


def _rows_by_user(users: np.ndarray, mask: np.ndarray) -> dict[int, np.ndarray]:
    rows = np.flatnonzero(mask)
    order = np.argsort(users[rows], kind="stable")
    ids, starts = np.unique(users[rows][order], return_index=True)
    return dict(zip(ids.tolist(), np.split(rows[order], starts[1:]), strict=True))


def give_ratings(ratings: Ratings, rows: np.ndarray, users: dict) -> None:
    """Rate through the site's write path, one rating at a time (counters kept exact by it)."""
    from tqdm import tqdm

    from mangaki.models import Work
    from mangaki.services.ratings import rating_set

    works = Work.objects.in_bulk([ratings.work_pk[item] for item in ratings.X[rows, 1].tolist()])
    for row in tqdm(rows.tolist(), desc="rating_set", unit="rating", leave=False):
        user = users[ratings.user_pk[int(ratings.X[row, 0])]]
        rating_set(
            user=user, work=works[ratings.work_pk[int(ratings.X[row, 1])]], choice=ratings.choices[row]
        )


@dataclass
class Served:
    lists: list[np.ndarray]  # mal_ids shown, best first
    seconds: list[float]
    algorithms: set[str]
    n_fallback: int


def ask_site(ratings: Ratings, phase: Phase, algorithm: str | None, users: dict, label: str) -> Served:
    from tqdm import tqdm

    from mangaki.recommendations.lists import recommendations_for

    lists, seconds, algorithms, n_fallback = [], [], set(), 0
    for number in tqdm(phase.user_numbers, desc=f"{label}, {phase.name}", unit="user", leave=False):
        user = users[ratings.user_pk[number]]
        started = time.perf_counter()
        result = recommendations_for(user=user, category=CATEGORY, limit=LIMIT, algorithm=algorithm)
        seconds.append(time.perf_counter() - started)
        lists.append(
            np.array([ratings.work_external.get(item.work.pk, -1) for item in result.items], dtype=np.int64)
        )
        algorithms.add(result.algorithm)
        n_fallback += result.is_fallback
    return Served(lists, seconds, algorithms, n_fallback)


def run_dataset(folder: Path, name: str, args) -> DatasetResult:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from mangaki.models import Work
    from mangaki.recommendations.serving import active_model, forget_loaded_models
    from recommender import ALS, BALSE, EASE, MostRated
    from recommender.datasets import load_anime
    from recommender.indexing import lookup
    from recommender.list_evaluation import evaluate_lists, list_metrics, list_split

    result = DatasetResult(name)

    def note(line: str) -> None:
        print(line, flush=True)
        result.summary.append(line)

    forget_loaded_models()
    print(f"\n== {name}: migrate, load_anime {folder}", flush=True)
    call_command("migrate", verbosity=0)
    call_command("load_anime", str(folder), verbosity=1)
    ratings = read_ratings()
    check_against_files(ratings, folder)
    split = list_split(ratings.X, seed=0, max_users=args.max_users)
    existing = existing_phase(ratings, split)
    n_newcomers = np.unique(ratings.X[split.newcomer, 0]).size
    note(
        f"{ratings.y.size} ratings ({np.unique(ratings.X[:, 0]).size} users, "
        f"{np.unique(ratings.X[:, 1]).size} rated works, {Work.objects.count()} works) = the files; "
        f"{split.train.sum()} training rows, {len(existing.user_numbers)} existing users with held-out "
        f"rows, {n_newcomers} newcomers"
    )

    started = time.perf_counter()
    remove_test_ratings(ratings, ~split.train)
    check_counters(ratings, split.train)
    note(
        f"deleted {(~split.train).sum()} held-out and newcomer ratings, counters recomputed and checked "
        f"({time.perf_counter() - started:.1f} s)"
    )

    for algorithm in TRAINED_BEFORE_MEASURING:
        print(f"training {algorithm}…", flush=True)
        result.trainings.append(train(algorithm))
    if active_model("lasso") is not None:
        raise SystemExit(
            "LASSO has an active model in this database: the fallback row asks the site for LASSO "
            "while it has none. Use a scratch database (drop --in-place)."
        )

    user_ids = [
        ratings.user_pk[number] for number in np.unique(ratings.X[split.held_out | split.newcomer, 0])
    ]
    users = get_user_model().objects.select_related("profile").in_bulk(user_ids)
    train_items, train_counts = np.unique(ratings.X[split.train, 1], return_counts=True)
    catalogue = np.unique(ratings.X[:, 1])

    def popularity(items: np.ndarray) -> np.ndarray:
        rows = lookup(train_items, items)
        return np.where(rows >= 0, train_counts[np.maximum(rows, 0)], 0).astype(np.float64)

    def metrics(lists, phase: Phase):
        found, _ = list_metrics(
            lists, phase.relevant, k=LIMIT, n_catalogue=catalogue.size, popularity=popularity
        )
        return found

    served: dict[tuple[str, str], Served] = {}
    phases = [existing]
    for label, algorithm in SITE_ROWS:
        served[label, existing.name] = ask_site(ratings, existing, algorithm, users, label)
    for k in NEWCOMER_KS:
        phase = newcomer_phase(ratings, split, k)
        previous = NEWCOMER_KS[NEWCOMER_KS.index(k) - 1] if k != NEWCOMER_KS[0] else 0
        new_rows = np.concatenate([rows[split.order[rows] >= previous] for rows in phase.given])
        give_ratings(ratings, new_rows, users)
        phases.append(phase)
        for label, algorithm in SITE_ROWS:
            served[label, phase.name] = ask_site(ratings, phase, algorithm, users, label)
    for label, _ in SITE_ROWS:
        row = {"model": label}
        for phase in phases:
            found = metrics(served[label, phase.name].lists, phase)
            row.update(phase_figures(found, phase, existing))
        calls = [s for phase in phases for s in served[label, phase.name].seconds]
        row["ms"] = 1000 * float(np.mean(calls))
        result.rows.append(row)
        algorithms = sorted(set().union(*(served[label, phase.name].algorithms for phase in phases)))
        fallbacks = ", ".join(f"{phase.name} {served[label, phase.name].n_fallback}" for phase in phases)
        note(f"{label}: algorithm {'/'.join(algorithms)}; fallback answers: {fallbacks}")

    for algorithm in TRAINED_AFTER_MEASURING:
        print(f"training {algorithm} (after the lists: the fallback row needed it untrained)…", flush=True)
        result.trainings.append(train(algorithm))

    # The library on the same split and rows: its own protocol, then with the site's candidates.
    data = load_anime(folder)
    X, y = ratings.X, ratings.y
    factories = (("EASE()", EASE), ("BALSE()", BALSE), ("ALS()", ALS), ("MostRated", MostRated))
    for label, factory in factories:
        print(f"library {label}…", flush=True)
        evaluation = evaluate_lists(factory, X, y, split, item_tags=data.item_tags, newcomer_ks=NEWCOMER_KS)
        row = {
            "model": f"library: {label}",
            "ndcg": evaluation.existing.ndcg,
            "recall": evaluation.existing.recall,
            "coverage": evaluation.existing.coverage,
            "popularity": evaluation.existing.mean_popularity,
            "ms": 1000 * evaluation.recommend_seconds,
        }
        for k, found in evaluation.newcomers.items():
            row[f"k{k}_ndcg"], row[f"k{k}_recall"] = found.ndcg, found.recall
        result.rows.append(row)

    site_catalogue = np.array(
        sorted(
            ratings.work_external[pk]
            for pk in Work.objects.filter(category__slug=CATEGORY, nsfw=False).values_list("pk", flat=True)
            # works named by another id than MyAnimeList's have no rating: never relevant here
            if pk in ratings.work_external
        ),
        dtype=np.int64,
    )
    n_nsfw = Work.objects.filter(nsfw=True).count()
    relevant_all = np.concatenate(existing.relevant)
    hidden = np.isin(relevant_all, site_catalogue, invert=True).sum()
    note(
        f"site rules: {n_nsfw} NSFW works hidden; {hidden} of {relevant_all.size} relevant held-out "
        f"ratings of existing users are of works the site never shows them"
    )
    for label, factory, site_label in (
        ("EASE()", EASE, "site: served default"),
        ("BALSE()", BALSE, "site: BALSE"),
        ("ALS()", ALS, "site: ALS"),
    ):
        print(f"library {label} with the site's candidates…", flush=True)
        model = factory()
        if getattr(model, "uses_tags", False):
            model.fit(X[split.train], y[split.train], item_tags=data.item_tags)
        else:
            model.fit(X[split.train], y[split.train])
        row = {"model": f"library: {label}, site rules"}
        same, total, seconds = 0, 0, []
        for phase in phases:
            lists = []
            for given, shown in zip(phase.given, served[site_label, phase.name].lists, strict=True):
                candidates = site_catalogue[~np.isin(site_catalogue, X[given, 1])]
                started = time.perf_counter()
                listed = model.recommend(X[given, 1], y[given], n=LIMIT, candidates=candidates).item_ids
                seconds.append(time.perf_counter() - started)
                lists.append(listed)
                same += np.array_equal(listed, shown)
                total += 1
            found = metrics(lists, phase)
            row.update(phase_figures(found, phase, existing))
        row["ms"] = 1000 * float(np.mean(seconds))
        result.rows.append(row)
        note(f"{label} with the site's candidates: {same} of {total} lists identical to what the site served")
    return result


TRAINING_COLUMNS = [
    ("algorithm", f"{'algorithm':<10}", "<10"),
    ("status", "status", ">10"),
    ("seconds", "train s", ".1f"),
    ("registry_ndcg", "reg NDCG", ".4f"),
    ("registry_most_rated_ndcg", "reg top", ".4f"),
]

COLUMNS = [
    ("model", f"{'lists':<34}", "<34"),
    ("ndcg", "NDCG@10", ".4f"),
    ("recall", "Recall@10", ".4f"),
    ("coverage", "coverage", ".3f"),
    ("popularity", "mean pop", ".0f"),
    ("k1_ndcg", "k=1 NDCG", ".4f"),
    ("k3_ndcg", "k=3 NDCG", ".4f"),
    ("k10_ndcg", "k=10 NDCG", ".4f"),
    ("ms", "ms/call", ".1f"),
]


def phase_figures(found, phase: Phase, existing: Phase) -> dict:
    """A row's figures of one phase: plain keys for existing users, "k3_..." for newcomers given 3."""
    prefix = "" if phase is existing else f"{phase.name.replace('=', '')}_"
    figures = {"ndcg": found.ndcg, "recall": found.recall}
    figures |= {"coverage": found.coverage, "popularity": found.mean_popularity}
    return {prefix + key: value for key, value in figures.items()}


def dataset_folders(args) -> list[tuple[str, Path]]:
    folders = [(Path(folder).name or str(folder), Path(folder)) for folder in args.folder or []]
    if not folders:
        folders = [("fixtures/anime", ROOT / "fixtures" / "anime")]
    for _, folder in folders:
        for stem in ("works", "ratings"):
            if not any((folder / f"{stem}.csv{suffix}").exists() for suffix in (".gz", "")):
                raise SystemExit(f"{folder}: no {stem}.csv.gz or {stem}.csv")
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--folder",
        action="append",
        help="a dataset folder in the fixtures/anime format (repeat for several; default fixtures/anime)",
    )
    parser.add_argument(
        "--with-movielens",
        action="store_true",
        help="also convert ml-latest-small (bench/movielens_as_anime.py) and measure it",
    )
    parser.add_argument("--movielens", default=None, help="folder of ml-latest-small")
    parser.add_argument("--max-users", type=int, default=None, help="measure at most this many people")
    parser.add_argument("--scratch-name", default=SCRATCH_DATABASE, help="name of the scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and the artifacts")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="run on the DATABASE_URL database itself (it is changed: test ratings deleted, models trained)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="with --in-place: accept a database with ratings"
    )
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    args = parser.parse_args(argv)
    # A plain `kill` still drops the scratch database and removes the temporary folders.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url:
        raise SystemExit(
            "set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres: "
            f"the bench creates (and drops) its own database {args.scratch_name} there"
        )
    folders = dataset_folders(args)
    media_root = tempfile.mkdtemp(prefix="mangaki-bench-lists-")
    converted = None
    if args.with_movielens:
        directory = movielens_or_say(args.movielens)
        if directory is not None:
            from bench import movielens_as_anime

            converted = Path(tempfile.mkdtemp(prefix="movielens-as-anime-"))
            movielens_as_anime.main([str(converted), "--movielens", str(directory)])
            folders.append(("ml-latest-small (as anime)", converted))
    if args.in_place and len(folders) != 1:
        raise SystemExit("--in-place measures one dataset: pass a single --folder")

    results = []
    try:
        if args.in_place:
            start_django(server_url, media_root)
            from django.db import connection

            from mangaki.models import Rating

            migrated = Rating._meta.db_table in connection.introspection.table_names()
            if migrated and Rating.objects.exists() and not args.reuse:
                raise SystemExit(
                    "the database of DATABASE_URL already holds ratings: the bench deletes test users' "
                    "ratings and trains models there. Pass --reuse to accept it, or drop --in-place to "
                    "run on a scratch database."
                )
            results.append(run_dataset(folders[0][1], folders[0][0], args))
        else:
            postgres_connection(server_url).close()  # a clear error before anything else
            start_django(scratch_url(server_url, args.scratch_name), media_root)
            for name, folder in folders:
                with scratch_postgres(server_url, args.scratch_name, keep=args.keep):
                    results.append(run_dataset(folder, name, args))
                for entry in Path(media_root).iterdir():  # artifacts of this dataset's models
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    finally:
        if (args.keep or args.in_place) and any(Path(media_root).iterdir()):
            print(f"model artifacts kept in {media_root}")
        else:
            shutil.rmtree(media_root, ignore_errors=True)
        if converted is not None:
            shutil.rmtree(converted, ignore_errors=True)

    print(
        "\nexisting users: NDCG@10, Recall@10, coverage (of the rated works), mean popularity (training "
        "ratings of the listed works); newcomers given k = 1, 3, 10 ratings: NDCG@10; ms per "
        "recommendations_for call (library rows: per model.recommend call). Wall-clock on a shared "
        "2-core machine: noisy. Quality figures are deterministic."
    )
    for result in results:
        print(f"\n### {result.name}")
        for line in result.summary:
            print(f"- {line}")
        print()
        print_table(result.trainings, TRAINING_COLUMNS)
        print()
        print_table(result.rows, COLUMNS)
    if args.markdown:
        for result in results:
            print(f"\n#### {result.name}\n")
            print_markdown_table(result.rows, COLUMNS)
            print()
            print_markdown_table(result.trainings, TRAINING_COLUMNS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
