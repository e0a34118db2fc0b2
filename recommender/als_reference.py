"""Plain, obviously correct ALS row solver: a Python loop with one `numpy.linalg.solve` per row.

Slow; kept so that tests can check the compiled kernel of `recommender.als_kernels` against it
(`ALS(solver="reference")` uses it for a whole fit).
"""

from __future__ import annotations

import numpy as np


def solve_rows_reference(
    indptr: np.ndarray,
    indices: np.ndarray,
    ratings: np.ndarray,
    offsets: np.ndarray,
    fixed: np.ndarray,
    scaled_regularization: np.ndarray,
    fixed_regularization: np.ndarray,
    out: np.ndarray,
) -> None:
    """Same contract as `recommender.als_kernels.solve_rows`."""
    for row in range(indptr.size - 1):
        positions = slice(indptr[row], indptr[row + 1])
        others = indices[positions]
        if others.size == 0:
            out[row] = 0.0
            continue
        design = fixed[others]
        targets = ratings[positions] - offsets[others]
        gram = design.T @ design + np.diag(scaled_regularization * others.size + fixed_regularization)
        out[row] = np.linalg.solve(gram, design.T @ targets)
