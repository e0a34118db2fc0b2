import numpy as np
import pytest

from recommender import Baseline

# Three ratings: user 1 rates items 10 and 20, user 2 rates item 10.
X = np.array([[1, 10], [1, 20], [2, 10]])
y = np.array([4.0, 2.0, 2.0])


def test_one_epoch_matches_the_closed_form_on_paper():
    model = Baseline(user_regularization=1.0, item_regularization=1.0, n_epochs=1).fit(X, y)
    mean = 8 / 3
    # Items first, users at zero: b_i = Σ(r − μ) / (λ_i + n_i).
    b10 = ((4 - mean) + (2 - mean)) / (1 + 2)
    b20 = (2 - mean) / (1 + 1)
    # Then users against those item biases.
    b1 = ((4 - mean - b10) + (2 - mean - b20)) / (1 + 2)
    b2 = (2 - mean - b10) / (1 + 1)
    assert model.global_mean_ == pytest.approx(mean)
    np.testing.assert_allclose(model.item_bias_, [b10, b20])
    np.testing.assert_allclose(model.user_bias_, [b1, b2])
    np.testing.assert_allclose(model.predict(np.array([[1, 20]])), [mean + b1 + b20])


def test_unknown_ids_get_zero_bias_and_finite_predictions():
    model = Baseline(n_epochs=3).fit(X, y)
    predictions = model.predict(np.array([[99, 10], [1, 99], [99, 99]]))
    assert np.all(np.isfinite(predictions))
    assert predictions[2] == pytest.approx(model.global_mean_)
    assert predictions[0] == pytest.approx(model.global_mean_ + model.item_bias_[0])


def test_fold_in_of_a_training_user_matches_its_fitted_bias():
    model = Baseline(user_regularization=2.0, n_epochs=5).fit(X, y)
    scores = model.fold_in(np.array([10, 20]), np.array([4.0, 2.0]))
    np.testing.assert_allclose(scores, model.predict(np.array([[1, 10], [1, 20]])))
