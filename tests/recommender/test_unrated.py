"""SideRanker: works nobody has rated, ranked from their side information and the person's ratings."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.list_evaluation import LIKE_VALUE, evaluate_frozen, freeze_split
from recommender.popularity import PriorOrder
from recommender.unrated import SideRanker

DISLIKE = -2.0


def planted(seed=0, n_users=500, n_items=200):
    """Half the people like tag 0 and dislike tag 1, the other half the reverse; how many people
    rate a work grows with its members prior; every work has one of the two tags."""
    rng = np.random.default_rng(seed)
    members = rng.lognormal(8, 1.2, n_items)
    tag = rng.integers(0, 2, n_items)
    side = rng.integers(0, 2, n_users)
    reach = members / members.sum()
    rows, values = [], []
    for user in range(n_users):
        items = rng.choice(n_items, 40, replace=False, p=reach)
        rows += [(user, item) for item in items]
        values += [LIKE_VALUE if tag[item] == side[user] else DISLIKE for item in items]
    item_tags = sp.csr_matrix((np.ones(n_items), (np.arange(n_items), tag)), shape=(n_items, 2))
    prior = {"members": {item: float(members[item]) for item in range(n_items)}}
    return np.array(rows, dtype=np.int64), np.array(values), item_tags, prior


def test_it_recovers_a_planted_taste_for_tags_on_top_of_the_popularity_prior():
    X, y, item_tags, prior = planted()
    split = freeze_split(X, y, fraction=0.2, seed=0)
    learned = evaluate_frozen(lambda: SideRanker(prior, n_folds=3), X, y, split, item_tags=item_tags)
    chart = evaluate_frozen(lambda: PriorOrder(prior["members"]), X, y, split)
    assert learned.metrics.ndcg > 1.2 * chart.metrics.ndcg
    # The person's side decides: a tag-0 person's list is tag-0 works first.
    model = SideRanker(prior, n_folds=3).fit(X[split.train], y[split.train], item_tags)
    tag_of = np.asarray(item_tags.argmax(axis=1)).ravel()
    person = np.flatnonzero(X[:, 0] == split.users[0])
    liked_tag = tag_of[X[person[y[person] >= LIKE_VALUE][0], 1]]
    listed = model.recommend(X[person, 1], y[person], n=5, candidates=split.frozen)
    assert (tag_of[listed.item_ids] == liked_tag).all()
    # The tag the person likes is named as the reason.
    why = model.explain(listed.state, int(listed.item_ids[0]))
    assert [column for column, _ in why.tags] == [liked_tag]


def test_a_sequel_of_a_loved_work_ranks_above_an_unrelated_work_of_equal_popularity():
    rng = np.random.default_rng(1)
    n_users, n_pairs = 400, 60
    # Works 2k and 2k+1 are parts of one franchise; people who love a first part love its sequel.
    n_items = 2 * n_pairs + 2
    franchise = np.r_[np.repeat(np.arange(n_pairs), 2), -1, -1]
    rows, values = [], []
    for user in range(n_users):
        for pair in rng.choice(n_pairs, 12, replace=False):
            loved = rng.random() < 0.5
            rows += [(user, 2 * pair), (user, 2 * pair + 1)]
            values += [LIKE_VALUE if loved else DISLIKE] * 2
    X, y = np.array(rows, dtype=np.int64), np.array(values)
    item_tags = sp.csr_matrix(
        (np.ones(n_items), (np.arange(n_items), np.zeros(n_items, dtype=int))), shape=(n_items, 1)
    )
    prior = {"members": {item: 1000.0 for item in range(n_items)}}  # equal popularity for all
    model = SideRanker(prior, franchise, n_folds=3).fit(X, y, item_tags)
    sequel, unrelated = 2 * 5 + 1, n_items - 1  # pair 5's second part; a work of no franchise
    loved_first_part = model.recommend([2 * 5], [LIKE_VALUE], n=2, candidates=[sequel, unrelated])
    assert loved_first_part.item_ids.tolist() == [sequel, unrelated]
    disliked_first_part = model.recommend([2 * 5], [DISLIKE], n=2, candidates=[sequel, unrelated])
    assert disliked_first_part.item_ids.tolist() == [unrelated, sequel]
    # Why: "sequel of the first part, which you loved"; after a dislike, no such reason.
    why = model.explain(loved_first_part.state, sequel, min_value=LIKE_VALUE)
    assert [item for item, _ in why.neighbours] == [2 * 5] and why.neighbours[0][1] > 0
    assert model.explain(disliked_first_part.state, sequel, min_value=LIKE_VALUE).neighbours == []
    assert model.explain(loved_first_part.state, unrelated).neighbours == []


def test_it_lists_only_candidates_it_knows_and_leaves_out_rated_works():
    X, y, item_tags, prior = planted(n_users=200)
    model = SideRanker(prior, n_folds=2).fit(X, y, item_tags)
    listed = model.recommend([3, 4], [LIKE_VALUE, DISLIKE], n=10, candidates=[3, 5, 6, 10**6]).item_ids
    assert sorted(listed.tolist()) == [5, 6]


def test_it_needs_tags_and_people_to_learn_from():
    X, y, item_tags, prior = planted(n_users=50)
    with pytest.raises(ValueError, match="item_tags"):
        SideRanker(prior).fit(X, y)
    with pytest.raises(ValueError, match="no person to learn from"):
        SideRanker(prior, min_user_ratings=10**6).fit(X, y, item_tags)


def test_a_saved_ranker_scores_as_the_fitted_one_and_keeps_no_side_information(tmp_path):
    X, y, item_tags, prior = planted(n_users=200)
    franchise = np.arange(item_tags.shape[0]) // 2  # works 2k and 2k+1: one franchise
    model = SideRanker(prior, franchise, n_folds=2, C=0.5).fit(X, y, item_tags)
    model.save(tmp_path / "side.npz")
    loaded = SideRanker.load(tmp_path / "side.npz")
    assert loaded.priors is None and loaded.franchise is None and loaded.C == 0.5
    person = X[:, 0] == 3
    for one in (model, loaded):
        state = one.user_state(X[person, 1], y[person])
        one.scores = one.score(state)
    np.testing.assert_array_equal(loaded.scores, model.scores)
    assert (
        loaded.recommend(X[person, 1], y[person], n=5).item_ids
        == model.recommend(X[person, 1], y[person], n=5).item_ids
    ).all()
