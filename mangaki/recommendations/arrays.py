"""The bridge between the database and `recommender/`: rows into numpy arrays, and back.

The models only know raw integer ids: user ids and work ids (primary keys) and tag columns.
This module builds those arrays from the database with a handful of queries, and keeps the
mapping of tag columns to what they mean, ``["tag", tag_id]`` for a genre or ``["type",
work_type]`` for the one-hot work type (the same columns as ``recommender.datasets``'s anime
reader), so that explanations can name their tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db.models import CharField, Count, Max, Value
from django.utils import timezone

from ..choices import RATING_VALUES
from ..models import Progress, Rating, Tag, TaggedWork, Work
from ..services.ranking import counted

TagColumn = list  # ["tag", tag_id] or ["type", work_type]: JSON-friendly, stored on the registry row


@dataclass(frozen=True)
class RatingArrays:
    """Every rating as X = (user_id, work_id) rows and values y, read in one query."""

    X: np.ndarray  # (n, 2) int64
    y: np.ndarray  # (n,) float64
    read_at: datetime

    @property
    def n_ratings(self) -> int:
        return int(self.y.size)

    @property
    def n_users(self) -> int:
        return int(np.unique(self.X[:, 0]).size) if self.y.size else 0

    @property
    def n_works(self) -> int:
        return int(np.unique(self.X[:, 1]).size) if self.y.size else 0


def choice_values(choices: np.ndarray | list[str]) -> np.ndarray:
    """Numeric values of rating choices, through ``RATING_VALUES`` (the one mapping)."""
    choices = np.asarray(choices, dtype=object)
    values = np.empty(choices.size, dtype=np.float64)
    for choice, value in RATING_VALUES.items():
        values[choices == choice] = value
    return values


def training_ratings():
    """The ratings training reads: counted members' (``services.ranking.counted``: no guest, no
    member who has not shown life yet) of confirmed works, and only of works rated by at least
    ``MANGAKI_TRAINING_MIN_RATERS`` distinct counted members."""
    counted_ratings = Rating.objects.filter(counted("user__"), work__confirmed=True).order_by()
    enough = (
        counted_ratings.values("work_id")
        .annotate(raters=Count("user_id", distinct=True))
        .filter(raters__gte=settings.MANGAKI_TRAINING_MIN_RATERS)
        .values("work_id")
    )
    return counted_ratings.filter(work_id__in=enough)


def rating_arrays() -> RatingArrays:
    """The ratings training reads (``training_ratings``), with every choice (wontsee and willsee
    included), in one query.

    Rows come sorted by (user, work), whatever order the database returned them in, so that a
    training on the same ratings gives the same model.
    """
    read_at = timezone.now()
    rows = list(training_ratings().values_list("user_id", "work_id", "choice"))
    if not rows:
        return RatingArrays(np.empty((0, 2), dtype=np.int64), np.empty(0), read_at)
    users, works, choices = zip(*rows, strict=True)
    X = np.column_stack([np.fromiter(users, np.int64, len(rows)), np.fromiter(works, np.int64, len(rows))])
    order = np.lexsort((X[:, 1], X[:, 0]))
    return RatingArrays(X[order], choice_values(np.array(choices, dtype=object))[order], read_at)


def user_ratings(user_id: int) -> tuple[np.ndarray, np.ndarray]:
    """One user's current ratings as (work ids, values), one query (index rating_user_date).

    Through the ORM: precompiling it saved under 5% of a recommendation (bench.site_precompiled).
    """
    rows = list(Rating.objects.filter(user_id=user_id).order_by().values_list("work_id", "choice"))
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0)
    works, choices = zip(*rows, strict=True)
    values = np.fromiter((RATING_VALUES[choice] for choice in choices), np.float64, len(rows))
    return np.fromiter(works, np.int64, len(rows)), values


def ratings_and_list(user_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One user's ratings as (work ids, values), and the works on their list (``Progress``) they
    have not rated: one query (the two reads in a UNION ALL)."""
    rated = Rating.objects.filter(user_id=user_id).order_by().values_list("work_id", "choice")
    on_list = (
        Progress.objects.filter(user_id=user_id)
        .order_by()
        .annotate(no_choice=Value("", output_field=CharField()))
        .values_list("work_id", "no_choice")
    )
    rows = list(rated.union(on_list, all=True))
    ratings = [(work, choice) for work, choice in rows if choice]
    rated_ids = {work for work, _ in ratings}
    listed = sorted({work for work, choice in rows if not choice} - rated_ids)
    values = np.fromiter((RATING_VALUES[choice] for _, choice in ratings), np.float64, len(ratings))
    works = np.fromiter((work for work, _ in ratings), np.int64, len(ratings))
    return works, values, np.asarray(listed, dtype=np.int64)


def tag_columns() -> list[TagColumn]:
    """Columns of the item×tag matrix: every tag (by id), then every work type (sorted)."""
    tags = [["tag", pk] for pk in Tag.objects.order_by("pk").values_list("pk", flat=True)]
    types = Work.objects.exclude(work_type="").order_by("work_type").values_list("work_type", flat=True)
    return tags + [["type", work_type] for work_type in types.distinct()]


def item_tag_matrix(columns: list[TagColumn], work_ids: np.ndarray | None = None) -> sp.csr_matrix:
    """Work × column CSR matrix (row index = work id) for the given columns.

    Genres carry their TaggedWork weight, the work type a 1. ``work_ids`` restricts the rows
    filled (the others stay empty), e.g. to score works added after a training. Columns
    unknown to ``columns`` (tags or types created since) are left out.
    """
    tag_column = {value: j for j, (kind, value) in enumerate(columns) if kind == "tag"}
    type_column = {value: j for j, (kind, value) in enumerate(columns) if kind == "type"}
    tagged = TaggedWork.objects.order_by()
    works = Work.objects.order_by()
    if work_ids is not None:
        ids = [int(pk) for pk in work_ids]
        tagged, works = tagged.filter(work_id__in=ids), works.filter(pk__in=ids)
    n_rows = (Work.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    rows, cols, data = [], [], []
    for work_id, tag_id, weight in tagged.values_list("work_id", "tag_id", "weight"):
        if tag_id in tag_column:
            rows.append(work_id)
            cols.append(tag_column[tag_id])
            data.append(weight)
    for work_id, work_type in works.exclude(work_type="").values_list("pk", "work_type"):
        if work_type in type_column:
            rows.append(work_id)
            cols.append(type_column[work_type])
            data.append(1.0)
    matrix = sp.csr_matrix(
        (
            np.asarray(data, dtype=np.float64),
            (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)),
        ),
        shape=(n_rows, len(columns)),
    )
    matrix.sum_duplicates()
    return matrix


@dataclass(frozen=True)
class SideInformation:
    """What is known of a work before anyone rates it here, as SideRanker is fitted with it:
    priors by name (work id → value; "members" is a count) and each work's franchise number
    (row index = work id, -1 for a work of no franchise)."""

    priors: dict[str, dict[int, float]]
    franchise: np.ndarray


def side_information() -> SideInformation:
    """The works' upstream priors (MyAnimeList members and score, where the data gives them:
    none invented) and franchises (``Work.franchise_id``), in one query."""
    rows = list(Work.objects.order_by().values_list("pk", "nb_members", "mal_score", "franchise_id"))
    n_rows = max((row[0] for row in rows), default=0) + 1
    priors: dict[str, dict[int, float]] = {"members": {}, "mal_score": {}}
    franchise = np.full(n_rows, -1, dtype=np.int64)
    numbers: dict[int, int] = {}
    for pk, members, score, group in rows:
        if members is not None:
            priors["members"][pk] = float(members)
        if score is not None:
            priors["mal_score"][pk] = float(score)
        if group is not None:
            franchise[pk] = numbers.setdefault(group, len(numbers))
    return SideInformation({name: values for name, values in priors.items() if values}, franchise)
