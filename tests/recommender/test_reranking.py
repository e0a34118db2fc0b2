"""A rating model's order over a ranker's list, window by window (recommender.reranking)."""

import numpy as np
import pytest

from recommender import ALS, EASE
from recommender.base import Recommendations, UserState
from recommender.list_evaluation import evaluate_lists, list_split
from recommender.popularity import MostRated
from recommender.reranking import Reranked, rerank, windowed_length
from recommender.synthetic import synthetic_ratings


class Fixed:
    """A model scoring items by a fixed table (unknown items 0)."""

    def __init__(self, table: dict[int, float]):
        self.table = table

    def score(self, state, item_ids):
        return np.array([self.table.get(int(i), 0.0) for i in item_ids])


def as_choices(y):
    """Synthetic ratings as the site's choice values: dislike, neutral, like, favorite by quantile."""
    return np.array([-2.0, 0.1, 2.0, 4.0])[np.searchsorted(np.quantile(y, [0.15, 0.6, 0.9]), y)]


def listed(*ids):
    return Recommendations(
        np.array(ids, dtype=np.int64), np.zeros(len(ids)), UserState(np.empty(0), np.empty(0))
    )


def test_each_window_is_ordered_by_the_rating_model_and_ties_keep_the_rankers_order():
    model = Fixed({1: 0.0, 2: 5.0, 3: 1.0, 4: 9.0, 5: 2.0, 6: 2.0})
    state = UserState(np.empty(0, dtype=np.int64), np.empty(0))
    out = rerank(listed(1, 2, 3, 4, 5, 6), model, state, n=6, window=3)
    # Window 1 (1, 2, 3) by score: 2, 3, 1; window 2 (4, 5, 6): 4, then 5 before 6 (a tie).
    assert out.item_ids.tolist() == [2, 3, 1, 4, 5, 6]
    assert out.scores.tolist() == [5.0, 1.0, 0.0, 9.0, 2.0, 2.0]
    assert out.state is state
    # The best of a later window never jumps ahead of an earlier one.
    assert rerank(listed(1, 2, 3, 4, 5, 6), model, state, n=2, window=3).item_ids.tolist() == [2, 3]
    assert rerank(listed(), model, state, n=5).item_ids.size == 0
    with pytest.raises(ValueError):
        rerank(listed(1), model, state, n=1, window=0)


def test_the_ranker_is_asked_for_whole_windows():
    assert [windowed_length(n, 20) for n in (0, 1, 10, 20, 21, 45)] == [0, 20, 20, 20, 40, 60]


def test_reranked_lists_come_from_the_rankers_best_and_follow_the_rating_model():
    X, y = synthetic_ratings(300, 200, 12_000, random_state=3)
    y = as_choices(y)
    ease, als = EASE().fit(X, y), ALS(n_epochs=4).fit(X, y)
    both = Reranked(ease, als, window=20)
    person = X[X[:, 0] == X[0, 0]]
    given, values = person[:, 1], y[X[:, 0] == X[0, 0]]
    ten = both.recommend(given, values, n=10)
    twenty = ease.recommend(given, values, n=20).item_ids
    assert set(ten.item_ids.tolist()) <= set(twenty.tolist())
    state = als.user_state(given, values)
    best = twenty[np.argsort(-als.score(state, twenty), kind="stable")[:10]]
    assert ten.item_ids.tolist() == best.tolist()
    assert not np.isin(ten.item_ids, given).any()


def test_on_planted_tastes_the_reranked_list_beats_the_most_rated_list_and_its_own_order():
    X, y = synthetic_ratings(600, 400, 30_000, n_factors=4, noise=0.3, random_state=1)
    y = as_choices(y)
    split = list_split(X, seed=0)
    most_rated = evaluate_lists(MostRated, X, y, split).existing.ndcg
    own = evaluate_lists(lambda: ALS(n_epochs=6), X, y, split).existing.ndcg
    reranked = evaluate_lists(lambda: Reranked(EASE(), ALS(n_epochs=6)), X, y, split).existing.ndcg
    assert reranked > most_rated
    assert reranked > own
