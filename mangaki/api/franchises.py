"""The franchises the requesting member is not interested in: every part left out of their lists.

Addressed by a work of the franchise (the one the member said it of, or any other part); the
writes go through ``services.franchises``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import Work
from ..services.franchises import TooManyHiddenFranchises, franchise_hide, franchise_show
from . import serializers
from .exceptions import UnknownObject
from .ratings import visible_work

WORK_PARAMETER = OpenApiParameter(
    "work", int, OpenApiParameter.PATH, description="Id of a work of the franchise."
)


@extend_schema_view(list=extend_schema(summary="Franchises I am not interested in"))
class HiddenFranchiseViewSet(viewsets.GenericViewSet):
    """ "Not interested in this franchise": the works it was said of."""

    permission_classes = [IsAuthenticated]
    queryset = Work.objects.none()  # for the schema: answers read the profile (``_hidden``)
    serializer_class = serializers.WorkSummarySerializer
    pagination_class = None
    lookup_url_kwarg = "work"

    def _hidden(self) -> list[int]:
        profile = getattr(self.request.user, "profile", None)
        return list(profile.hidden_franchises) if profile else []

    def get_work(self) -> Work:
        return visible_work(self.request.user, self.kwargs["work"])

    def list(self, request: Request) -> Response:
        works = Work.objects.visible_to(request.user).select_related("category").filter(pk__in=self._hidden())
        return Response(serializers.WorkSummarySerializer(works.order_by("pk"), many=True).data)

    @extend_schema(
        summary="Not interested in this franchise",
        description="Leaves every part of the work's franchise (as its relations join them) out of "
        "your recommendations, season lists and similar works. Idempotent: 201 when it was not "
        "hidden, 200 when it already was.",
        parameters=[WORK_PARAMETER],
        request=None,
        responses={200: serializers.WorkSummarySerializer, 201: serializers.WorkSummarySerializer},
    )
    def update(self, request: Request, work: str) -> Response:
        target = self.get_work()
        try:
            added = franchise_hide(user=request.user, work=target)
        except TooManyHiddenFranchises as refused:
            raise ValidationError({"work": [f"{refused}."]}) from None
        data = serializers.WorkSummarySerializer(target).data
        return Response(data, status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)

    @extend_schema(
        summary="Show this franchise again",
        parameters=[WORK_PARAMETER],
        responses={204: OpenApiResponse(description="Shown again.")},
    )
    def destroy(self, request: Request, work: str) -> Response:
        target = self.get_work()
        if not franchise_show(user=request.user, work=target):
            raise UnknownObject("work", f"You have not hidden the franchise of work {target.pk}.")
        return Response(status=status.HTTP_204_NO_CONTENT)
