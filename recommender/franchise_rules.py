"""What a list does with franchises, as rules over a ranked list (the site and the benchmarks
apply the same functions).

- **Turned down**: a franchise the person disliked or won't see a part of, and liked none
  of, is left out (and so is any franchise they said "not interested" of).
- **Start with the first part**: a later part of a franchise the person has rated nothing of
  is replaced by the franchise's first part (its first series aired: ``first_parts``), listed
  where the later part ranked; a work already listed is not listed twice.

``franchise`` maps a raw item id to its franchise number (-1 for none): an array indexed by
item id, or any callable doing the same for an array of ids.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from recommender.choices import CHOICE_VALUES

LIKED_VALUE = CHOICE_VALUES["like"]
TURNED_DOWN_VALUE = CHOICE_VALUES["wontsee"]  # won't see, and dislike below it

FranchiseOf = Callable[[np.ndarray], np.ndarray]


def franchise_lookup(franchise: np.ndarray) -> FranchiseOf:
    """The franchise of each id (-1 outside the array)."""
    franchise = np.asarray(franchise, dtype=np.int64)

    def of(ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < franchise.size)
        return np.where(inside, franchise[np.where(inside, ids, 0)], -1)

    return of


def turned_down(franchise_of: FranchiseOf, item_ids, values, hidden_items=()) -> set[int]:
    """The franchises a person turned down (see the module's docstring)."""
    franchises = franchise_of(np.asarray(item_ids, dtype=np.int64))
    values = np.asarray(values, dtype=np.float64)
    inside = franchises >= 0
    liked = set(franchises[inside & (values >= LIKED_VALUE)].tolist())
    refused = set(franchises[inside & (values <= TURNED_DOWN_VALUE)].tolist()) - liked
    hidden = franchise_of(np.asarray(list(hidden_items), dtype=np.int64))
    return refused | (set(hidden.tolist()) - {-1})


def first_parts(franchise: np.ndarray, sort_key: Callable[[int], tuple]) -> dict[int, int]:
    """Each franchise's first part: the item of the smallest ``sort_key`` among its items."""
    firsts: dict[int, int] = {}
    for item in np.flatnonzero(np.asarray(franchise) >= 0).tolist():
        group = int(franchise[item])
        if group not in firsts or sort_key(item) < sort_key(firsts[group]):
            firsts[group] = item
    return firsts


def start_with_first_parts(
    order: list[int],
    franchise_of: FranchiseOf,
    firsts: dict[int, int],
    rated_items,
    allowed: Callable[[int], bool],
) -> tuple[list[int], dict[int, int]]:
    """``order`` with each later part of a franchise the person has rated nothing of replaced by
    the franchise's first part (when ``allowed``: it may be listed for this person); and, for
    each first part brought in so, the later part it stands for."""
    rated_franchises = set(franchise_of(np.asarray(rated_items, dtype=np.int64)).tolist()) - {-1}
    franchises = franchise_of(np.asarray(order, dtype=np.int64)).tolist()
    result, listed, stands_for = [], set(), {}
    for item, group in zip(order, franchises, strict=True):
        target = item
        if group >= 0 and group not in rated_franchises:
            first = firsts.get(group)
            if first is not None and first != item and allowed(first):
                target = first
        if target in listed:
            continue
        listed.add(target)
        result.append(target)
        if target != item:
            stands_for[target] = item
    return result, stands_for


class FranchiseAware:
    """A fitted-or-not list model whose ``recommend`` applies the rules above: for measuring
    what the site's lists do to a model's lists (bench.library_franchise_rules).

    ``first_part_key(item)`` orders a franchise's items (smallest first); items of franchise
    -1 are of no franchise.
    """

    def __init__(
        self,
        model,
        franchise: np.ndarray,
        first_part_key: Callable[[int], tuple] | None = None,
        *,
        turn_down: bool = True,
        first_part: bool = True,
    ):
        self.model = model
        self.turn_down, self.first_part = turn_down, first_part
        self.franchise = np.asarray(franchise, dtype=np.int64)
        self.franchise_of = franchise_lookup(self.franchise)
        self.firsts = first_parts(self.franchise, first_part_key or (lambda item: (item,)))
        self.uses_tags = getattr(model, "uses_tags", False)

    def fit(self, X, y, item_tags=None):
        from recommender.base import fit_model

        fit_model(self.model, X, y, item_tags)
        return self

    def recommend(self, item_ids, values, n=10, candidates=None, exclude_rated=True):
        refused = turned_down(self.franchise_of, item_ids, values) if self.turn_down else set()
        pool = self.model.items_ if candidates is None else np.asarray(candidates, dtype=np.int64)
        if refused:
            pool = pool[~np.isin(self.franchise_of(pool), list(refused))]
        listed = self.model.recommend(
            item_ids, values, n=2 * n + 10, candidates=pool, exclude_rated=exclude_rated
        )
        rated = set(np.asarray(item_ids).tolist())
        allowed_set = set(pool.tolist()) - (rated if exclude_rated else set())
        order = listed.item_ids.tolist()
        if self.first_part:
            order, _ = start_with_first_parts(
                order, self.franchise_of, self.firsts, item_ids, allowed_set.__contains__
            )
        kept = np.asarray(order[:n], dtype=np.int64)
        return type(listed)(kept, np.zeros(kept.size), listed.state)
