"""Explicit-feedback matrix factorisation with biases, fitted by alternating least squares.

Model: r̂_ui = μ + b_u + b_i + p_u · q_i. Each half-step fixes one side and solves an exact
ridge problem per row, with the penalty scaled by the row's number of ratings (weighted-λ,
Zhou et al. 2008, "Large-scale parallel collaborative filtering for the Netflix prize"). The
bias is solved jointly with the factors by appending a constant 1 to the fixed side.

A person's fold-in is one such ridge solve, linear in their ratings: each rating's share of a
prediction is exact (`ALS.contributions`, the explanation of Hu, Koren & Volinsky 2008, §5,
"Collaborative filtering for implicit feedback datasets"), and `explain` names the largest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.als_kernels import dot_rows, solve_rows
from recommender.als_reference import solve_rows_reference
from recommender.base import Explanation, RatingModel, UserState, liked_neighbours
from recommender.indexing import check_ratings, group_by_row, lookup, unique_ids
from recommender.topk import top_k

SOLVERS = {"numba": solve_rows, "reference": solve_rows_reference}


@dataclass(frozen=True)
class FoldIn:
    """One person's ridge problem in `ALS.fold_in_user`, kept in their state to explain from."""

    item_rows: np.ndarray  # rows of `items_` of the rated items the model knows, as given
    targets: np.ndarray  # their rating − μ − b_i
    rated: np.ndarray  # the distinct rated item ids, ascending
    rated_values: np.ndarray  # the rating value of each (an item rated twice: its first)
    inverse: np.ndarray  # index in ``rated`` of each of ``item_rows``
    gram: np.ndarray | None  # regularised [q, 1]ᵀ[q, 1]; None below `min_ratings` (fallback bias)


def _with_ones(factors: np.ndarray) -> np.ndarray:
    return np.hstack([factors, np.ones((factors.shape[0], 1))])


def _unit_rows(factors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    return factors / np.maximum(norms, 1e-12)


class ALS(RatingModel):
    """Biased matrix factorisation, weighted-λ ridge, alternating exact least squares.

    Unknown users are predicted by μ + b_i, unknown items by μ + b_u; predictions are clipped
    to the training rating range. `items_` are the raw ids of the items seen in training,
    aligned with the rows of `item_factors_` and `item_bias_`. The default `regularization`
    and `bias_regularization` were chosen on validation rows inside the training part of the
    anime and ml-latest-small data (bench/library_als_tuning.py).
    """

    _saved_arrays = ("users_", "items_", "user_factors_", "item_factors_", "user_bias_", "item_bias_")
    _saved_scalars = ("global_mean_", "rating_min_", "rating_max_")

    def __init__(
        self,
        n_factors: int = 20,
        regularization: float = 0.175,
        bias_regularization: float = 2.0,
        n_epochs: int = 12,
        init_scale: float = 0.1,
        min_ratings: int = 3,
        solver: str = "numba",
        random_state: int | None = 0,
    ):
        self.n_factors = n_factors
        self.regularization = regularization
        self.bias_regularization = bias_regularization
        self.n_epochs = n_epochs
        self.init_scale = init_scale
        self.min_ratings = min_ratings
        self.solver = solver
        self.random_state = random_state

    def _regularization_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(penalty per rating, fixed penalty) of each unknown: weighted-λ factors, fixed-penalty bias."""
        scaled = np.append(np.full(self.n_factors, float(self.regularization)), 0.0)
        fixed = np.append(np.zeros(self.n_factors), float(self.bias_regularization))
        return scaled, fixed

    def fit(self, X: np.ndarray, y: np.ndarray) -> ALS:
        """Learn biases and factors from rating rows X = (user_id, item_id), y."""
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {sorted(SOLVERS)}; got {self.solver!r}")
        if self.n_factors < 1 or self.n_epochs < 1:
            raise ValueError("n_factors and n_epochs must be at least 1")
        X, y = check_ratings(X, y)
        if y.size == 0:
            raise ValueError("cannot fit on zero ratings")
        solve = SOLVERS[self.solver]
        self.users_ = unique_ids(X[:, 0])
        self.items_ = unique_ids(X[:, 1])
        user_rows = lookup(self.users_, X[:, 0])
        item_rows = lookup(self.items_, X[:, 1])
        n_users, n_items = self.users_.size, self.items_.size
        self.global_mean_ = float(y.mean())
        self.rating_min_, self.rating_max_ = float(y.min()), float(y.max())
        by_user = group_by_row(user_rows, item_rows, y, n_users)
        by_item = group_by_row(item_rows, user_rows, y, n_items)
        del user_rows, item_rows

        rng = np.random.default_rng(self.random_state)
        size = self.n_factors + 1
        scaled_regularization, fixed_regularization = self._regularization_vectors()
        # Start from random user factors and solve items first, so that the final user factors are
        # the exact ridge solution against the final item factors (fold-in then reproduces them).
        user_solution = np.zeros((n_users, size))
        user_solution[:, : self.n_factors] = rng.normal(0.0, self.init_scale, (n_users, self.n_factors))
        user_solution[:, -1] = 1.0  # the constant column while items are solved
        item_solution = np.zeros((n_items, size))
        item_bias = np.zeros(n_items)
        user_bias = np.zeros(n_users)
        for _ in range(self.n_epochs):
            # Items: fixed side [p_u, 1], offsets μ + b_u, unknowns [q_i, b_i].
            solve(
                *by_item,
                self.global_mean_ + user_bias,
                user_solution,
                scaled_regularization,
                fixed_regularization,
                item_solution,
            )
            item_bias = item_solution[:, -1].copy()
            item_solution[:, -1] = 1.0
            # Users: fixed side [q_i, 1], offsets μ + b_i, unknowns [p_u, b_u].
            solve(
                *by_user,
                self.global_mean_ + item_bias,
                item_solution,
                scaled_regularization,
                fixed_regularization,
                user_solution,
            )
            user_bias = user_solution[:, -1].copy()
            user_solution[:, -1] = 1.0
        self.user_factors_ = np.ascontiguousarray(user_solution[:, : self.n_factors])
        self.user_bias_ = user_bias
        self.item_factors_ = np.ascontiguousarray(item_solution[:, : self.n_factors])
        self.item_bias_ = item_bias
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted ratings for rows (user_id, item_id); finite for unknown ids."""
        self._check_fitted()
        X, _ = check_ratings(X)
        user_rows = lookup(self.users_, X[:, 0])
        item_rows = lookup(self.items_, X[:, 1])
        return self._predict_rows(user_rows, item_rows)

    def _predict_rows(self, user_rows: np.ndarray, item_rows: np.ndarray) -> np.ndarray:
        known_user, known_item = user_rows >= 0, item_rows >= 0
        safe_users, safe_items = np.maximum(user_rows, 0), np.maximum(item_rows, 0)
        scores = np.full(user_rows.shape, self.global_mean_)
        scores += np.where(known_user, self.user_bias_[safe_users], 0.0)
        scores += np.where(known_item, self.item_bias_[safe_items], 0.0)
        if user_rows.size:
            interaction = dot_rows(self.user_factors_, safe_users, self.item_factors_, safe_items)
            scores += np.where(known_user & known_item, interaction, 0.0)
        return np.clip(scores, self.rating_min_, self.rating_max_)

    def _fold_in_problem(self, item_ids, values) -> FoldIn:
        """The least-squares problem that `fold_in_user` solves, for `user_state` to keep."""
        self._check_fitted()
        item_ids = np.asarray(item_ids, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        item_rows = lookup(self.items_, item_ids)
        known = item_rows >= 0
        item_ids, item_rows, values = item_ids[known], item_rows[known], values[known]
        targets = values - self.global_mean_ - self.item_bias_[item_rows]
        rated, first, inverse = np.unique(item_ids, return_index=True, return_inverse=True)
        gram = None
        if item_rows.size >= self.min_ratings:
            design = _with_ones(self.item_factors_[item_rows])
            gram = design.T @ design
            scaled, fixed = self._regularization_vectors()
            gram[np.diag_indices_from(gram)] += scaled * item_rows.size + fixed
        return FoldIn(item_rows, targets, rated, values[first], inverse.reshape(-1), gram)

    def _solve(self, problem: FoldIn) -> tuple[np.ndarray, float]:
        if problem.gram is None:
            return np.zeros(self.n_factors), float(problem.targets.sum() / (problem.targets.size + 15.0))
        factors = self.item_factors_[problem.item_rows]
        right = np.append(factors.T @ problem.targets, problem.targets.sum())
        solution = np.linalg.solve(problem.gram, right)
        return solution[:-1], float(solution[-1])

    def fold_in_user(self, item_ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float]:
        """Factors and bias of a user with these ratings, items held fixed: one ridge solve.

        Items the model does not know are ignored. With fewer than `min_ratings` known items
        the factors are zero and the bias is a strongly shrunk mean residual (baseline fallback).
        """
        return self._solve(self._fold_in_problem(item_ids, values))

    def user_state(self, item_ids, values) -> UserState:
        """The person's factors and bias, items held fixed (`fold_in_user`), and the problem solved."""
        state = super().user_state(item_ids, values)
        problem = self._fold_in_problem(state.item_ids, state.values)
        factors, bias = self._solve(problem)
        return UserState(state.item_ids, state.values, {"factors": factors, "bias": bias, "fold_in": problem})

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """Predicted ratings; aligned with `items_` by default, μ + b_u for unknown ``item_ids``."""
        self._check_fitted()
        factors, bias = state.parameters["factors"], state.parameters["bias"]
        if item_ids is None:
            scores = self.item_factors_ @ factors
            scores += self.item_bias_
        else:
            rows = lookup(self.items_, np.asarray(item_ids, dtype=np.int64))
            safe = np.maximum(rows, 0)
            scores = np.where(rows >= 0, self.item_factors_[safe] @ factors + self.item_bias_[safe], 0.0)
        scores += self.global_mean_ + bias
        return np.clip(scores, self.rating_min_, self.rating_max_, out=scores)

    def similar_items(self, item_id: int, n: int = 10) -> list[tuple[int, float]]:
        """The n items closest to `item_id` by cosine similarity of item factors, best first."""
        self._check_fitted()
        row = int(lookup(self.items_, np.array([item_id]))[0])
        if row < 0:
            return []
        unit = _unit_rows(self.item_factors_)
        similarity = unit @ unit[row]
        best = top_k(similarity, n, exclude=np.array([row]))
        return [(int(self.items_[index]), float(similarity[index])) for index in best]

    def item_coordinates(self, n_components: int = 2) -> tuple[np.ndarray, np.ndarray]:
        """(item ids, coordinates): the item factors on their ``n_components`` principal axes (a map)."""
        self._check_fitted()
        centred = self.item_factors_ - self.item_factors_.mean(axis=0)
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        return self.items_.copy(), centred @ components[:n_components].T

    def contributions(self, item_ids, values, item_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What each of a person's ratings adds to their predicted rating of ``item_id``.

        The fold-in is linear in the targets t_j = r_j − μ − b_j of the rated items j: before
        clipping, the prediction is μ + b_i + Σ_j t_j · [q_i, 1] G⁻¹ [q_j, 1]ᵀ (G the regularised
        Gram matrix of the solve), so each rating's share is exact and they add up to the
        personal part. Returns (distinct rated item ids the model knows, their shares, their
        rating values, an item rated twice: its first), ``item_id`` itself left out. Empty for
        an unknown item, and below `min_ratings` ratings, where the fallback bias moves every
        item alike and so no rating is a reason for this one.
        """
        return self._shares(self._fold_in_problem(item_ids, values), item_id)

    def _shares(self, problem: FoldIn, item_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        target = int(lookup(self.items_, np.array([item_id], dtype=np.int64))[0])
        if target < 0 or problem.gram is None:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        direction = np.linalg.solve(problem.gram, np.append(self.item_factors_[target], 1.0))
        influence = self.item_factors_[problem.item_rows] @ direction[:-1] + direction[-1]
        shares = np.bincount(
            problem.inverse, weights=influence * problem.targets, minlength=problem.rated.size
        )
        others = problem.rated != item_id
        return problem.rated[others], shares[others], problem.rated_values[others]

    def explain(
        self,
        state: UserState,
        item_id: int,
        n_tags: int = 3,
        n_neighbours: int = 3,
        *,
        min_value: float | None = None,
    ) -> Explanation:
        """Why ``item_id`` suits the person of ``state``: the ratings that raise its prediction most.

        A neighbour's weight is its share of the prediction (`contributions`); only items rated
        at least ``min_value`` (None: any) are named (`liked_neighbours`).
        """
        self._check_fitted()
        if n_neighbours <= 0:
            return Explanation()
        problem = state.parameters.get("fold_in")  # absent from a state built by hand
        if problem is None:
            problem = self._fold_in_problem(state.item_ids, state.values)
        rated, shares, values = self._shares(problem, item_id)
        return Explanation(neighbours=liked_neighbours(rated, shares, values, n_neighbours, min_value))
