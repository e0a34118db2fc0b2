"""How good a model is before it serves anyone: its lists, and for rating models its errors.

Every algorithm is measured on the top-N protocol of ``recommender.list_evaluation`` (people
with at least 20 ratings hold out 20%, a tenth of them are newcomers given 1, 3, 5, 10 ratings;
NDCG@10, Recall@10, coverage, popularity), next to the most-rated list on the same split, so
that the registry and the report say whether a model beats the list anyone could make. Rating
models are also measured by RMSE on the random 80/20 split (overall, cold, freeze).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from recommender import MostRated
from recommender.base import fit_model
from recommender.calibration import calibration_protocol
from recommender.evaluation import evaluate, train_mask
from recommender.list_evaluation import (
    evaluate_frozen,
    evaluate_lists,
    freeze_split,
    list_split,
    ndcg_by_ratings,
)
from recommender.popularity import PriorOrder, RandomOrder
from recommender.reranking import Reranked

from .algorithms import spec

HELD_OUT_FRACTION = 0.2
# People measured at most (existing users and newcomers), so that a large site measures quickly.
MAX_MEASURED_USERS = 4000


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def measure_frozen(*, make: Callable[[], object], X: np.ndarray, y: np.ndarray, tags, priors) -> dict:
    """A ranker of works nobody has rated (SideRanker) on the freeze protocol
    (``recommender.list_evaluation.freeze_split``: a tenth of the works lose every rating),
    next to the popularity prior (MyAnimeList members) on the same split, else a random order."""
    split = freeze_split(X, y, seed=0)
    model = evaluate_frozen(make, X, y, split, item_tags=tags)
    if "members" in priors:
        baseline = evaluate_frozen(lambda: PriorOrder(priors["members"]), X, y, split)
    else:
        baseline = evaluate_frozen(lambda: RandomOrder(catalogue=split.frozen), X, y, split)
    metrics = {
        **model.metrics.as_dict(),
        "fit_seconds": model.fit_seconds,
        "frozen_works": int(split.frozen.size),
    }
    metrics.update({f"baseline_{key}": value for key, value in baseline.metrics.as_dict().items()})
    metrics["baseline_is_members_prior"] = float("members" in priors)
    metrics["ndcg_by_ratings_frozen"] = model.by_ratings()
    return {key: _finite(value) if isinstance(value, float) else value for key, value in metrics.items()}


def _calibration(fitted, X: np.ndarray, y: np.ndarray, split) -> dict:
    """The odds of a like from the rating model's predictions (``recommender.calibration``), on
    the list protocol's held-out ratings: the calibrator's steps (what the site shows) and its
    ECE and Brier score on the people it was not fitted on."""
    try:
        report = calibration_protocol(fitted, X, y, split=split)
    except ValueError:  # no held-out rating to calibrate on: a tiny site
        return {}
    return {
        "odds_ece": report.ece,
        "odds_brier": report.brier,
        "odds_base_rate": report.base_rate,
        "odds_measured": report.n_measured,
        "calibration": {
            "thresholds": report.calibrator.thresholds.tolist(),
            "odds": report.calibrator.odds.tolist(),
        },
        "reliability": report.curve,
    }


def _as_listed(algorithm: str, fitted, X: np.ndarray, y: np.ndarray, max_lister_works: int | None):
    """What the site lists for ``algorithm``: the fitted model itself, or (a rating model with
    ``lists_from``) its order over that ranker's list, the ranker fitted on the same rows with
    its defaults; the model alone when the ranker cannot fit this many works."""
    lister = spec(algorithm).lists_from
    if lister is None:
        return fitted, None
    if max_lister_works is not None and np.unique(X[:, 1]).size > max_lister_works:
        return fitted, None
    return Reranked(fit_model(spec(lister).model_class(), X, y), fitted), lister.value


def measure(
    *,
    algorithm: str,
    make: Callable[[], object],
    X: np.ndarray,
    y: np.ndarray,
    tags: sp.csr_matrix | None,
    priors: dict | None = None,
    max_lister_works: int | None = None,
) -> dict:
    """The held-out figures of ``algorithm`` with these hyperparameters, as JSON-friendly values.

    Keys: ``ndcg``, ``recall``, ``precision``, ``coverage``, ``mean_popularity``, ``n_users``,
    the same prefixed ``newcomer_k{k}_`` for k = 1, 3, 5, 10, ``fit_seconds``; ``lists_from``:
    the ranker whose list a rating model's list orders (None: its own); the most-rated
    list's figures on the same split prefixed ``most_rated_``; ``ndcg_by_ratings``: NDCG@10 by the number
    of ratings people had, for the model and the most-rated list; and for rating models
    ``rmse``, ``rmse_cold``, ``rmse_freeze`` and their row counts.
    """
    kind = spec(algorithm)
    if kind.uses_side_information:
        return measure_frozen(make=make, X=X, y=y, tags=tags, priors=priors or {})
    metrics: dict = {}
    if kind.predicts_ratings:
        mask = train_mask(y.size, train_fraction=1 - HELD_OUT_FRACTION, seed=0)
        errors = evaluate(
            make,
            X[mask],
            y[mask],
            X[~mask],
            y[~mask],
            tags if kind.model_class.uses_tags else None,
        )
        metrics.update(errors.as_dict())
    split = list_split(X, max_users=MAX_MEASURED_USERS)
    fitted = make()
    started = time.perf_counter()
    fit_model(fitted, X[split.train], y[split.train], tags)
    fit_seconds = time.perf_counter() - started
    listed, metrics["lists_from"] = _as_listed(
        algorithm, fitted, X[split.train], y[split.train], max_lister_works
    )
    lists = evaluate_lists(listed, X, y, split, item_tags=tags)
    lists.fit_seconds = fit_seconds
    if kind.predicts_ratings:
        metrics.update(_calibration(fitted, X, y, split))
    baseline = evaluate_lists(MostRated, X, y, split)
    for key, value in lists.as_dict().items():
        metrics.setdefault(key, value)  # RMSE's fit time stays under its own name
    metrics["list_fit_seconds"] = lists.fit_seconds
    metrics.update({f"most_rated_{key}": value for key, value in baseline.as_dict().items() if key != "k"})
    model_curve, baseline_curve = ndcg_by_ratings(lists), ndcg_by_ratings(baseline)
    baseline_by_low = {entry["low"]: entry["ndcg"] for entry in baseline_curve}
    metrics["ndcg_by_ratings"] = [
        {**entry, "most_rated": baseline_by_low.get(entry["low"])} for entry in model_curve
    ]
    structured = {"ndcg_by_ratings", "calibration", "reliability"}
    return {key: value if key in structured else _finite(value) for key, value in metrics.items()}
