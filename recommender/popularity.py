"""The most-rated list: the non-personal baseline every personal list must beat."""

from __future__ import annotations

import numpy as np

from recommender.base import Explanation, RatingModel, UserState
from recommender.indexing import check_ratings, lookup


class MostRated(RatingModel):
    """Scores every item by its number of training ratings, whoever asks."""

    predicts_ratings = False  # its scores are counts

    _saved_arrays = ("items_", "item_counts_")

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> MostRated:
        """Count the training ratings of each item in rows X = (user_id, item_id)."""
        X, _ = check_ratings(X)
        if X.shape[0] == 0:
            raise ValueError("cannot fit on zero ratings")
        self.items_, counts = np.unique(X[:, 1], return_counts=True)
        self.item_counts_ = counts.astype(np.float64)
        return self

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """The training counts (the same for everyone); unknown items score 0."""
        self._check_fitted()
        if item_ids is None:
            return self.item_counts_.copy()
        rows = lookup(self.items_, np.asarray(item_ids, dtype=np.int64))
        return np.where(rows >= 0, self.item_counts_[np.maximum(rows, 0)], 0.0)

    def explain(
        self,
        state: UserState,
        item_id: int,
        n_tags: int = 3,
        n_neighbours: int = 3,
        *,
        min_value: float | None = None,
    ) -> Explanation:
        """Listed because many people rated it (no tags, no neighbours)."""
        return Explanation(popularity=float(self.score(state, np.array([item_id]))[0]))
