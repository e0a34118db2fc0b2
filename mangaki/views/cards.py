"""Work cards: what a card shows besides the work itself, loaded in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse

from ..choices import Choice, WatchStatus, status_label
from ..models import Category, Progress, Rating, TaggedWork, Work
from ..querysets import nsfw_allowed

# The six buttons of the rating widget, in order, with their keyboard shortcut and icon.
RATING_BUTTONS = [
    {"value": Choice.FAVORITE.value, "label": Choice.FAVORITE.label, "key": "1", "icon": "favorite"},
    {"value": Choice.LIKE.value, "label": Choice.LIKE.label, "key": "2", "icon": "like"},
    {"value": Choice.NEUTRAL.value, "label": Choice.NEUTRAL.label, "key": "3", "icon": "neutral"},
    {"value": Choice.DISLIKE.value, "label": Choice.DISLIKE.label, "key": "4", "icon": "dislike"},
    {"value": Choice.WILLSEE.value, "label": Choice.WILLSEE.label, "key": "5", "icon": "willsee"},
    {"value": Choice.WONTSEE.value, "label": Choice.WONTSEE.label, "key": "6", "icon": "wontsee"},
]
CHOICE_LABELS = dict(Choice.choices)
# Covers are drawn in a fixed box (CSS ``aspect-ratio`` and ``object-fit: cover``), so a page
# does not move as they load; these are every cover ``<img>``'s width and height attributes,
# the 2:3 of the covers the catalogue sync stores.
COVER_WIDTH, COVER_HEIGHT = 230, 345


def user_choices(user, work_ids: Iterable[int]) -> dict[int, str]:
    """``{work id: choice}`` for the works among ``work_ids`` that ``user`` rated (one query)."""
    work_ids = list(work_ids)
    if not work_ids or not getattr(user, "is_authenticated", False):
        return {}
    return dict(Rating.objects.filter(user=user, work_id__in=work_ids).values_list("work_id", "choice"))


@dataclass(frozen=True)
class ShownProgress:
    """Where a person is with a work, as the pages draw it: "Episode 3 of 12", "ep 3/12"."""

    status: str  # a ``WatchStatus`` value, "" for a work not on their list
    label: str  # Watching, Reading, ... ("" when not on their list)
    count: int  # episodes (an anime) or chapters (a manga) so far
    length: int | None  # the work's episodes (chapters) when known
    unit: str  # "episode" or "chapter"

    @property
    def at_the_end(self) -> bool:
        """The last episode of a known length is reached: no +1, but "completed" is offered."""
        return bool(self.length) and self.count >= self.length

    @property
    def offers_completed(self) -> bool:
        return self.at_the_end and self.status != WatchStatus.COMPLETED

    @property
    def summary(self) -> str:
        unit = self.unit.capitalize()
        return f"{unit} {self.count} of {self.length}" if self.length else f"{unit} {self.count}"

    @property
    def short(self) -> str:
        """What a card has room for: "ep 3/12", "ch 40"."""
        unit = "ep" if self.unit == "episode" else "ch"
        return f"{unit} {self.count}/{self.length}" if self.length else f"{unit} {self.count}"

    @property
    def fraction(self) -> str:
        """What a list row says: "3 / 12 episodes", "40 chapters"."""
        if self.length:
            return f"{self.count} / {self.length} {self.unit}s"
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'}"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.count / self.length)) if self.length else 0

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "label": self.label,
            "count": self.count,
            "length": self.length,
            "unit": self.unit,
            "summary": self.summary,
            "short": self.short,
            "at_the_end": self.at_the_end,
            "offers_completed": self.offers_completed,
        }


def shown_progress(work: Work, slug: str, entry: tuple[str, int, int] | None) -> ShownProgress:
    """``entry`` is ``(status, episodes, chapters)`` or None for a work not on the list."""
    status, episodes, chapters = entry or ("", 0, 0)
    manga = slug == "manga"
    return ShownProgress(
        status=status,
        label=status_label(status, slug) if status else "",
        count=chapters if manga else episodes,
        length=(work.nb_chapters if manga else work.nb_episodes) or None,
        unit="chapter" if manga else "episode",
    )


def user_progress(user, work_ids: Iterable[int]) -> dict[int, tuple[str, int, int]]:
    """``{work id: (status, episodes, chapters)}`` for the works among ``work_ids`` on ``user``'s
    list (one query; index ``progress_unique_user_work``)."""
    work_ids = list(work_ids)
    if not work_ids or not getattr(user, "is_authenticated", False):
        return {}
    rows = Progress.objects.filter(user=user, work_id__in=work_ids)
    return {
        work_id: tuple(rest)
        for work_id, *rest in rows.values_list("work_id", "status", "episodes", "chapters")
    }


def categories(request) -> list[Category]:
    """All categories, read once per request (the menu and the views share them)."""
    if not hasattr(request, "_mangaki_categories"):
        request._mangaki_categories = list(Category.objects.all())
    return request._mangaki_categories


def decorate(works: Iterable[Work], request, *, max_genres: int = 3) -> list[Work]:
    """Give each work ``genres`` (its tags), ``my_choice`` (the user's rating or ""),
    ``my_progress`` (a ``ShownProgress``), ``url`` and its cover as pages draw it
    (``poster_url``, ``poster_masked``: see ``shown_cover``).

    Three queries (tags, the user's ratings, their progress) whatever the number of works, plus
    one for the categories when the works were loaded without ``select_related("category")``.
    """
    works = list(works)
    if not works:
        return works
    ids = [work.pk for work in works]
    genres: dict[int, list] = defaultdict(list)
    prefetched = [getattr(work, "_prefetched_objects_cache", {}).get("tags") for work in works]
    if all(tags is not None for tags in prefetched):  # e.g. works from the selectors
        for work, tags in zip(works, prefetched, strict=True):
            genres[work.pk] = list(tags)
    else:
        tagged_works = TaggedWork.objects.filter(work_id__in=ids).select_related("tag")
        for tagged in tagged_works.order_by("-weight", "tag__title"):
            genres[tagged.work_id].append(tagged.tag)
    choices = user_choices(request.user, ids)
    progress = user_progress(request.user, ids)
    slugs = None
    nsfw_ok = None
    for work in works:
        work.genres = genres[work.pk]
        work.short_genres = work.genres[:max_genres]
        work.my_choice = choices.get(work.pk, "")
        work.my_choice_label = CHOICE_LABELS.get(work.my_choice, "")
        if work._state.fields_cache.get("category") is not None:
            slug = work.category.slug
        else:
            if slugs is None:
                slugs = {category.pk: category.slug for category in categories(request)}
            slug = slugs[work.category_id]
        work.url = reverse("work-detail", args=[slug, work.pk])
        work.my_progress = shown_progress(work, slug, progress.get(work.pk))
        work.hue = placeholder_hue(work)
        if work.nsfw and work.cover and nsfw_ok is None:  # asked only when it matters
            nsfw_ok = nsfw_allowed(request.user)
        work.poster_url, work.poster_masked = shown_cover(work, nsfw_ok=bool(nsfw_ok))
    return works


def shown_cover(work: Work, *, nsfw_ok: bool) -> tuple[str, bool]:
    """``(URL, masked)``: the cover a page draws for ``work``, "" for the placeholder.

    An NSFW work's cover follows the works' own rule (``nsfw_allowed``): someone who has not
    opted in is never sent it (pages hide such works anyway; this holds wherever one slips
    through), and someone who has sees it blurred until they reveal it on the work's page.
    """
    url = work.cover_url
    if not url or (work.nsfw and not nsfw_ok):
        return "", False
    return url, bool(work.nsfw)


def placeholder_hue(work: Work) -> int:
    """A stable colour for a work without a poster."""
    return (work.pk * 47) % 360
