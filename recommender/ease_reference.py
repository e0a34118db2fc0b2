"""Plain, obviously correct EASE with dense numpy in float64: for tests of `recommender.ease`.

It builds the whole user × item matrix, so it is only for small data.
"""

from __future__ import annotations

import numpy as np

from recommender.indexing import lookup, unique_ids


def ease_reference(
    X: np.ndarray,
    inputs: np.ndarray,
    *,
    regularization: float,
    dropout: float = 0.0,
    intercept: bool = False,
    popularity_exponent: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(items, B, intercept row) of the EASE solution for rows X = (user, item) with inputs x_ui."""
    items, users = unique_ids(X[:, 1]), unique_ids(X[:, 0])
    dense = np.zeros((users.size, items.size + int(intercept)))
    np.add.at(dense, (lookup(users, X[:, 0]), lookup(items, X[:, 1])), inputs)
    if intercept:
        dense[:, -1] = 1.0
    gram = dense.T @ dense
    penalty = regularization + dropout / (1.0 - dropout) * np.diag(gram)
    inverse = np.linalg.inv(gram + np.diag(penalty))
    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    counts = np.bincount(lookup(items, X[:, 1]), minlength=items.size)  # ratings, whatever their weight
    weights[:, : items.size] /= np.maximum(counts, 1)[None, :] ** popularity_exponent
    prior = weights[-1, : items.size] if intercept else np.zeros(items.size)
    return items, weights[: items.size, : items.size], prior
