"""Works nobody has rated yet, ranked: the freeze protocol, every ranker in one run per dataset.

    python -m bench.library_freeze [--datasets anime ml] [--movielens DIR] [--markdown]

Protocol of `recommender/list_evaluation.py` (`freeze_split`, `evaluate_frozen`): 10% of the
items with at least 5 ratings (seed 0) lose every rating from training, as a new season's
works have none on the day they air; each person with at least 10 training ratings and a
liked frozen item (value ≥ 2.0: like or favorite) is given all their training ratings and
gets the frozen items ranked; NDCG@10 over those people, then per group by training ratings
(10-49, 50-199, 200+). MovieLens stars are mapped to choices (4 stars or more is relevant).

Rows: a random order (the floor); the priors a new work has before anyone rates it here, where
the data gives them (anime: MyAnimeList's members and score, which the upstream gives for a
work on the day it is listed; ml-latest-small has none: its rows say so); LASSO and BALSE
from the items' tags (genres and type), fitted on the training rows; `SideRanker`
(`recommender/unrated.py`) without a franchise, with the dataset's franchises (anime: the
inferred relations of `relations.csv.gz`, precision 0.96 on a hand-labelled sample;
ml-latest-small: the same inference on its titles alone, unchecked there), and, for
comparison, with franchises GUESSED from the first two words of the titles. Settings are
chosen with ``--validation`` (the same protocol on a freeze split of the training rows, seed 1),
never on the test. Quality figures are deterministic; fit seconds are wall-clock on a shared
machine and noisy.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from bench.report import print_tables
from bench.setup import announce_warm_up, dataset_arguments, tables_by_dataset
from recommender import BALSE, LASSO
from recommender.list_evaluation import evaluate_frozen, freeze_split
from recommender.popularity import PriorOrder, RandomOrder
from recommender.unrated import SideRanker

GROUPS = (10, 50, 200)
GROUP_LABELS = ("10-49", "50-199", "200+")  # as FreezeEvaluation.by_ratings names them
COLUMNS = [
    ("ranker", "ranker                                  ", "<40"),
    ("ndcg", "NDCG@10", ".4f"),
    ("recall", "Recall@10", ".4f"),
    ("ratio", "x prior", ".2f"),
    *[(f"group {label}", f"NDCG {label}", ".4f") for label in GROUP_LABELS],
    ("fit_seconds", "fit s", ".1f"),
]


def title_word_franchises(titles: dict[int, str], n_items: int) -> np.ndarray:
    """A GUESS, for measuring only: works whose titles start with the same two words are one
    franchise (as the issue's first table guessed). The site will use relations instead."""
    franchise = np.full(n_items, -1, dtype=np.int64)
    keys: dict[str, int] = {}
    for item, title in titles.items():
        words = re.findall(r"[a-z0-9]+", title.lower())
        if len(words) >= 2 and item < n_items:
            franchise[item] = keys.setdefault(" ".join(words[:2]), len(keys))
    return franchise


def rankers_of(data, C: float) -> list[tuple[str, object]]:
    catalogue = np.unique(data.X[:, 1])
    rankers = [("random", lambda: RandomOrder(catalogue=catalogue))]
    for name, prior in data.item_priors.items():
        rankers.append((f"prior: {name}", lambda prior=prior: PriorOrder(prior)))
    rankers += [("LASSO (tags)", LASSO), ("BALSE (tags; no ratings: its LASSO side)", BALSE)]
    guessed = title_word_franchises(data.item_titles, data.item_tags.shape[0])
    rankers += [
        ("SideRanker, no franchise", lambda: SideRanker(data.item_priors, C=C)),
        ("SideRanker, franchise inferred", lambda: SideRanker(data.item_priors, data.item_franchise, C=C)),
        ("SideRanker, franchise GUESSED (2 words)", lambda: SideRanker(data.item_priors, guessed, C=C)),
    ]
    return rankers


def run_dataset(data, C: float, validation: bool) -> list[dict]:
    split = freeze_split(data.X, data.y, seed=0)
    if validation:  # a freeze split of the training rows alone: where settings are chosen
        data = dataclasses.replace(data, X=data.X[split.train], y=data.y[split.train])
        split = freeze_split(data.X, data.y, seed=1)
    side = "validation (training rows, seed 1)" if validation else "test (seed 0)"
    print(f"  {side}: {split.frozen.size} frozen items, {split.users.size} people measured", flush=True)
    rankers = rankers_of(data, C)
    rows = []
    for name, make in rankers:
        evaluation = evaluate_frozen(make, data.X, data.y, split, item_tags=data.item_tags)
        row = {
            "ranker": name,
            "ndcg": evaluation.metrics.ndcg,
            "recall": evaluation.metrics.recall,
            "fit_seconds": evaluation.fit_seconds,
        }
        for group in evaluation.by_ratings(GROUPS):
            row[f"group {group['ratings']}"] = group["ndcg"]
        rows.append(row)
    reference = next((row["ndcg"] for row in rows if row["ranker"] == "prior: members"), None)
    for row in rows:
        row["ratio"] = row["ndcg"] / reference if reference else None
    if not data.item_priors:
        rows.append({"ranker": "prior: none in this data"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = dataset_arguments(__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, default=1.0, help="SideRanker's inverse regularisation")
    parser.add_argument(
        "--validation", action="store_true", help="measure on a freeze split of the training rows"
    )
    args = parser.parse_args(argv)
    announce_warm_up()
    tables = tables_by_dataset(args, lambda data: run_dataset(data, args.C, args.validation))
    print("\nfrozen items ranked for the people who rated them; x prior: NDCG@10 over the members prior's")
    print_tables(tables, COLUMNS, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
