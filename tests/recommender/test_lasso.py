import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Lasso

from recommender import LASSO

# Items 0..3 with tags A (column 0) and B (column 1); item 4 exists only in the tag matrix.
TAGS = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]))


def test_user_who_likes_tag_a_gets_tag_a_items_above_tag_b_items_including_unseen_ones():
    X = np.array([[1, 0], [1, 1], [1, 2], [1, 3]])
    y = np.array([4.0, 4.0, -2.0, -2.0])
    model = LASSO(alpha=0.01).fit(X, y, item_tags=TAGS)
    assert model.items_.tolist() == [0, 1, 2, 3, 4]
    unseen_a, seen_b = model.predict(np.array([[1, 4], [1, 2]]))
    assert unseen_a > 3.0 and seen_b < -1.0
    tags = model.explain(model.user_state(X[:, 1], y), 4).tags
    assert tags and tags[0][0] == 0


def _lasso_objective(design, targets, coef, intercept, alpha):
    residual = targets - design @ coef - intercept
    return residual @ residual / (2 * targets.size) + alpha * np.abs(coef).sum()


def test_per_user_solution_matches_scikit_learn(anime_small_split, anime_small):
    X_train, y_train, _, _ = anime_small_split
    model = LASSO(alpha=0.05, tol=1e-10, max_iter=10_000).fit(
        X_train, y_train, item_tags=anime_small.item_tags
    )
    for row in (0, 7, 42):
        mine = X_train[:, 0] == model.users_[row]
        design = anime_small.item_tags[X_train[mine, 1]].toarray()
        reference = Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(design, y_train[mine])
        # Tags that coincide on a user's items make the minimiser non-unique: compare the
        # objective and the fitted values, which are unique.
        ours = _lasso_objective(design, y_train[mine], model.coef_[row], model.intercept_[row], 0.05)
        theirs = _lasso_objective(design, y_train[mine], reference.coef_, reference.intercept_, 0.05)
        assert ours == pytest.approx(theirs, abs=1e-9)
        fitted = design @ model.coef_[row] + model.intercept_[row]
        np.testing.assert_allclose(fitted, reference.predict(design), atol=1e-5)


def test_users_below_min_ratings_fall_back_to_the_baseline():
    X = np.array([[1, 0], [1, 1], [1, 2], [1, 3], [2, 0]])
    y = np.array([4.0, 4.0, -2.0, -2.0, 2.0])
    model = LASSO().fit(X, y, item_tags=TAGS)
    assert model.user_fitted_.tolist() == [True, False]
    rows = np.array([[2, 0], [2, 4], [9, 3]])
    np.testing.assert_allclose(model.predict(rows), model.baseline_.predict(rows))


def test_fold_in_reproduces_fitted_predictions_and_predictions_stay_in_range(anime_small, heavy_user):
    model = LASSO().fit(anime_small.X, anime_small.y, item_tags=anime_small.item_tags)
    mine = anime_small.X[:, 0] == heavy_user
    scores = model.fold_in(anime_small.X[mine, 1], anime_small.y[mine])
    fitted = model.predict(np.column_stack([np.full(model.items_.size, heavy_user), model.items_]))
    np.testing.assert_allclose(scores, fitted, atol=1e-9)
    assert scores.min() >= anime_small.y.min() and scores.max() <= anime_small.y.max()


def test_rejects_a_dense_tag_matrix():
    with pytest.raises(TypeError, match="scipy.sparse"):
        LASSO().fit(np.array([[1, 0]]), np.array([1.0]), item_tags=np.ones((1, 2)))
