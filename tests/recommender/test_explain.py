"""Neighbours of an explanation ("because you liked X"): the rule every model shares.

A rated item may be named when it raises the explained item's score and, when the caller gives
``min_value``, was rated at least that; the filter comes before the cut to ``n_neighbours``.
Each model's contributions are recomputed here from its definition, not from its code.
"""

import numpy as np
import pytest

from recommender import ALS, EASE, LASSO, Baseline, MostRated
from recommender.choices import CHOICE_VALUES

LIKED = CHOICE_VALUES["like"]
N_TARGETS = 12


@pytest.fixture(scope="module")
def fitted_ease(anime_small):
    return EASE().fit(anime_small.X, anime_small.y)


@pytest.fixture(scope="module")
def fitted_als(anime_small):
    return ALS().fit(anime_small.X, anime_small.y)


@pytest.fixture(scope="module")
def mixed_ratings(anime_small, heavy_user):
    """A few liked works among many that are not: two favorites and two likes of the heaviest
    rater, with all their dislikes and 150 of their neutrals (distinct item ids)."""
    mine = anime_small.X[:, 0] == heavy_user
    rated, values = anime_small.X[mine, 1], anime_small.y[mine]
    keep = []
    for value, count in ((4.0, 2), (2.0, 2), (-2.0, None), (0.1, 150)):
        keep.extend(np.flatnonzero(values == value)[:count].tolist())
    keep = np.array(keep)
    assert np.unique(rated[keep]).size == keep.size
    return rated[keep], values[keep]


def _check_neighbours(named, contributions, values, n_neighbours, min_value):
    """``named`` follows the rule, given each rated item's contribution and value."""
    eligible = {item for item, share in contributions.items() if share > 1e-9}
    if min_value is not None:
        eligible = {item for item in eligible if values[item] >= min_value}
    items = [item for item, _ in named]
    weights = [weight for _, weight in named]
    assert len(items) == len(set(items)) == min(n_neighbours, len(eligible))
    assert set(items) <= eligible
    assert weights == sorted(weights, reverse=True) and all(weight > 0 for weight in weights)
    for item, weight in named:
        assert weight == pytest.approx(contributions[item], rel=1e-4, abs=1e-6)
    # The strongest eligible ones: none left out is stronger than the weakest named.
    left_out = [contributions[item] for item in eligible - set(items)]
    if items and left_out:
        assert max(left_out) <= min(weights) + 1e-6


def _top_unfiltered_includes_a_lower_value(contributions, values, n_neighbours):
    strongest = sorted(contributions, key=lambda item: -contributions[item])[:n_neighbours]
    return any(contributions[item] > 0 and values[item] < LIKED for item in strongest)


def _ease_contributions(model, rated, values, target):
    """x_j × B[j, target] with the served (pruned) weights."""
    weights = model.weight_matrix().toarray()
    rows = np.searchsorted(model.items_, rated)
    column = weights[:, np.searchsorted(model.items_, target)]
    return dict(zip(rated.tolist(), (model.input_weights(values) * column[rows]).tolist(), strict=True))


def _als_contributions(model, rated, values):
    """Each rating's share of every item's unclipped prediction: the prediction minus the one
    with that rating at its expected value μ + b_j (the fold-in is linear in r − μ − b)."""

    def predictions(these_values):
        factors, bias = model.fold_in_user(rated, these_values)
        return model.item_factors_ @ factors + model.item_bias_ + model.global_mean_ + bias

    full = predictions(values)
    expected = model.global_mean_ + model.item_bias_[np.searchsorted(model.items_, rated)]
    shares = {}
    for j, item in enumerate(rated.tolist()):
        neutralised = values.copy()
        neutralised[j] = expected[j]
        shares[item] = full - predictions(neutralised)
    return full, shares


def _targets(model, rated, values):
    return [int(item) for item in model.recommend(rated, values, n=N_TARGETS).item_ids]


@pytest.mark.parametrize("n_neighbours", [3, 10])
def test_ease_names_only_liked_ratings_when_asked(fitted_ease, mixed_ratings, n_neighbours):
    rated, values = mixed_ratings
    value_of = dict(zip(rated.tolist(), values.tolist(), strict=True))
    state = fitted_ease.user_state(rated, values)
    crowded = 0
    for target in _targets(fitted_ease, rated, values):
        contributions = _ease_contributions(fitted_ease, rated, values, target)
        liked = fitted_ease.explain(state, target, n_neighbours=n_neighbours, min_value=LIKED).neighbours
        assert all(value_of[item] >= LIKED for item, _ in liked)
        _check_neighbours(liked, contributions, value_of, n_neighbours, LIKED)
        # Without min_value: every rated item that raises the score, as before.
        anything = fitted_ease.explain(state, target, n_neighbours=n_neighbours).neighbours
        _check_neighbours(anything, contributions, value_of, n_neighbours, None)
        assert (
            anything
            == fitted_ease.explain(state, target, n_neighbours=n_neighbours, min_value=None).neighbours
        )
        crowded += _top_unfiltered_includes_a_lower_value(contributions, value_of, n_neighbours)
    assert crowded  # the filter was put to the test: lower values were among the strongest


@pytest.mark.parametrize("n_neighbours", [3, 10])
def test_als_names_only_liked_ratings_when_asked(fitted_als, mixed_ratings, n_neighbours):
    rated, values = mixed_ratings
    value_of = dict(zip(rated.tolist(), values.tolist(), strict=True))
    state = fitted_als.user_state(rated, values)
    full, shares = _als_contributions(fitted_als, rated, values)
    crowded = 0
    for target in _targets(fitted_als, rated, values):
        row = int(np.searchsorted(fitted_als.items_, target))
        contributions = {item: float(share[row]) for item, share in shares.items()}
        # The shares add up to the personal part of the prediction.
        personal = full[row] - fitted_als.global_mean_ - fitted_als.item_bias_[row]
        assert sum(contributions.values()) == pytest.approx(personal, abs=1e-9)
        liked = fitted_als.explain(state, target, n_neighbours=n_neighbours, min_value=LIKED).neighbours
        assert all(value_of[item] >= LIKED for item, _ in liked)
        _check_neighbours(liked, contributions, value_of, n_neighbours, LIKED)
        anything = fitted_als.explain(state, target, n_neighbours=n_neighbours).neighbours
        _check_neighbours(anything, contributions, value_of, n_neighbours, None)
        crowded += _top_unfiltered_includes_a_lower_value(contributions, value_of, n_neighbours)
    assert crowded


@pytest.mark.parametrize("n_neighbours", [3, 10])
def test_balse_names_only_liked_ratings_when_asked(fitted_balse, mixed_ratings, n_neighbours):
    rated, values = mixed_ratings
    value_of = dict(zip(rated.tolist(), values.tolist(), strict=True))
    state = fitted_balse.user_state(rated, values)
    als = fitted_balse.als_
    _, shares = _als_contributions(als, rated, values)
    crowded = 0
    for target in _targets(fitted_balse, rated, values):
        if target not in set(als.items_.tolist()):
            continue
        gate = fitted_balse.gate(fitted_balse.item_counts_[np.searchsorted(fitted_balse.items_, [target])])[0]
        row = int(np.searchsorted(als.items_, target))
        # The blend's share of each rating: its ALS share times ALS's weight g for this item.
        contributions = {item: float(gate * share[row]) for item, share in shares.items()}
        liked = fitted_balse.explain(state, target, n_tags=0, n_neighbours=n_neighbours, min_value=LIKED)
        assert all(value_of[item] >= LIKED for item, _ in liked.neighbours)
        _check_neighbours(liked.neighbours, contributions, value_of, n_neighbours, LIKED)
        anything = fitted_balse.explain(state, target, n_tags=0, n_neighbours=n_neighbours).neighbours
        _check_neighbours(anything, contributions, value_of, n_neighbours, None)
        crowded += _top_unfiltered_includes_a_lower_value(contributions, value_of, n_neighbours)
    assert crowded


def test_a_state_built_by_hand_is_explained_like_a_folded_one(fitted_ease, fitted_als, mixed_ratings):
    from recommender.base import UserState

    rated, values = mixed_ratings
    for model in (fitted_ease, fitted_als):
        folded = model.user_state(rated, values)
        target = _targets(model, rated, values)[0]
        parameters = {
            key: value for key, value in folded.parameters.items() if key not in {"distinct", "fold_in"}
        }
        by_hand = UserState(rated, values, parameters)
        for min_value in (None, LIKED):
            assert (
                model.explain(by_hand, target, n_neighbours=5, min_value=min_value).neighbours
                == model.explain(folded, target, n_neighbours=5, min_value=min_value).neighbours
            )


def test_below_the_fold_in_threshold_als_names_no_neighbour(fitted_als, mixed_ratings):
    rated, values = mixed_ratings
    state = fitted_als.user_state(rated[:2], values[:2])  # two favorites: the fallback bias
    assert not fitted_als.explain(state, int(fitted_als.items_[0])).neighbours
    assert not fitted_als.explain(fitted_als.user_state(rated, values), 10**9)  # unknown item


def test_models_without_neighbours_take_min_value_too(anime_small, mixed_ratings):
    rated, values = mixed_ratings
    target = int(anime_small.X[0, 1])
    models = (
        LASSO().fit(anime_small.X, anime_small.y, item_tags=anime_small.item_tags),
        Baseline().fit(anime_small.X, anime_small.y),
        MostRated().fit(anime_small.X, anime_small.y),
    )
    for model in models:
        state = model.user_state(rated, values)
        assert model.explain(state, target, n_neighbours=3, min_value=LIKED).neighbours == []
