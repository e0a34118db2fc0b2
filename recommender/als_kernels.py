"""Compiled inner loop of ALS: one ridge solve per row, rows in parallel.

For each row (a user, or an item) the kernel accumulates the Gram matrix of the fixed factors
of the entities it rated and solves the normal equations with an in-place Cholesky
factorisation. Each row is independent, so `prange` spreads rows over the cores. Building the
Gram matrices costs O(ratings · k²) and dominates; the solves cost O(rows · k³).
`recommender.als_reference` holds the same computation written plainly, for tests.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _cholesky_solve_in_place(gram: np.ndarray, rhs: np.ndarray) -> None:
    """Solve gram · x = rhs for symmetric positive definite `gram`; x overwrites `rhs`."""
    size = rhs.size
    for col in range(size):
        pivot = gram[col, col]
        for inner in range(col):
            pivot -= gram[col, inner] * gram[col, inner]
        pivot = np.sqrt(pivot)
        gram[col, col] = pivot
        for row in range(col + 1, size):
            value = gram[row, col]
            for inner in range(col):
                value -= gram[row, inner] * gram[col, inner]
            gram[row, col] = value / pivot
    for row in range(size):
        value = rhs[row]
        for inner in range(row):
            value -= gram[row, inner] * rhs[inner]
        rhs[row] = value / gram[row, row]
    for row in range(size - 1, -1, -1):
        value = rhs[row]
        for inner in range(row + 1, size):
            value -= gram[inner, row] * rhs[inner]
        rhs[row] = value / gram[row, row]


@njit(cache=True, parallel=True, fastmath=True)
def solve_rows(
    indptr: np.ndarray,
    indices: np.ndarray,
    ratings: np.ndarray,
    offsets: np.ndarray,
    fixed: np.ndarray,
    scaled_regularization: np.ndarray,
    fixed_regularization: np.ndarray,
    out: np.ndarray,
) -> None:
    """Ridge solve of every row against the fixed side.

    Row u minimises Σ_j (ratings_uj − offsets_j − fixed_j · x_u)² + Σ_a (n_u·scaled_a + fixed_a) x_ua²
    over the entities j it rated (weighted-λ: the scaled penalty grows with the row's count n_u).
    Rows without ratings get zeros.
    """
    n_rows = indptr.size - 1
    size = fixed.shape[1]
    for row in prange(n_rows):
        start = indptr[row]
        end = indptr[row + 1]
        if end == start:
            out[row, :] = 0.0
            continue
        gram = np.zeros((size, size))
        rhs = np.zeros(size)
        for position in range(start, end):
            other = indices[position]
            target = ratings[position] - offsets[other]
            vector = fixed[other]
            for a in range(size):
                value = vector[a]
                rhs[a] += target * value
                # Upper triangle only, along contiguous memory; mirrored below.
                for b in range(a, size):
                    gram[a, b] += value * vector[b]
        count = end - start
        for a in range(size):
            gram[a, a] += scaled_regularization[a] * count + fixed_regularization[a]
            for b in range(a + 1, size):
                gram[b, a] = gram[a, b]
        _cholesky_solve_in_place(gram, rhs)
        out[row, :] = rhs


@njit(cache=True, parallel=True)
def dot_rows(
    left: np.ndarray, left_rows: np.ndarray, right: np.ndarray, right_rows: np.ndarray
) -> np.ndarray:
    """left[left_rows[n]] · right[right_rows[n]] for every n, without an (n, k) temporary."""
    n = left_rows.size
    out = np.empty(n)
    size = left.shape[1]
    for position in prange(n):
        a = left[left_rows[position]]
        b = right[right_rows[position]]
        total = 0.0
        for col in range(size):
            total += a[col] * b[col]
        out[position] = total
    return out
