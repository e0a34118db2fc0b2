"""Compiled loops of EASE: the item Gram matrix from sparse ratings, the closed-form weights from
the inverse, and the scores of one person as a sum of sparse weight rows.

The Gram matrix is accumulated item by item (rows in parallel, each thread owning its rows), so
it costs Σ_u n_u² multiply-adds and never materialises a dense user × item matrix.
`recommender.ease_reference` holds the same model written plainly with dense numpy, for tests.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def gram_matrix(
    user_indptr: np.ndarray,
    user_items: np.ndarray,
    user_weights: np.ndarray,
    item_indptr: np.ndarray,
    item_users: np.ndarray,
    item_weights: np.ndarray,
    out: np.ndarray,
) -> None:
    """out[i, j] += Σ_u x_ui x_uj over the people u who rated both i and j (out is n × n, zeroed)."""
    for item in prange(item_indptr.size - 1):
        row = out[item]
        for pointer in range(item_indptr[item], item_indptr[item + 1]):
            user = item_users[pointer]
            weight = item_weights[pointer]
            for other in range(user_indptr[user], user_indptr[user + 1]):
                row[user_items[other]] += weight * user_weights[other]


@njit(cache=True, parallel=True)
def weights_from_inverse(inverse: np.ndarray) -> None:
    """In place: the lower triangle of a symmetric inverse P becomes B = −P / diag(P) column-wise.

    On entry only the lower triangle (i ≥ j) of ``inverse`` is valid (LAPACK's potri); on exit
    the whole matrix holds B with B_jj = 0, the EASE solution (Steck 2019, eq. 8).
    """
    n = inverse.shape[0]
    diagonal = np.empty(n, dtype=inverse.dtype)
    for i in range(n):
        diagonal[i] = inverse[i, i]
    # Mirror the lower triangle into the upper one, row by row (each thread writes its own row).
    for i in prange(n):
        for j in range(i + 1, n):
            inverse[i, j] = inverse[j, i]
    for i in prange(n):
        for j in range(n):
            inverse[i, j] = -inverse[i, j] / diagonal[j]
        inverse[i, i] = 0.0


@njit(cache=True)
def accumulate_rows(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    out: np.ndarray,
) -> None:
    """out += Σ_r weights[r] · W[rows[r], :] for the sparse weight matrix W in CSR arrays."""
    for position in range(rows.size):
        row = rows[position]
        weight = weights[position]
        for pointer in range(indptr[row], indptr[row + 1]):
            out[indices[pointer]] += weight * data[pointer]


@njit(cache=True)
def links_to_column(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    column: int,
    out: np.ndarray,
) -> None:
    """out[r] = weights[r] · W[rows[r], column] (0 without that link), for W in CSR arrays whose
    columns are ascending in each row: one binary search per row."""
    for position in range(rows.size):
        row = rows[position]
        low, high = indptr[row], indptr[row + 1]
        while low < high:
            middle = (low + high) // 2
            if indices[middle] < column:
                low = middle + 1
            else:
                high = middle
        if low < indptr[row + 1] and indices[low] == column:
            out[position] = weights[position] * data[low]
        else:
            out[position] = 0.0


@njit(cache=True, parallel=True)
def strongest_per_row(matrix: np.ndarray, n_kept: int, symmetric: bool, out_indices, out_values) -> None:
    """Per row, the ``n_kept`` columns with the largest |value| (or, with ``symmetric``, the largest
    value of W + Wᵀ), the diagonal excluded; columns sorted ascending for binary search."""
    n = matrix.shape[0]
    for i in prange(n):
        if symmetric:
            values = np.empty(n, dtype=np.float64)
            for j in range(n):
                values[j] = matrix[i, j] + matrix[j, i]
            key = -values
        else:
            values = matrix[i].astype(np.float64)
            key = -np.abs(values)
        key[i] = np.inf
        chosen = np.sort(np.argpartition(key, n_kept - 1)[:n_kept])  # O(n); then order the kept
        if symmetric:  # best first (ties by column), for similar items
            out_indices[i] = chosen[np.argsort(key[chosen], kind="mergesort")]
        else:
            out_indices[i] = chosen
        for position in range(n_kept):
            out_values[i, position] = values[out_indices[i, position]]
