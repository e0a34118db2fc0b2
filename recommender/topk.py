"""The k best entries of a score vector, by `argpartition` (O(n)) then a sort of only k."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k largest scores, best first, skipping the indices in `exclude`.

    NaN scores are never chosen. Ties are broken by the lower index, so results are stable.
    """
    scores = np.asarray(scores, dtype=np.float64)
    candidates = np.where(np.isnan(scores), -np.inf, scores)
    eligible = np.ones(scores.size, dtype=bool)
    eligible[np.isnan(scores)] = False
    if exclude is not None and len(exclude):
        eligible[np.asarray(exclude, dtype=np.int64)] = False
        candidates = np.where(eligible, candidates, -np.inf)
    k = int(min(max(k, 0), int(eligible.sum())))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    chosen = np.argpartition(-candidates, k - 1)[:k] if k < scores.size else np.arange(scores.size)
    # Among the chosen, order by score descending then index ascending. argpartition may pick any
    # of several tied entries at the boundary; take the lowest indices among ties at the cut.
    threshold = candidates[chosen].min()
    above = np.flatnonzero(candidates > threshold)
    at_threshold = np.flatnonzero((candidates == threshold) & eligible)
    chosen = np.concatenate([above, at_threshold[: k - above.size]])
    order = np.lexsort((chosen, -candidates[chosen]))
    return chosen[order].astype(np.int64)


def top_k_items(
    scores: np.ndarray, item_ids: np.ndarray, k: int, exclude_item_ids: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """The k best (raw item id, score) pairs; `scores` is aligned with `item_ids` (a model's `items_`)."""
    item_ids = np.asarray(item_ids, dtype=np.int64)
    exclude = None
    if exclude_item_ids is not None and len(exclude_item_ids):
        exclude = np.flatnonzero(np.isin(item_ids, np.asarray(exclude_item_ids, dtype=np.int64)))
    best = top_k(scores, k, exclude)
    return [(int(item_ids[index]), float(scores[index])) for index in best]
