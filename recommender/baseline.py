"""Global mean plus regularised user and item biases.

The biases minimise the squared error with ridge penalties `user_regularization·b_u²` and
`item_regularization·b_i²`, solved by a few alternating exact steps (each step is closed form).
It is both a model of its own and the fallback of the other models.
"""

from __future__ import annotations

import numpy as np

from recommender.base import RatingModel, UserState
from recommender.indexing import check_ratings, lookup, unique_ids


def fit_biases(
    user_rows: np.ndarray,
    item_rows: np.ndarray,
    y: np.ndarray,
    n_users: int,
    n_items: int,
    global_mean: float,
    user_regularization: float,
    item_regularization: float,
    n_epochs: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Alternating closed-form solution of the regularised bias model; returns (user_bias, item_bias)."""
    user_bias = np.zeros(n_users)
    item_bias = np.zeros(n_items)
    user_counts = np.bincount(user_rows, minlength=n_users)
    item_counts = np.bincount(item_rows, minlength=n_items)
    residual = y - global_mean
    for _ in range(n_epochs):
        item_sums = np.bincount(item_rows, weights=residual - user_bias[user_rows], minlength=n_items)
        item_bias = item_sums / (item_regularization + item_counts)
        user_sums = np.bincount(user_rows, weights=residual - item_bias[item_rows], minlength=n_users)
        user_bias = user_sums / (user_regularization + user_counts)
    return user_bias, item_bias


class Baseline(RatingModel):
    """Predicts `global_mean_ + user_bias_[u] + item_bias_[i]`; unknown ids get a bias of 0."""

    _saved_arrays = ("users_", "items_", "user_bias_", "item_bias_")
    _saved_scalars = ("global_mean_", "rating_min_", "rating_max_")

    def __init__(
        self, user_regularization: float = 15.0, item_regularization: float = 10.0, n_epochs: int = 10
    ):
        self.user_regularization = user_regularization
        self.item_regularization = item_regularization
        self.n_epochs = n_epochs

    def fit(self, X: np.ndarray, y: np.ndarray) -> Baseline:
        """Learn the global mean and the biases from rating rows X = (user_id, item_id), y."""
        X, y = check_ratings(X, y)
        if y.size == 0:
            raise ValueError("cannot fit on zero ratings")
        self.users_ = unique_ids(X[:, 0])
        self.items_ = unique_ids(X[:, 1])
        user_rows = lookup(self.users_, X[:, 0])
        item_rows = lookup(self.items_, X[:, 1])
        self.global_mean_ = float(y.mean())
        self.rating_min_, self.rating_max_ = float(y.min()), float(y.max())
        self.user_bias_, self.item_bias_ = fit_biases(
            user_rows,
            item_rows,
            y,
            self.users_.size,
            self.items_.size,
            self.global_mean_,
            self.user_regularization,
            self.item_regularization,
            self.n_epochs,
        )
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted ratings for rows (user_id, item_id); finite for unknown ids."""
        self._check_fitted()
        X, _ = check_ratings(X)
        user_rows = lookup(self.users_, X[:, 0])
        item_rows = lookup(self.items_, X[:, 1])
        user_part = np.where(user_rows >= 0, self.user_bias_[np.maximum(user_rows, 0)], 0.0)
        item_part = np.where(item_rows >= 0, self.item_bias_[np.maximum(item_rows, 0)], 0.0)
        return np.clip(self.global_mean_ + user_part + item_part, self.rating_min_, self.rating_max_)

    def user_bias_from_ratings(self, item_ids: np.ndarray, values: np.ndarray) -> float:
        """The bias of a user with these ratings, computed as in fit (items held fixed)."""
        self._check_fitted()
        item_rows = lookup(self.items_, np.asarray(item_ids, dtype=np.int64))
        values = np.asarray(values, dtype=np.float64)
        item_part = np.where(item_rows >= 0, self.item_bias_[np.maximum(item_rows, 0)], 0.0)
        return float(
            np.sum(values - self.global_mean_ - item_part) / (self.user_regularization + values.size)
        )

    def user_state(self, item_ids, values) -> UserState:
        """The person's bias, items held fixed."""
        state = super().user_state(item_ids, values)
        return UserState(
            state.item_ids, state.values, {"bias": self.user_bias_from_ratings(state.item_ids, state.values)}
        )

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """μ + b_u + b_i; aligned with `items_` by default, b_i = 0 for unknown ``item_ids``."""
        self._check_fitted()
        if item_ids is None:
            item_part = self.item_bias_
        else:
            rows = lookup(self.items_, np.asarray(item_ids, dtype=np.int64))
            item_part = np.where(rows >= 0, self.item_bias_[np.maximum(rows, 0)], 0.0)
        scores = self.global_mean_ + state.parameters["bias"] + item_part
        return np.clip(scores, self.rating_min_, self.rating_max_)
