"""The top-N lists of every ranker, in one run, on one split per dataset: what people are shown.

    python -m bench.library_lists [--datasets anime ml] [--movielens DIR] [--threads 2] [--markdown]

Protocol of `recommender/list_evaluation.py`: `list_split(X, seed=0)`; users with at least 20
ratings hold out 20%, relevant = a held-out like or favorite (value ≥ 2.0); newcomers (10% of
those users, left out of training) are given k = 1, 3, 10 of their ratings by fold-in. Every
model is asked through `recommend(item_ids, values, n, candidates)`, candidates = every item the
person did not give. MovieLens stars are mapped to Mangaki choices (`movielens_choice_values`:
5 favorite, 4–4.5 like, 3–3.5 neutral, ≤ 2.5 dislike), so "relevant" means 4 stars or more.

Rows: the most-rated list; EASE as in the literature (binary input, λ = 500, nothing else);
implicit's AlternatingLeastSquares with its defaults on binary user × item data (CPU, folded in
with `recalculate_user`); our ALS and BALSE (rating models: they rank by predicted rating); and
`EASE()` with the defaults the site serves. Quality figures are deterministic; fit seconds are
wall-clock on a shared machine and noisy. Needs `pip install -r requirements-bench.txt`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bench.report import print_tables
from bench.setup import announce_warm_up, dataset_arguments, datasets, peers_installed
from recommender import ALS, BALSE
from recommender.base import Recommendations, UserState, as_ratings
from recommender.ease import EASE
from recommender.indexing import lookup, unique_ids
from recommender.list_evaluation import evaluate_lists, list_split
from recommender.popularity import MostRated

NEWCOMER_KS = (1, 3, 10)


class ImplicitALS:
    """implicit's AlternatingLeastSquares (its defaults) behind our `fit` / `recommend` interface.

    Every rating, whatever its value, is a 1 in the user × item matrix. A person is folded in with
    `recalculate_user=True` (an exact least-squares solve against the item factors).
    """

    def __init__(self, num_threads: int = 2, random_state: int = 0):
        self.num_threads = num_threads
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> ImplicitALS:
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        self.items_ = unique_ids(X[:, 1])
        users = unique_ids(X[:, 0])
        user_items = sp.csr_matrix(
            (np.ones(X.shape[0], dtype=np.float32), (lookup(users, X[:, 0]), lookup(self.items_, X[:, 1]))),
            shape=(users.size, self.items_.size),
        )
        user_items.data[:] = 1.0  # a pair given twice is still one interaction
        with threadpool_limits(1, "blas"):  # implicit's own advice: its threads, single-threaded BLAS
            self.model_ = AlternatingLeastSquares(
                use_gpu=False, num_threads=self.num_threads, random_state=self.random_state
            )
            self.model_.fit(user_items, show_progress=False)
        return self

    def recommend(
        self, item_ids, values, n: int = 10, candidates: np.ndarray | None = None
    ) -> Recommendations:
        item_ids, values = as_ratings(item_ids, values)
        state = UserState(item_ids, values)
        rated = lookup(self.items_, item_ids)
        rated = np.unique(rated[rated >= 0])
        allowed = np.ones(self.items_.size, dtype=bool)
        if candidates is not None:
            allowed[:] = False
            rows = lookup(self.items_, np.asarray(candidates, dtype=np.int64))
            allowed[rows[rows >= 0]] = True
        allowed[rated] = False
        allowed_rows = np.flatnonzero(allowed)
        if allowed_rows.size == 0 or n <= 0:
            return Recommendations(np.empty(0, dtype=np.int64), np.empty(0), state)
        user_items = sp.csr_matrix(
            (np.ones(rated.size, dtype=np.float32), (np.zeros(rated.size, dtype=np.int64), rated)),
            shape=(1, self.items_.size),
        )
        rows, scores = self.model_.recommend(
            0, user_items, N=n, filter_already_liked_items=False, recalculate_user=True, items=allowed_rows
        )
        kept = rows >= 0
        return Recommendations(self.items_[rows[kept]], np.asarray(scores)[kept], state)


def rankers(threads: int) -> list[tuple[str, object]]:
    """(label, factory) of every row of the table."""
    literature = {
        "regularization": 500.0,
        "dropout": 0.0,
        "value_weights": None,
        "intercept": False,
        "popularity_exponent": 0.0,
        "max_neighbours": 1_000_000,  # every weight kept: the dense B of the paper
    }
    return [
        ("most rated", MostRated),
        ("EASE binary λ=500", lambda: EASE(**literature)),
        ("implicit ALS", lambda: ImplicitALS(num_threads=threads)),
        ("ALS (ours)", ALS),
        ("BALSE (ours)", BALSE),
        ("served default EASE()", EASE),
    ]


def run_dataset(name: str, data, threads: int) -> list[dict]:
    split = list_split(data.X, seed=0)
    n_existing = np.unique(data.X[split.held_out, 0]).size
    n_newcomers = np.unique(data.X[split.newcomer, 0]).size
    print(
        f"\n== {name}: {split.train.sum()} training rows, {n_existing} users with held-out rows, "
        f"{n_newcomers} newcomers",
        flush=True,
    )
    rows = []
    for label, factory in rankers(threads):
        evaluation = evaluate_lists(
            factory, data.X, data.y, split, item_tags=data.item_tags, newcomer_ks=NEWCOMER_KS
        )
        row = {
            "model": label,
            "ndcg": evaluation.existing.ndcg,
            "recall": evaluation.existing.recall,
            "coverage": evaluation.existing.coverage,
            "popularity": evaluation.existing.mean_popularity,
            "fit": evaluation.fit_seconds,
            "recommend_ms": 1000 * evaluation.recommend_seconds,
        }
        for given, metrics in evaluation.newcomers.items():
            row[f"k{given}_ndcg"], row[f"k{given}_recall"] = metrics.ndcg, metrics.recall
        rows.append(row)
        print(
            f"   {label}: NDCG@10 {row['ndcg']:.4f}, newcomers k=3 {row['k3_ndcg']:.4f}, "
            f"fit {row['fit']:.2f} s",
            flush=True,
        )
    return rows


COLUMNS = [
    ("model", f"{'model':<22}", "<22"),
    ("ndcg", "NDCG@10", ".4f"),
    ("recall", "Recall@10", ".4f"),
    ("coverage", "coverage", ".3f"),
    ("popularity", "mean pop", ".0f"),
    ("k1_ndcg", "k=1 NDCG", ".4f"),
    ("k1_recall", "k=1 Rec", ".4f"),
    ("k3_ndcg", "k=3 NDCG", ".4f"),
    ("k3_recall", "k=3 Rec", ".4f"),
    ("k10_ndcg", "k=10 NDCG", ".4f"),
    ("k10_recall", "k=10 Rec", ".4f"),
    ("fit", "fit s", ".2f"),
    ("recommend_ms", "list ms", ".2f"),
]


def main(argv: list[str] | None = None) -> int:
    parser = dataset_arguments(__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, choices=[1, 2], help="implicit's threads")
    args = parser.parse_args(argv)
    if not peers_installed("implicit"):
        return 2
    announce_warm_up()
    tables = {}
    for name, data in datasets(args.datasets, args.movielens, as_choices=True):
        label = f"{name} (stars as choices)" if name == "ml-latest-small" else name
        tables[label] = run_dataset(name, data, args.threads)
    print("\nexisting users: NDCG@10, Recall@10, coverage, mean popularity; newcomers given k ratings;")
    print("fit seconds are wall-clock on a shared 2-core machine (noisy); quality figures are deterministic")
    print_tables(tables, COLUMNS, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
