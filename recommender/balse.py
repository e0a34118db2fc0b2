"""BALSE: Blended Alternate Least Squares for Explained recommendation.

Prediction = g·ALS + (1 − g)·LASSO with g = σ(β(log(1 + R_i) − γ)), R_i the item's training
count (Vie, Laïly, Pouchet, Tanaka & Yger, "Using posters to recommend anime and mangas in a
cold-start scenario", 2017, with the count on a log scale; `count_scale="linear"` gives the
paper's σ(β(R_i − γ))). Popular items lean on collaborative filtering, rarely rated or unseen
items on their tags. β, γ are learned by gradient descent (`recommender.gate`) on a held-out
part of the training rows, from ALS and LASSO fitted on the rest (R_i is then the item's count
in that rest); then both models are refitted on all the rows.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.als import ALS
from recommender.base import Explanation, RatingModel, UserState
from recommender.gate import COUNT_SCALES, fit_gate, gate
from recommender.indexing import check_ratings, lookup, unique_ids
from recommender.lasso import LASSO
from recommender.persistence import prefixed, unprefixed


class BALSE(RatingModel):
    """Gated blend of ALS and per-user LASSO over tags.

    `items_` are those of the LASSO sub-model: every item seen in training plus every row of
    `item_tags` with at least one tag; `item_counts_` is aligned with it.
    """

    uses_tags = True
    _defaults_of_older_archives = {"count_scale": "linear"}  # the gate took raw counts before
    _saved_arrays = ("items_", "item_counts_")
    _saved_scalars = ("beta_", "gamma_")

    def __init__(
        self,
        n_factors: int = 20,
        regularization: float = 0.175,
        bias_regularization: float = 2.0,
        n_epochs: int = 12,
        alpha: float = 0.05,
        min_ratings: int = 3,
        validation_fraction: float = 0.3,
        count_scale: str = "log",
        random_state: int | None = 0,
    ):
        self.n_factors = n_factors
        self.regularization = regularization
        self.bias_regularization = bias_regularization
        self.n_epochs = n_epochs
        self.alpha = alpha
        self.min_ratings = min_ratings
        self.validation_fraction = validation_fraction
        self.count_scale = count_scale
        self.random_state = random_state

    def _new_als(self) -> ALS:
        return ALS(
            n_factors=self.n_factors,
            regularization=self.regularization,
            bias_regularization=self.bias_regularization,
            n_epochs=self.n_epochs,
            min_ratings=self.min_ratings,
            random_state=self.random_state,
        )

    def _new_lasso(self) -> LASSO:
        return LASSO(alpha=self.alpha, min_ratings=self.min_ratings)

    def fit(self, X: np.ndarray, y: np.ndarray, item_tags: sp.spmatrix | None = None) -> BALSE:
        """Learn the gate on a validation split, then fit ALS and LASSO on all rows X, y."""
        X, y = check_ratings(X, y)
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1); got {self.validation_fraction}")
        if self.count_scale not in COUNT_SCALES:
            raise ValueError(f"count_scale must be one of {COUNT_SCALES}; got {self.count_scale!r}")
        validation = np.random.default_rng(self.random_state).random(y.size) < self.validation_fraction
        fitting = ~validation
        if validation.sum() == 0 or fitting.sum() == 0:
            raise ValueError("too few ratings to hold out a validation part for the gate")
        als = self._new_als().fit(X[fitting], y[fitting])
        lasso = self._new_lasso().fit(X[fitting], y[fitting], item_tags=item_tags)
        item_rows = lookup(unique_ids(X[:, 1]), X[:, 1])
        fitting_counts = np.bincount(item_rows[fitting], minlength=item_rows.max() + 1)
        # The count each validation row's item had in the rows ALS and LASSO saw: how reliable a
        # part is depends on what it was fitted on, as the final gate takes the final count.
        # (Scaling it up to the count in all rows, as before, measured no better on either dataset.)
        counts = fitting_counts[item_rows[validation]]
        self.beta_, self.gamma_ = fit_gate(
            counts,
            als.predict(X[validation]),
            lasso.predict(X[validation]),
            y[validation],
            count_scale=self.count_scale,
        )
        del als, lasso
        self.als_ = self._new_als().fit(X, y)
        self.lasso_ = self._new_lasso().fit(X, y, item_tags=item_tags)
        self.items_ = self.lasso_.items_
        all_counts = np.bincount(lookup(self.items_, X[:, 1]), minlength=self.items_.size)
        self.item_counts_ = all_counts.astype(np.float64)
        return self

    def gate(self, counts: np.ndarray) -> np.ndarray:
        """Weight of ALS for items with these training counts: σ(β(f(counts) − γ)), f = `count_scale`."""
        return gate(counts, self.beta_, self.gamma_, self.count_scale)

    def _counts_of(self, item_ids: np.ndarray) -> np.ndarray:
        rows = lookup(self.items_, item_ids)
        return np.where(rows >= 0, self.item_counts_[np.maximum(rows, 0)], 0.0)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted ratings for rows (user_id, item_id); finite for unknown ids."""
        self._check_fitted()
        X, _ = check_ratings(X)
        weight = self.gate(self._counts_of(X[:, 1]))
        return weight * self.als_.predict(X) + (1.0 - weight) * self.lasso_.predict(X)

    def _alignment(self) -> tuple[np.ndarray, np.ndarray]:
        """Cached: ALS row of each item in `items_` (or -1), and the gate of each item."""
        cached = getattr(self, "_cached_alignment", None)
        if cached is None or cached[0] is not self.items_:
            als_rows = lookup(self.als_.items_, self.items_)
            cached = (self.items_, als_rows, self.gate(self.item_counts_))
            self._cached_alignment = cached
        return cached[1], cached[2]

    def user_state(self, item_ids, values) -> UserState:
        """Both folds: the person's ALS factors and bias, and their LASSO coefficients."""
        state = super().user_state(item_ids, values)
        return UserState(
            state.item_ids,
            state.values,
            {
                "als": self.als_.user_state(state.item_ids, state.values),
                "lasso": self.lasso_.user_state(state.item_ids, state.values),
            },
        )

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """g·ALS + (1 − g)·LASSO; aligned with `items_` by default (g at 0 ratings for unknown items)."""
        self._check_fitted()
        collaborative_state, content_state = state.parameters["als"], state.parameters["lasso"]
        if item_ids is None:
            als_rows, weight = self._alignment()
            als = self.als_
            bias, factors = collaborative_state.parameters["bias"], collaborative_state.parameters["factors"]
            collaborative = np.full(self.items_.size, als.global_mean_ + bias)
            known = als_rows >= 0
            rows = als_rows[known]
            collaborative[known] += als.item_factors_[rows] @ factors + als.item_bias_[rows]
            np.clip(collaborative, als.rating_min_, als.rating_max_, out=collaborative)
            content = self.lasso_.score(content_state)
        else:
            item_ids = np.asarray(item_ids, dtype=np.int64)
            weight = self.gate(self._counts_of(item_ids))
            collaborative = self.als_.score(collaborative_state, item_ids)
            content = self.lasso_.score(content_state, item_ids)
        return content + weight * (collaborative - content)

    def similar_items(self, item_id: int, n: int = 10) -> list[tuple[int, float]]:
        """The n items closest to `item_id` in the ALS item-factor space (cosine), best first."""
        return self.als_.similar_items(item_id, n)

    def item_coordinates(self, n_components: int = 2) -> tuple[np.ndarray, np.ndarray]:
        """The map of the works in ALS's factor space (`ALS.item_coordinates`)."""
        return self.als_.item_coordinates(n_components)

    def explain(
        self,
        state: UserState,
        item_id: int,
        n_tags: int = 3,
        n_neighbours: int = 3,
        *,
        min_value: float | None = None,
    ) -> Explanation:
        """Tags that push the prediction up (LASSO) and the ratings that raise ALS's part most.

        A neighbour's weight is its ALS share (`ALS.contributions`) times the gate g of the
        item: what it adds to this blend's prediction. Only items rated at least ``min_value``
        (None: any) are named.
        """
        tags, neighbours = [], []
        if n_tags > 0:
            tags = self.lasso_.explain(state.parameters["lasso"], item_id, n_tags=n_tags).tags
        if n_neighbours > 0:
            als_state = state.parameters["als"]
            found = self.als_.explain(als_state, item_id, n_neighbours=n_neighbours, min_value=min_value)
            weight = float(self.gate(self._counts_of(np.array([item_id], dtype=np.int64)))[0])
            neighbours = [(item, weight * share) for item, share in found.neighbours]
        return Explanation(tags=tags, neighbours=neighbours)

    def with_items(self, item_ids: np.ndarray, item_tags) -> BALSE:
        """A copy that also scores works added after training, from their tags (gate at 0 ratings)."""
        self._check_fitted()
        copy = type(self)(**self.get_params())
        copy._from_arrays(self._to_arrays())
        copy.lasso_ = self.lasso_.with_items(item_ids, item_tags)
        copy.items_ = copy.lasso_.items_
        copy.item_counts_ = self._counts_of(copy.items_)
        return copy

    def _to_arrays(self) -> dict[str, np.ndarray]:
        arrays = super()._to_arrays()
        arrays.update(prefixed("als__", self.als_._to_arrays()))
        arrays.update(prefixed("lasso__", self.lasso_._to_arrays()))
        return arrays

    def _from_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        super()._from_arrays(arrays)
        self.als_ = self._new_als()
        self.als_._from_arrays(unprefixed("als__", arrays))
        self.lasso_ = self._new_lasso()
        self.lasso_._from_arrays(unprefixed("lasso__", arrays))
