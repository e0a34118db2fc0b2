import numpy as np
import pytest

from recommender import ALS
from recommender.topk import top_k


def _checkerboard(n_users: int = 12, n_items: int = 12):
    """Users and items in two groups; +1 within a group, −1 across."""
    user_group = np.arange(n_users) % 2
    item_group = np.arange(n_items) % 2
    users, items = np.meshgrid(np.arange(n_users), np.arange(n_items), indexing="ij")
    values = np.where(user_group[users] == item_group[items], 1.0, -1.0)
    return users.ravel(), items.ravel(), values.ravel()


def test_fold_in_is_the_ridge_solve_worked_on_paper():
    # One factor; items 7 and 8 have factors 1 and 2, zero biases; μ = 0.
    model = ALS(n_factors=1, regularization=0.1, bias_regularization=0.1, min_ratings=2)
    model.items_ = np.array([7, 8])
    model.item_factors_ = np.array([[1.0], [2.0]])
    model.item_bias_ = np.zeros(2)
    model.global_mean_ = 0.0
    model.rating_min_, model.rating_max_ = -10.0, 10.0
    # Design [[1, 1], [2, 1]] (factor, bias column): Gram [[5, 3], [3, 2]]; the factor's penalty is
    # weighted by the count (0.1·2), the bias's is fixed (0.1): [[5.2, 3], [3, 2.1]].
    # Right-hand side [1·1 + 2·2, 1 + 2] = [5, 3]; determinant 5.2·2.1 − 9 = 1.92.
    factors, bias = model.fold_in_user(np.array([7, 8]), np.array([1.0, 2.0]))
    assert factors[0] == pytest.approx((2.1 * 5 - 3 * 3) / 1.92)
    assert bias == pytest.approx((5.2 * 3 - 3 * 5) / 1.92)
    np.testing.assert_allclose(
        model.fold_in(np.array([7, 8]), np.array([1.0, 2.0])), factors[0] * np.array([1, 2]) + bias
    )


def test_rank_one_matrix_with_biases_is_recovered():
    rng = np.random.default_rng(3)
    user_effect, item_effect = rng.normal(size=8), rng.normal(size=6)
    taste, trait = rng.normal(size=8), rng.normal(size=6)
    users, items = np.meshgrid(np.arange(8), np.arange(6), indexing="ij")
    values = 3 + user_effect[users] + item_effect[items] + np.outer(taste, trait)
    X = np.column_stack([users.ravel(), items.ravel()])
    model = ALS(n_factors=1, regularization=1e-6, bias_regularization=1e-6, n_epochs=200).fit(
        X, values.ravel()
    )
    np.testing.assert_allclose(model.predict(X), values.ravel(), atol=1e-3)


def test_checkerboard_held_out_cells_come_back_with_the_right_sign_and_on_top():
    users, items, values = _checkerboard()
    held_out = (users + 2 * items) % 5 == 0  # a scattered fifth of the cells
    X = np.column_stack([users, items])
    model = ALS(n_factors=2, regularization=0.05, n_epochs=30).fit(X[~held_out], values[~held_out])
    predictions = model.predict(X[held_out])
    assert np.all(np.sign(predictions) == values[held_out])
    # For each user, fold-in ranks the held-out items of its own group above those of the other group.
    for user in range(12):
        mine = users == user
        rated, unrated = items[mine & ~held_out], items[mine & held_out]
        scores = model.fold_in(rated, values[mine & ~held_out])
        n_own = int(np.sum(unrated % 2 == user % 2))
        best = model.items_[top_k(scores, n_own, exclude=np.searchsorted(model.items_, rated))]
        assert sorted(best.tolist()) == sorted(unrated[unrated % 2 == user % 2].tolist())


def test_reference_and_compiled_solvers_agree(anime_small_split):
    X_train, y_train, X_test, _ = anime_small_split
    fast = ALS(n_epochs=3, solver="numba").fit(X_train, y_train)
    reference = ALS(n_epochs=3, solver="reference").fit(X_train, y_train)
    np.testing.assert_allclose(fast.item_factors_, reference.item_factors_, atol=1e-8)
    np.testing.assert_allclose(fast.user_bias_, reference.user_bias_, atol=1e-8)
    np.testing.assert_allclose(fast.predict(X_test), reference.predict(X_test), atol=1e-8)


def test_same_seed_same_model_and_another_seed_another(anime_small_split):
    X_train, y_train, _, _ = anime_small_split
    first = ALS(n_epochs=2, random_state=5).fit(X_train, y_train)
    second = ALS(n_epochs=2, random_state=5).fit(X_train, y_train)
    other = ALS(n_epochs=2, random_state=6).fit(X_train, y_train)
    np.testing.assert_array_equal(first.item_factors_, second.item_factors_)
    assert not np.allclose(first.item_factors_, other.item_factors_)


def test_beats_the_baseline_on_low_rank_synthetic_ratings():
    from recommender import Baseline
    from recommender.evaluation import rmse, train_mask
    from recommender.synthetic import synthetic_ratings

    X, y = synthetic_ratings(300, 100, 12_000, n_factors=3, noise=0.2, random_state=1)
    train = train_mask(y.size)
    als = rmse(ALS().fit(X[train], y[train]).predict(X[~train]), y[~train])
    baseline = rmse(Baseline().fit(X[train], y[train]).predict(X[~train]), y[~train])
    assert als < 0.8 * baseline


def test_unknown_users_and_items_get_the_bias_fallback_never_nan():
    users, items, values = _checkerboard()
    model = ALS(n_factors=2, n_epochs=3).fit(np.column_stack([users, items]), values)
    predictions = model.predict(np.array([[100, 0], [0, 100], [100, 100]]))
    assert np.all(np.isfinite(predictions))
    assert predictions[0] == pytest.approx(np.clip(model.global_mean_ + model.item_bias_[0], -1, 1))
    assert predictions[2] == pytest.approx(model.global_mean_)


def test_fold_in_of_a_training_user_reproduces_its_fitted_predictions(anime_small, heavy_user):
    model = ALS().fit(anime_small.X, anime_small.y)
    mine = anime_small.X[:, 0] == heavy_user
    scores = model.fold_in(anime_small.X[mine, 1], anime_small.y[mine])
    fitted = model.predict(np.column_stack([np.full(model.items_.size, heavy_user), model.items_]))
    np.testing.assert_allclose(scores, fitted, atol=1e-6)


def test_fold_in_below_three_ratings_falls_back_to_item_biases(anime_small):
    model = ALS().fit(anime_small.X, anime_small.y)
    item = int(model.items_[0])
    scores = model.fold_in(np.array([item, int(model.items_[1])]), np.array([4.0, 4.0]))
    expected = (
        model.global_mean_ + model.item_bias_ + (8 - 2 * model.global_mean_ - model.item_bias_[:2].sum()) / 17
    )
    np.testing.assert_allclose(scores, np.clip(expected, model.rating_min_, model.rating_max_))


def test_similar_items_are_sorted_by_cosine_and_exclude_the_item(anime_small):
    model = ALS().fit(anime_small.X, anime_small.y)
    item = int(model.items_[np.argmax(np.bincount(np.searchsorted(model.items_, anime_small.X[:, 1])))])
    similar = model.similar_items(item, n=5)
    assert len(similar) == 5 and item not in [other for other, _ in similar]
    unit = model.item_factors_ / np.linalg.norm(model.item_factors_, axis=1, keepdims=True)
    cosine = unit @ unit[np.searchsorted(model.items_, item)]
    cosine[np.searchsorted(model.items_, item)] = -np.inf
    assert [other for other, _ in similar] == [int(i) for i in model.items_[np.argsort(-cosine)[:5]]]
    assert model.similar_items(-1, n=5) == []
