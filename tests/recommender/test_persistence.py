import io

import numpy as np
import pytest

from recommender import ALS, BALSE, LASSO, Baseline


@pytest.fixture(scope="module")
def fitted_models(anime_small_split, anime_small, fitted_balse):
    X_train, y_train, _, _ = anime_small_split
    return [
        Baseline().fit(X_train, y_train),
        ALS(n_epochs=3).fit(X_train, y_train),
        LASSO().fit(X_train, y_train, item_tags=anime_small.item_tags),
        fitted_balse,
    ]


def _rows_with_unknown_ids(X_test: np.ndarray) -> np.ndarray:
    unknown = np.array([[-5, X_test[0, 1]], [X_test[0, 0], 10**9], [-5, 10**9]])
    return np.vstack([X_test, unknown])


@pytest.mark.parametrize("through", ["path", "bytes"])
def test_save_then_load_gives_identical_predictions_and_fold_in(
    fitted_models, anime_small_split, tmp_path, through
):
    _, _, X_test, _ = anime_small_split
    rows = _rows_with_unknown_ids(X_test)
    for model in fitted_models:
        if through == "path":
            target = tmp_path / f"{type(model).__name__}.npz"
            model.save(target)
            loaded = type(model).load(target)
        else:
            target = io.BytesIO()
            model.save(target)
            target.seek(0)
            loaded = type(model).load(target)
        np.testing.assert_array_equal(loaded.predict(rows), model.predict(rows))
        np.testing.assert_array_equal(loaded.items_, model.items_)
        assert loaded.get_params() == model.get_params()
        ratings = X_test[:20, 1], np.linspace(-2, 4, 20)
        np.testing.assert_array_equal(loaded.fold_in(*ratings), model.fold_in(*ratings))


def test_archive_is_readable_without_pickle_and_refuses_another_class(fitted_models, tmp_path):
    path = tmp_path / "als.npz"
    fitted_models[1].save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert "item_factors_" in archive.files
    with pytest.raises(ValueError, match="holds a ALS, not a LASSO"):
        LASSO.load(path)


def test_unknown_ids_never_give_nan(fitted_models, anime_small_split):
    _, _, X_test, _ = anime_small_split
    rows = _rows_with_unknown_ids(X_test)
    for model in fitted_models:
        predictions = model.predict(rows)
        assert predictions.shape == (rows.shape[0],)
        assert np.all(np.isfinite(predictions)), type(model).__name__
        assert np.all(np.isfinite(model.fold_in(np.array([10**9]), np.array([4.0]))))
        assert np.all(np.isfinite(model.fold_in(np.array([], dtype=np.int64), np.array([]))))


def test_same_seed_gives_the_same_blend(anime_small):
    first = BALSE(random_state=3).fit(anime_small.X, anime_small.y, item_tags=anime_small.item_tags)
    second = BALSE(random_state=3).fit(anime_small.X, anime_small.y, item_tags=anime_small.item_tags)
    assert (first.beta_, first.gamma_) == (second.beta_, second.gamma_)
    np.testing.assert_array_equal(first.predict(anime_small.X[:500]), second.predict(anime_small.X[:500]))


def test_fitted_model_keeps_no_reference_to_the_training_arrays(anime_small):
    X, y = anime_small.X.copy(), anime_small.y.copy()
    model = BALSE().fit(X, y, item_tags=anime_small.item_tags)
    for value in [*vars(model).values(), *vars(model.als_).values(), *vars(model.lasso_).values()]:
        if isinstance(value, np.ndarray):
            assert not np.shares_memory(value, X) and not np.shares_memory(value, y)
            assert value.shape != y.shape
