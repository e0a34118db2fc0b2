"""List statuses as evidence (recommender/status_signals.py): the simulation, the inputs, the rule."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.choices import CHOICE_VALUES
from recommender.ease import EASE
from recommender.list_evaluation import ListSplit, evaluate_lists, list_split
from recommender.popularity import MostRated
from recommender.status_signals import (
    COMPLETED,
    DROPPED,
    NO_STATUS,
    STATUS_CODES,
    WATCHING,
    ImportShape,
    Measured,
    StatusFoldIn,
    beats,
    coded_values,
    fit_ease,
    main,
    measure,
    paired_gain,
    simulate_statuses,
    status_weights,
)

LIKE, DISLIKE = CHOICE_VALUES["like"], CHOICE_VALUES["dislike"]


@pytest.fixture(scope="module")
def simulated(anime_small):
    split = list_split(anime_small.X, seed=0)
    return split, simulate_statuses(anime_small.y, split.train)


def test_held_out_rows_and_newcomers_keep_their_ratings(anime_small, simulated):
    split, status = simulated
    assert (status[~split.train] == NO_STATUS).all()
    values = coded_values(anime_small.y, status)
    assert np.array_equal(values[split.held_out], anime_small.y[split.held_out])
    assert np.array_equal(values[split.newcomer], anime_small.y[split.newcomer])
    assert set(np.unique(status[split.train])) == {NO_STATUS, DROPPED, WATCHING, COMPLETED}


def test_the_simulation_is_deterministic_for_a_seed(anime_small, simulated):
    split, status = simulated
    assert np.array_equal(simulate_statuses(anime_small.y, split.train), status)
    other = simulate_statuses(anime_small.y, split.train, ImportShape(seed=1))
    assert not np.array_equal(other, status)


def test_a_rows_fate_does_not_depend_on_the_other_rows(anime_small, simulated):
    split, status = simulated
    fewer = split.train & (anime_small.X[:, 0] % 2 == 0)
    assert np.array_equal(simulate_statuses(anime_small.y, fewer)[fewer], status[fewer])


def test_each_status_comes_from_the_choices_it_should_in_the_shares_given(anime_small, simulated):
    split, status = simulated
    y, train = anime_small.y, split.train
    liked = train & (y >= LIKE)
    dislike, neutral = train & (y == DISLIKE), train & np.isclose(y, CHOICE_VALUES["neutral"])
    assert set(np.unique(y[status == WATCHING])) <= {LIKE, CHOICE_VALUES["favorite"]}
    assert (dislike | neutral)[status == DROPPED].all()
    assert (status[liked] == WATCHING).mean() == pytest.approx(0.10, abs=0.02)
    assert (status[dislike] == DROPPED).mean() == pytest.approx(0.50, abs=0.05)
    assert (status[neutral] == DROPPED).mean() == pytest.approx(0.20, abs=0.03)
    rest = train & (status != DROPPED) & (status != WATCHING)
    assert (status[rest] == COMPLETED).mean() == pytest.approx(0.15, abs=0.02)


def test_will_see_and_wont_see_never_get_a_status_and_nothing_is_planned():
    y = np.array([CHOICE_VALUES["willsee"], CHOICE_VALUES["wontsee"]] * 500)
    shape = ImportShape(watching=1.0, dropped_dislike=1.0, dropped_neutral=1.0, completed=1.0)
    assert (simulate_statuses(y, np.ones(y.size, dtype=bool), shape) == NO_STATUS).all()


class Spy:
    """Records what a ranker is handed."""

    def __init__(self, model):
        self.model, self.calls = model, []

    def recommend(self, item_ids, values, n=10, candidates=None):
        self.calls.append((np.asarray(item_ids), np.asarray(values), np.asarray(candidates)))
        return self.model.recommend(item_ids, values, n=n, candidates=candidates)


def test_ignored_statuses_reach_no_ranker_and_their_works_are_not_listed(anime_small, simulated):
    split, status = simulated
    X, values = anime_small.X, coded_values(anime_small.y, status)
    spy = Spy(MostRated().fit(X[split.train & (status == NO_STATUS)]))
    evaluate_lists(StatusFoldIn(spy), X, values, split, newcomer_ks=())
    codes = list(STATUS_CODES.values())
    assert spy.calls and all(not np.isin(given_values, codes).any() for _, given_values, _ in spy.calls)
    listed_of = {}
    for user in np.unique(X[split.held_out, 0]):
        mine = split.train & (X[:, 0] == user) & (status != NO_STATUS)
        listed_of[user] = X[mine, 1]
    users = np.unique(X[split.held_out, 0])
    for user, (_, _, candidates) in zip(users, spy.calls, strict=True):
        assert not np.isin(listed_of[user], candidates).any()


def test_only_the_signals_on_reach_the_ranker():
    spy = Spy(MostRated().fit(np.array([[0, 1], [0, 2], [0, 3]])))
    fold_in = StatusFoldIn(spy)
    fold_in.recommend([1, 2, 3], [LIKE, STATUS_CODES["dropped"], STATUS_CODES["watching"]], n=2)
    assert spy.calls[0][0].tolist() == [1]
    with pytest.raises(TypeError):
        StatusFoldIn(spy, {"dropped": -0.5})
    with pytest.raises(ValueError, match="unknown status signals"):
        status_weights({"planned": 0.5})


def small_ratings(seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 60, 1500), rng.integers(0, 40, 1500)])
    y = rng.choice([4.0, 2.0, 2.0, 0.1, -2.0], size=1500)
    return X, y


def test_the_ignored_training_matrix_holds_the_rated_rows_only():
    X, y = small_ratings()
    train = np.ones(y.size, dtype=bool)
    status = simulate_statuses(y, train)
    values = coded_values(y, status)
    rated = status == NO_STATUS
    ignored, expected = fit_ease(X, values, train), EASE().fit(X[rated], y[rated])
    assert np.array_equal(ignored.items_, expected.items_)
    assert np.array_equal(ignored.item_counts_, expected.item_counts_)
    assert np.allclose(ignored.weight_data_, expected.weight_data_)
    trained = fit_ease(X, values, train, {"completed": 0.5})
    assert trained.item_counts_.sum() == (rated | (status == COMPLETED)).sum()


def test_a_signal_at_fold_in_is_the_model_fitted_with_its_weights():
    """A copy with the status codes' inputs is the model fitting with them would have given,
    since no training row carries a code."""
    X, y = small_ratings()
    signals = {"dropped": -0.5, "watching": 1.0}
    fitted = EASE(value_weights=status_weights(signals)).fit(X, y)
    given_items = np.array([1, 2, 3, 4])
    given = np.array([LIKE, STATUS_CODES["dropped"], STATUS_CODES["watching"], STATUS_CODES["completed"]])
    ours = StatusFoldIn(EASE().fit(X, y), signals).recommend(given_items, given, n=10)
    theirs = fitted.recommend(given_items[:3], given[:3], n=10)
    assert ours.item_ids.tolist() == theirs.item_ids.tolist()
    assert np.allclose(ours.scores, theirs.scores)


def planted(n_background=1000, n_measured=200):
    """Two tastes (works 10..39 and 40..69) beside ten mainstream works everyone likes.
    Background people keep all their rows in training; the people measured have there only the
    mainstream likes and dislikes of the other taste, their own taste's likes held out."""
    rng = np.random.default_rng(0)
    mainstream, tastes = np.arange(10), (np.arange(10, 40), np.arange(40, 70))
    rows, values, measured = [], [], []
    for user in range(n_background + n_measured):
        own, other = tastes[user % 2], tastes[1 - user % 2]
        if user < n_background:
            liked = np.concatenate(
                [rng.choice(mainstream, 6, replace=False), rng.choice(own, 12, replace=False)]
            )
            disliked, held = rng.choice(other, 6, replace=False), np.empty(0, dtype=np.int64)
        else:
            liked, disliked, held = (
                mainstream,
                rng.choice(other, 8, replace=False),
                rng.choice(own, 10, replace=False),
            )
        for items, value, is_held in ((liked, LIKE, False), (disliked, DISLIKE, False), (held, LIKE, True)):
            rows += [(user, item) for item in items]
            values += [value] * items.size
            measured += [is_held] * items.size
    X, y, held_out = np.array(rows), np.array(values), np.array(measured)
    split = ListSplit(
        train=~held_out,
        held_out=held_out,
        newcomer=np.zeros(y.size, dtype=bool),
        order=np.zeros(y.size, dtype=np.int64),
    )
    return X, y, split


def test_dropped_works_truly_disliked_make_better_lists_when_heard():
    X, y, split = planted()
    shape = ImportShape(watching=0.0, dropped_dislike=1.0, dropped_neutral=0.0, completed=0.0)
    status = simulate_statuses(y, split.train, shape)
    values = coded_values(y, status)
    assert (status[split.train] == DROPPED).sum() == (split.train & (y == DISLIKE)).sum()
    ease = fit_ease(X, values, split.train)
    ignored = measure("ignored", StatusFoldIn(ease), X, values, split)
    heard = measure("dropped", StatusFoldIn(ease, {"dropped": -0.5}), X, values, split)
    # Ignored, the two tastes look alike (about 10 relevant among 52 candidates: 0.19); heard,
    # the top ten are of the person's taste (a third of its works are the held-out ones: 0.33).
    assert ignored.ndcg < 0.25
    assert heard.ndcg > ignored.ndcg + 0.1
    assert beats(ignored, heard) and not beats(heard, ignored)
    positive = measure("dropped +", StatusFoldIn(ease, {"dropped": 0.5}), X, values, split)
    assert positive.ndcg < ignored.ndcg  # pulling the other taste up is worse, as it should be


def test_the_rule_needs_more_than_one_percent_and_two_standard_errors():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.6, 400)
    steady = Measured("steady", 0, 0, 0, base + 0.01)
    relative, difference, standard_error = paired_gain(base, steady.per_user)
    assert difference == pytest.approx(0.01) and standard_error < 1e-9
    assert relative == pytest.approx(0.01 / base.mean())
    base_row = Measured("base", 0, 0, 0, base)
    assert beats(base_row, steady)
    assert not beats(base_row, Measured("tiny", 0, 0, 0, base + 0.001))  # under 1%
    noisy = base + 0.02 + rng.normal(0, 1.0, base.size)  # 5% on average, but noise
    assert not beats(base_row, Measured("noisy", 0, 0, 0, noisy))
    with_nan = base.copy()
    with_nan[:10] = np.nan
    assert paired_gain(with_nan, base + 0.01)[1] == pytest.approx(0.01)


def test_the_command_prints_the_tables_and_the_decision(capsys):
    assert main(["anime-small"]) == 0
    out = capsys.readouterr().out
    assert "### anime-small" in out
    assert "| EASE, statuses ignored |" in out
    assert "| ceiling: EASE on the original ratings |" in out
    assert "Signals on: " in out
