"""What the franchise rules do to the lists people are shown: EASE's lists as the model makes
them and as the site serves them, next to the most-rated list, in one run per dataset.

    python -m bench.library_franchise_rules [--datasets anime ml] [--movielens DIR] [--markdown]

Protocol of `recommender/list_evaluation.py` (`list_split(X, seed=0)`: people with at least 20
ratings hold out 20%; newcomers given 1, 3, 10 ratings; relevant = a held-out like or
favorite). The rules (`recommender/franchise_rules.py`): nothing of a franchise the person
disliked or won't see a part of, unless they liked another part; a later part of a franchise
the person rated nothing of gives its place to the franchise's first part. Franchises: anime,
the shipped inferred relations; ml-latest-small, the same inference on titles alone (unchecked
there). The site's target: the rules keep NDCG@10 as it is (they are for people, who should
not be offered season 2 of a show they never started, and a held-out rating cannot tell that).
"""

from __future__ import annotations

from bench.setup import tables_bench
from recommender.ease import EASE
from recommender.franchise_rules import FranchiseAware
from recommender.list_evaluation import evaluate_lists, list_split
from recommender.popularity import MostRated

NEWCOMER_KS = (1, 3, 10)
COLUMNS = [
    ("list", "list                                       ", "<44"),
    ("ndcg", "NDCG@10", ".4f"),
    ("recall", "Recall@10", ".4f"),
    *[(f"newcomer_k{k}_ndcg", f"new k={k}", ".4f") for k in NEWCOMER_KS],
    ("coverage", "coverage", ".3f"),
    ("fit_seconds", "fit s", ".1f"),
]


def run_dataset(data) -> list[dict]:
    split = list_split(data.X, seed=0)
    firsts = {item: franchise for franchise, item in data.item_first_parts.items()}
    # The first part the data names (types and air dates), else the lowest id.
    first_key = lambda item: (0 if item in firsts else 1, item)  # noqa: E731
    lists = [
        ("most rated", MostRated),
        ("EASE (the model's list)", EASE),
        (
            "EASE with the franchise rules (the site's)",
            lambda: FranchiseAware(EASE(), data.item_franchise, first_key),
        ),
        (
            "  turned-down franchises only",
            lambda: FranchiseAware(EASE(), data.item_franchise, first_key, first_part=False),
        ),
        (
            "  first parts only",
            lambda: FranchiseAware(EASE(), data.item_franchise, first_key, turn_down=False),
        ),
    ]
    rows = []
    for name, make in lists:
        evaluation = evaluate_lists(make, data.X, data.y, split, newcomer_ks=NEWCOMER_KS)
        rows.append({"list": name, **evaluation.as_dict()})
    return rows


def main(argv: list[str] | None = None) -> int:
    return tables_bench(__doc__.splitlines()[0], run_dataset, COLUMNS, argv)


if __name__ == "__main__":
    raise SystemExit(main())
