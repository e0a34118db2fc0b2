import numpy as np

from recommender.topk import top_k, top_k_items


def test_matches_a_full_sort_with_ties_and_exclusions():
    rng = np.random.default_rng(0)
    for trial in range(50):
        scores = rng.integers(0, 20, 200).astype(float)  # many ties
        exclude = rng.choice(200, 30, replace=False)
        k = int(rng.integers(1, 60))
        kept = np.setdiff1d(np.arange(200), exclude)
        expected = kept[np.lexsort((kept, -scores[kept]))][:k]
        np.testing.assert_array_equal(top_k(scores, k, exclude=exclude), expected, err_msg=f"trial {trial}")


def test_k_larger_than_the_candidates_and_nan_scores():
    scores = np.array([0.5, np.nan, 2.0, 1.0])
    np.testing.assert_array_equal(top_k(scores, 10), [2, 3, 0])
    np.testing.assert_array_equal(top_k(scores, 10, exclude=np.array([2])), [3, 0])
    assert top_k(scores, 0).size == 0


def test_maps_to_raw_item_ids():
    pairs = top_k_items(np.array([0.1, 0.9, 0.5]), np.array([30, 10, 20]), 2, exclude_item_ids=np.array([10]))
    assert pairs == [(20, 0.5), (30, 0.1)]
