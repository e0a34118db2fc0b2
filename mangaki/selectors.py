"""Reads that need more than a queryset: recommendations and similar works.

``recommendations_for`` folds the user's current ratings into the active model (so a rating
made a second ago changes the next answer), scores the whole catalogue in numpy, and fetches
only the chosen works. Queries per call are constant in the number of ratings: the active
version check, the profile, the user's ratings, the chosen works with their category, their
neighbours with theirs, and one prefetch of the chosen works' tags (a neighbour is shown as
a linked title, so its tags are not fetched).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import prefetch_related_objects

from recommender.indexing import lookup
from recommender.topk import top_k

from .adapter import user_ratings
from .choices import COUNTED_CHOICES, RATING_VALUES, Choice
from .models import Rating, Tag, Work
from .serving import LoadedModel, active_model

ALGORITHMS = ("als", "lasso", "balse")
N_TAGS = 3
N_NEIGHBOURS = 3
# Candidates scored beyond ``limit``, in case some turn out hidden or deleted since the snapshot.
CANDIDATE_MARGIN = 10
# Nearest works fetched per similar work shown, since the rarely rated ones are filtered out.
SIMILAR_CANDIDATES_PER_RESULT = 4
LIKED_VALUE = RATING_VALUES[Choice.LIKE]


@dataclass(frozen=True)
class Explanation:
    tags: list[tuple[Tag, float]]  # the work's genres that raise the prediction most, with their share
    neighbours: list[tuple[Work, float]]  # the user's rated works closest in ALS space (liked first)


@dataclass(frozen=True)
class Recommendation:
    work: Work
    predicted: float
    explanation: Explanation


@dataclass(frozen=True)
class RecommendationList:
    items: list[Recommendation]
    algorithm: str
    model_version: int | None
    is_fallback: bool
    fallback_reason: str  # "" when personal


NO_EXPLANATION = Explanation(tags=[], neighbours=[])


def _crowd_value(work: Work) -> float:
    """The mean value of the work's counted ratings, from its counters (no query)."""
    counts = work.choice_counts
    total = sum(counts[choice] for choice in COUNTED_CHOICES)
    if not total:
        return 0.0
    return sum(counts[choice] * RATING_VALUES[choice] for choice in COUNTED_CHOICES) / total


def _fallback(user, category: str | None, limit: int, algorithm: str, reason: str) -> RecommendationList:
    works = Work.objects.safe_for(user).select_related("category").prefetch_related("tags")
    if category:
        works = works.filter(category__slug=category)
    if user is not None and user.is_authenticated:
        works = works.exclude(pk__in=Rating.objects.filter(user=user).values("work_id"))
    chosen = list(works.top()[:limit])
    if len(chosen) < limit:  # a young site has few works with enough ratings for top()
        chosen += list(works.popular().exclude(pk__in=[w.pk for w in chosen])[: limit - len(chosen)])
    items = [Recommendation(work, _crowd_value(work), NO_EXPLANATION) for work in chosen]
    return RecommendationList(items, algorithm, None, True, reason)


def _scores(loaded: LoadedModel, item_ids: np.ndarray, values: np.ndarray):
    """(work ids, predicted values, the user's LASSO coefficients or None) over everything scorable."""
    model, catalogue = loaded.model, loaded.catalogue
    ids, scores = np.asarray(model.items_, dtype=np.int64), model.fold_in(item_ids, values)
    coefficients = None
    if loaded.lasso is not None:
        fitted = loaded.lasso.fold_in_user(item_ids, values)
        coefficients = fitted[0] if fitted is not None else None
        if fitted is not None and catalogue.new_work_ids.size:
            # Works added since the training: their tags (LASSO), and the gate at zero ratings (BALSE).
            lasso = loaded.lasso
            content = np.clip(
                catalogue.new_work_tags @ fitted[0] + fitted[1], lasso.rating_min_, lasso.rating_max_
            )
            if loaded.als is not None and loaded.als is not model:
                als = loaded.als
                _, bias = als.fold_in_user(item_ids, values)
                collaborative = np.clip(als.global_mean_ + bias, als.rating_min_, als.rating_max_)
                weight = model.gate(np.zeros(content.size))
                content = content + weight * (collaborative - content)
            ids = np.concatenate([ids, catalogue.new_work_ids])
            scores = np.concatenate([scores, content])
    return ids, scores, coefficients


def _eligible(loaded: LoadedModel, ids: np.ndarray, category_id: int | None, nsfw_ok: bool) -> np.ndarray:
    catalogue = loaded.catalogue
    rows = lookup(catalogue.work_ids, ids)
    eligible = rows >= 0
    safe_rows = np.maximum(rows, 0)
    if category_id is not None:
        eligible &= catalogue.category_ids[safe_rows] == category_id
    if not nsfw_ok:
        eligible &= ~catalogue.nsfw[safe_rows]
    return eligible


def _tag_explanation(
    loaded: LoadedModel, work: Work, coefficients: np.ndarray | None
) -> list[tuple[Tag, float]]:
    if coefficients is None or loaded.tag_matrix is None:
        return []
    matrix = loaded.tag_matrix
    if work.pk >= matrix.shape[0] or matrix.indptr[work.pk + 1] == matrix.indptr[work.pk]:
        position = np.flatnonzero(loaded.catalogue.new_work_ids == work.pk)
        if not position.size:
            return []
        matrix, row_index = loaded.catalogue.new_work_tags, int(position[0])
    else:
        row_index = work.pk
    # Slicing the CSR arrays directly: scipy's row indexing costs ~60 µs a call here.
    start, end = matrix.indptr[row_index], matrix.indptr[row_index + 1]
    columns, weights = matrix.indices[start:end], matrix.data[start:end]
    contributions = weights * coefficients[columns]
    tags = {tag.pk: tag for tag in work.tags.all()}
    explained = []
    for index in np.argsort(-contributions, kind="stable"):
        tag = tags.get(loaded.tag_of_column.get(int(columns[index])))
        if contributions[index] > 0 and tag is not None:
            explained.append((tag, float(contributions[index])))
        if len(explained) == N_TAGS:
            break
    return explained


def _neighbour_ids(
    loaded: LoadedModel, candidate_ids: list[int], item_ids: np.ndarray, values: np.ndarray
) -> dict[int, list[tuple[int, float]]]:
    """For each candidate, the user's rated works closest in ALS space (liked ones, if any)."""
    if loaded.als is None or not candidate_ids:
        return {}
    als_items = loaded.als.items_
    rated_rows = lookup(als_items, item_ids)
    known = rated_rows >= 0
    liked = known & (values >= LIKED_VALUE)
    keep = liked if liked.any() else known
    if not keep.any():
        return {}
    rated_ids, rated_rows = item_ids[keep], rated_rows[keep]
    candidate_rows = lookup(als_items, np.asarray(candidate_ids, dtype=np.int64))
    similarity = (
        loaded.unit_item_factors[np.maximum(candidate_rows, 0)] @ loaded.unit_item_factors[rated_rows].T
    )
    best = np.argsort(-similarity, axis=1, kind="stable")[:, :N_NEIGHBOURS]
    return {
        candidate: [(int(rated_ids[j]), float(similarity[i, j])) for j in best[i]]
        for i, candidate in enumerate(candidate_ids)
        if candidate_rows[i] >= 0
    }


def recommendations_for(
    user, category: str | None = None, limit: int = 20, algorithm: str = "balse"
) -> RecommendationList:
    """The ``limit`` works ``user`` should like most, with why; the fallback list when it cannot.

    ``user`` may be None or anonymous. Works the user rated with any choice are excluded,
    NSFW works hidden unless their profile allows them; ``category`` is a Category slug.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"Unknown algorithm {algorithm!r}; expected one of {', '.join(ALGORITHMS)}.")
    limit = max(int(limit), 0)
    if user is None or not user.is_authenticated:
        return _fallback(None, category, limit, algorithm, "Sign in and rate a few works for personal picks.")
    loaded = active_model(algorithm)
    if loaded is None:
        return _fallback(user, category, limit, algorithm, "No recommendation model is trained yet.")
    item_ids, values = user_ratings(user.pk)
    minimum = settings.MANGAKI_RECOMMENDATIONS_MIN_RATINGS
    if item_ids.size < minimum:
        return _fallback(
            user, category, limit, algorithm, f"Rate at least {minimum} works for personal picks."
        )

    nsfw_ok = bool(getattr(getattr(user, "profile", None), "nsfw_ok", False))
    category_id = None
    if category:
        category_id = loaded.catalogue.category_by_slug.get(category)
        if category_id is None:
            return RecommendationList([], algorithm, loaded.version, False, "")
    ids, scores, coefficients = _scores(loaded, item_ids, values)
    eligible = _eligible(loaded, ids, category_id, nsfw_ok) & ~np.isin(ids, item_ids)
    best = top_k(scores, limit + CANDIDATE_MARGIN, exclude=np.flatnonzero(~eligible))
    predicted = {int(ids[index]): float(scores[index]) for index in best}

    works = {
        work.pk: work
        for work in Work.objects.safe_for(user).filter(pk__in=list(predicted)).select_related("category")
    }
    chosen = [works[pk] for pk in predicted if pk in works][:limit]
    neighbours = _neighbour_ids(loaded, [work.pk for work in chosen], item_ids, values)
    neighbour_ids = {pk for pairs in neighbours.values() for pk, _ in pairs}
    neighbour_works = (
        {work.pk: work for work in Work.objects.filter(pk__in=neighbour_ids).select_related("category")}
        if neighbour_ids
        else {}
    )
    # Only the recommended works show their genres; a neighbour is a title and a link.
    prefetch_related_objects(chosen, "tags")
    items = [
        Recommendation(
            work=work,
            predicted=predicted[work.pk],
            explanation=Explanation(
                tags=_tag_explanation(loaded, work, coefficients),
                neighbours=[
                    (neighbour_works[pk], similarity)
                    for pk, similarity in neighbours.get(work.pk, [])
                    if pk in neighbour_works
                ],
            ),
        )
        for work in chosen
    ]
    return RecommendationList(items, algorithm, loaded.version, False, "")


def similar_works(work: Work, limit: int = 8, user=None) -> list[Work]:
    """Works nearest to ``work`` in the ALS space of the active ALS (or BALSE's); [] with no model.

    Works come with their category and tags. NSFW works are left out unless ``user``'s
    profile allows them, and so are works with fewer than ``MANGAKI_SIMILAR_MIN_RATINGS``
    ratings: the direction of a work rated once or twice in the ALS space is mostly noise,
    and cosine similarity ignores the length that says so.
    """
    loaded = active_model("als") or active_model("balse")
    if loaded is None or loaded.als is None or limit <= 0:
        return []
    candidates = SIMILAR_CANDIDATES_PER_RESULT * limit + CANDIDATE_MARGIN
    nearest = [pk for pk, _ in loaded.als.similar_items(work.pk, candidates)]
    if not nearest:
        return []
    found = (
        Work.objects.safe_for(user)
        .filter(pk__in=nearest, nb_ratings__gte=settings.MANGAKI_SIMILAR_MIN_RATINGS)
        .select_related("category")
        .prefetch_related("tags")
    )
    by_pk = {candidate.pk: candidate for candidate in found}
    return [by_pk[pk] for pk in nearest if pk in by_pk][:limit]
