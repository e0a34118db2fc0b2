"""Reads for season pages and the weekly airing calendar: which works, in which order, on which day.

A season page lists the works that first aired in that season ("new"), grouped by type, and the
works that started earlier and were still airing when it began ("continuing"). The calendar lists
the works airing now that have a weekly slot, by weekday. Both hide NSFW works unless the viewer
may see them (``WorkQuerySet.safe_for``) and read the airing rule from ``querysets``
(``airing_on``, ``is_airing_on``). Queries rely on the ``work_category_aired`` index.

Broadcast times are computed in UTC: a weekly slot is its first broadcast plus whole weeks, the
same instant of the week in UTC (and in Japan, which keeps no daylight saving time). Pages render
the UTC instant and the viewer's browser shows it at local time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Case, F, IntegerField, Max, Q, Value, When
from django.utils import timezone

from .models import Category, Work
from .querysets import WORK_ORDERINGS, WorkOrdering, WorkQuerySet, airing_condition, is_airing_on
from .seasons import JAPAN, YearSeason, season_condition, today_in_japan

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Types in the order a season page shows them; any other type comes after them, by name, and
# works with no type last, as "Other".
TYPE_ORDER = ("TV", "TV Short", "Movie", "OVA", "ONA", "Special", "Music")
OTHER_TYPE = "Other"
CONTINUING = "continuing"


# A new season's works have few ratings here: ties go to what upstream catalogues know.
_POPULAR_HERE_THEN_UPSTREAM = (
    "-nb_ratings",
    F("anilist_popularity").desc(nulls_last=True),
    F("nb_members").desc(nulls_last=True),
    "title",
    "pk",
)


def _popular_here_then_upstream(works: WorkQuerySet) -> WorkQuerySet:
    return works.order_by(*_POPULAR_HERE_THEN_UPSTREAM)


# The sorts of a season page (``?sort=``): the catalogue's title order, its popular order with
# upstream popularity to break the many ties of works nobody here rated yet, and air date.
SEASON_SORTS: dict[str, WorkOrdering] = {
    "popular": WorkOrdering(
        WORK_ORDERINGS["popular"].label,
        "most rated here first, then most popular on AniList and MyAnimeList",
        _popular_here_then_upstream,
    ),
    "title": WORK_ORDERINGS["title"],
    "aired": WorkOrdering(
        "Air date",
        "first aired first",
        lambda works: works.order_by(
            F("aired_from").asc(nulls_last=True), F("broadcast_start").asc(nulls_last=True), "title", "pk"
        ),
    ),
}
DEFAULT_SEASON_SORT = "popular"
# A signed-in person's order (``season_works(order=...)``): their list for the season.
FOR_YOU = "for_you"


@dataclass(frozen=True)
class BroadcastSlot:
    """When a weekly show next airs: the UTC instant, and its weekday in UTC and in Japan."""

    next_broadcast: datetime  # aware, UTC

    @property
    def in_japan(self) -> datetime:
        return self.next_broadcast.astimezone(JAPAN)

    @property
    def weekday_utc(self) -> str:
        return WEEKDAYS[self.next_broadcast.weekday()]

    @property
    def weekday_japan(self) -> str:
        return WEEKDAYS[self.in_japan.weekday()]

    @property
    def iso_utc(self) -> str:
        """``"2026-01-16T14:00:00Z"``: what a page's ``<time datetime>`` and the API say."""
        return self.next_broadcast.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def japan_label(self) -> str:
        """``"Fri 23:00"`` in Japan time: what a page shows before (or without) its script."""
        return self.in_japan.strftime("%a %H:%M")

    @property
    def japan_time(self) -> str:
        return self.in_japan.strftime("%H:%M")


def next_broadcast(start: datetime, interval_days: int, now: datetime) -> datetime:
    """The first broadcast at or after ``now`` of a slot that starts at ``start`` and repeats
    every ``interval_days`` days; ``start`` itself when it is still to come. UTC arithmetic: whole
    days of 24 hours, so the slot keeps its UTC time across daylight saving changes."""
    start = start.astimezone(UTC)
    if now <= start or interval_days <= 0:
        return start
    period = timedelta(days=interval_days)
    elapsed = now - start
    periods = -(-elapsed // period)  # ceiling division of timedeltas
    return start + periods * period


def broadcast_slot(work: Work, now: datetime) -> BroadcastSlot | None:
    """``work``'s next broadcast, None without a repeating slot."""
    if work.broadcast_start is None or not work.broadcast_interval_days:
        return None
    return BroadcastSlot(next_broadcast(work.broadcast_start, work.broadcast_interval_days, now))


def _mark(works: list[Work], now: datetime) -> list[Work]:
    """Give each work ``airing_now`` (the airing rule, today in Japan) and ``slot``."""
    today = today_in_japan(now)
    for work in works:
        work.airing_now = is_airing_on(work, today)
        work.slot = broadcast_slot(work, now)
    return works


@dataclass
class SeasonGroup:
    """The works of one type first aired in the season ("TV", "Movie"… "Other"), or the continuing ones."""

    title: str
    key: str  # what ``?show=`` names it by: the type, "other" or "continuing"
    works: list[Work]  # those shown
    nb_works: int  # all of them
    is_continuing: bool = False

    @property
    def is_cut(self) -> bool:
        return len(self.works) < self.nb_works


@dataclass
class SeasonWorks:
    season: YearSeason
    sort: str
    groups: list[SeasonGroup] = field(default_factory=list)  # types by TYPE_ORDER, continuing last
    shown: str | None = None  # the one group asked for, when one was

    @property
    def works(self) -> list[Work]:
        return [work for group in self.groups for work in group.works]

    @property
    def nb_new(self) -> int:
        return sum(group.nb_works for group in self.groups if not group.is_continuing)

    @property
    def nb_continuing(self) -> int:
        return sum(group.nb_works for group in self.groups if group.is_continuing)


def _type_key(work_type: str) -> tuple:
    if work_type == OTHER_TYPE:
        return (2, "")
    if work_type in TYPE_ORDER:
        return (0, TYPE_ORDER.index(work_type))
    return (1, work_type.lower())


def _continuing_condition(season: YearSeason, today: date) -> Q:
    """Started before ``season`` and still airing when it began: its run reaches the season's
    first day, or it has no end date and is airing now."""
    first = season.first_day
    return Q(aired_from__lt=first) & (
        Q(aired_to__gte=first) | (Q(aired_to__isnull=True) & airing_condition(today))
    )


def season_works(
    *,
    category: Category,
    season: YearSeason,
    user,
    sort: str | None = None,
    show: str | None = None,
    per_group: int | None = None,
    now: datetime | None = None,
    order: list[int] | None = None,
) -> SeasonWorks:
    """The works of ``season`` in ``category`` that ``user`` may see, in one query, by group.

    Each group keeps its first ``per_group`` works (all when None); ``show`` names one group
    (its ``key``) to list whole and alone. An unknown sort or group is ignored. ``order``, work
    ids best first (a person's list for the season), puts those works first in each group in
    that order, the others after them in the default sort: the sort is then ``for_you``.
    """
    now = now or timezone.now()
    sort = sort if sort in SEASON_SORTS else DEFAULT_SEASON_SORT
    if order is not None:
        sort = DEFAULT_SEASON_SORT
    today = today_in_japan(now)
    in_season = season_condition(season)
    works = Work.objects.filter(category=category).safe_for(user).select_related("category")
    works = SEASON_SORTS[sort].apply(works.filter(in_season | _continuing_condition(season, today)))
    by_type: dict[str, list[Work]] = defaultdict(list)
    continuing: list[Work] = []
    for work in works:
        if work.year_season == season:
            by_type[work.work_type or OTHER_TYPE].append(work)
        else:
            continuing.append(work)
    groups = [
        SeasonGroup(
            title=name, key=name.lower() if name == OTHER_TYPE else name, works=found, nb_works=len(found)
        )
        for name, found in sorted(by_type.items(), key=lambda item: _type_key(item[0]))
    ]
    if continuing:
        groups.append(SeasonGroup("Continuing", CONTINUING, continuing, len(continuing), is_continuing=True))
    if order is not None:
        rank = {pk: index for index, pk in enumerate(order)}
        for group in groups:  # a stable sort: the works not in ``order`` keep the default order
            group.works.sort(key=lambda work: rank.get(work.pk, len(rank)))
        sort = FOR_YOU
    result = SeasonWorks(season=season, sort=sort)
    if show is not None and any(group.key == show for group in groups):
        result.shown, groups = show, [group for group in groups if group.key == show]
    elif per_group is not None:
        for group in groups:
            group.works = group.works[:per_group]
    for group in groups:
        _mark(group.works, now)
    result.groups = groups
    return result


def latest_season(*, category: Category, now: datetime | None = None) -> YearSeason | None:
    """The last season, up to today in Japan, in which a work of ``category`` first aired: what
    the catalogue knows last (the shipped data ends with spring 2026). One query."""
    today = today_in_japan(now or timezone.now())
    last = Work.objects.filter(category=category, aired_from__lte=today).aggregate(last=Max("aired_from"))[
        "last"
    ]
    return YearSeason.of(last) if last else None


def season_row(
    *, category: Category, user, limit: int, now: datetime | None = None
) -> tuple[YearSeason, list[Work], bool]:
    """The current season and up to ``limit`` of what it shows (the home row): its new works,
    most popular first, then the works from earlier seasons airing now; one query.

    When the catalogue has nothing of it (its data ends earlier and no sync ran), the latest
    season it knows instead: the last value says whether that is the current one.
    """
    now = now or timezone.now()
    today = today_in_japan(now)
    season = YearSeason.of(today)
    works = _season_row_works(category=category, user=user, season=season, today=today, limit=limit)
    if works:
        return season, _mark(works, now), True
    latest = latest_season(category=category, now=now)
    if latest is None or latest == season:
        return season, [], True
    works = _season_row_works(category=category, user=user, season=latest, today=today, limit=limit)
    return latest, _mark(works, now), False


def _season_row_works(*, category: Category, user, season: YearSeason, today: date, limit: int) -> list[Work]:
    in_season = season_condition(season)
    still_airing = Q(aired_from__lt=season.first_day) & airing_condition(today)
    works = (
        Work.objects.filter(in_season | still_airing, category=category)
        .safe_for(user)
        .select_related("category")
        .annotate(is_new=Case(When(in_season, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-is_new", *_POPULAR_HERE_THEN_UPSTREAM)
    )
    return list(works[:limit])


def airing_weekly(*, category: Category | None, user, now: datetime | None = None) -> list[Work]:
    """Works airing now with a weekly slot, each with its ``slot``, next broadcast first."""
    now = now or timezone.now()
    works = Work.objects.safe_for(user).airing_on(today_in_japan(now)).weekly().select_related("category")
    if category is not None:
        works = works.filter(category=category)
    works = _mark(list(works), now)
    return sorted(works, key=lambda work: (work.slot.next_broadcast, work.title, work.pk))


@dataclass
class CalendarDay:
    weekday: str  # "monday"…
    is_today: bool
    works: list[Work]

    @property
    def label(self) -> str:
        return self.weekday.capitalize()


def season_weekly(*, category: Category, season: YearSeason, user, now: datetime | None = None) -> list[Work]:
    """The works first aired in ``season`` with a weekly slot, each with its ``slot`` at its own
    first broadcast (its weekday and time): the season's schedule, as it aired."""
    works = (
        Work.objects.filter(
            category=category, aired_from__gte=season.first_day, aired_from__lte=season.last_day
        )
        .safe_for(user)
        .weekly()
        .select_related("category")
    )
    works = _mark(list(works), now or timezone.now())
    for work in works:
        work.slot = BroadcastSlot(work.broadcast_start.astimezone(UTC))
    return sorted(works, key=lambda work: (work.slot.next_broadcast, work.title, work.pk))


def airing_calendar(
    *, category: Category, user, now: datetime | None = None, season: YearSeason | None = None
) -> list[CalendarDay]:
    """The week, Monday to Sunday in Japan time: each day's weekly shows, earliest first.

    The shows airing now, or, with ``season``, the weekly shows that first aired in it.
    """
    now = now or timezone.now()
    by_day: dict[str, list[Work]] = defaultdict(list)
    if season is None:
        works = airing_weekly(category=category, user=user, now=now)
    else:
        works = season_weekly(category=category, season=season, user=user, now=now)
    for work in works:
        by_day[work.slot.weekday_japan].append(work)
    today = WEEKDAYS[today_in_japan(now).weekday()]
    return [
        CalendarDay(
            weekday=day,
            is_today=season is None and day == today,
            works=sorted(by_day[day], key=lambda work: (work.slot.in_japan.time(), work.title, work.pk)),
        )
        for day in WEEKDAYS
    ]
