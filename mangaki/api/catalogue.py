"""The catalogue, readable by anyone: categories, tags, works (NSFW hidden unless the profile opts in)."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.fields import CharField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets

from ..models import Category, Rating, Studio, Tag, TaggedWork, Work
from ..work_details import WORK_DETAIL_PREFETCH
from ..work_relations import RELATIONS_PREFETCH
from . import serializers
from .filters import WorkFilter


class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Categories of works (anime, manga)."""

    queryset = Category.objects.order_by("slug")
    serializer_class = serializers.CategorySerializer
    lookup_field = "slug"


class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tags of works; genres are tags."""

    queryset = Tag.objects.order_by("title", "pk")
    serializer_class = serializers.TagSerializer
    lookup_field = "slug"


def with_my_rating(works: QuerySet, user) -> QuerySet:
    """Annotate each work with ``user``'s choice for it (a subquery: no query per work)."""
    if user is None or not user.is_authenticated:
        return works.annotate(my_rating=Value(None, output_field=CharField()))
    mine = Rating.objects.filter(user=user, work=OuterRef("pk")).values("choice")[:1]
    return works.annotate(my_rating=Subquery(mine))


class WorkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Works of the catalogue: filter, search, rank; the detail has tags, counters, titles and links."""

    serializer_class = serializers.WorkListSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = WorkFilter

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        # A list shows public works; one work opens for whoever may rate it (their own too).
        works = Work.objects.visible_to(user) if self.action == "retrieve" else Work.objects.safe_for(user)
        works = works.select_related("category")
        if self.action == "retrieve":
            tagged = TaggedWork.objects.select_related("tag").order_by("-weight", "tag__title")
            works = works.prefetch_related(
                Prefetch("tagged", queryset=tagged),
                *WORK_DETAIL_PREFETCH,
                RELATIONS_PREFETCH,
                Prefetch("studios", queryset=Studio.objects.order_by("name", "pk")),
            )
        return with_my_rating(works, user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.WorkDetailSerializer
        return serializers.WorkListSerializer
