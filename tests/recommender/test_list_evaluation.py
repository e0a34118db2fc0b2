import numpy as np
import pytest

from recommender import EASE, MostRated
from recommender.list_evaluation import evaluate_lists, list_metrics, list_split, ndcg_at_k, ndcg_by_ratings


def counts_of(table: dict[int, float]):
    return lambda items: np.array([table.get(int(item), 0.0) for item in items])


def test_ndcg_worked_by_hand():
    # Hits at ranks 2 and 4, two relevant items: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3).
    expected = (1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3))
    assert ndcg_at_k(np.array([0, 1, 0, 1]), 2, k=10) == pytest.approx(expected)
    assert expected == pytest.approx(0.6509, abs=1e-4)
    assert ndcg_at_k(np.array([1, 1]), 2, k=10) == pytest.approx(1.0)
    # Twelve relevant items, all of the ten listed: perfect, the ideal is capped at k.
    assert ndcg_at_k(np.ones(10), 12, k=10) == pytest.approx(1.0)
    assert np.isnan(ndcg_at_k(np.array([1]), 0, k=10))


def test_list_metrics_worked_by_hand():
    lists = [np.array([5, 6, 7]), np.array([8, 5, 9]), np.array([5, 6, 7])]
    relevant = [np.array([6]), np.array([1, 2, 3, 9]), np.array([], dtype=np.int64)]
    metrics, per_user = list_metrics(
        lists, relevant, k=3, n_catalogue=10, popularity=counts_of({5: 10, 6: 4, 7: 1, 8: 0, 9: 3})
    )
    first = 1 / np.log2(3)  # hit at rank 2, one relevant: ideal 1
    second = (1 / np.log2(4)) / (1 + 1 / np.log2(3) + 1 / np.log2(4))  # hit at rank 3 of 3 ideal
    np.testing.assert_allclose(per_user[:2], [first, second])
    assert np.isnan(per_user[2])  # nothing relevant: not measured
    assert metrics.ndcg == pytest.approx((first + second) / 2)
    assert metrics.recall == pytest.approx((1 / 1 + 1 / 3) / 2)  # hits / min(k, relevant)
    assert metrics.precision == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert metrics.coverage == pytest.approx(5 / 10)  # items 5, 6, 7, 8, 9
    assert metrics.mean_popularity == pytest.approx((10 + 4 + 1 + 0 + 10 + 3 + 10 + 4 + 1) / 9)
    assert metrics.n_users == 2


def ratings_of(n_users: int, per_user: int, n_items: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    rows = [(user, item) for user in range(n_users) for item in rng.choice(n_items, per_user, replace=False)]
    return np.array(rows, dtype=np.int64)


def test_split_holds_out_a_fifth_of_each_eligible_user_and_removes_newcomers():
    X = np.vstack([ratings_of(60, 25), ratings_of(10, 19, seed=1) + [100, 0]])
    split = list_split(X, newcomer_fraction=0.2, seed=0)
    assert not (split.train & split.held_out).any() and not (split.train & split.newcomer).any()
    for user in np.unique(X[:, 0]):
        mine = X[:, 0] == user
        if user >= 100:  # fewer than 20 ratings: everything stays in training
            assert split.train[mine].all()
        elif split.newcomer[mine].any():
            assert split.newcomer[mine].all() and not split.train[mine].any()
        else:
            assert split.held_out[mine].sum() == 5 and split.train[mine].sum() == 20
        assert sorted(split.order[mine]) == list(range(mine.sum()))  # one random order per user
    newcomers = np.unique(X[split.newcomer, 0])
    assert 3 <= newcomers.size <= 25
    again = list_split(X, newcomer_fraction=0.2, seed=0)
    assert (again.held_out == split.held_out).all() and (again.order == split.order).all()
    assert not (list_split(X, newcomer_fraction=0.2, seed=1).held_out == split.held_out).all()


def test_split_can_measure_fewer_people_on_a_large_site():
    X = ratings_of(100, 25)
    split = list_split(X, max_users=30)
    measured = np.unique(X[split.held_out | split.newcomer, 0])
    assert measured.size == 30
    assert split.train.sum() == X.shape[0] - split.held_out.sum() - split.newcomer.sum()


def test_most_rated_is_measured_on_exactly_the_held_out_likes():
    # Ten people rate items 0..24 (item i rated by everyone); item 24 is also rated by 10 more.
    rows = [(user, item) for user in range(10) for item in range(25)]
    rows += [(user, 24) for user in range(10, 20)]
    X = np.array(rows)
    y = np.full(X.shape[0], 2.0)
    split = list_split(X, newcomer_fraction=0.0)
    evaluation = evaluate_lists(MostRated, X, y, split, newcomer_ks=())
    # Each person held out 5 of their 25 items, all liked; the most-rated list puts item 24
    # first (20 people), then the others by count. Recompute every person's NDCG from that.
    train_counts = np.bincount(X[split.train, 1], minlength=25)
    expected = []
    for user in range(10):
        mine = X[:, 0] == user
        given = X[mine & split.train, 1]
        held = X[mine & split.held_out, 1]
        candidates = np.setdiff1d(np.arange(25), given)
        ranked = candidates[np.lexsort((candidates, -train_counts[candidates]))][:10]
        expected.append(ndcg_at_k(np.isin(ranked, held), held.size, 10))
    assert evaluation.existing.ndcg == pytest.approx(np.mean(expected))
    assert evaluation.existing.n_users == 10


def test_a_personal_ranker_beats_most_rated_on_two_communities():
    """Two groups of people who each rate their own half of the catalogue."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(120):
        group = user % 2
        items = rng.choice(np.arange(30) + 30 * group, 24, replace=False)
        rows += [(user, item) for item in items]
    X = np.array(rows)
    y = np.full(X.shape[0], 2.0)
    split = list_split(X, newcomer_fraction=0.2)
    ease = evaluate_lists(lambda: EASE(regularization=10.0, popularity_exponent=0.0), X, y, split)
    popular = evaluate_lists(MostRated, X, y, split)
    assert ease.existing.ndcg > popular.existing.ndcg + 0.1
    assert ease.newcomers[3].ndcg > popular.newcomers[3].ndcg + 0.1
    assert ease.fit_seconds > 0 and popular.fit_seconds >= 0
    curve = ndcg_by_ratings(ease)
    assert [entry["low"] for entry in curve][:4] == [1, 3, 5, 10]
    assert sum(entry["users"] for entry in curve) == np.count_nonzero(~np.isnan(ease.per_user_ndcg))
