"""The franchise rules over a ranked list (recommender/franchise_rules.py)."""

import numpy as np

from recommender.franchise_rules import (
    FranchiseAware,
    first_parts,
    franchise_lookup,
    start_with_first_parts,
    turned_down,
)
from recommender.popularity import MostRated

# Items 0-2: franchise 0 (0 is its first part); 3-4: franchise 1 (4 first); 5, 6: none.
FRANCHISE = np.array([0, 0, 0, 1, 1, -1, -1])
OF = franchise_lookup(FRANCHISE)


def test_a_franchise_is_turned_down_by_a_dislike_or_wont_see_unless_another_part_is_liked():
    assert turned_down(OF, [1], [-2.0]) == {0}
    assert turned_down(OF, [1, 3], [-0.5, -2.0]) == {0, 1}
    assert turned_down(OF, [1, 2], [-2.0, 2.0]) == set()  # a part liked
    assert turned_down(OF, [1], [0.1]) == set()  # neutral is not a refusal
    assert turned_down(OF, [5], [-2.0]) == set()  # a work of no franchise
    assert turned_down(OF, [], [], hidden_items=[3, 6]) == {1}  # "not interested", franchise or not


def test_a_later_part_gives_its_place_to_the_first_part_once():
    firsts = first_parts(FRANCHISE, lambda item: (0 if item in (0, 4) else 1, item))
    assert firsts == {0: 0, 1: 4}
    order, stands_for = start_with_first_parts(
        [2, 5, 1, 3, 6], OF, firsts, rated_items=[], allowed=lambda i: True
    )
    assert order == [0, 5, 4, 6] and stands_for == {0: 2, 4: 3}
    # Rated a part: the franchise is the person's, the later parts stay.
    order, _ = start_with_first_parts([2, 3], OF, firsts, rated_items=[1], allowed=lambda i: True)
    assert order == [2, 4]
    # The first part cannot be listed (rated elsewhere, hidden, not in the season): no change.
    order, stands_for = start_with_first_parts([2], OF, firsts, rated_items=[], allowed=lambda i: i != 0)
    assert order == [2] and stands_for == {}


def test_the_wrapper_measures_a_model_with_the_rules():
    X = np.array([[u, i] for u in range(6) for i in (0, 1, 2, 3, 4, 5, 6) if (u + i) % 3], dtype=np.int64)
    y = np.full(X.shape[0], 2.0)
    model = FranchiseAware(MostRated(), FRANCHISE, lambda item: (item,)).fit(X, y)
    listed = model.recommend([6], [-2.0], n=5).item_ids.tolist()
    assert set(listed) <= {0, 3, 5}  # later parts replaced by first parts; rated 6 left out
    disliked = model.recommend([1], [-2.0], n=5).item_ids.tolist()
    assert not set(disliked) & {0, 1, 2}
