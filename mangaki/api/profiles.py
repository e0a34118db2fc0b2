"""Public profiles: the ratings of a person who shares them. Anyone else's answer is 404."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from ..models import Rating
from ..selectors import profile_ratings
from . import serializers
from .exceptions import UnknownObject
from .filters import RatingFilter


@extend_schema_view(
    list=extend_schema(
        summary="Ratings of a person who shares them",
        parameters=[OpenApiParameter("username", str, OpenApiParameter.PATH)],
    )
)
class PublicRatingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """404, the same as for nobody, when the profile is private or a guest's: no one learns it exists.

    NSFW works are left out unless the reader's own profile opts in.
    """

    serializer_class = serializers.RatingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RatingFilter

    def visible_ratings(self) -> QuerySet:
        """The owner's ratings this reader may see; 404 when the profile is hidden from them."""
        username = self.kwargs["username"]
        owner = None
        if "\x00" not in username:
            owner = get_user_model().objects.select_related("profile").filter(username=username).first()
        ratings = None if owner is None else profile_ratings(owner=owner, viewer=self.request.user)
        if ratings is None:
            raise UnknownObject("username", f"No public profile named {username!r}.")
        return ratings

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Rating.objects.none()
        return self.visible_ratings()
