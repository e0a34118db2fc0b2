"""One sparse linear model per user over the item tags: what each user likes, in words.

User u's prediction for item i is intercept_u + Σ_tags coef_u,t · weight_i,t, fitted by LASSO
(scikit-learn's objective, solved by `recommender.lasso_kernels`), clipped to the training
rating range. Because it needs only the item's tags, it scores items nobody has rated yet;
its non-zero coefficients are the explanation. Users with fewer than `min_ratings` ratings,
and unknown users, fall back to the Baseline.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.base import RatingModel
from recommender.baseline import Baseline
from recommender.indexing import check_ratings, group_by_row, lookup, unique_ids
from recommender.lasso_kernels import fit_all_users, fit_one_user, predict_rows
from recommender.persistence import prefixed, unprefixed


def check_item_tags(item_tags) -> sp.csr_matrix:
    """The tag matrix as float64 CSR with sorted indices; row index = raw item id."""
    if item_tags is None:
        raise ValueError("item_tags is required: a scipy.sparse matrix with one row per raw item id")
    if not sp.issparse(item_tags):
        raise TypeError(f"item_tags must be a scipy.sparse matrix; got {type(item_tags).__name__}")
    matrix = sp.csr_matrix(item_tags, dtype=np.float64)
    matrix.sum_duplicates()
    matrix.sort_indices()
    if not np.all(np.isfinite(matrix.data)):
        raise ValueError("item_tags contains NaN or infinite weights")
    return matrix


class LASSO(RatingModel):
    """Per-user LASSO regression of ratings on item tags, with a Baseline fallback.

    `items_` are the raw ids the model scores: every item seen in training plus every row of
    `item_tags` that has at least one tag (an item without tags gets the user's intercept).
    """

    _saved_arrays = (
        "users_",
        "items_",
        "coef_",
        "intercept_",
        "user_fitted_",
        "tag_indptr_",
        "tag_indices_",
        "tag_data_",
    )
    _saved_scalars = ("n_tags_", "rating_min_", "rating_max_")

    def __init__(self, alpha: float = 0.05, min_ratings: int = 3, max_iter: int = 300, tol: float = 1e-4):
        self.alpha = alpha
        self.min_ratings = min_ratings
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: np.ndarray, y: np.ndarray, item_tags: sp.spmatrix | None = None) -> LASSO:
        """Fit the fallback Baseline and every user's LASSO on rows X = (user_id, item_id), y."""
        X, y = check_ratings(X, y)
        if y.size == 0:
            raise ValueError("cannot fit on zero ratings")
        tags = check_item_tags(item_tags)
        self.tag_indptr_ = tags.indptr.astype(np.int64)
        self.tag_indices_ = tags.indices.astype(np.int64)
        self.tag_data_ = tags.data
        self.n_tags_ = float(tags.shape[1])
        self.baseline_ = Baseline().fit(X, y)
        self.rating_min_, self.rating_max_ = float(y.min()), float(y.max())
        tagged = np.flatnonzero(np.diff(tags.indptr) > 0)
        self.items_ = np.union1d(unique_ids(X[:, 1]), tagged)
        self.users_ = unique_ids(X[:, 0])
        user_rows = lookup(self.users_, X[:, 0])
        indptr, _, values = group_by_row(user_rows, np.zeros(y.size, dtype=np.int32), y, self.users_.size)
        item_ids = X[np.argsort(user_rows, kind="stable"), 1]
        self.user_fitted_ = np.diff(indptr) >= self.min_ratings
        self.coef_ = np.zeros((self.users_.size, tags.shape[1]))
        self.intercept_ = np.zeros(self.users_.size)
        fit_all_users(
            self.tag_indptr_,
            self.tag_indices_,
            self.tag_data_,
            tags.shape[1],
            indptr,
            item_ids,
            values,
            self.user_fitted_,
            float(self.alpha),
            int(self.max_iter),
            float(self.tol),
            self.coef_,
            self.intercept_,
        )
        return self

    def _to_arrays(self) -> dict[str, np.ndarray]:
        return {**super()._to_arrays(), **prefixed("baseline__", self.baseline_._to_arrays())}

    def _from_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        super()._from_arrays(arrays)
        self.baseline_ = Baseline()
        self.baseline_._from_arrays(unprefixed("baseline__", arrays))

    @property
    def _n_tags(self) -> int:
        return int(self.n_tags_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted ratings for rows (user_id, item_id); finite for unknown ids."""
        self._check_fitted()
        X, _ = check_ratings(X)
        user_rows = lookup(self.users_, X[:, 0])
        personal = user_rows >= 0
        personal[personal] = self.user_fitted_[user_rows[personal]]
        scores = np.empty(X.shape[0])
        scores[~personal] = self.baseline_.predict(X[~personal])
        scores[personal] = predict_rows(
            self.tag_indptr_,
            self.tag_indices_,
            self.tag_data_,
            self.coef_,
            self.intercept_,
            user_rows[personal],
            X[personal, 1],
        )
        return np.clip(scores, self.rating_min_, self.rating_max_)

    def fold_in_user(self, item_ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float] | None:
        """(coefficients, intercept) of a user with these ratings, or None below `min_ratings`."""
        self._check_fitted()
        item_ids = np.asarray(item_ids, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        if item_ids.size < self.min_ratings:
            return None
        coef = np.zeros(self._n_tags)
        intercept = fit_one_user(
            self.tag_indptr_,
            self.tag_indices_,
            self.tag_data_,
            self._n_tags,
            item_ids,
            values,
            float(self.alpha),
            int(self.max_iter),
            float(self.tol),
            coef,
        )
        return coef, float(intercept)

    def _item_tag_rows(self) -> sp.csr_matrix:
        """Tag rows of `items_`, cached: scoring every item is then one sparse product."""
        cached = getattr(self, "_cached_item_tag_rows", None)
        if cached is None or cached[0] is not self.items_:
            n_rows = self.tag_indptr_.size - 1
            tags = sp.csr_matrix(
                (self.tag_data_, self.tag_indices_, self.tag_indptr_), shape=(n_rows, self._n_tags)
            )
            inside = self.items_[self.items_ < n_rows]
            rows = sp.vstack([tags[inside], sp.csr_matrix((self.items_.size - inside.size, self._n_tags))])
            baseline_rows = lookup(self.baseline_.items_, self.items_)
            cached = (self.items_, sp.csr_matrix(rows), baseline_rows)
            self._cached_item_tag_rows = cached
        return cached[1]

    def fold_in(self, item_ids: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Predictions aligned with `items_` for a user with these current ratings, without refitting."""
        tag_rows = self._item_tag_rows()
        fitted = self.fold_in_user(item_ids, values)
        if fitted is None:
            baseline_rows = self._cached_item_tag_rows[2]
            known = baseline_rows >= 0
            bias = self.baseline_.user_bias_from_ratings(item_ids, values)
            scores = np.full(self.items_.size, self.baseline_.global_mean_ + bias)
            scores[known] += self.baseline_.item_bias_[baseline_rows[known]]
        else:
            coef, intercept = fitted
            scores = tag_rows @ coef
            scores += intercept
        return np.clip(scores, self.rating_min_, self.rating_max_, out=scores)

    def tag_contributions(
        self, item_ids: np.ndarray, values: np.ndarray, item_id: int, n_tags: int = 3
    ) -> list[tuple[int, float]]:
        """The tags of `item_id` that raise this user's predicted rating most: (tag column, coef × weight).

        Only positive contributions are listed, largest first; empty below `min_ratings`.
        """
        fitted = self.fold_in_user(item_ids, values)
        if fitted is None or not 0 <= item_id < self.tag_indptr_.size - 1:
            return []
        coef, _ = fitted
        pointers = slice(self.tag_indptr_[item_id], self.tag_indptr_[item_id + 1])
        columns = self.tag_indices_[pointers]
        contributions = coef[columns] * self.tag_data_[pointers]
        order = np.argsort(-contributions, kind="stable")
        return [(int(columns[i]), float(contributions[i])) for i in order[:n_tags] if contributions[i] > 0]

    def explain(
        self, item_ids: np.ndarray, values: np.ndarray, item_id: int, n_tags: int = 3, n_neighbours: int = 3
    ) -> dict:
        """Why `item_id` suits a user with these ratings: the tags that push its prediction up."""
        return {"tags": self.tag_contributions(item_ids, values, item_id, n_tags), "neighbours": []}
