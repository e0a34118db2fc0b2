"""Mapping between raw ids (user ids, work ids from the database) and dense row numbers.

Models keep one sorted array of the raw ids they were trained on; a lookup is a binary search,
so unknown ids are detected cheaply and mapped to -1 instead of raising.
"""

from __future__ import annotations

import numpy as np


def unique_ids(raw_ids: np.ndarray) -> np.ndarray:
    """Sorted distinct raw ids, as int64."""
    return np.unique(np.asarray(raw_ids, dtype=np.int64))


def lookup(known_ids: np.ndarray, raw_ids: np.ndarray) -> np.ndarray:
    """Row number of each raw id in the sorted array `known_ids`, or -1 where it is unknown."""
    raw_ids = np.asarray(raw_ids, dtype=np.int64)
    if known_ids.size == 0:
        return np.full(raw_ids.shape, -1, dtype=np.int64)
    positions = np.searchsorted(known_ids, raw_ids)
    positions = np.minimum(positions, known_ids.size - 1)
    return np.where(known_ids[positions] == raw_ids, positions, -1).astype(np.int64)


def check_ratings(X: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate the (user_id, item_id) array and the ratings; return them as int64 and float64."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) of (user_id, item_id); got shape {X.shape}")
    if X.size and not np.issubdtype(X.dtype, np.integer) and not np.all(np.mod(X, 1) == 0):
        raise ValueError("X must hold integer user and item ids")
    X = X.astype(np.int64, copy=False)
    if y is None:
        return X, None
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X; got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite ratings")
    return X, y


def group_by_row(
    rows: np.ndarray, columns: np.ndarray, values: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compressed-row layout (indptr, column indices, values) of rating triples.

    Unlike scipy's COO to CSR conversion, duplicate (row, column) pairs are kept as separate
    observations instead of being summed, which is what a rating log means.
    """
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, columns[order].astype(np.int32), values[order].astype(np.float64)
