import io

import numpy as np
import pytest

from recommender import BALSE
from recommender.evaluation import COLD_THRESHOLD, rmse, training_counts_of
from recommender.gate import fit_gate, gate


def test_gate_is_the_logistic_of_the_count_offset():
    np.testing.assert_allclose(
        gate(np.array([10.0, 12.0, 0.0]), beta=0.5, gamma=10.0, count_scale="linear"),
        [0.5, 1 / (1 + np.exp(-1)), 1 / (1 + np.exp(5))],
    )
    assert np.all(np.isfinite(gate(np.array([0.0, 1e9]), beta=50.0, gamma=1e6, count_scale="linear")))


def test_log_gate_is_the_logistic_of_log_one_plus_count():
    counts = np.array([0.0, 3.0, 9.0, 99.0, 1e12])
    weight = gate(counts, beta=1.5, gamma=np.log(10.0))  # both trusted equally at 9 ratings
    # σ(β(log(1 + R) − γ)) = (1 + R)^β / ((1 + R)^β + e^(βγ))
    np.testing.assert_allclose(weight, (1 + counts) ** 1.5 / ((1 + counts) ** 1.5 + 10.0**1.5))
    assert weight[2] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="count_scale"):
        gate(counts, 1.0, 1.0, count_scale="sqrt")


def _planted_blend(count_scale: str, beta: float, gamma: float, seed: int = 0):
    """Heavy-tailed counts, as in real data (median ~30, a few in the thousands), and a noisy
    target blended by a known gate."""
    rng = np.random.default_rng(seed)
    counts = np.floor(rng.lognormal(3.5, 1.5, 20_000))
    collaborative, content = rng.normal(size=counts.size), rng.normal(size=counts.size)
    weight = gate(counts, beta, gamma, count_scale)
    y = weight * collaborative + (1 - weight) * content + rng.normal(scale=0.5, size=counts.size)
    return counts, collaborative, content, y


@pytest.mark.parametrize("planted_beta, planted_gamma", [(0.3, 25.0), (1.5, 3.0)])
def test_linear_gate_learning_recovers_a_known_gate_among_few_rating_items(planted_beta, planted_gamma):
    counts, collaborative, content, y = _planted_blend("linear", planted_beta, planted_gamma)
    beta, gamma = fit_gate(counts, collaborative, content, y, count_scale="linear")
    assert beta == pytest.approx(planted_beta, rel=0.15)
    assert gamma == pytest.approx(planted_gamma, abs=1.0)


def test_log_gate_learning_recovers_a_known_gate_on_heavy_tailed_counts():
    planted = 1.5, np.log1p(5.0)  # both trusted equally at 5 ratings
    counts, collaborative, content, y = _planted_blend("log", *planted)
    beta, gamma = fit_gate(counts, collaborative, content, y, count_scale="log")
    assert beta == pytest.approx(planted[0], rel=0.1)
    assert gamma == pytest.approx(planted[1], abs=0.1)
    probe = np.array([0.0, 2.0, 5.0, 20.0, 200.0])
    np.testing.assert_allclose(gate(probe, beta, gamma), gate(probe, *planted), atol=0.02)

    # The same sigmoid on the raw count cannot follow it: its best fit errs more.
    def error(weight):
        return np.mean((weight * collaborative + (1 - weight) * content - y) ** 2)

    linear = fit_gate(counts, collaborative, content, y, count_scale="linear")
    assert error(gate(counts, beta, gamma)) < error(gate(counts, *linear, count_scale="linear"))


def test_gate_learning_refuses_misaligned_or_empty_rows():
    with pytest.raises(ValueError, match="one length"):
        fit_gate(np.zeros(3), np.zeros(3), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="no rows"):
        fit_gate(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))


def test_blend_reduces_to_als_for_popular_items_and_to_lasso_for_unseen_ones(fitted_balse, anime_small):
    buffer = io.BytesIO()
    fitted_balse.save(buffer)
    buffer.seek(0)
    model = BALSE.load(buffer)  # a copy: the shared fixture stays untouched
    model.beta_, model.gamma_ = 50.0, 1.0  # a steep gate makes both limits exact to float precision
    popular = int(model.items_[np.argmax(model.item_counts_)])
    unseen = 10**9  # never rated, no tags: count 0
    users = np.unique(anime_small.X[:, 0])[:5]
    on_popular = np.column_stack([users, np.full(5, popular)])
    on_unseen = np.column_stack([users, np.full(5, unseen)])
    np.testing.assert_allclose(model.predict(on_popular), model.als_.predict(on_popular), atol=1e-9)
    np.testing.assert_allclose(model.predict(on_unseen), model.lasso_.predict(on_unseen), atol=1e-8)


def test_learned_blend_beats_each_part_on_held_out_rows_and_on_cold_ones(anime_small_split, anime_small):
    X_train, y_train, X_test, y_test = anime_small_split
    model = BALSE().fit(X_train, y_train, item_tags=anime_small.item_tags)
    assert model.beta_ > 0
    cold = training_counts_of(X_train[:, 1], X_test[:, 1]) <= COLD_THRESHOLD
    for rows in (slice(None), cold):
        blend = rmse(model.predict(X_test[rows]), y_test[rows])
        assert blend < rmse(model.als_.predict(X_test[rows]), y_test[rows])
        assert blend < rmse(model.lasso_.predict(X_test[rows]), y_test[rows])


def test_count_scale_is_kept_by_save_and_load_and_checked_before_fitting(fitted_balse, anime_small):
    buffer = io.BytesIO()
    fitted_balse.save(buffer)
    buffer.seek(0)
    model = BALSE.load(buffer)
    model.count_scale = "linear"
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    loaded = BALSE.load(buffer)
    assert loaded.count_scale == "linear"
    counts = np.array([0.0, 5.0, 50.0])
    np.testing.assert_allclose(
        loaded.gate(counts), gate(counts, fitted_balse.beta_, fitted_balse.gamma_, count_scale="linear")
    )
    with pytest.raises(ValueError, match="count_scale"):
        BALSE(count_scale="sqrt").fit(anime_small.X, anime_small.y, item_tags=anime_small.item_tags)


def test_fold_in_of_a_training_user_reproduces_its_fitted_predictions(fitted_balse, anime_small, heavy_user):
    mine = anime_small.X[:, 0] == heavy_user
    scores = fitted_balse.fold_in(anime_small.X[mine, 1], anime_small.y[mine])
    items = fitted_balse.items_
    fitted = fitted_balse.predict(np.column_stack([np.full(items.size, heavy_user), items]))
    np.testing.assert_allclose(scores, fitted, atol=1e-6)


def test_new_user_gets_personal_predictions_from_three_ratings_on(fitted_balse):
    items = fitted_balse.als_.items_[:3].tolist()
    two = fitted_balse.fold_in(np.array(items[:2]), np.array([4.0, 4.0]))
    three_liked = fitted_balse.fold_in(np.array(items), np.array([4.0, 4.0, 4.0]))
    three_disliked = fitted_balse.fold_in(np.array(items), np.array([-2.0, -2.0, -2.0]))
    assert np.all(np.isfinite(two)) and two.shape == fitted_balse.items_.shape
    # With three ratings the LASSO part is personal: its prediction for an item depends on the tags.
    assert fitted_balse.lasso_.fold_in_user(np.array(items[:2]), np.array([4.0, 4.0])) is None
    assert fitted_balse.lasso_.fold_in_user(np.array(items), np.array([4.0, 4.0, 4.0])) is not None
    assert three_liked.mean() > three_disliked.mean()


def test_explain_lists_positive_tags_and_liked_neighbours(fitted_balse, anime_small, heavy_user):
    mine = anime_small.X[:, 0] == heavy_user
    rated, values = anime_small.X[mine, 1], anime_small.y[mine]
    scores = fitted_balse.fold_in(rated, values)
    unrated = np.flatnonzero(~np.isin(fitted_balse.items_, rated))
    target = int(fitted_balse.items_[unrated[np.argmax(scores[unrated])]])
    state = fitted_balse.user_state(rated, values)
    explanation = fitted_balse.explain(state, target, n_tags=3, n_neighbours=3, min_value=2.0)
    contributions = [value for _, value in explanation.tags]
    assert contributions == sorted(contributions, reverse=True) and all(value > 0 for value in contributions)
    tag_columns = anime_small.item_tags[target].indices.tolist()
    assert all(column in tag_columns for column, _ in explanation.tags)
    neighbours = explanation.neighbours
    assert len(neighbours) == 3
    assert all(item in set(rated[values >= 2.0].tolist()) for item, _ in neighbours)
    shares = [value for _, value in neighbours]
    assert shares == sorted(shares, reverse=True) and all(value > 0 for value in shares)


def test_an_archive_written_before_the_log_gate_keeps_its_raw_count_gate(fitted_balse):
    import json

    buffer = io.BytesIO()
    fitted_balse.save(buffer)
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    params = json.loads(str(arrays["__params__"]))
    del params["count_scale"]  # what an older release wrote
    arrays["__params__"] = np.array(json.dumps(params))
    older = io.BytesIO()
    np.savez(older, **arrays)
    older.seek(0)
    assert BALSE.load(older).count_scale == "linear"
