"""What every model shares: hyperparameters, `.npz` persistence, and the serving interface.

Follows scikit-learn's conventions: `__init__` only stores hyperparameters, `fit` returns
`self`, learned state ends in `_`. Subclasses list the learned attributes to persist in
`_saved_arrays` (numpy arrays) and `_saved_scalars` (floats).

Serving follows implicit and LensKit: the caller passes one person's current ratings and the
items it may show, and gets back ids, scores and the folded-in user state; it then asks the
model to explain an item with that state. Callers never read a model's learned arrays.

    listed = model.recommend(item_ids, values, n=10, candidates=allowed_ids)
    why = model.explain(listed.state, int(listed.item_ids[0]), min_value=2.0)  # "because you liked"

A model implements `user_state` (the fold-in) and `score` (scores of items for that state);
`recommend` and `fold_in` are built on them here.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recommender.indexing import lookup
from recommender.persistence import PathOrFile, load_arrays, save_arrays
from recommender.topk import top_k


class NotFittedError(RuntimeError):
    """Raised when a model is used before `fit` (or `load`)."""


@dataclass(frozen=True)
class UserState:
    """One person as a model sees them: the ratings it was given and what it folded from them."""

    item_ids: np.ndarray  # int64 raw ids, as given
    values: np.ndarray  # float64 rating values, aligned with item_ids
    parameters: dict[str, Any] = field(default_factory=dict)  # the model's own (factors, coefficients…)


@dataclass(frozen=True)
class Recommendations:
    """A list, best first: raw item ids, their scores, and the state that produced them."""

    item_ids: np.ndarray
    scores: np.ndarray
    state: UserState


@dataclass(frozen=True)
class Explanation:
    """Why an item suits a person.

    ``tags``: (tag column, contribution) of the item's tags that raise its score, largest first;
    ``neighbours``: (rated item id, weight) of the person's own ratings that pull it up most,
    where the weight is what that rating adds to the item's score (see `liked_neighbours`);
    ``popularity``: the part of the score that comes from the item being widely liked (0 when
    the model has no such term).
    """

    tags: list[tuple[int, float]] = field(default_factory=list)
    neighbours: list[tuple[int, float]] = field(default_factory=list)
    popularity: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.tags or self.neighbours or self.popularity > 0)


def as_ratings(item_ids, values) -> tuple[np.ndarray, np.ndarray]:
    """One person's ratings as (int64 ids, float64 values) of equal length."""
    item_ids = np.asarray(item_ids, dtype=np.int64).reshape(-1)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if item_ids.shape != values.shape:
        raise ValueError(f"item_ids and values differ in length: {item_ids.size} and {values.size}")
    return item_ids, values


def liked_neighbours(
    item_ids: np.ndarray,
    contributions: np.ndarray,
    values: np.ndarray,
    n_neighbours: int,
    min_value: float | None = None,
) -> list[tuple[int, float]]:
    """The rule every model names its neighbours by: (item id, contribution), largest first.

    ``item_ids`` are the person's distinct rated items, ``contributions`` what each adds to the
    explained item's score and ``values`` its rating value. An item may be named when it raises
    the score (contribution > 0) and, unless ``min_value`` is None, was rated at least
    ``min_value``; the caller says which ratings count as liked. The filter comes before the
    cut to ``n_neighbours``, so that disliked items among the strongest do not crowd out liked
    ones. Ties go to the earlier item.
    """
    eligible = contributions > 0
    if min_value is not None:
        eligible &= values >= min_value
    candidates = np.flatnonzero(eligible)
    best = candidates[np.argsort(-contributions[candidates], kind="stable")[: max(n_neighbours, 0)]]
    return [(int(item_ids[i]), float(contributions[i])) for i in best]


def fit_model(model, X: np.ndarray, y: np.ndarray, item_tags=None):
    """``model.fit(X, y)``, with the item × tag matrix when the model uses it (``uses_tags``)."""
    if getattr(model, "uses_tags", False):
        return model.fit(X, y, item_tags=item_tags)
    return model.fit(X, y)


class RatingModel:
    """Base class of every model: Baseline, ALS, LASSO, BALSE, EASE and MostRated."""

    # Whether `fit` takes `item_tags` (the item × tag matrix).
    uses_tags = False
    # Whether `score` predicts a rating value (measured by RMSE too) rather than only ranking.
    predicts_ratings = True
    # Hyperparameters added since the first release, with the value that reproduces what an
    # archive written without them meant (a newer default may mean something else).
    _defaults_of_older_archives: dict[str, Any] = {}

    _saved_arrays: tuple[str, ...] = ()
    _saved_scalars: tuple[str, ...] = ()

    def get_params(self) -> dict[str, Any]:
        """Hyperparameters, as given to `__init__`."""
        names = [name for name in inspect.signature(type(self).__init__).parameters if name != "self"]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit() or load()")

    # --- Serving: fold in one person's ratings, score, list, explain.

    def user_state(self, item_ids, values) -> UserState:
        """Fold in one person's current ratings without refitting (the model's own parameters)."""
        item_ids, values = as_ratings(item_ids, values)
        return UserState(item_ids, values)

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """Scores of ``item_ids`` for this person (default: every item of `items_`, aligned)."""
        raise NotImplementedError

    def fold_in(self, item_ids, values) -> np.ndarray:
        """Scores aligned with `items_` for a person with these current ratings, without refitting."""
        self._check_fitted()
        return self.score(self.user_state(item_ids, values))

    def recommend(
        self,
        item_ids,
        values,
        n: int = 10,
        candidates: np.ndarray | None = None,
        exclude_rated: bool = True,
    ) -> Recommendations:
        """The ``n`` best items for a person with these ratings, best first.

        ``candidates`` are the raw ids the list may hold (default: every item the model can
        score); ids the model cannot score are skipped. Rated items are left out unless
        ``exclude_rated`` is false. Ties go to the lower item id.
        """
        self._check_fitted()
        state = self.user_state(item_ids, values)
        scores = self.score(state)
        allowed = np.ones(self.items_.size, dtype=bool)
        if candidates is not None:
            allowed[:] = False
            rows = lookup(self.items_, np.asarray(candidates, dtype=np.int64))
            allowed[rows[rows >= 0]] = True
        if exclude_rated and state.item_ids.size:
            rows = lookup(self.items_, state.item_ids)
            allowed[rows[rows >= 0]] = False
        best = top_k(scores, n, exclude=np.flatnonzero(~allowed))
        return Recommendations(self.items_[best], scores[best], state)

    def explain(
        self,
        state: UserState,
        item_id: int,
        n_tags: int = 3,
        n_neighbours: int = 3,
        *,
        min_value: float | None = None,
    ) -> Explanation:
        """Why ``item_id`` suits the person of ``state`` (empty when the model cannot say).

        At most ``n_tags`` tags and ``n_neighbours`` neighbours; a rated item is named as a
        neighbour only when it raises the score and its rating value is at least ``min_value``
        (None: any value), by `liked_neighbours`.
        """
        return Explanation()

    def similar_items(self, item_id: int, n: int = 10) -> list[tuple[int, float]]:
        """The ``n`` items most like ``item_id`` (raw id, similarity), best first; [] if unknown."""
        return []

    def with_items(self, item_ids: np.ndarray, item_tags) -> RatingModel:
        """This model, also able to score items added after training from their tags (when it can).

        Returns ``self`` for models that cannot (they score only what they were trained on).
        """
        return self

    def _to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {name: np.asarray(getattr(self, name)) for name in self._saved_arrays}
        arrays.update({name: np.asarray(float(getattr(self, name))) for name in self._saved_scalars})
        return arrays

    def _from_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        for name in self._saved_arrays:
            setattr(self, name, arrays[name])
        for name in self._saved_scalars:
            setattr(self, name, float(arrays[name]))

    def save(self, destination: PathOrFile) -> None:
        """Write the fitted model to a `.npz` path or a binary file object (no pickle)."""
        self._check_fitted()
        save_arrays(destination, type(self).__name__, self.get_params(), self._to_arrays())

    @classmethod
    def load(cls, source: PathOrFile):
        """Read a model written by `save` from a path or a binary file object."""
        params, arrays = load_arrays(source, cls.__name__)
        model = cls(**{**cls._defaults_of_older_archives, **params})
        model._from_arrays(arrays)
        return model
