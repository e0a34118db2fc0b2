"""Tuning EASE's hyperparameters on validation lists carved out of the training rows only.

    python -m bench.library_ease_tuning [--datasets anime ml] [--movielens DIR] [--passes 2] \\
        [--max-minutes 25]

Per dataset (anime; ml-latest-small with stars mapped to Mangaki choices), the top-N protocol's
split `list_split(X, seed=0)` is made first and only its training rows are kept. They are split
again by the same protocol, `list_split(X_train, seed=1)`: EASE is fitted on the inner training
rows and asked for the lists of the inner held-out users and of the inner newcomers (given k = 3
and 10 ratings). The protocol's held-out rows and newcomers are never read.

Criterion (`--criterion`): the goal is to beat the literature's EASE (binary, λ = 500) for
existing users and for newcomers at k = 3 and 10, on both datasets; `worst-ratio` (the default)
maximises the smallest of those six NDCG@10 ratios to it, so no group pays for another's gain.
`mean` maximises the mean over the datasets of the three NDCG@10 instead (it favours newcomers,
whose figures are higher and move more). Among the configurations within 0.005 of the best
score, the one with the best mean is chosen: the top is flat, and MovieLens's 47 validation
newcomers make its last digits noise. Coordinate search from the
current defaults of `EASE()`: regularization, dropout, popularity exponent, intercept, then the
value weights (binary; graded, favorite above like; small positive weights for neutral, won't see
and dislike; zero; or negative evidence), one at a time, each set to its best value before the
next; the second pass revisits the grid neighbours of each numeric value and the three best value
weights. About 30 fits of each dataset: some 15–20 minutes on an idle 2-core machine, twice that
when other jobs share the cores; the search starts no new coordinate after --max-minutes. Every
evaluated configuration is printed, then the chosen one against the defaults and against the
literature's EASE, with a paired bootstrap standard error over users (quality figures are
deterministic; fit seconds are noisy).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bench.report import print_table
from bench.setup import announce_warm_up, dataset_arguments, datasets
from recommender.choices import CHOICE_VALUES
from recommender.ease import EASE
from recommender.list_evaluation import evaluate_lists, list_split

NEWCOMER_KS = (3, 10)
NEAR_BEST = 0.005

# Input weights of (favorite, like, neutral, will see, won't see, dislike), at the values of
# `CHOICE_VALUES`; like is always 1 so that λ keeps one scale across variants.
CHOICES = tuple(
    CHOICE_VALUES[name] for name in ("favorite", "like", "neutral", "willsee", "wontsee", "dislike")
)
WEIGHT_VARIANTS: dict[str, tuple[float, ...] | None] = {
    "binary": None,
    "graded 1.2/.6/.3": (1.2, 1.0, 0.6, 0.6, 0.3, 0.3),
    "small positive": (1.2, 1.0, 0.4, 0.5, 0.15, 0.15),
    "fav 1.5": (1.5, 1.0, 0.6, 0.6, 0.3, 0.3),
    "fav 2": (2.0, 1.0, 0.6, 0.6, 0.3, 0.3),
    "negatives zero": (1.2, 1.0, 0.4, 0.5, 0.0, 0.0),
    "mild negative": (1.2, 1.0, 0.3, 0.5, -0.2, -0.3),
    "negative": (1.2, 1.0, 0.2, 0.5, -0.5, -0.7),
    "strong negative": (1.5, 1.0, 0.0, 0.3, -1.0, -1.0),
}
# Searched in this order: the strong levers first, the fine value weights last.
GRIDS: dict[str, list] = {
    "regularization": [50.0, 100.0, 200.0, 300.0, 400.0, 800.0],
    "dropout": [0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.8],
    "popularity_exponent": [0.0, 0.05, 0.1, 0.2, 0.3],
    "intercept": [False, True],
    "value_weights": list(WEIGHT_VARIANTS),
}


def weights_of(name: str):
    variant = WEIGHT_VARIANTS[name]
    return None if variant is None else tuple(zip(CHOICES, variant, strict=True))


def name_of_weights(value_weights) -> str:
    if value_weights is None:
        return "binary"
    as_tuple = tuple(float(weight) for _, weight in value_weights)
    for name, variant in WEIGHT_VARIANTS.items():
        if variant == as_tuple:
            return name
    WEIGHT_VARIANTS["defaults"] = as_tuple
    return "defaults"


@dataclass
class Validation:
    """One dataset's inner split: training rows of the protocol, split again."""

    name: str
    X: np.ndarray
    y: np.ndarray
    split: object
    n_existing: int
    n_newcomers: int


def validation_of(name: str, data) -> Validation:
    outer = list_split(data.X, seed=0)
    X, y = data.X[outer.train], data.y[outer.train]
    inner = list_split(X, seed=1)
    n_existing = np.unique(X[inner.held_out, 0]).size
    n_newcomers = np.unique(X[inner.newcomer, 0]).size
    print(
        f"{name}: {y.size} training rows of the protocol; inner fit {inner.train.sum()} rows, "
        f"{n_existing} held-out users, {n_newcomers} newcomers",
        flush=True,
    )
    return Validation(name, X, y, inner, n_existing, n_newcomers)


@dataclass
class Result:
    existing: float
    newcomer_k3: float
    newcomer_k10: float
    fit_seconds: float
    per_user: np.ndarray  # existing users, then newcomers at k = 3, then at k = 10 (NaN: unmeasured)

    @property
    def criterion(self) -> float:
        return (self.existing + self.newcomer_k3 + self.newcomer_k10) / 3


def evaluate(validation: Validation, params: dict) -> Result:
    model_params = dict(params, value_weights=weights_of(params["value_weights"]))
    evaluation = evaluate_lists(
        lambda: EASE(**model_params), validation.X, validation.y, validation.split, newcomer_ks=NEWCOMER_KS
    )
    expected = validation.n_existing + len(NEWCOMER_KS) * validation.n_newcomers
    assert evaluation.per_user_ndcg.size == expected, "per-user NDCG not laid out as expected"
    return Result(
        evaluation.existing.ndcg,
        evaluation.newcomers[3].ndcg,
        evaluation.newcomers[10].ndcg,
        evaluation.fit_seconds,
        evaluation.per_user_ndcg,
    )


def key_of(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def label_of(params: dict) -> str:
    return (
        f"{params['value_weights']}, λ={params['regularization']:g}, p={params['dropout']:g}, "
        f"e={params['popularity_exponent']:g}, {'intercept' if params['intercept'] else 'no intercept'}"
    )


class Search:
    """Cached evaluations over every dataset, scored by the chosen criterion (``worst-ratio``: the
    smallest ratio of the six NDCG@10 to the literature's EASE; ``mean``: mean criterion)."""

    def __init__(self, validations: list[Validation], criterion: str = "worst-ratio", reference=None):
        self.validations = validations
        self.criterion = criterion
        self.results: dict[tuple, dict[str, Result]] = {}
        self.params: dict[tuple, dict] = {}
        self.reference: dict[str, Result] | None = None
        if reference is not None:
            self.score(reference)
            self.reference = self.results[key_of(reference)]

    def score(self, params: dict) -> float:
        key = key_of(params)
        if key not in self.results:
            started = time.perf_counter()
            self.results[key] = {v.name: evaluate(v, params) for v in self.validations}
            self.params[key] = dict(params)
            figures = "  ".join(
                f"{name} {result.existing:.4f}/{result.newcomer_k3:.4f}/{result.newcomer_k10:.4f}"
                for name, result in self.results[key].items()
            )
            print(
                f"   {label_of(params):<62} {figures}  → {self.mean(key):.4f}  "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        return self.mean(key)

    def mean(self, key: tuple) -> float:
        if self.criterion == "worst-ratio" and self.reference is not None:
            return self.worst_ratio(key)
        return float(np.mean([result.criterion for result in self.results[key].values()]))

    def mean_criterion(self, key: tuple) -> float:
        return float(np.mean([result.criterion for result in self.results[key].values()]))

    def worst_ratio(self, key: tuple) -> float:
        """The smallest NDCG@10 ratio to the reference over datasets × (existing, k = 3, k = 10)."""
        ratios = []
        for name, result in self.results[key].items():
            reference = self.reference[name]
            ratios += [
                result.existing / reference.existing,
                result.newcomer_k3 / reference.newcomer_k3,
                result.newcomer_k10 / reference.newcomer_k10,
            ]
        return float(min(ratios))


def coordinate_search(search: Search, start: dict, passes: int, deadline: float) -> dict:
    """Each coordinate in turn set to its best value; later passes try only the grid neighbours of a
    numeric value and the three best value weights of the previous pass."""
    best = dict(start)
    best_score = search.score(best)
    previous: dict[str, dict] = {}
    for pass_number in range(1, passes + 1):
        for name, grid in GRIDS.items():
            if time.perf_counter() > deadline:
                print(f"time budget reached: stopping before {name} in pass {pass_number}", flush=True)
                return best
            values = grid
            if pass_number > 1 and name in {"regularization", "dropout", "popularity_exponent"}:
                position = grid.index(best[name]) if best[name] in grid else 0
                values = grid[max(position - 1, 0) : position + 2]
            elif pass_number > 1 and name == "value_weights":
                values = sorted(previous[name], key=lambda value: -previous[name][value])[:3]
            previous[name] = {}
            for value in values:
                candidate = dict(best, **{name: value})
                score = previous[name][value] = search.score(candidate)
                if score > best_score + 1e-9:
                    best, best_score = candidate, score
            print(f"pass {pass_number}, {name}: {label_of(best)} → {best_score:.4f}", flush=True)
    return best


def bootstrap_difference(validation: Validation, chosen: Result, reference: Result, draws: int = 2000):
    """Difference of the criterion (chosen − reference) and its paired bootstrap standard error."""
    difference = chosen.per_user - reference.per_user
    n_existing, n_newcomers = validation.n_existing, validation.n_newcomers
    existing = difference[:n_existing]
    newcomers = difference[n_existing:].reshape(len(NEWCOMER_KS), n_newcomers).T
    point = (np.nanmean(existing) + np.nanmean(newcomers, axis=0).sum()) / 3
    rng = np.random.default_rng(0)
    samples = np.empty(draws)
    for draw in range(draws):
        resampled_existing = existing[rng.integers(0, n_existing, n_existing)]
        resampled_newcomers = newcomers[rng.integers(0, n_newcomers, n_newcomers)]
        samples[draw] = (np.nanmean(resampled_existing) + np.nanmean(resampled_newcomers, axis=0).sum()) / 3
    return float(point), float(samples.std())


def main(argv: list[str] | None = None) -> int:
    parser = dataset_arguments(__doc__.splitlines()[0], markdown=False)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=25.0, help="no new coordinate after this")
    parser.add_argument("--criterion", choices=["worst-ratio", "mean"], default="worst-ratio")
    args = parser.parse_args(argv)
    announce_warm_up()
    validations = []
    for name, data in datasets(args.datasets, args.movielens, as_choices=True):
        validations.append(validation_of(name, data))
    if not validations:
        return 2

    defaults = EASE().get_params()
    start = {name: defaults[name] for name in GRIDS}
    start["value_weights"] = name_of_weights(defaults["value_weights"])
    literature = dict(
        start,
        value_weights="binary",
        regularization=500.0,
        dropout=0.0,
        intercept=False,
        popularity_exponent=0.0,
    )
    started = time.perf_counter()
    print(f"\nconfiguration: per dataset NDCG@10 existing/newcomers k=3/k=10 → {args.criterion}")
    search = Search(validations, args.criterion, reference=literature)
    found = coordinate_search(search, start, args.passes, started + 60 * args.max_minutes)
    # The top of the search is flat and noisy (MovieLens has some 50 newcomers): among the
    # configurations within NEAR_BEST of the best score, keep the one with the best mean criterion.
    best_score = search.mean(key_of(found))
    near_best = [key for key in search.results if search.mean(key) >= best_score - NEAR_BEST]
    chosen = search.params[max(near_best, key=search.mean_criterion)]
    print(f"best score: {label_of(found)}; within {NEAR_BEST} of it, best mean criterion: {label_of(chosen)}")
    print(f"\nsearch: {len(search.results)} configurations in {(time.perf_counter() - started) / 60:.1f} min")

    rows = []
    for key, results in search.results.items():
        row = {"config": label_of(search.params[key]), "mean": search.mean(key)}
        for name, result in results.items():
            row.update(
                {
                    f"{name}:existing": result.existing,
                    f"{name}:k3": result.newcomer_k3,
                    f"{name}:k10": result.newcomer_k10,
                    f"{name}:criterion": result.criterion,
                    f"{name}:fit": result.fit_seconds,
                }
            )
        rows.append(row)
    rows.sort(key=lambda row: -row["mean"])
    columns = [("config", f"{'configuration':<62}", "<62"), ("mean", args.criterion, ".4f")]
    for validation in validations:
        short = validation.name.split("-")[0]
        columns += [
            (f"{validation.name}:existing", f"{short} exist", ".4f"),
            (f"{validation.name}:k3", f"{short} k=3", ".4f"),
            (f"{validation.name}:k10", f"{short} k=10", ".4f"),
            (f"{validation.name}:criterion", f"{short} crit", ".4f"),
            (f"{validation.name}:fit", f"{short} fit s", ".1f"),
        ]
    print("\nValidation NDCG@10 of every configuration evaluated (best first):")
    print_table(rows, columns)

    print(f"\nchosen:   {label_of(chosen)}")
    print(f"defaults: {label_of(start)}")
    print(f"value weights of '{chosen['value_weights']}': {weights_of(chosen['value_weights'])}")
    for label, reference in (("defaults", start), ("literature EASE", literature)):
        for validation in validations:
            difference, error = bootstrap_difference(
                validation,
                search.results[key_of(chosen)][validation.name],
                search.results[key_of(reference)][validation.name],
            )
            print(
                f"   chosen − {label} on {validation.name}: "
                f"criterion {difference:+.4f} ± {error:.4f} (bootstrap SE)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
