"""The requesting user's own ratings. Every write goes through ``services.ratings``."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import Rating, Work
from ..services.ratings import rating_delete, rating_set, ratings_bulk_set
from . import serializers
from .exceptions import UnknownObject
from .filters import RatingFilter

MAX_ID = 2**63 - 1

WORK_PARAMETER = OpenApiParameter("work", int, OpenApiParameter.PATH, description="Id of the rated work.")


def parse_work_id(raw: str) -> int:
    try:
        work_id = int(raw)
    except (TypeError, ValueError):
        raise UnknownObject("work", f"Work ids are integers, got {raw!r}.") from None
    if not 1 <= work_id <= MAX_ID:
        raise UnknownObject("work", f"No work with id {work_id}.")
    return work_id


def visible_work(user, raw_id: str) -> Work:
    """The work a path addresses, as the pages see it: an NSFW work is unknown without the
    opt-in, and so is a work waiting for confirmation, but to the member who brought or rated it."""
    work_id = parse_work_id(raw_id)
    work = Work.objects.visible_to(user).select_related("category").filter(pk=work_id).first()
    if work is None:
        raise UnknownObject("work", f"No work with id {work_id}.")
    return work


@extend_schema_view(
    list=extend_schema(summary="My ratings, newest first"),
    retrieve=extend_schema(summary="My rating of a work", parameters=[WORK_PARAMETER]),
)
class RatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ratings of the requesting user, addressed by work id."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.RatingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RatingFilter
    lookup_field = "work"
    lookup_url_kwarg = "work"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Rating.objects.none()
        # Scoped to the requesting user: nobody else's rating can be reached from here.
        return (
            Rating.objects.filter(user=self.request.user)
            .select_related("work__category")
            .order_by("-date", "-pk")
        )

    def get_object(self) -> Rating:
        work_id = parse_work_id(self.kwargs["work"])
        rating = self.get_queryset().filter(work_id=work_id).first()
        if rating is None:
            if not Work.objects.reachable_by(self.request.user).filter(pk=work_id).exists():
                raise UnknownObject("work", f"No work with id {work_id}.")
            raise UnknownObject("work", f"You have not rated work {work_id}.")
        return rating

    def get_work(self) -> Work:
        return visible_work(self.request.user, self.kwargs["work"])

    @extend_schema(
        summary="Rate a work (create or replace)",
        description="Idempotent: the same request twice leaves the same rating and the same counters. "
        "201 when the work had no rating from you, 200 otherwise.",
        parameters=[WORK_PARAMETER],
        request=serializers.RatingWriteSerializer,
        responses={200: serializers.RatingSerializer, 201: serializers.RatingSerializer},
    )
    def update(self, request: Request, work: str) -> Response:
        target = self.get_work()
        payload = serializers.RatingWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        existed = Rating.objects.filter(user=request.user, work=target).exists()
        rating = rating_set(user=request.user, work=target, choice=payload.validated_data["choice"])
        rating.work = target
        return Response(
            serializers.RatingSerializer(rating).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Remove my rating of a work",
        parameters=[WORK_PARAMETER],
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def destroy(self, request: Request, work: str) -> Response:
        target = self.get_work()
        if not rating_delete(user=request.user, work=target):
            raise UnknownObject("work", f"You have not rated work {target.pk}.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rate many works at once (all or nothing)",
        description=f"Up to {serializers.MAX_BULK_RATINGS} rows. Every row is checked before anything "
        "is written; if any row is invalid (unknown choice, unknown work, a work twice) nothing is "
        "written and the answer lists each invalid row as ratings[index].field with the reason.",
        request=serializers.BulkRatingsSerializer,
        responses={200: serializers.BulkRatingsResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk", filter_backends=[], pagination_class=None)
    def bulk(self, request: Request) -> Response:
        payload = serializers.BulkRatingsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows = payload.validated_data["ratings"]
        # All or nothing, set-based, the works locked in id order; every bad row named at once.
        # A work this person may not see (NSFW without the opt-in) is unknown, as on the pages.
        result = ratings_bulk_set(
            user=request.user,
            rows=[(row["work"], row["choice"]) for row in rows],
            works=Work.objects.visible_to(request.user),
        )
        counts = {"created": result.created, "changed": result.changed, "unchanged": result.unchanged}
        return Response(serializers.BulkRatingsResultSerializer(counts).data)
