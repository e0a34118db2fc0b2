import numpy as np
import pytest

from recommender import Baseline
from recommender.evaluation import evaluate, kfold_masks, train_mask, training_counts_of


def test_split_is_the_protocol_mask():
    np.testing.assert_array_equal(train_mask(1000), np.random.default_rng(0).random(1000) < 0.8)


def test_kfold_tests_every_row_exactly_once():
    masks = list(kfold_masks(103, 4))
    assert len(masks) == 4
    np.testing.assert_array_equal(np.sum([~mask for mask in masks], axis=0), np.ones(103))


def test_cold_and_freeze_rows_follow_training_counts():
    # Item 1 has 11 training ratings (warm), item 2 has 2 (cold), item 3 none (cold and freeze).
    train_items = np.array([1] * 11 + [2] * 2)
    counts = training_counts_of(train_items, np.array([1, 2, 3]))
    assert counts.tolist() == [11, 2, 0]
    X_train = np.column_stack([np.arange(13), train_items])
    y_train = np.where(train_items == 1, 2.0, 0.0)
    X_test = np.array([[0, 1], [0, 2], [0, 3]])
    result = evaluate(Baseline, X_train, y_train, X_test, np.array([2.0, 0.0, 1.0]))
    assert (result.n_test, result.n_cold, result.n_freeze) == (3, 2, 1)
    predictions = Baseline().fit(X_train, y_train).predict(X_test)
    assert result.rmse_freeze == pytest.approx(abs(predictions[2] - 1.0))
