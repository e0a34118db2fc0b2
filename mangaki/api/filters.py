"""Query-string filters (django-filter). An unknown value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..choices import Choice, WatchStatus
from ..models import Category, Progress, Rating, Tag, Work
from ..querysets import WORK_ORDERINGS, ordered_works
from ..seasons import (
    EARLY_START_DAY,
    FIRST_YEAR,
    LAST_YEAR,
    Season,
    YearSeason,
    season_condition,
    season_months,
)


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Several slugs, as a repeated query parameter (documented as strings, not guessed from rows)."""


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.NumberFilter):
    """A whole year (``2026``): ``abc`` or ``2026.5`` is a 400 naming the parameter."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class WorkFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        field_name="category",
        to_field_name="slug",
        queryset=Category.objects.all(),
        help_text="Category slug.",
    )
    tag = SlugsFilter(
        field_name="tags__slug",
        to_field_name="slug",
        queryset=Tag.objects.all(),
        method="with_all_tags",
        help_text="Tag (genre) slug; repeat the parameter to require several tags.",
    )
    type = django_filters.CharFilter(
        field_name="work_type", lookup_expr="iexact", help_text="TV, Movie, OVA…"
    )
    search = django_filters.CharFilter(
        method="search_titles",
        max_length=100,
        help_text="Any of a work's titles (original, translations), ignoring case, accents, width and "
        "punctuation, tolerating typos; best match first (then most rated) unless `ordering` is given.",
    )
    season = django_filters.ChoiceFilter(
        choices=Season.choices,
        method="in_season",
        help_text="First aired in this broadcast season (winter: January to March, spring: April to "
        "June, summer: July to September, fall: October to December); with `year`, that season of "
        "that year.",
    )
    year = YearFilter(
        method="in_year", help_text="First aired in this year (with `season`: that season of it)."
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(name, name) for name in WORK_ORDERINGS],
        method="order",
        empty_label=None,
        help_text="The catalogue page's sorts, same keys and same order: "
        + "; ".join(f"`{name}`: {ordering.help}" for name, ordering in WORK_ORDERINGS.items())
        + ". Default: `relevance` with `search`, else `popular`.",
    )

    class Meta:
        model = Work
        fields = ["category", "tag", "type", "search", "season", "year", "ordering"]

    def with_all_tags(self, works: QuerySet, name: str, tags) -> QuerySet:
        return works.with_all_tags(tags)

    def search_titles(self, works: QuerySet, name: str, value: str) -> QuerySet:
        # The pages' search too (Work.objects.search): same matches, same order.
        return works.search(value)

    def in_season(self, works: QuerySet, name: str, value: str) -> QuerySet:
        year = self.form.cleaned_data.get("year")
        if year is None:  # that season of any year, from the 25th of the month before it
            first, second, last = season_months(Season(value))
            before = (first - 2) % 12 + 1
            return works.filter(
                Q(aired_from__month=before, aired_from__day__gte=EARLY_START_DAY)
                | Q(aired_from__month__in=(first, second))
                | Q(aired_from__month=last, aired_from__day__lt=EARLY_START_DAY)
                | Q(aired_from__isnull=True, upstream_season=value)
            )
        return works.filter(season_condition(YearSeason(year, Season(value))))

    def in_year(self, works: QuerySet, name: str, value: int) -> QuerySet:
        if self.form.cleaned_data.get("season"):
            return works  # ``in_season`` reads the year
        # The year's four seasons: from Winter's first day (25 December before) to Fall's last.
        first, last = YearSeason(value, Season.WINTER).first_day, YearSeason(value, Season.FALL).last_day
        return works.filter(
            Q(aired_from__gte=first, aired_from__lte=last)
            | Q(aired_from__isnull=True, upstream_season_year=value)
        )

    def order(self, works: QuerySet, name: str, value: str) -> QuerySet:
        return works  # applied last, in ``qs``, once the search (if any) has ranked the works

    @property
    def qs(self) -> QuerySet:
        data = self.form.cleaned_data
        return ordered_works(super().qs, data.get("ordering"), searching=bool(data.get("search")))


def work_category_filter() -> django_filters.ModelChoiceFilter:
    """``?category=anime``: the rows of one category's works (a rating's, a list entry's)."""
    return django_filters.ModelChoiceFilter(
        field_name="work__category",
        to_field_name="slug",
        queryset=Category.objects.all(),
        help_text="Category slug.",
    )


class RatingFilter(django_filters.FilterSet):
    choice = django_filters.MultipleChoiceFilter(
        choices=Choice.choices, help_text="Only these choices; repeat the parameter for several."
    )
    category = work_category_filter()

    class Meta:
        model = Rating
        fields = ["choice", "category"]


class ProgressFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=WatchStatus.choices, help_text="Only these statuses; repeat the parameter for several."
    )
    category = work_category_filter()

    class Meta:
        model = Progress
        fields = ["status", "category"]
