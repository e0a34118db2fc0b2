"""The freeze protocol: items nobody has rated in training, ranked for the people who rated them."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender import LASSO
from recommender.list_evaluation import LIKE_VALUE, evaluate_frozen, freeze_split
from recommender.popularity import PriorOrder, RandomOrder
from recommender.synthetic import synthetic_ratings


def choice_ratings(seed=0):
    X, raw = synthetic_ratings(400, 120, 12_000, random_state=seed)
    X, first = np.unique(X, axis=0, return_index=True)  # one rating per pair
    y = np.where(raw[first] > 4.0, LIKE_VALUE, -2.0)
    return X, y


def test_the_split_freezes_a_tenth_of_the_well_rated_items_and_every_rating_of_theirs():
    X, y = choice_ratings()
    split = freeze_split(X, y, fraction=0.1, min_item_ratings=5, min_user_ratings=10, seed=3)
    items, counts = np.unique(X[:, 1], return_counts=True)
    assert split.frozen.size == round(0.1 * (counts >= 5).sum())
    assert set(split.frozen) <= set(items[counts >= 5])
    assert not np.isin(X[split.train, 1], split.frozen).any()  # frozen: no training rating
    assert np.isin(X[~split.train, 1], split.frozen).all()  # and nothing else left out
    for user in split.users:
        mine = X[:, 0] == user
        assert (mine & split.train).sum() >= 10
        assert ((mine & ~split.train) & (y >= LIKE_VALUE)).any()
    # Another seed freezes other items; the same seed the same.
    assert not np.array_equal(split.frozen, freeze_split(X, y, seed=4).frozen)
    assert np.array_equal(split.frozen, freeze_split(X, y, seed=3).frozen)


def test_a_prior_that_knows_what_people_like_beats_random_and_is_measured_on_the_frozen_items_only():
    X, y = choice_ratings()
    split = freeze_split(X, y, seed=0)
    liked = np.isin(X[:, 1], split.frozen) & (y >= LIKE_VALUE)
    # A prior equal to each frozen item's share of likes: the best non-personal order.
    items, likes = np.unique(X[liked, 1], return_counts=True)
    prior = {int(item): float(count) for item, count in zip(items, likes, strict=True)}
    prior.update({int(item): 0.0 for item in split.frozen if int(item) not in prior})
    knowing = evaluate_frozen(lambda: PriorOrder(prior), X, y, split)
    floor = evaluate_frozen(lambda: RandomOrder(catalogue=np.unique(X[:, 1])), X, y, split)
    assert knowing.metrics.n_users == floor.metrics.n_users == split.users.size
    assert knowing.metrics.ndcg > 1.5 * floor.metrics.ndcg
    # Coverage is over the frozen items: a prior lists the same ten to everyone.
    assert knowing.metrics.coverage == pytest.approx(min(10, split.frozen.size) / split.frozen.size)
    groups = knowing.by_ratings(edges=(10, 40))
    assert sum(group["users"] for group in groups) == split.users.size


def test_a_model_that_scores_unseen_items_from_their_tags_finds_a_planted_liked_tag():
    # Half the items carry tag 0, which everybody likes; the others tag 1, which nobody does.
    rng = np.random.default_rng(0)
    n_users, n_items = 300, 80
    users = np.repeat(np.arange(n_users), 30)
    items = np.concatenate([rng.choice(n_items, 30, replace=False) for _ in range(n_users)])
    tag = items % 2
    y = np.where(tag == 0, LIKE_VALUE, -2.0)
    item_tags = sp.csr_matrix(
        (np.ones(n_items), (np.arange(n_items), np.arange(n_items) % 2)), shape=(n_items, 2)
    )
    X = np.column_stack([users, items]).astype(np.int64)
    split = freeze_split(X, y, fraction=0.25, seed=0)
    model = LASSO().fit(X[split.train], y[split.train], item_tags=item_tags)
    liked_frozen = split.frozen[split.frozen % 2 == 0]
    for user in split.users[:20]:
        mine = (X[:, 0] == user) & split.train
        listed = model.recommend(X[mine, 1], y[mine], n=liked_frozen.size, candidates=split.frozen).item_ids
        assert set(listed) == set(liked_frozen)  # the liked tag's frozen items come first
    tags = evaluate_frozen(model, X, y, split)
    floor = evaluate_frozen(lambda: RandomOrder(catalogue=np.arange(n_items)), X, y, split)
    assert tags.metrics.ndcg > 1.3 * floor.metrics.ndcg


def test_bad_fractions_and_nothing_to_freeze_are_refused():
    X, y = choice_ratings()
    with pytest.raises(ValueError, match="fraction"):
        freeze_split(X, y, fraction=1.0)
    with pytest.raises(ValueError, match="no item to freeze"):
        freeze_split(X, y, min_item_ratings=10**6)


def test_the_prior_order_needs_a_prior():
    with pytest.raises(ValueError, match="needs a prior"):
        PriorOrder({}).fit()
