"""Measuring the lists a model makes, not the ratings it predicts: the project's top-N protocol.

Existing users: every user with at least `min_ratings` (20) ratings holds out `test_fraction`
(20%) of them, chosen at random with `seed`; the model is fitted on everything else and asked
for each of them, given their training ratings, for a top-k list. Newcomers: a
`newcomer_fraction` of those users is removed from training altogether; each is then given
k = 1, 3, 5, 10 of their ratings (the first k of one random order, so the sets are nested) by
fold-in, and measured on all the others.

A held-out rating is relevant when its value is at least `relevant_value` (like: 2.0);
candidates are every catalogue item the user did not give. At k = 10:

- NDCG@k: binary gains, discount 1/log2(rank + 1), divided by the ideal DCG of min(k, relevant);
- Recall@k: hits / min(k, relevant) (the truncated recall of Liang et al. 2018, Steck 2019);
- Precision@k: hits / k;
- catalogue coverage: distinct items in all the lists / items in the catalogue;
- mean popularity: mean number of training ratings of the listed items.

Users without any relevant held-out rating are left out of NDCG, Recall and Precision (they
cannot be served well or badly), but their lists count in coverage and popularity.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from recommender.base import fit_model
from recommender.choices import CHOICE_VALUES
from recommender.indexing import check_ratings, lookup, unique_ids

LIKE_VALUE = CHOICE_VALUES["like"]
NEWCOMER_KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class ListSplit:
    """Boolean row masks of the top-N protocol, plus each row's rank in its user's random order."""

    train: np.ndarray  # rows the model is fitted on
    held_out: np.ndarray  # existing users' held-out rows
    newcomer: np.ndarray  # every row of the newcomers (none of them is in training)
    order: np.ndarray  # rank of the row among its user's rows, in one random order per user


def list_split(
    X: np.ndarray,
    *,
    min_ratings: int = 20,
    test_fraction: float = 0.2,
    newcomer_fraction: float = 0.1,
    max_users: int | None = None,
    seed: int = 0,
) -> ListSplit:
    """The protocol's split of rating rows X = (user_id, item_id).

    ``max_users`` caps the number of people measured (existing users and newcomers together)
    on a large site: a random subset of the eligible people is held out, the others keep all
    their ratings in training.
    """
    X, _ = check_ratings(X)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1); got {test_fraction}")
    if not 0.0 <= newcomer_fraction < 1.0:
        raise ValueError(f"newcomer_fraction must be in [0, 1); got {newcomer_fraction}")
    rng = np.random.default_rng(seed)
    users, user_rows, counts = np.unique(X[:, 0], return_inverse=True, return_counts=True)
    eligible = counts >= min_ratings
    if max_users is not None and eligible.sum() > max_users:
        chosen = rng.permutation(np.flatnonzero(eligible))[:max_users]
        eligible = np.zeros(users.size, dtype=bool)
        eligible[chosen] = True
    newcomer_user = eligible & (rng.random(users.size) < newcomer_fraction)
    by_user_at_random = np.lexsort((rng.random(user_rows.size), user_rows))
    starts = np.cumsum(counts) - counts
    order = np.empty(user_rows.size, dtype=np.int64)
    order[by_user_at_random] = np.arange(user_rows.size) - starts[user_rows[by_user_at_random]]
    n_held_out = np.rint(test_fraction * counts).astype(np.int64)
    newcomer = newcomer_user[user_rows]
    held_out = eligible[user_rows] & ~newcomer & (order < n_held_out[user_rows])
    return ListSplit(train=~held_out & ~newcomer, held_out=held_out, newcomer=newcomer, order=order)


@dataclass(frozen=True)
class ListMetrics:
    """Averages over one group of users (existing users, or newcomers given k ratings)."""

    ndcg: float
    recall: float
    precision: float
    coverage: float
    mean_popularity: float
    n_users: int  # users with at least one relevant held-out item (those the averages are over)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ListEvaluation:
    """The protocol's measures of one model: existing users, then newcomers per k."""

    k: int
    existing: ListMetrics
    newcomers: dict[int, ListMetrics]
    fit_seconds: float = float("nan")
    recommend_seconds: float = float("nan")
    # NDCG@k of each evaluated user with the number of ratings it was given (for curves).
    per_user_ndcg: np.ndarray = field(default_factory=lambda: np.empty(0))
    per_user_given: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def as_dict(self) -> dict:
        """Flat, JSON-friendly figures: ndcg, recall, ..., then newcomer_k3_ndcg, ..."""
        flat = {key: value for key, value in self.existing.as_dict().items()}
        for given, metrics in self.newcomers.items():
            flat.update({f"newcomer_k{given}_{key}": value for key, value in metrics.as_dict().items()})
        flat.update(k=self.k, fit_seconds=self.fit_seconds, recommend_seconds=self.recommend_seconds)
        return flat


def ndcg_at_k(ranked_relevance: np.ndarray, n_relevant: int, k: int) -> float:
    """NDCG@k of one list: ``ranked_relevance`` holds 1/0 for the listed items, best first."""
    if n_relevant <= 0:
        return float("nan")
    gains = np.asarray(ranked_relevance[:k], dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = discounts[: min(k, n_relevant)].sum()
    return float(gains @ discounts[: gains.size] / ideal)


def list_metrics(
    lists: Sequence[np.ndarray],
    relevant: Sequence[np.ndarray],
    *,
    k: int,
    n_catalogue: int,
    popularity: Callable[[np.ndarray], np.ndarray],
) -> tuple[ListMetrics, np.ndarray]:
    """Metrics over users: ``lists[u]`` are the item ids shown (best first), ``relevant[u]`` the
    ids that would have been right, ``popularity`` gives items' training counts. Returns the
    averages and each user's NDCG (NaN where the user has nothing relevant)."""
    ndcgs, recalls, precisions = [], [], []
    per_user = np.full(len(lists), np.nan)
    shown = [np.asarray(items[:k], dtype=np.int64) for items in lists]
    for index, (items, targets) in enumerate(zip(shown, relevant, strict=True)):
        targets = np.asarray(targets, dtype=np.int64)
        if targets.size == 0:
            continue
        hits = np.isin(items, targets)
        per_user[index] = ndcg_at_k(hits, targets.size, k)
        ndcgs.append(per_user[index])
        recalls.append(hits.sum() / min(k, targets.size))
        precisions.append(hits.sum() / k)
    listed = np.concatenate(shown) if shown else np.empty(0, dtype=np.int64)
    popularity_values = popularity(listed)

    def mean(values) -> float:
        return float(np.mean(values)) if len(values) else float("nan")

    metrics = ListMetrics(
        ndcg=mean(ndcgs),
        recall=mean(recalls),
        precision=mean(precisions),
        coverage=float(np.unique(listed).size / n_catalogue) if n_catalogue else float("nan"),
        mean_popularity=mean(popularity_values),
        n_users=len(ndcgs),
    )
    return metrics, per_user


def _rows_by_user(users: np.ndarray) -> dict[int, np.ndarray]:
    if users.size == 0:
        return {}
    order = np.argsort(users, kind="stable")
    ids, starts = np.unique(users[order], return_index=True)
    return dict(zip(ids.tolist(), np.split(order, starts[1:]), strict=True))


def _fitted(make_model, X: np.ndarray, y: np.ndarray, item_tags) -> tuple[object, float]:
    """A new model fitted on (X, y) with its fit seconds, or the given fitted model and NaN."""
    if not callable(make_model):
        return make_model, float("nan")
    model = make_model()
    started = time.perf_counter()
    fit_model(model, X, y, item_tags)
    return model, time.perf_counter() - started


def evaluate_lists(
    make_model: Callable[[], object] | object,
    X: np.ndarray,
    y: np.ndarray,
    split: ListSplit | None = None,
    *,
    item_tags: sp.spmatrix | None = None,
    k: int = 10,
    relevant_value: float = LIKE_VALUE,
    newcomer_ks: Sequence[int] = NEWCOMER_KS,
    catalogue: np.ndarray | None = None,
) -> ListEvaluation:
    """Fit a model on ``split.train`` (or use it as given, if already fitted) and measure its lists.

    The model is asked through its public ``recommend(item_ids, values, n, candidates)``, as the
    site asks it, so what is measured is what people are shown. ``catalogue`` is every item id a
    list may hold (default: every item of X).
    """
    X, y = check_ratings(X, y)
    split = split if split is not None else list_split(X)
    catalogue = unique_ids(X[:, 1]) if catalogue is None else unique_ids(catalogue)
    model, fit_seconds = _fitted(make_model, X[split.train], y[split.train], item_tags)
    train_items, train_counts = np.unique(X[split.train, 1], return_counts=True)

    def popularity(items: np.ndarray) -> np.ndarray:
        rows = lookup(train_items, items)
        return np.where(rows >= 0, train_counts[np.maximum(rows, 0)], 0).astype(np.float64)

    started = time.perf_counter()
    n_calls = 0

    def listed(given_rows: np.ndarray) -> np.ndarray:
        nonlocal n_calls
        n_calls += 1
        given_items = X[given_rows, 1]
        candidates = catalogue[~np.isin(catalogue, given_items)]
        return model.recommend(given_items, y[given_rows], n=k, candidates=candidates).item_ids

    per_user_ndcg, per_user_given = [], []
    train_rows_of = _rows_by_user(X[split.train, 0])
    train_positions = np.flatnonzero(split.train)
    lists, relevant, given_counts = [], [], []
    for user, rows in _rows_by_user(X[split.held_out, 0]).items():
        held_rows = np.flatnonzero(split.held_out)[rows]
        given = train_positions[train_rows_of.get(user, np.empty(0, dtype=np.int64))]
        lists.append(listed(given))
        relevant.append(X[held_rows[y[held_rows] >= relevant_value], 1])
        given_counts.append(given.size)
    existing, ndcg = list_metrics(lists, relevant, k=k, n_catalogue=catalogue.size, popularity=popularity)
    per_user_ndcg.append(ndcg)
    per_user_given.append(np.array(given_counts, dtype=np.int64))

    newcomers = {}
    newcomer_rows = np.flatnonzero(split.newcomer)
    by_newcomer = _rows_by_user(X[newcomer_rows, 0])
    for given_count in newcomer_ks:
        lists, relevant = [], []
        for rows in by_newcomer.values():
            mine = newcomer_rows[rows]
            given = mine[split.order[mine] < given_count]
            rest = mine[split.order[mine] >= given_count]
            lists.append(listed(given))
            relevant.append(X[rest[y[rest] >= relevant_value], 1])
        newcomers[given_count], ndcg = list_metrics(
            lists, relevant, k=k, n_catalogue=catalogue.size, popularity=popularity
        )
        per_user_ndcg.append(ndcg)
        per_user_given.append(np.full(len(lists), given_count, dtype=np.int64))
    recommend_seconds = (time.perf_counter() - started) / max(n_calls, 1)
    return ListEvaluation(
        k=k,
        existing=existing,
        newcomers=newcomers,
        fit_seconds=fit_seconds,
        recommend_seconds=recommend_seconds,
        per_user_ndcg=np.concatenate(per_user_ndcg),
        per_user_given=np.concatenate(per_user_given),
    )


def ndcg_by_ratings(
    evaluation: ListEvaluation, edges: Sequence[int] = (1, 2, 3, 4, 5, 6, 10, 11, 32, 64, 128, 256)
) -> list[dict]:
    """Mean NDCG@k by how many ratings people had given: one entry per non-empty bin.

    ``edges`` are the bins' lower bounds (a bin runs to the next edge, the last one has no end);
    the defaults separate the newcomer sizes 1, 3, 5, 10 and double for existing users.
    """
    given, ndcg = evaluation.per_user_given, evaluation.per_user_ndcg
    measured = ~np.isnan(ndcg)
    bins = []
    for index, low in enumerate(edges):
        high = edges[index + 1] - 1 if index + 1 < len(edges) else None
        inside = measured & (given >= low) & (given <= (high if high is not None else np.inf))
        if inside.any():
            bins.append(
                {
                    "low": int(low),
                    "high": high,
                    "ndcg": float(ndcg[inside].mean()),
                    "users": int(inside.sum()),
                }
            )
    return bins


# --- The freeze protocol: works nobody here has rated yet (a new season's, on the day they air).


@dataclass(frozen=True)
class FreezeSplit:
    """The freeze protocol's split: training rows, the frozen items, the people measured."""

    train: np.ndarray  # row mask: every rating but those of the frozen items
    frozen: np.ndarray  # the frozen item ids, sorted: they have no training rating at all
    users: np.ndarray  # people measured, sorted: enough training ratings and a liked frozen item


def freeze_split(
    X: np.ndarray,
    y: np.ndarray,
    *,
    fraction: float = 0.1,
    min_item_ratings: int = 5,
    min_user_ratings: int = 10,
    relevant_value: float = LIKE_VALUE,
    seed: int = 0,
) -> FreezeSplit:
    """Freeze a ``fraction`` of the items with at least ``min_item_ratings`` ratings, at random
    with ``seed``: every rating of theirs leaves training (the "freeze" setting of the BALSE
    paper, as a list protocol). The people measured have at least ``min_user_ratings`` training
    ratings and at least one frozen item rated ``relevant_value`` or more."""
    X, y = check_ratings(X, y)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1); got {fraction}")
    items, counts = np.unique(X[:, 1], return_counts=True)
    eligible = items[counts >= min_item_ratings]
    n_frozen = int(np.rint(fraction * eligible.size))
    if n_frozen == 0:
        raise ValueError(f"no item to freeze: {eligible.size} items have {min_item_ratings}+ ratings")
    frozen = np.sort(np.random.default_rng(seed).permutation(eligible)[:n_frozen])
    on_frozen = np.isin(X[:, 1], frozen)
    train = ~on_frozen
    people, train_counts = np.unique(X[train, 0], return_counts=True)
    enough = people[train_counts >= min_user_ratings]
    liked = np.unique(X[on_frozen & (y >= relevant_value), 0])
    return FreezeSplit(train=train, frozen=frozen, users=np.intersect1d(enough, liked))


@dataclass
class FreezeEvaluation:
    """One model's lists of the frozen items: averages, then each person's NDCG with their count."""

    k: int
    metrics: ListMetrics
    fit_seconds: float
    per_user_ndcg: np.ndarray
    per_user_given: np.ndarray  # each measured person's number of training ratings

    def by_ratings(self, edges: Sequence[int] = (10, 50, 200)) -> list[dict]:
        """Mean NDCG@k per group of people by training ratings (a group runs to the next edge)."""
        bins = []
        for index, low in enumerate(edges):
            high = edges[index + 1] if index + 1 < len(edges) else np.inf
            inside = (self.per_user_given >= low) & (self.per_user_given < high)
            if inside.any():
                label = f"{low}+" if high == np.inf else f"{low}-{int(high) - 1}"
                ndcg = float(np.nanmean(self.per_user_ndcg[inside]))
                bins.append({"ratings": label, "ndcg": ndcg, "users": int(inside.sum())})
        return bins


def evaluate_frozen(
    make_model: Callable[[], object] | object,
    X: np.ndarray,
    y: np.ndarray,
    split: FreezeSplit | None = None,
    *,
    item_tags: sp.spmatrix | None = None,
    k: int = 10,
    relevant_value: float = LIKE_VALUE,
) -> FreezeEvaluation:
    """Fit on ``split.train`` (or use a fitted model) and rank the frozen items for each person.

    Each person measured is given all their training ratings and asked, through the model's
    public ``recommend``, for the ``k`` best frozen items (the candidates are exactly those);
    relevant are the frozen items they rated ``relevant_value`` or more. A model that cannot
    score an item it never saw rated lists fewer items, and is measured so.
    """
    X, y = check_ratings(X, y)
    split = split if split is not None else freeze_split(X, y, relevant_value=relevant_value)
    model, fit_seconds = _fitted(make_model, X[split.train], y[split.train], item_tags)
    rows_of = _rows_by_user(X[:, 0])
    frozen_row = np.isin(X[:, 1], split.frozen)
    lists, relevant, given_counts = [], [], []
    for user in split.users.tolist():
        rows = rows_of[user]
        given, held = rows[~frozen_row[rows]], rows[frozen_row[rows]]
        listed = model.recommend(X[given, 1], y[given], n=k, candidates=split.frozen).item_ids
        lists.append(listed)
        relevant.append(X[held[y[held] >= relevant_value], 1])
        given_counts.append(given.size)
    metrics, per_user = list_metrics(
        lists, relevant, k=k, n_catalogue=split.frozen.size, popularity=lambda items: np.zeros(items.size)
    )
    return FreezeEvaluation(
        k=k,
        metrics=metrics,
        fit_seconds=fit_seconds,
        per_user_ndcg=per_user,
        per_user_given=np.array(given_counts, dtype=np.int64),
    )
