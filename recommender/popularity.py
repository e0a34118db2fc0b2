"""Non-personal orders: the most-rated list every personal list must beat, a prior known
without ratings (the chart new works are ranked against) and a random order (the floor)."""

from __future__ import annotations

import numpy as np

from recommender.base import Explanation, RatingModel, UserState
from recommender.indexing import check_ratings, lookup


def _same_for_everyone(items: np.ndarray, values: np.ndarray, item_ids: np.ndarray | None) -> np.ndarray:
    """``values`` (aligned with ``items``) of ``item_ids`` (default: all); unknown ids get 0."""
    if item_ids is None:
        return values.copy()
    rows = lookup(items, np.asarray(item_ids, dtype=np.int64))
    return np.where(rows >= 0, values[np.maximum(rows, 0)], 0.0)


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
        return _same_for_everyone(self.items_, self.item_counts_, item_ids)

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


class PriorOrder(RatingModel):
    """Scores every item by a prior known without its ratings here, whoever asks.

    ``prior`` maps raw item ids to a value known before anyone rates the item here (for anime:
    MyAnimeList's member count, which the upstream gives for a work on the day it is listed).
    It is the chart a new season's works are ranked against. ``fit`` only fixes the items.
    """

    predicts_ratings = False

    _saved_arrays = ("items_", "item_prior_")

    def __init__(self, prior: dict[int, float] | None = None):
        self.prior = prior

    def fit(self, X: np.ndarray | None = None, y: np.ndarray | None = None) -> PriorOrder:
        if not self.prior:
            raise ValueError("PriorOrder needs a prior: a mapping of item ids to values")
        self.items_ = np.array(sorted(self.prior), dtype=np.int64)
        self.item_prior_ = np.array([self.prior[item] for item in self.items_.tolist()], dtype=np.float64)
        return self

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """The prior (the same for everyone); items without one score 0."""
        self._check_fitted()
        return _same_for_everyone(self.items_, self.item_prior_, item_ids)


class RandomOrder(RatingModel):
    """The catalogue in one random order per person (seeded by their ratings): the floor."""

    predicts_ratings = False

    _saved_arrays = ("items_",)

    def __init__(self, catalogue: np.ndarray | None = None, random_state: int = 0):
        self.catalogue = catalogue
        self.random_state = random_state

    def fit(self, X: np.ndarray | None = None, y: np.ndarray | None = None) -> RandomOrder:
        """The items are the catalogue's (the rated ones of X when no catalogue is given)."""
        if self.catalogue is not None:
            self.items_ = np.unique(np.asarray(self.catalogue, dtype=np.int64))
        else:
            X, _ = check_ratings(X)
            self.items_ = np.unique(X[:, 1])
        return self

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        self._check_fitted()
        person = np.random.SeedSequence([self.random_state, *state.item_ids[:64].tolist()])
        scores = np.random.default_rng(person).random(self.items_.size)
        if item_ids is None:
            return scores
        rows = lookup(self.items_, np.asarray(item_ids, dtype=np.int64))
        return np.where(rows >= 0, scores[np.maximum(rows, 0)], 0.0)
