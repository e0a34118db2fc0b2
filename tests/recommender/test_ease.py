import io

import numpy as np
import pytest

from recommender import EASE, MostRated
from recommender.ease import CHOICE_WEIGHTS
from recommender.ease_reference import ease_reference


def random_ratings(seed: int = 0, n_users: int = 80, n_items: int = 30, n_rows: int = 900):
    rng = np.random.default_rng(seed)
    X = np.unique(
        np.column_stack([rng.integers(0, n_users, n_rows), rng.integers(0, n_items, n_rows)]), axis=0
    )
    y = rng.choice([value for value, _ in CHOICE_WEIGHTS], X.shape[0])
    return X, y


@pytest.mark.parametrize(
    "options",
    [
        dict(regularization=5.0, dropout=0.0, value_weights=None, intercept=False, popularity_exponent=0.0),
        dict(regularization=5.0),  # the served configuration: graded, dropout, intercept, damping
    ],
)
def test_fast_solver_agrees_with_the_dense_reference(options):
    X, y = random_ratings()
    model = EASE(max_neighbours=1000, **options).fit(X, y)
    full = {**EASE().get_params(), **options}
    items, weights, prior = ease_reference(
        X,
        model.input_weights(y),
        regularization=full["regularization"],
        dropout=full["dropout"],
        intercept=full["intercept"],
        popularity_exponent=full["popularity_exponent"],
    )
    np.testing.assert_array_equal(items, model.items_)
    np.testing.assert_allclose(model.weight_matrix().toarray(), weights, atol=2e-6)
    np.testing.assert_allclose(model.intercept_, prior, atol=2e-6)


def test_scores_of_a_training_user_are_their_ratings_times_the_weights():
    X, y = random_ratings(seed=1)
    options = dict(regularization=5.0, dropout=0.25, intercept=True, popularity_exponent=0.1)
    model = EASE(max_neighbours=1000, **options).fit(X, y)
    _, weights, prior = ease_reference(X, model.input_weights(y), **options)
    for user in (0, 7, 42):
        mine = X[:, 0] == user
        dense = np.zeros(model.items_.size)
        dense[np.searchsorted(model.items_, X[mine, 1])] = model.input_weights(y[mine])
        state = model.user_state(X[mine, 1], y[mine])
        np.testing.assert_allclose(model.score(state), dense @ weights + prior, atol=1e-5)
        np.testing.assert_allclose(model.fold_in(X[mine, 1], y[mine]), model.score(state))


def test_the_held_out_item_of_each_block_comes_back_first():
    """People rate every work of their block but one: EASE must list that one first."""
    rows, missing = [], {}
    for user in range(60):
        block = user % 3
        items = np.arange(10) + 10 * block
        missing[user] = int(items[user % 10])
        rows += [(user, item) for item in items if item != missing[user]]
    X = np.array(rows)
    model = EASE(regularization=1.0, popularity_exponent=0.0).fit(X, np.full(len(rows), 2.0))
    for user in range(60):
        given = X[X[:, 0] == user, 1]
        listed = model.recommend(given, np.full(given.size, 2.0), n=1)
        assert listed.item_ids.tolist() == [missing[user]]
        assert not np.isin(listed.item_ids, given).any()


def test_explanation_names_the_rated_items_that_raise_the_score():
    X, y = random_ratings(seed=2)
    model = EASE(regularization=5.0, max_neighbours=1000).fit(X, y)
    mine = X[:, 0] == 3
    state = model.user_state(X[mine, 1], y[mine])
    listed = model.recommend(X[mine, 1], y[mine], n=3)
    for item, score in zip(listed.item_ids, listed.scores, strict=True):
        why = model.explain(state, int(item), n_neighbours=100)
        # Every positive contribution is named: with the negative ones and the prior they add up.
        negative = sum(
            weight
            * model.weight_matrix()[np.searchsorted(model.items_, rated), np.searchsorted(model.items_, item)]
            for rated, weight in zip(X[mine, 1], model.input_weights(y[mine]), strict=True)
        ) - sum(w for _, w in why.neighbours)
        prior = model.intercept_[np.searchsorted(model.items_, item)]
        assert sum(w for _, w in why.neighbours) + negative + prior == pytest.approx(score, abs=1e-5)
        assert all(w > 0 for _, w in why.neighbours) and set(i for i, _ in why.neighbours) <= set(X[mine, 1])
        weights = [w for _, w in why.neighbours]
        assert weights == sorted(weights, reverse=True)
    assert not model.explain(state, 10**9)  # unknown item: nothing to say


def test_a_favorite_pulls_harder_than_a_like_and_a_dislike_no_more_than_either():
    X, y = random_ratings(seed=3)
    model = EASE().fit(X, y)
    item = int(model.items_[0])
    scores = {value: model.score(model.user_state([item], [value])) for value in (4.0, 2.0, -2.0)}
    prior = model.intercept_
    pull = {value: scores[value] - prior for value in scores}
    favorite, like, dislike = model.input_weights(np.array([4.0, 2.0, -2.0]))
    assert favorite > like > dislike >= 0
    np.testing.assert_allclose(pull[4.0], favorite / like * pull[2.0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(pull[-2.0], dislike / like * pull[2.0], rtol=1e-6, atol=1e-9)


def test_one_rating_or_none_still_ranks_by_the_learned_popularity():
    X, y = random_ratings(seed=4)
    model = EASE(regularization=5.0).fit(X, y)
    empty = model.recommend([], [], n=5)
    np.testing.assert_array_equal(
        empty.item_ids, model.items_[np.argsort(-model.intercept_, kind="stable")[:5]]
    )
    assert np.isfinite(model.fold_in([10**9], [4.0])).all()  # an unknown item is ignored


def test_candidates_and_rated_items_are_respected():
    X, y = random_ratings(seed=5)
    model = EASE().fit(X, y)
    rated = X[X[:, 0] == 1, 1]
    candidates = np.array([0, 1, 2, 3, 10**9])
    listed = model.recommend(rated, np.full(rated.size, 2.0), n=10, candidates=candidates)
    assert set(listed.item_ids) <= set(candidates) - set(rated) - {10**9}
    assert list(listed.scores) == sorted(listed.scores, reverse=True)


def test_pruning_keeps_the_strongest_weights_of_each_row():
    X, y = random_ratings(seed=6)
    full = EASE(regularization=5.0, max_neighbours=1000).fit(X, y).weight_matrix().toarray()
    pruned = EASE(regularization=5.0, max_neighbours=4).fit(X, y).weight_matrix().toarray()
    assert (np.count_nonzero(pruned, axis=1) <= 4).all()
    for row in range(full.shape[0]):
        kept = np.flatnonzero(pruned[row])
        np.testing.assert_allclose(pruned[row, kept], full[row, kept], atol=1e-6)
        dropped = np.setdiff1d(np.flatnonzero(full[row]), kept)
        assert np.abs(full[row, dropped]).max(initial=0) <= np.abs(full[row, kept]).min() + 1e-6


def test_similar_items_stay_inside_their_block():
    rng = np.random.default_rng(7)
    rows = [(u, i) for u in range(90) for i in rng.choice(np.arange(12) + 12 * (u % 3), 8, replace=False)]
    X = np.array(rows)
    model = EASE(regularization=2.0).fit(X, np.full(len(rows), 2.0))
    for item in (0, 13, 30):
        similar = model.similar_items(item, n=5)
        assert len(similar) == 5 and item not in [i for i, _ in similar]
        assert all(other // 12 == item // 12 for other, _ in similar)
        scores = [s for _, s in similar]
        assert scores == sorted(scores, reverse=True)
    assert model.similar_items(10**9) == []


def test_save_and_load_serve_the_same_lists():
    X, y = random_ratings(seed=8)
    model = EASE().fit(X, y)
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = EASE.load(buffer)
    assert loaded.get_params() == {**model.get_params(), "value_weights": [list(p) for p in CHOICE_WEIGHTS]}
    rated = X[X[:, 0] == 2]
    first = model.recommend(rated[:, 1], y[X[:, 0] == 2], n=10)
    again = loaded.recommend(rated[:, 1], y[X[:, 0] == 2], n=10)
    np.testing.assert_array_equal(first.item_ids, again.item_ids)
    np.testing.assert_allclose(first.scores, again.scores)


def test_bad_input_is_refused_clearly():
    X, y = random_ratings(seed=9)
    with pytest.raises(ValueError, match="rating value 3.5 has no input weight"):
        EASE().fit(X, np.where(np.arange(y.size) == 0, 3.5, y))
    with pytest.raises(ValueError, match="dropout"):
        EASE(dropout=1.0).fit(X, y)
    with pytest.raises(ValueError, match="zero ratings"):
        EASE().fit(np.empty((0, 2)), np.empty(0))


def test_most_rated_lists_by_count_and_skips_what_was_rated():
    X = np.array([[0, 5], [1, 5], [2, 5], [0, 6], [1, 6], [0, 7]])
    model = MostRated().fit(X)
    assert model.recommend([], [], n=3).item_ids.tolist() == [5, 6, 7]
    assert model.recommend([5], [2.0], n=3).item_ids.tolist() == [6, 7]
