"""Honest odds: a model's scores turned into the chance that a person likes a work.

A list ranks by scores that are not probabilities (EASE's item-item sums, SideRanker's
log-odds learned on frozen folds). ``Calibrator`` maps a score to the share of likes (like or
favorite) among the works people rated with that score, learned by isotonic regression (a
non-decreasing step function: a higher score never means lower odds) on held-out ratings.
The odds read "if you watch it, about 7 in 10 that you will like it": they are conditional on
the person rating the work, which is what held-out ratings can tell.

``calibration_protocol`` is the measure: the top-N protocol's split (``list_split``) fits the
model on the training rows; the held-out ratings of half the people (seed 0) fit the
calibrator, those of the other half measure it: the expected calibration error (ECE, 10 equal
bins of predicted odds, weighted by their counts), the Brier score and the reliability curve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from recommender.choices import CHOICE_VALUES
from recommender.indexing import check_ratings
from recommender.list_evaluation import _fitted, _rows_by_user, list_split

LIKE_VALUE = CHOICE_VALUES["like"]
N_BINS = 10


class Calibrator:
    """A non-decreasing map from scores to odds, fitted by isotonic regression.

    Stored as its steps (``thresholds``, ``odds``: plain float arrays, JSON-friendly), read
    back by ``from_steps``; scores between steps are interpolated, beyond them clipped.
    """

    def __init__(self, thresholds: np.ndarray | None = None, odds: np.ndarray | None = None):
        self.thresholds = np.asarray(thresholds if thresholds is not None else [], dtype=np.float64)
        self.odds = np.asarray(odds if odds is not None else [], dtype=np.float64)

    def fit(self, scores: np.ndarray, liked: np.ndarray) -> Calibrator:
        from sklearn.isotonic import IsotonicRegression

        scores, liked = np.asarray(scores, dtype=np.float64), np.asarray(liked, dtype=np.float64)
        finite = np.isfinite(scores)
        if not finite.any():
            raise ValueError("no finite score to calibrate on")
        regression = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        regression.fit(scores[finite], liked[finite])
        self.thresholds = np.asarray(regression.X_thresholds_, dtype=np.float64)
        self.odds = np.asarray(regression.y_thresholds_, dtype=np.float64)
        return self

    @classmethod
    def from_steps(cls, thresholds, odds) -> Calibrator:
        if len(thresholds) != len(odds) or not len(thresholds):
            raise ValueError("a calibrator needs as many thresholds as odds, and at least one")
        return cls(thresholds, odds)

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """The odds of each score (a score of -inf, a work the model cannot score: NaN)."""
        if not self.thresholds.size:
            raise ValueError("this Calibrator is not fitted: call fit() or from_steps()")
        scores = np.asarray(scores, dtype=np.float64)
        odds = np.interp(scores, self.thresholds, self.odds)
        return np.where(np.isfinite(scores), odds, np.nan)


def expected_calibration_error(odds: np.ndarray, liked: np.ndarray, n_bins: int = N_BINS) -> float:
    """Σ_bins (n_bin / n) · |mean odds − share liked|, over ``n_bins`` equal bins of [0, 1]."""
    curve = reliability_curve(odds, liked, n_bins)
    total = sum(point["count"] for point in curve)
    if not total:
        return float("nan")
    return sum(point["count"] / total * abs(point["odds"] - point["liked"]) for point in curve)


def reliability_curve(odds: np.ndarray, liked: np.ndarray, n_bins: int = N_BINS) -> list[dict]:
    """Per bin of predicted odds (non-empty ones): its range, mean odds, share liked, count."""
    odds, liked = np.asarray(odds, dtype=np.float64), np.asarray(liked, dtype=np.float64)
    keep = np.isfinite(odds)
    odds, liked = odds[keep], liked[keep]
    bins = np.minimum((odds * n_bins).astype(np.int64), n_bins - 1)
    curve = []
    for index in range(n_bins):
        inside = bins == index
        if inside.any():
            curve.append(
                {
                    "low": index / n_bins,
                    "high": (index + 1) / n_bins,
                    "odds": float(odds[inside].mean()),
                    "liked": float(liked[inside].mean()),
                    "count": int(inside.sum()),
                }
            )
    return curve


@dataclass
class CalibrationReport:
    ece: float
    brier: float
    base_rate: float  # the share of likes among the measured held-out ratings
    n_fit: int  # held-out ratings the calibrator was fitted on
    n_measured: int
    curve: list[dict] = field(default_factory=list)
    calibrator: Calibrator | None = None

    def as_dict(self) -> dict:
        return {
            "ece": self.ece,
            "brier": self.brier,
            "base_rate": self.base_rate,
            "n_fit": self.n_fit,
            "n_measured": self.n_measured,
        }


def held_out_scores(model, X: np.ndarray, y: np.ndarray, train: np.ndarray, held: np.ndarray):
    """(user, score, liked) of every held-out row: each person folded in from their training
    rows, the held-out works scored by the fitted ``model``."""
    rows_of = _rows_by_user(X[:, 0])
    users, scores, liked = [], [], []
    for user, rows in rows_of.items():
        given, test = rows[train[rows]], rows[held[rows]]
        if test.size == 0 or given.size == 0:
            continue
        state = model.user_state(X[given, 1], y[given])
        scores.append(np.asarray(model.score(state, X[test, 1]), dtype=np.float64))
        liked.append(y[test] >= LIKE_VALUE)
        users.append(np.full(test.size, user))
    if not scores:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0, dtype=bool)
    return np.concatenate(users), np.concatenate(scores), np.concatenate(liked)


def calibration_protocol(
    make_model: Callable[[], object] | object,
    X: np.ndarray,
    y: np.ndarray,
    *,
    item_tags=None,
    seed: int = 0,
    max_users: int | None = None,
    split=None,
) -> CalibrationReport:
    """Fit on the list protocol's training rows, calibrate on half the people's held-out
    ratings, measure on the other half's (see the module's docstring). ``make_model`` may be
    a model already fitted on ``split.train`` (``split`` then given)."""
    X, y = check_ratings(X, y)
    split = split if split is not None else list_split(X, seed=seed, max_users=max_users)
    model, _ = _fitted(make_model, X[split.train], y[split.train], item_tags)
    users, scores, liked = held_out_scores(model, X, y, split.train, split.held_out)
    people = np.unique(users)
    fitting = np.random.default_rng(seed).permutation(people)[: people.size // 2]
    on_fit = np.isin(users, fitting) & np.isfinite(scores)
    measured = ~np.isin(users, fitting) & np.isfinite(scores)
    calibrator = Calibrator().fit(scores[on_fit], liked[on_fit])
    odds = calibrator.predict(scores[measured])
    truth = liked[measured].astype(np.float64)
    return CalibrationReport(
        ece=expected_calibration_error(odds, truth),
        brier=float(np.mean((odds - truth) ** 2)) if truth.size else float("nan"),
        base_rate=float(truth.mean()) if truth.size else float("nan"),
        n_fit=int(on_fit.sum()),
        n_measured=int(measured.sum()),
        curve=reliability_curve(odds, truth),
        calibrator=calibrator,
    )
