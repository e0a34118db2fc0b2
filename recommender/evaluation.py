"""Measuring a model the way the project reports it: RMSE overall, on cold and on freeze rows.

Cold rows are test rows whose item has at most `cold_threshold` (10) training ratings; freeze
rows those whose item has none. The split is the project's protocol: a row is in training
when `numpy.random.default_rng(seed).random(n) < train_fraction` (seed 0, 80%). From the
command line: `python -m recommender --model balse --dataset anime-small` (`recommender/__main__.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from recommender.indexing import lookup, unique_ids

COLD_THRESHOLD = 10


@dataclass
class Evaluation:
    """Errors and timings of one fit on one split."""

    rmse: float
    rmse_cold: float
    rmse_freeze: float
    n_test: int
    n_cold: int
    n_freeze: int
    fit_seconds: float
    predict_seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def train_mask(n_rows: int, train_fraction: float = 0.8, seed: int = 0) -> np.ndarray:
    """The protocol's random split: True for training rows."""
    return np.random.default_rng(seed).random(n_rows) < train_fraction


def kfold_masks(n_rows: int, n_folds: int, seed: int = 0) -> Iterator[np.ndarray]:
    """Training masks of a shuffled k-fold split (each row is tested exactly once)."""
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2; got {n_folds}")
    fold_of_row = np.random.default_rng(seed).permutation(n_rows) % n_folds
    for fold in range(n_folds):
        yield fold_of_row != fold


def rmse(predictions: np.ndarray, truth: np.ndarray) -> float:
    """Root mean squared error; NaN for zero rows."""
    if len(truth) == 0:
        return float("nan")
    return float(np.sqrt(np.mean((np.asarray(predictions) - np.asarray(truth)) ** 2)))


def training_counts_of(train_items: np.ndarray, test_items: np.ndarray) -> np.ndarray:
    """Number of training ratings of each test row's item (0 for items absent from training)."""
    known = unique_ids(train_items)
    counts = np.bincount(lookup(known, train_items), minlength=known.size)
    rows = lookup(known, test_items)
    return np.where(rows >= 0, counts[np.maximum(rows, 0)], 0)


def evaluate(
    make_model: Callable[[], object],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    item_tags: sp.spmatrix | None = None,
    cold_threshold: int = COLD_THRESHOLD,
) -> Evaluation:
    """Fit a fresh model on the training rows and score it on the test rows."""
    model = make_model()
    started = time.perf_counter()
    if item_tags is not None:
        model.fit(X_train, y_train, item_tags=item_tags)
    else:
        model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predictions = model.predict(X_test)
    predict_seconds = time.perf_counter() - started
    if not np.all(np.isfinite(predictions)):
        raise AssertionError(f"{type(model).__name__} predicted non-finite values")
    counts = training_counts_of(X_train[:, 1], X_test[:, 1])
    cold, freeze = counts <= cold_threshold, counts == 0
    return Evaluation(
        rmse=rmse(predictions, y_test),
        rmse_cold=rmse(predictions[cold], y_test[cold]),
        rmse_freeze=rmse(predictions[freeze], y_test[freeze]),
        n_test=int(y_test.size),
        n_cold=int(cold.sum()),
        n_freeze=int(freeze.sum()),
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
    )


def evaluate_split(
    make_model: Callable[[], object],
    X: np.ndarray,
    y: np.ndarray,
    item_tags: sp.spmatrix | None = None,
    n_folds: int | None = None,
    seed: int = 0,
) -> list[Evaluation]:
    """The protocol's 80/20 split (one Evaluation) or, with `n_folds`, one Evaluation per fold."""
    masks = [train_mask(y.size, seed=seed)] if not n_folds else list(kfold_masks(y.size, n_folds, seed))
    return [evaluate(make_model, X[mask], y[mask], X[~mask], y[~mask], item_tags) for mask in masks]
