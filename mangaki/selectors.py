"""Reads that need more than a queryset: a profile's ratings as a viewer may see them, and exports.

The lists people are served (recommendations, similar works) are in ``mangaki.recommendations.lists``.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from .exports import ListEntry, ProgressRow, RatedWork
from .models import Progress, Rating
from .querysets import nsfw_allowed, profile_visible_to


def profile_ratings(*, owner, viewer) -> QuerySet[Rating] | None:
    """``owner``'s ratings as ``viewer`` may see them, newest first; None when the profile is hidden.

    The profile page and the API both read a profile through this: ``profile_visible_to``
    decides (shared, not a guest's, an active account, or the viewer's own), NSFW works are
    left out unless the viewer may see them (``nsfw_allowed``), and works waiting for
    confirmation unless the viewer is the owner.
    """
    if not profile_visible_to(owner, viewer):
        return None
    ratings = Rating.objects.filter(user=owner)
    if not nsfw_allowed(viewer):
        ratings = ratings.filter(work__nsfw=False)
    if not (viewer is not None and viewer.is_authenticated and viewer.pk == owner.pk):
        # Works waiting for confirmation are their owner's alone (``WorkQuerySet.public``).
        ratings = ratings.filter(work__confirmed=True)
    return ratings.select_related("work__category").order_by("-date", "-pk")


# The columns of ``RatedWork``, in its order.
EXPORT_COLUMNS = ("work_id", "work__category__slug", "work__title", "work__work_type",
                  "work__external_source", "work__external_id", "work__nb_episodes", "work__nb_volumes",
                  "work__nb_chapters", "choice", "date")  # fmt: skip


# Rows read from the database at a time by an export (a server-side cursor on PostgreSQL).
EXPORT_CHUNK_SIZE = 2000


def rating_export_rows(*, user, category: str | None = None) -> Iterator[RatedWork]:
    """Every rating of ``user`` (of ``category`` if given), NSFW works included (it is their own
    data), oldest first: one query, read ``EXPORT_CHUNK_SIZE`` rows at a time as it is iterated
    (an export is streamed, never held whole in memory)."""
    ratings = Rating.objects.filter(user=user)
    if category is not None:
        ratings = ratings.filter(work__category__slug=category)
    rows = ratings.order_by("date", "pk").values_list(*EXPORT_COLUMNS)
    return (RatedWork(*row) for row in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE))


WORK_COLUMNS = EXPORT_COLUMNS[:-2]  # the work's columns of an export row
PROGRESS_COLUMNS = (
    "status",
    "episodes",
    "chapters",
    "volumes",
    "started",
    "finished",
    "rewatches",
    "rewatching",
)


def list_export_rows(*, user, category: str) -> Iterator[ListEntry]:
    """Every work on ``user``'s list of ``category`` (rated, or with progress, or both), in work id
    order: two queries (ratings, progress) read side by side ``EXPORT_CHUNK_SIZE`` rows at a time."""
    ratings = (
        Rating.objects.filter(user=user, work__category__slug=category)
        .order_by("work_id")
        .values_list(*WORK_COLUMNS, "choice", "mal_score")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    progress = (
        Progress.objects.filter(user=user, work__category__slug=category)
        .order_by("work_id")
        .values_list(*WORK_COLUMNS, *PROGRESS_COLUMNS)
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    width = len(WORK_COLUMNS)
    rated, tracked = next(ratings, None), next(progress, None)
    while rated is not None or tracked is not None:
        if tracked is None or (rated is not None and rated[0] < tracked[0]):
            yield ListEntry(*rated[:width], *rated[width:], progress=None)
            rated = next(ratings, None)
        elif rated is None or tracked[0] < rated[0]:
            yield ListEntry(*tracked[:width], None, None, progress=ProgressRow(*tracked[width:]))
            tracked = next(progress, None)
        else:
            yield ListEntry(*rated[:width], *rated[width:], progress=ProgressRow(*tracked[width:]))
            rated, tracked = next(ratings, None), next(progress, None)
