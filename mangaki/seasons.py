"""When a work aired: its year and its season, as Japanese anime seasons count them.

Anime are announced by broadcast season (a "Spring 2013" show starts in April 2013), so the
year and season of a work's first air date tell apart works of the same name (a series and its
sequel). The one place that turns a date into a season: cards, the work page and the API read it
through ``Work.year``, ``Work.season`` and ``Work.season_label``.
"""

from __future__ import annotations

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


def season_of(day: date | None) -> Season | None:
    """The season that ``day`` falls in (January–March is Winter…), None without a date."""
    if day is None:
        return None
    return _BY_QUARTER[(day.month - 1) // 3]


def season_label(day: date | None) -> str:
    """``"2013 · Spring"`` for a day of April 2013; ``""`` without a date."""
    season = season_of(day)
    if season is None:
        return ""
    return f"{day.year} · {season.label}"


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


@dataclass(frozen=True, order=True)
class YearSeason:
    """One season of one year (Spring 2026): its days, the seasons around it, its name."""

    year: int
    season: Season

    @classmethod
    def of(cls, day: date) -> YearSeason:
        """The season ``day`` falls in."""
        return cls(day.year, season_of(day))

    @property
    def first_day(self) -> date:
        return date(self.year, _FIRST_MONTH[self.season], 1)

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

    def contains(self, day: date | None) -> bool:
        return day is not None and self.first_day <= day <= self.last_day


def today_in_japan(now: datetime | None = None) -> date:
    """The date in Japan at ``now`` (an aware moment; the present when None)."""
    return (now or timezone.now()).astimezone(JAPAN).date()


def current_season(now: datetime | None = None) -> YearSeason:
    """The broadcast season under way in Japan at ``now`` (the present when None)."""
    return YearSeason.of(today_in_japan(now))
