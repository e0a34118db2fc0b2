"""A rating model's own order over a ranker's list: the lists that lead with fans or genres.

A rating model predicts how a person would rate a work, and the works it predicts highest for a
large catalogue are mostly ones few people rate: ranked by predicted rating alone, ALS, LASSO
and BALSE list works nobody would pick (on a validation split of the anime data NDCG@10 0.022,
0.017, 0.033, against 0.126 for the most-rated list). Adding popularity to the prediction
barely helps (a trial on the same split, log(1 + ratings) + w × prediction for w from 0.1 to 2:
1.5% over the most-rated list at best). What works is the other way round: the ranker
(EASE) chooses the candidates and the rating model orders them, window by window. The first
``window`` works of the ranker's list are ordered by the rating model's prediction, then the
next ``window``, and so on, so that the list still says what the fans (ALS) or the genres
(LASSO) think first, among works the person is likely to pick.

``window`` = 15 (the ten shown come from the ranker's 15 best) was chosen on a validation split
of the training rows of the anime and ml-latest-small data (``python -m bench.library_reranked
--validation --windows 10 15 20 30 50``). On anime, windows of 10, 15, 20, 30, 50 gave ALS
NDCG@10 0.256, 0.225, 0.202, 0.173, 0.143 against 0.126 for the most-rated list, with 0, 31%,
45%, 60%, 71% of the ten shown not in EASE's own ten; LASSO and BALSE alike. With 15, every
rating model stays above the most-rated list for newcomers given 3, 5 or 10 ratings on anime;
on ml-latest-small, where EASE itself only equals the most-rated list for newcomers, they stay
within 3% of it (with 20, up to 7% below).
"""

from __future__ import annotations

import numpy as np

from recommender.base import Recommendations, fit_model

DEFAULT_WINDOW = 15


def rerank(listed: Recommendations, model, state, n: int, window: int = DEFAULT_WINDOW) -> Recommendations:
    """The first ``n`` of ``listed`` (a ranker's list, best first) with each window of
    ``window`` works ordered by ``model``'s scores for ``state`` (ties keep the ranker's order).

    The scores returned are the rating model's; ``state`` (the person in ``model``) is returned
    with them, so that the list is explained by the model that ordered it."""
    if window < 1:
        raise ValueError(f"window must be at least 1; got {window}")
    item_ids = np.asarray(listed.item_ids, dtype=np.int64)
    scores = np.asarray(model.score(state, item_ids), dtype=np.float64) if item_ids.size else np.empty(0)
    order = []
    for start in range(0, item_ids.size, window):
        block = np.arange(start, min(start + window, item_ids.size))
        order.extend(block[np.lexsort((block, -scores[block]))].tolist())
    chosen = np.asarray(order[: max(int(n), 0)], dtype=np.int64)
    return Recommendations(item_ids[chosen], scores[chosen], state)


def windowed_length(n: int, window: int = DEFAULT_WINDOW) -> int:
    """How many works to ask the ranker for so that the first ``n`` come out of whole windows."""
    return -(-max(int(n), 0) // window) * window


class Reranked:
    """``model``'s order over ``lister``'s lists (`rerank`), behind the `fit` / `recommend`
    interface the list protocol asks (``recommender.list_evaluation.evaluate_lists``)."""

    def __init__(self, lister, model, window: int = DEFAULT_WINDOW):
        self.lister = lister
        self.model = model
        self.window = window

    @property
    def uses_tags(self) -> bool:
        return bool(getattr(self.model, "uses_tags", False))

    def fit(self, X: np.ndarray, y: np.ndarray, item_tags=None) -> Reranked:
        fit_model(self.lister, X, y, item_tags)
        fit_model(self.model, X, y, item_tags)
        return self

    def recommend(
        self, item_ids, values, n: int = 10, candidates: np.ndarray | None = None
    ) -> Recommendations:
        listed = self.lister.recommend(
            item_ids, values, n=windowed_length(n, self.window), candidates=candidates
        )
        state = self.model.user_state(item_ids, values)
        return rerank(listed, self.model, state, n, self.window)
