"""Compiled coordinate descent for many small LASSO problems (one per user) over item tags.

Each user's problem is  min_w,b  1/(2n) Σ_j (y_j − b − t_j · w)² + α ‖w‖₁  over the n items
they rated, t_j being the tag row of item j (scikit-learn's `Lasso` objective). Only the tags
present on the user's items can be non-zero, so the problem is solved in that small active
space, in covariance form: the centred Gram matrix of the active tags is built once from the
sparse tag rows, then coordinate descent costs O(active²) per sweep, independent of n.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def fit_one_user(
    tag_indptr: np.ndarray,
    tag_indices: np.ndarray,
    tag_data: np.ndarray,
    n_tags: int,
    item_ids: np.ndarray,
    values: np.ndarray,
    alpha: float,
    max_iter: int,
    tol: float,
    coef_out: np.ndarray,
) -> float:
    """Fit one user's LASSO; writes the coefficients (length n_tags) and returns the intercept.

    `item_ids` index rows of the tag matrix (CSR arrays); ids outside it have no tags.
    """
    n = item_ids.size
    coef_out[:] = 0.0
    n_rows = tag_indptr.size - 1
    local = np.full(n_tags, -1, dtype=np.int64)
    active = np.empty(n_tags, dtype=np.int64)
    n_active = 0
    mean_y = 0.0
    for position in range(n):
        mean_y += values[position]
        item = item_ids[position]
        if item < 0 or item >= n_rows:
            continue
        for pointer in range(tag_indptr[item], tag_indptr[item + 1]):
            tag = tag_indices[pointer]
            if local[tag] < 0:
                local[tag] = n_active
                active[n_active] = tag
                n_active += 1
    mean_y /= n
    if n_active == 0:
        return mean_y
    gram = np.zeros((n_active, n_active))
    column_sums = np.zeros(n_active)
    correlation = np.zeros(n_active)
    for position in range(n):
        item = item_ids[position]
        if item < 0 or item >= n_rows:
            continue
        centred_y = values[position] - mean_y
        for pointer in range(tag_indptr[item], tag_indptr[item + 1]):
            a = local[tag_indices[pointer]]
            weight = tag_data[pointer]
            column_sums[a] += weight
            correlation[a] += weight * centred_y
            for other in range(tag_indptr[item], tag_indptr[item + 1]):
                gram[a, local[tag_indices[other]]] += weight * tag_data[other]
    # Centre: X_cᵀX_c = XᵀX − n·m·mᵀ with m the column means (the intercept is not penalised).
    for a in range(n_active):
        for b in range(n_active):
            gram[a, b] -= column_sums[a] * column_sums[b] / n
    threshold = alpha * n
    weights = np.zeros(n_active)
    gram_weights = np.zeros(n_active)  # gram @ weights, kept up to date
    for _ in range(max_iter):
        largest_step = 0.0
        largest_weight = 0.0
        for a in range(n_active):
            curvature = gram[a, a]
            if curvature <= 1e-12:
                continue
            old = weights[a]
            rho = correlation[a] - gram_weights[a] + curvature * old
            if rho > threshold:
                new = (rho - threshold) / curvature
            elif rho < -threshold:
                new = (rho + threshold) / curvature
            else:
                new = 0.0
            step = new - old
            if step != 0.0:
                weights[a] = new
                for b in range(n_active):
                    gram_weights[b] += step * gram[b, a]
                largest_step = max(largest_step, abs(step))
            largest_weight = max(largest_weight, abs(new))
        if largest_step <= tol * max(largest_weight, 1e-12):
            break
    intercept = mean_y
    for a in range(n_active):
        coef_out[active[a]] = weights[a]
        intercept -= weights[a] * column_sums[a] / n
    return intercept


@njit(cache=True, parallel=True)
def fit_all_users(
    tag_indptr: np.ndarray,
    tag_indices: np.ndarray,
    tag_data: np.ndarray,
    n_tags: int,
    user_indptr: np.ndarray,
    user_items: np.ndarray,
    user_values: np.ndarray,
    fit_mask: np.ndarray,
    alpha: float,
    max_iter: int,
    tol: float,
    coef_out: np.ndarray,
    intercept_out: np.ndarray,
) -> None:
    """`fit_one_user` for every user whose `fit_mask` is set, users in parallel."""
    for user in prange(user_indptr.size - 1):
        if not fit_mask[user]:
            coef_out[user, :] = 0.0
            intercept_out[user] = 0.0
            continue
        start, end = user_indptr[user], user_indptr[user + 1]
        intercept_out[user] = fit_one_user(
            tag_indptr,
            tag_indices,
            tag_data,
            n_tags,
            user_items[start:end],
            user_values[start:end],
            alpha,
            max_iter,
            tol,
            coef_out[user],
        )


@njit(cache=True, parallel=True)
def predict_rows(
    tag_indptr: np.ndarray,
    tag_indices: np.ndarray,
    tag_data: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    user_rows: np.ndarray,
    item_ids: np.ndarray,
) -> np.ndarray:
    """intercept[u] + t_i · coef[u] for each (user row, raw item id) pair."""
    out = np.empty(user_rows.size)
    n_rows = tag_indptr.size - 1
    for position in prange(user_rows.size):
        user = user_rows[position]
        item = item_ids[position]
        total = intercept[user]
        if 0 <= item < n_rows:
            for pointer in range(tag_indptr[item], tag_indptr[item + 1]):
                total += tag_data[pointer] * coef[user, tag_indices[pointer]]
        out[position] = total
    return out
