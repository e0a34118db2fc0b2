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

from recommender.base import Explanation, RatingModel, UserState
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


def _select_rows(matrix: sp.csr_matrix, row_ids: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """Rows ``row_ids`` of ``matrix`` stacked in order; ids outside the matrix give empty rows."""
    inside = np.flatnonzero((row_ids >= 0) & (row_ids < matrix.shape[0]))
    selector = sp.csr_matrix(
        (np.ones(inside.size), (inside, row_ids[inside])), shape=(n_rows, matrix.shape[0])
    )
    return sp.csr_matrix(selector @ matrix)


class LASSO(RatingModel):
    """Per-user LASSO regression of ratings on item tags, with a Baseline fallback.

    `items_` are the raw ids the model scores: every item seen in training plus every row of
    `item_tags` that has at least one tag (an item without tags gets the user's intercept).
    """

    uses_tags = True
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

    def user_state(self, item_ids, values) -> UserState:
        """The person's coefficients and intercept; below `min_ratings`, the Baseline's bias instead."""
        state = super().user_state(item_ids, values)
        fitted = self.fold_in_user(state.item_ids, state.values)
        if fitted is None:
            bias = self.baseline_.user_bias_from_ratings(state.item_ids, state.values)
            return UserState(state.item_ids, state.values, {"coef": None, "intercept": 0.0, "bias": bias})
        coef, intercept = fitted
        return UserState(state.item_ids, state.values, {"coef": coef, "intercept": intercept, "bias": 0.0})

    def tag_matrix(self) -> sp.csr_matrix:
        """Item × tag weights the model scores with; row index = raw item id."""
        n_rows = self.tag_indptr_.size - 1
        return sp.csr_matrix(
            (self.tag_data_, self.tag_indices_, self.tag_indptr_), shape=(n_rows, self._n_tags)
        )

    def _tag_rows_of(self, item_ids: np.ndarray) -> sp.csr_matrix:
        """Tag rows of raw ``item_ids``, in order (empty rows for ids beyond the matrix).

        Sliced straight from the CSR arrays: a sparse selector product cost ten times more for
        the few works of one answer. Each row keeps its entries in order, so its product with
        the coefficients is the very number the full score computes.
        """
        n_rows = self.tag_indptr_.size - 1
        inside = (item_ids >= 0) & (item_ids < n_rows)
        safe = np.where(inside, item_ids, 0)
        starts = self.tag_indptr_[safe]
        lengths = np.where(inside, self.tag_indptr_[safe + 1] - starts, 0)
        indptr = np.zeros(item_ids.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        pointers = np.arange(indptr[-1]) + np.repeat(starts - indptr[:-1], lengths)
        return sp.csr_matrix(
            (self.tag_data_[pointers], self.tag_indices_[pointers], indptr),
            shape=(item_ids.size, self._n_tags),
        )

    def _item_tag_rows(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """Cached: tag rows of `items_` (scoring every item is one sparse product) and Baseline rows."""
        cached = getattr(self, "_cached_item_tag_rows", None)
        if cached is None or cached[0] is not self.items_:
            baseline_rows = lookup(self.baseline_.items_, self.items_)
            cached = (self.items_, self._tag_rows_of(self.items_), baseline_rows)
            self._cached_item_tag_rows = cached
        return cached[1], cached[2]

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """Predicted ratings; aligned with `items_` by default."""
        self._check_fitted()
        parameters = state.parameters
        if item_ids is None:
            tag_rows, baseline_rows = self._item_tag_rows()
        else:
            item_ids = np.asarray(item_ids, dtype=np.int64)
            tag_rows, baseline_rows = self._tag_rows_of(item_ids), lookup(self.baseline_.items_, item_ids)
        if parameters["coef"] is None:
            known = baseline_rows >= 0
            scores = np.full(baseline_rows.size, self.baseline_.global_mean_ + parameters["bias"])
            scores[known] += self.baseline_.item_bias_[baseline_rows[known]]
        else:
            scores = tag_rows @ parameters["coef"]
            scores += parameters["intercept"]
        return np.clip(scores, self.rating_min_, self.rating_max_, out=scores)

    def explain(
        self,
        state: UserState,
        item_id: int,
        n_tags: int = 3,
        n_neighbours: int = 3,
        *,
        min_value: float | None = None,
    ) -> Explanation:
        """The tags of ``item_id`` that raise this person's predicted rating most (coef × weight > 0).

        No neighbours: a LASSO relates a person to tags, not to items (``n_neighbours`` and
        ``min_value`` are accepted for the common interface).
        """
        coef = state.parameters["coef"]
        if coef is None or not 0 <= item_id < self.tag_indptr_.size - 1:
            return Explanation()
        pointers = slice(self.tag_indptr_[item_id], self.tag_indptr_[item_id + 1])
        columns = self.tag_indices_[pointers]
        contributions = coef[columns] * self.tag_data_[pointers]
        order = np.argsort(-contributions, kind="stable")[:n_tags]
        return Explanation(
            tags=[(int(columns[i]), float(contributions[i])) for i in order if contributions[i] > 0]
        )

    def with_items(self, item_ids: np.ndarray, item_tags) -> LASSO:
        """A copy that also scores ``item_ids`` (unknown to training) from their rows of ``item_tags``.

        ``item_tags`` has the training columns and row index = raw item id; items already known
        keep their training tags, and new items without any tag are left out.
        """
        self._check_fitted()
        new_tags = check_item_tags(item_tags)
        if new_tags.shape[1] != self._n_tags:
            raise ValueError(f"item_tags has {new_tags.shape[1]} columns; the model has {self._n_tags}")
        item_ids = np.asarray(item_ids, dtype=np.int64)
        item_ids = item_ids[(lookup(self.items_, item_ids) < 0) & (item_ids < new_tags.shape[0])]
        item_ids = item_ids[np.diff(new_tags.indptr)[item_ids] > 0]
        copy = type(self)(**self.get_params())
        copy._from_arrays(self._to_arrays())
        if item_ids.size == 0:
            return copy
        old = self.tag_matrix()
        n_rows = max(old.shape[0], int(item_ids.max()) + 1)
        identity = np.arange(n_rows)
        # Training rows, then the new items' rows (empty in training, since they were not in items_).
        combined = _select_rows(old, identity, n_rows) + _select_rows(new_tags, identity, n_rows).multiply(
            np.isin(identity, item_ids)[:, None]
        )
        combined = sp.csr_matrix(combined)
        combined.sort_indices()
        copy.tag_indptr_ = combined.indptr.astype(np.int64)
        copy.tag_indices_ = combined.indices.astype(np.int64)
        copy.tag_data_ = combined.data
        copy.items_ = np.union1d(self.items_, item_ids)
        return copy
