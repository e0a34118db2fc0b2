"""Ranking works nobody has rated yet, from what is known of them before the first rating.

A new season's works have no rating here on the day they air: a model that learns from ratings
(EASE, ALS) cannot list them, and genres alone (LASSO, BALSE's tag side) rank them far below a
chart. ``SideRanker`` learns, from the training rows, how a person's ratings and a work's side
information decide whether the person will like the work:

- the work: its priors (for anime MyAnimeList's members, as a log, and score, each with a flag
  for "unknown"), its tags (genres and type);
- the person with the work: the person's affinity to each of the work's tags (their smoothed
  share of likes among the works of that tag, above their own like rate), how popular the works
  they like are against this one's popularity, how many ratings they have;
- the franchise: whether the person rated another work of the same franchise, liked one, or
  disliked one, and their best rating in it.

It is fitted as the test is made: a few folds of the training works are frozen in turn (their
ratings hidden), each person's features are computed from their other ratings, and a logistic
regression learns to tell the frozen works they liked from frozen works they did not (rated
below like, or not rated). The weights are learned, none is set by hand; ``C`` and the number of
folds are chosen on a freeze split of the training rows (``bench.library_freeze``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.base import Explanation, RatingModel, Recommendations, UserState
from recommender.choices import CHOICE_VALUES
from recommender.indexing import check_ratings
from recommender.topk import top_k

LIKE_VALUE = CHOICE_VALUES["like"]
SMOOTHING = 5.0  # ratings of a tag before its like share counts fully


class SideRanker(RatingModel):
    """Scores works from their side information and the person's ratings (no rating needed).

    ``priors`` maps a prior's name ("members" is read as a count, any other as a value) to raw
    item id → value; ``franchise`` gives each raw item id its franchise id (-1 for none).
    """

    uses_tags = True
    predicts_ratings = False  # its scores are log-odds of a like
    # ``priors`` and ``franchise`` are side information given with the data, not
    # hyperparameters: an archive holds what was learned of them (the item arrays), not them.
    side_information = ("priors", "franchise")
    _saved_arrays = (
        "items_",
        "item_features_",
        "popularity_",
        "franchise_",
        "mean_",
        "scale_",
        "coef_",
        "tag_indptr_",
        "tag_indices_",
        "tag_data_",
    )
    _saved_scalars = ("intercept_", "n_franchises_", "n_tags_")

    def __init__(
        self,
        priors: dict[str, dict[int, float]] | None = None,
        franchise: np.ndarray | None = None,
        C: float = 1.0,
        n_folds: int = 5,
        fold_fraction: float = 0.1,
        negatives: int = 4,
        min_item_ratings: int = 5,
        min_user_ratings: int = 10,
        random_state: int = 0,
    ):
        self.priors = priors
        self.franchise = franchise
        self.C = C
        self.n_folds = n_folds
        self.fold_fraction = fold_fraction
        self.negatives = negatives
        self.min_item_ratings = min_item_ratings
        self.min_user_ratings = min_user_ratings
        self.random_state = random_state

    def get_params(self) -> dict:
        """Hyperparameters (``side_information`` left out: see above)."""
        params = super().get_params()
        for name in self.side_information:
            params.pop(name)
        return params

    def _to_arrays(self) -> dict[str, np.ndarray]:
        self.tag_indptr_, self.tag_indices_, self.tag_data_ = (
            self.tags_.indptr,
            self.tags_.indices,
            self.tags_.data,
        )
        self.n_tags_ = self.tags_.shape[1]
        return super()._to_arrays()

    def _from_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        super()._from_arrays(arrays)
        self.n_franchises_, self.n_tags_ = int(self.n_franchises_), int(self.n_tags_)
        shape = (self.tag_indptr_.size - 1, self.n_tags_)
        self.tags_ = sp.csr_matrix((self.tag_data_, self.tag_indices_, self.tag_indptr_), shape=shape)

    # --- Features.

    def _item_features(self, n_items: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Each prior as a column (members as a log) with its "unknown" flag; and the log members."""
        columns, log_members = [], None
        for name, prior in sorted((self.priors or {}).items()):
            values = np.full(n_items, np.nan)
            ids = np.fromiter(prior.keys(), dtype=np.int64, count=len(prior))
            known = ids < n_items
            values[ids[known]] = np.fromiter(prior.values(), dtype=np.float64, count=len(prior))[known]
            missing = np.isnan(values)
            if name == "members":
                values = log_members = np.log1p(np.where(missing, 0.0, values))
            else:
                values = np.where(missing, np.nanmean(values) if (~missing).any() else 0.0, values)
            columns += [values, missing.astype(np.float64)]
        return (np.column_stack(columns) if columns else np.zeros((n_items, 0))), log_members

    def _person(self, item_ids: np.ndarray, values: np.ndarray) -> dict:
        """What the features need of one person's ratings."""
        liked = (values >= LIKE_VALUE).astype(np.float64)
        tags = self.tags_[item_ids]
        rated_per_tag = np.asarray(tags.sum(axis=0)).ravel()
        liked_per_tag = tags.T @ liked
        like_rate = float(liked.mean()) if liked.size else 0.0
        affinity = (liked_per_tag + SMOOTHING * like_rate) / (rated_per_tag + SMOOTHING) - like_rate
        popularity = self.popularity_[item_ids]
        liked_popularity = float(popularity[liked > 0].mean()) if liked.any() else 0.0
        franchises = self.franchise_[item_ids]
        inside = franchises >= 0
        best = np.full(self.n_franchises_, -np.inf)
        worst = np.full(self.n_franchises_, np.inf)
        np.maximum.at(best, franchises[inside], values[inside])
        np.minimum.at(worst, franchises[inside], values[inside])
        return {
            "affinity": affinity,
            "log_ratings": np.log1p(item_ids.size),
            "liked_popularity": liked_popularity,
            "like_rate": like_rate,
            "best": best,
            "worst": worst,
        }

    def _pair_features(self, person: dict, candidates: np.ndarray) -> np.ndarray:
        tags = self.tags_[candidates]
        cross = tags.multiply(person["affinity"][None, :]).toarray()
        popularity = self.popularity_[candidates]
        franchises = self.franchise_[candidates]
        inside = franchises >= 0
        best = np.where(inside, person["best"][np.maximum(franchises, 0)], -np.inf)
        worst = np.where(inside, person["worst"][np.maximum(franchises, 0)], np.inf)
        seen = np.isfinite(best)
        return np.column_stack(
            [
                self.item_features_[candidates],
                tags.toarray(),
                cross,
                cross.sum(axis=1),
                popularity * person["log_ratings"],
                popularity * person["liked_popularity"],
                np.full(candidates.size, person["like_rate"]),
                np.where(seen, best, 0.0),
                seen & (best >= LIKE_VALUE),
                seen & (worst < 0),
                seen,
            ]
        )

    # --- Fitting and scoring.

    def fit(self, X: np.ndarray, y: np.ndarray, item_tags: sp.spmatrix | None = None) -> SideRanker:
        """Learn from rows X = (user_id, item_id) with values y; ``item_tags`` rows are raw ids."""
        from sklearn.linear_model import LogisticRegression

        X, y = check_ratings(X, y)
        if item_tags is None:
            raise ValueError("SideRanker needs item_tags (the item × tag matrix)")
        n_items = max(item_tags.shape[0], int(X[:, 1].max()) + 1)
        self.tags_ = sp.csr_matrix(item_tags, dtype=np.float64)
        if self.tags_.shape[0] < n_items:
            self.tags_.resize((n_items, self.tags_.shape[1]))
        self.item_features_, log_members = self._item_features(n_items)
        # Popularity as known before the ratings here: the members prior, else training counts.
        self.popularity_ = (
            log_members
            if log_members is not None
            else np.log1p(np.bincount(X[:, 1], minlength=n_items).astype(np.float64))
        )
        franchise = np.full(n_items, -1, dtype=np.int64)
        if self.franchise is not None:
            given = np.asarray(self.franchise, dtype=np.int64)[:n_items]
            franchise[: given.size] = given
        self.franchise_ = franchise
        self.n_franchises_ = int(franchise.max()) + 1 if (franchise >= 0).any() else 1

        features, labels = self._training_pairs(X, y)
        self.mean_ = features.mean(axis=0)
        self.scale_ = features.std(axis=0) + 1e-9
        classifier = LogisticRegression(C=self.C, max_iter=2000)
        classifier.fit((features - self.mean_) / self.scale_, labels)
        self.coef_ = classifier.coef_.ravel()
        self.intercept_ = float(classifier.intercept_[0])
        self.items_ = np.arange(n_items, dtype=np.int64)
        return self

    def _training_pairs(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.random_state)
        items, counts = np.unique(X[:, 1], return_counts=True)
        eligible = rng.permutation(items[counts >= self.min_item_ratings])
        per_fold = max(1, int(self.fold_fraction * eligible.size))
        order = np.argsort(X[:, 0], kind="stable")
        _, starts = np.unique(X[order, 0], return_index=True)
        people = np.split(order, starts[1:])
        features, labels = [], []
        for fold in range(self.n_folds):
            frozen = np.sort(eligible[fold * per_fold : (fold + 1) * per_fold])
            if frozen.size == 0:
                break
            for rows in people:
                hidden = np.isin(X[rows, 1], frozen)
                given, held = rows[~hidden], rows[hidden]
                if given.size < self.min_user_ratings:
                    continue
                liked = X[held[y[held] >= LIKE_VALUE], 1]
                if liked.size == 0:
                    continue
                others = frozen[~np.isin(frozen, liked)]
                unliked = rng.choice(others, min(others.size, self.negatives * liked.size), replace=False)
                person = self._person(X[given, 1], y[given])
                features.append(self._pair_features(person, np.concatenate([liked, unliked])))
                labels.append(np.r_[np.ones(liked.size), np.zeros(unliked.size)])
        if not features:
            raise ValueError("no person to learn from: too few ratings for the freezing folds")
        return np.vstack(features), np.concatenate(labels)

    def user_state(self, item_ids, values) -> UserState:
        state = super().user_state(item_ids, values)
        known = (state.item_ids >= 0) & (state.item_ids < self.items_.size)
        state.parameters["person"] = self._person(state.item_ids[known], state.values[known])
        return state

    def score(self, state: UserState, item_ids: np.ndarray | None = None) -> np.ndarray:
        """Log-odds that this person likes each work (default: every item of `items_`)."""
        self._check_fitted()
        candidates = self.items_ if item_ids is None else np.asarray(item_ids, dtype=np.int64)
        known = (candidates >= 0) & (candidates < self.items_.size)
        scores = np.full(candidates.size, -np.inf)
        if known.any():
            features = (
                self._pair_features(state.parameters["person"], candidates[known]) - self.mean_
            ) / self.scale_
            scores[known] = features @ self.coef_ + self.intercept_
        return scores

    def explain(
        self,
        state: UserState,
        item_id: int,
        n_tags: int = 3,
        n_neighbours: int = 3,
        *,
        min_value: float | None = None,
    ) -> Explanation:
        """Why the work scores as it does, from the terms of its log-odds.

        ``tags``: its tags whose own weight and the person's affinity to them raise the score;
        ``neighbours``: the person's best-rated work of the same franchise when the franchise
        terms raise it ("sequel of X, which you loved"); ``popularity``: what the priors and the
        popularity terms add (widely followed, as a chart would say).
        """
        self._check_fitted()
        if not 0 <= item_id < self.items_.size:
            return Explanation()
        person = state.parameters["person"]
        z = (self._pair_features(person, np.array([item_id]))[0] - self.mean_) / self.scale_
        parts = z * self.coef_
        n_priors, n_tags_total = self.item_features_.shape[1], self.tags_.shape[1]
        tag_part = (
            parts[n_priors : n_priors + n_tags_total]
            + parts[n_priors + n_tags_total : n_priors + 2 * n_tags_total]
        )
        own_tags = self.tags_[item_id].indices
        tags = sorted(
            ((int(t), float(tag_part[t])) for t in own_tags if tag_part[t] > 0), key=lambda p: -p[1]
        )
        rest = n_priors + 2 * n_tags_total + 1  # after the affinities' sum
        popularity = float(parts[:n_priors].sum() + parts[rest : rest + 2].sum())
        franchise_part = float(parts[-4:].sum())
        neighbours = []
        franchise = self.franchise_[item_id]
        if franchise >= 0 and franchise_part > 0 and n_neighbours > 0:
            known = (state.item_ids >= 0) & (state.item_ids < self.items_.size)
            rated, values = state.item_ids[known], state.values[known]
            same = np.flatnonzero((self.franchise_[rated] == franchise) & (rated != item_id))
            if min_value is not None:
                same = same[values[same] >= min_value]
            if same.size:
                best = same[np.argmax(values[same])]
                neighbours = [(int(rated[best]), franchise_part)]
        return Explanation(
            tags=tags[: max(n_tags, 0)], neighbours=neighbours, popularity=max(popularity, 0.0)
        )

    def recommend(self, item_ids, values, n=10, candidates=None, exclude_rated=True) -> Recommendations:
        """As `RatingModel.recommend`, scoring only the candidates (a season: tens of works)."""
        self._check_fitted()
        state = self.user_state(item_ids, values)
        pool = self.items_ if candidates is None else np.unique(np.asarray(candidates, dtype=np.int64))
        pool = pool[(pool >= 0) & (pool < self.items_.size)]
        if exclude_rated:
            pool = pool[~np.isin(pool, state.item_ids)]
        scores = self.score(state, pool)
        best = top_k(scores, n)
        return Recommendations(pool[best], scores[best], state)
