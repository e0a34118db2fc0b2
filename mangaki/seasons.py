"""When a work aired: its year and its season, as Japanese anime seasons count them.

Anime are announced by broadcast season (a "Spring 2013" show starts in April 2013), so the
year and season of a work's first air date tell apart works of the same name (a series and its
sequel). The one place that turns a date into a season: cards, the work page and the API read it
through ``Work.year``, ``Work.season`` and ``Work.season_label``.
"""

from __future__ import annotations

from datetime import date

from django.db import models


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
