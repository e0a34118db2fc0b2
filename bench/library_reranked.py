"""The rating models' lists, on their own and ordering EASE's list, next to the most-rated list.

    python -m bench.library_reranked [--datasets anime ml] [--movielens DIR] [--windows 15]
                                     [--validation] [--markdown]

The list protocol of `recommender/list_evaluation.py` (`list_split(X, seed=0)`; NDCG@10 of
existing people, and of newcomers given k = 3, 5, 10 ratings; relevant = a held-out like or
favorite). ALS, LASSO and BALSE are measured twice: ranking the whole catalogue by predicted
rating (their lists before), and ordering EASE's list window by window
(`recommender.reranking`: the lists the site offers as "Similar fans", "Your favourite genres"
and "Genres and fans mixed"). "new in the ten" is the mean share of the ten shown that are not
in EASE's own ten for the same person (existing people), so how much the list is its own.

``--validation`` measures on a list split of the training rows instead (the test rows are not
read): where the window was chosen. Target: every offered list above the most-rated list.
"""

from __future__ import annotations

import numpy as np

from bench.report import print_tables
from bench.setup import announce_warm_up, dataset_arguments, datasets
from recommender import ALS, BALSE, EASE, LASSO
from recommender.base import fit_model
from recommender.list_evaluation import evaluate_lists, list_split
from recommender.popularity import MostRated
from recommender.reranking import Reranked

NEWCOMER_KS = (3, 5, 10)
OVERLAP_PEOPLE = 1000


def _new_in_ten(model, ease, X, y, split, catalogue) -> float:
    """Mean share of ``model``'s ten not in EASE's ten, over the first people with held-out rows."""
    people = np.unique(X[split.held_out, 0])[:OVERLAP_PEOPLE]
    train_users = X[split.train, 0]
    shares = []
    for person in people:
        rows = np.flatnonzero(split.train)[train_users == person]
        given, values = X[rows, 1], y[rows]
        candidates = catalogue[~np.isin(catalogue, given)]
        mine = model.recommend(given, values, n=10, candidates=candidates).item_ids
        theirs = ease.recommend(given, values, n=10, candidates=candidates).item_ids
        if mine.size:
            shares.append(1.0 - np.isin(mine, theirs).mean())
    return float(np.mean(shares)) if shares else float("nan")


def run_dataset(name: str, data, windows: list[int], validation: bool) -> list[dict]:
    X, y = data.X, data.y
    if validation:
        outer = list_split(X, seed=0)
        X, y = X[outer.train], y[outer.train]
    split = list_split(X, seed=0)
    catalogue = np.unique(X[:, 1])
    train_X, train_y = X[split.train], y[split.train]
    print(f"\n== {name}{' (validation split of the training rows)' if validation else ''}", flush=True)
    ease = fit_model(EASE(), train_X, train_y)
    fitted = {"most rated": fit_model(MostRated(), train_X, train_y), "EASE (served)": ease}
    for label, make in (("ALS", ALS), ("LASSO", LASSO), ("BALSE", BALSE)):
        model = fit_model(make(), train_X, train_y, data.item_tags)
        fitted[f"{label}, own order"] = model
        for window in windows:
            fitted[f"{label} ordering EASE's, window {window}"] = Reranked(ease, model, window)
    rows = []
    for label, model in fitted.items():
        evaluation = evaluate_lists(model, X, y, split, item_tags=data.item_tags, newcomer_ks=NEWCOMER_KS)
        row = {"model": label, "ndcg": evaluation.existing.ndcg, "recall": evaluation.existing.recall}
        for given, metrics in evaluation.newcomers.items():
            row[f"k{given}_ndcg"] = metrics.ndcg
        row["new_in_ten"] = (
            _new_in_ten(model, ease, X, y, split, catalogue) if isinstance(model, Reranked) else float("nan")
        )
        rows.append(row)
        print(f"   {label}: NDCG@10 {row['ndcg']:.4f}, newcomers k=3 {row['k3_ndcg']:.4f}", flush=True)
    most_rated = rows[0]["ndcg"]
    for row in rows:
        row["x_most_rated"] = row["ndcg"] / most_rated if most_rated else float("nan")
    return rows


COLUMNS = [
    ("model", f"{'list':<34}", "<34"),
    ("ndcg", "NDCG@10", ".4f"),
    ("x_most_rated", "x most-rated", ".2f"),
    ("recall", "Recall@10", ".4f"),
    ("k3_ndcg", "k=3 NDCG", ".4f"),
    ("k5_ndcg", "k=5 NDCG", ".4f"),
    ("k10_ndcg", "k=10 NDCG", ".4f"),
    ("new_in_ten", "new in the ten", ".2f"),
]


def main(argv: list[str] | None = None) -> int:
    parser = dataset_arguments(__doc__.splitlines()[0])
    parser.add_argument("--windows", nargs="+", type=int, default=[15], help="EASE's works per window")
    parser.add_argument("--validation", action="store_true", help="a list split of the training rows")
    args = parser.parse_args(argv)
    announce_warm_up()
    tables = {}
    for name, data in datasets(args.datasets, args.movielens, as_choices=True):
        tables[name] = run_dataset(name, data, args.windows, args.validation)
    print("\nNDCG@10 of existing people, next to the most-rated list; newcomers given k ratings;")
    print("new in the ten: share of the ten shown not in EASE's ten (existing people)")
    print_tables(tables, COLUMNS, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
