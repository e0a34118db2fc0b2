"""Query-string filters (django-filter). An unknown value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..choices import Choice
from ..models import Category, Rating, Tag, Work

# Orderings are the catalogue's own querysets, so the API ranks exactly as the pages do.
# ``top`` and ``pearls`` also filter: only works with enough ratings have a rank.
WORK_ORDERINGS = {
    "top": lambda works: works.top(),
    "pearls": lambda works: works.pearls(),
    "popular": lambda works: works.popular(),
    "controversial": lambda works: works.controversial(),
    "title": lambda works: works.order_by("title", "pk"),
}


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Several slugs, as a repeated query parameter (documented as strings, not guessed from rows)."""


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
    ordering = django_filters.ChoiceFilter(
        choices=[(name, name) for name in WORK_ORDERINGS],
        method="order",
        empty_label=None,
        help_text="top (best average, enough ratings), pearls (loved by the few who know them), "
        "popular (most ratings), controversial, title (default; with `search`, best match first).",
    )

    class Meta:
        model = Work
        fields = ["category", "tag", "type", "search", "ordering"]

    def with_all_tags(self, works: QuerySet, name: str, tags) -> QuerySet:
        return works.with_all_tags(tags)

    def search_titles(self, works: QuerySet, name: str, value: str) -> QuerySet:
        # The pages' search too (Work.objects.search): same matches, same order.
        return works.search(value)

    def order(self, works: QuerySet, name: str, value: str) -> QuerySet:
        return WORK_ORDERINGS[value](works)

    @property
    def qs(self) -> QuerySet:
        works = super().qs
        if not self.form.cleaned_data.get("ordering") and not self.form.cleaned_data.get("search"):
            works = works.order_by("title", "pk")
        return works


class RatingFilter(django_filters.FilterSet):
    choice = django_filters.MultipleChoiceFilter(
        choices=Choice.choices, help_text="Only these choices; repeat the parameter for several."
    )
    category = django_filters.ModelChoiceFilter(
        field_name="work__category",
        to_field_name="slug",
        queryset=Category.objects.all(),
        help_text="Category slug.",
    )

    class Meta:
        model = Rating
        fields = ["choice", "category"]
