"""When a work aired: its year and its season, as Japanese anime seasons count them.

Anime are announced by broadcast season (a "Spring 2013" show starts in April 2013), so the
year and season of a work's first air date tell apart works of the same name (a series and its
sequel). A season's shows often air their first episode, or a premiere special, in the last
days of the month before (Frieren's first broadcast was on 29 September 2023, a Fall 2023
show on MyAnimeList and AniList): from the 25th of March, June, September and December a
first broadcast belongs to the season that follows. The one place that turns a date into a
season: cards, the work page and the API read it through ``Work.year``, ``Work.season`` and
``Work.season_label``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone


class Season(models.TextChoices):
    WINTER = "winter", "Winter"  # January to March
    SPRING = "spring", "Spring"  # April to June
    SUMMER = "summer", "Summer"  # July to September
    FALL = "fall", "Fall"  # October to December


_BY_QUARTER = (Season.WINTER, Season.SPRING, Season.SUMMER, Season.FALL)


# From this day of a season's last month, a first broadcast belongs to the next season.
EARLY_START_DAY = 25


def _season_day(day: date) -> date:
    """``day``, or the first of the next month when it is an early start of the next season."""
    if day.month % 3 == 0 and day.day >= EARLY_START_DAY:
        return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return day


def season_of(day: date | None) -> Season | None:
    """The season that ``day`` falls in (January–March is Winter…, from the 25th of March it is
    Spring), None without a date."""
    if day is None:
        return None
    return _BY_QUARTER[(_season_day(day).month - 1) // 3]


def season_label(day: date | None) -> str:
    """``"2013 · Spring"`` for a day of April 2013; ``""`` without a date."""
    if day is None:
        return ""
    return YearSeason.of(day).tag


# Seasons are Japanese broadcast seasons: "today" and "this season" are read on Japan's clock.
JAPAN = ZoneInfo("Asia/Tokyo")
# A season's first month, by season (January, April, July, October).
_FIRST_MONTH = {season: 1 + 3 * index for index, season in enumerate(_BY_QUARTER)}
# The years a season page or filter accepts: from the first anime to well past any announcement.
FIRST_YEAR, LAST_YEAR = 1917, 2100


def season_months(season: Season) -> tuple[int, int, int]:
    """The three months of ``season``: (4, 5, 6) for spring."""
    first = _FIRST_MONTH[season]
    return (first, first + 1, first + 2)


@functools.total_ordering
@dataclass(frozen=True)
class YearSeason:
    """One season of one year (Spring 2026): its days, the seasons around it, its name.

    Seasons compare in time (Winter 2026 < Spring 2026 < Fall 2026 < Winter 2027), not by name.
    """

    year: int
    season: Season

    def __lt__(self, other: YearSeason) -> bool:
        if not isinstance(other, YearSeason):
            return NotImplemented
        return (self.year, _BY_QUARTER.index(self.season)) < (other.year, _BY_QUARTER.index(other.season))

    @classmethod
    def of(cls, day: date) -> YearSeason:
        """The season ``day`` falls in (28 December 2025 is in Winter 2026)."""
        day = _season_day(day)
        return cls(day.year, season_of(day))

    @property
    def first_day(self) -> date:
        """The 25th of the month before its first month (``EARLY_START_DAY``)."""
        first = date(self.year, _FIRST_MONTH[self.season], 1)
        return (first - timedelta(days=1)).replace(day=EARLY_START_DAY)

    @property
    def last_day(self) -> date:
        return self.next.first_day - timedelta(days=1)

    @property
    def previous(self) -> YearSeason:
        index = _BY_QUARTER.index(self.season)
        return YearSeason(self.year - (index == 0), _BY_QUARTER[index - 1])

    @property
    def next(self) -> YearSeason:
        index = _BY_QUARTER.index(self.season)
        return YearSeason(self.year + (index == 3), _BY_QUARTER[(index + 1) % 4])

    @property
    def key(self) -> str:
        """``"2026-spring"``: how the calendar's ``?season=`` names it."""
        return f"{self.year}-{self.season.value}"

    @property
    def label(self) -> str:
        """``"Spring 2026"``."""
        return f"{self.season.label} {self.year}"

    @property
    def tag(self) -> str:
        """``"2026 · Spring"``: what cards show next to a title."""
        return f"{self.year} · {self.season.label}"

    def contains(self, day: date | None) -> bool:
        return day is not None and self.first_day <= day <= self.last_day


def today_in_japan(now: datetime | None = None) -> date:
    """The date in Japan at ``now`` (an aware moment; the present when None)."""
    return (now or timezone.now()).astimezone(JAPAN).date()


def current_season(now: datetime | None = None) -> YearSeason:
    """The broadcast season under way in Japan at ``now`` (the present when None)."""
    return YearSeason.of(today_in_japan(now))


def work_season(
    aired_from: date | None, upstream_season: str, upstream_year: int | None
) -> YearSeason | None:
    """A work's season: from its first air date, else the season its upstream files it under."""
    if aired_from is not None:
        return YearSeason.of(aired_from)
    if upstream_season in Season.values and upstream_year:
        return YearSeason(upstream_year, Season(upstream_season))
    return None


def season_condition(season: YearSeason) -> models.Q:
    """The works of ``season`` as SQL: first aired in its days, or, with no first air date, filed
    under it upstream (``work_season``)."""
    return models.Q(aired_from__gte=season.first_day, aired_from__lte=season.last_day) | models.Q(
        aired_from__isnull=True, upstream_season=season.season.value, upstream_season_year=season.year
    )
