"""Season pages and the weekly airing calendar (reads in ``mangaki.seasonal``)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from ..recommendations.lists import recommendations_for
from ..seasonal import FOR_YOU, SEASON_SORTS, airing_calendar, latest_season, season_works
from ..seasons import FIRST_YEAR, LAST_YEAR, Season, YearSeason, current_season
from .cards import categories, decorate, user_choices
from .recommendations import explain

# A season page shows this many works of each type; "All N" lists one type whole (``?show=``).
SEASON_GROUP_SIZE = 24
# A person's season list reaches this far: a season holds some 60 to 150 new anime.
PERSONAL_SEASON_LIMIT = 200


def _category(request, slug: str):
    category = next((c for c in categories(request) if c.slug == slug), None)
    if category is None:
        raise Http404("No such category.")
    return category


def _season_url(category_slug: str, season: YearSeason) -> str:
    return reverse("season", args=[category_slug, season.year, season.season.value])


def this_season(request, category: str):
    """The season under way in Japan: a redirect, so that the address names the season."""
    _category(request, category)
    return redirect(_season_url(category, current_season()))


def personal_season(request, category, season: YearSeason, limit: int) -> tuple[list[int] | None, dict]:
    """A signed-in person's order of the season's works (``recommendations_for(season=...)``)
    and why each is there, by work id; (None, {}) for a visitor or while their list is not
    personal (too few ratings, no model)."""
    if not request.user.is_authenticated:
        return None, {}
    listed = recommendations_for(
        user=request.user,
        category=category.slug,
        season=(season.year, season.season.value),
        limit=limit,
        personal_only=True,
    )
    if listed.is_fallback:
        return None, {}
    slugs = {c.pk: c.slug for c in categories(request)}
    rated = {
        work.pk
        for item in listed.items
        for work in (item.explanation.franchise_of, *(n for n, _ in item.explanation.neighbours))
        if work is not None
    }
    choices = user_choices(request.user, rated)
    return [item.work.pk for item in listed.items], {
        item.work.pk: explain(item, choices, slugs) for item in listed.items
    }


def season_page(request, category: str, year: int, season: str):
    category = _category(request, category)
    if season not in Season.values or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("No such season.")
    shown = YearSeason(year, Season(season))
    asked = request.GET.get("sort")
    order, reasons = (None, {})
    if asked in (None, "", FOR_YOU):
        order, reasons = personal_season(request, category, shown, PERSONAL_SEASON_LIMIT)
    found = season_works(
        category=category,
        season=shown,
        user=request.user,
        sort=asked,
        show=request.GET.get("show"),
        per_group=SEASON_GROUP_SIZE,
        order=order,
    )
    decorate(found.works, request)
    for work in found.works:
        work.reasons = reasons.get(work.pk)
    sorts = [(name, ordering.label) for name, ordering in SEASON_SORTS.items()]
    if request.user.is_authenticated:
        sorts.insert(0, (FOR_YOU, "For you"))
    neighbours = {
        name: neighbour if FIRST_YEAR <= neighbour.year <= LAST_YEAR else None
        for name, neighbour in (("previous", shown.previous), ("next", shown.next))
    }
    return render(
        request,
        "mangaki/season.html",
        {
            "category": category,
            "found": found,
            "season": shown,
            "is_current": shown == current_season(),
            "previous": neighbours["previous"],
            "previous_url": neighbours["previous"] and _season_url(category.slug, neighbours["previous"]),
            "next": neighbours["next"],
            "next_url": neighbours["next"] and _season_url(category.slug, neighbours["next"]),
            "sorts": sorts,
        },
    )


def _asked_season(value: str | None) -> YearSeason | None:
    """``"2026-spring"`` as a season; None when absent; 404 when malformed or out of range."""
    if not value:
        return None
    year, _, name = value.partition("-")
    if not year.isdigit() or name not in Season.values or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise Http404("No such season.")
    return YearSeason(int(year), Season(name))


def calendar(request, category: str):
    """The week's shows airing now, or (``?season=2026-spring``) a season's weekly slots."""
    category = _category(request, category)
    asked = _asked_season(request.GET.get("season"))
    days = airing_calendar(category=category, user=request.user, season=asked)
    decorate([work for day in days for work in day.works], request)
    nb_works = sum(len(day.works) for day in days)
    season = asked or current_season()
    # Nothing known to air now (the data ends earlier, no sync ran): point to the last season known.
    latest = latest_season(category=category) if asked is None and not nb_works else None
    return render(
        request,
        "mangaki/calendar.html",
        {
            "category": category,
            "days": days,
            "nb_works": nb_works,
            "asked": asked,
            "season": season,
            "season_url": _season_url(category.slug, season),
            "latest": latest,
            "latest_calendar_url": latest
            and f"{reverse('calendar', args=[category.slug])}?season={latest.key}",
        },
    )
