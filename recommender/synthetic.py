"""Seeded synthetic ratings for scale measurements and tests: low-rank taste, power-law popularity.

Item popularity follows a Zipf-like law (a few items get most ratings, many get few), users'
activity too; each rating is μ + b_u + b_i + p_u · q_i + noise. Sampling uses the inverse
cumulative distribution, so 10M ratings are generated in seconds and O(n) memory.
"""

from __future__ import annotations

import numpy as np


def power_law_weights(n: int, exponent: float) -> np.ndarray:
    """Normalised weights ∝ 1 / rank^exponent."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def synthetic_ratings(
    n_users: int,
    n_items: int,
    n_ratings: int,
    n_factors: int = 10,
    noise: float = 0.5,
    popularity_exponent: float = 0.8,
    activity_exponent: float = 0.5,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): n_ratings rows (user_id, item_id) and their ratings.

    Users and items are drawn independently from their power laws, so a few pairs repeat
    (as a re-rating would); ids are shuffled so that popularity does not follow the id order.
    """
    rng = np.random.default_rng(random_state)
    user_ids = rng.permutation(n_users)
    item_ids = rng.permutation(n_items)
    users = user_ids[
        np.searchsorted(np.cumsum(power_law_weights(n_users, activity_exponent)), rng.random(n_ratings))
    ]
    items = item_ids[
        np.searchsorted(np.cumsum(power_law_weights(n_items, popularity_exponent)), rng.random(n_ratings))
    ]
    users = np.minimum(users, n_users - 1)  # guard against a cumulative sum just below 1
    items = np.minimum(items, n_items - 1)
    scale = 0.8 / n_factors**0.25  # taste term p · q has a standard deviation of about 0.64
    user_factors = rng.normal(0.0, scale, (n_users, n_factors))
    item_factors = rng.normal(0.0, scale, (n_items, n_factors))
    user_bias = rng.normal(0.0, 0.3, n_users)
    item_bias = rng.normal(0.0, 0.5, n_items)
    y = 3.5 + user_bias[users] + item_bias[items] + noise * rng.standard_normal(n_ratings)
    for start in range(0, n_ratings, 1_000_000):  # chunks keep the (rows, k) temporaries small
        chunk = slice(start, start + 1_000_000)
        y[chunk] += np.einsum("ij,ij->i", user_factors[users[chunk]], item_factors[items[chunk]])
    return np.column_stack([users, items]).astype(np.int64), y
