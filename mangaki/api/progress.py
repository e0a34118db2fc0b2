"""Where the requesting person is with each work (watching, completed...): their list.

Addressed by work id, like their ratings; every write goes through ``services.progress``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import Progress, Work
from ..services.progress import progress_delete, progress_set, progress_step
from . import serializers
from .exceptions import UnknownObject
from .filters import ProgressFilter
from .ratings import WORK_PARAMETER, parse_work_id, visible_work

DEFAULTS = {"episodes": 0, "chapters": 0, "volumes": 0, "started": None, "finished": None, "rewatches": 0}


@extend_schema_view(
    list=extend_schema(summary="My list: where I am with each work, last changed first"),
    retrieve=extend_schema(summary="Where I am with a work", parameters=[WORK_PARAMETER]),
)
class ProgressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The requesting person's progress, addressed by work id."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.WorkProgressSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProgressFilter
    lookup_field = "work"
    lookup_url_kwarg = "work"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Progress.objects.none()
        # Scoped to the requesting person: nobody else's list can be reached from here.
        return (
            Progress.objects.filter(user=self.request.user)
            .select_related("work__category")
            .order_by("-updated", "-pk")
        )

    def get_object(self) -> Progress:
        work_id = parse_work_id(self.kwargs["work"])
        entry = self.get_queryset().filter(work_id=work_id).first()
        if entry is None:
            if not Work.objects.reachable_by(self.request.user).filter(pk=work_id).exists():
                raise UnknownObject("work", f"No work with id {work_id}.")
            raise UnknownObject("work", f"Work {work_id} is not on your list.")
        return entry

    def _write(self, request: Request, work: str, *, replace: bool) -> Response:
        target = visible_work(request.user, work)
        payload = serializers.WorkProgressWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        if replace:
            changes = {**DEFAULTS, "rewatching": False, **changes}
        elif not Progress.objects.filter(user=request.user, work=target).exists():
            raise UnknownObject("work", f"Work {target.pk} is not on your list: PUT it first.")
        entry, created = progress_set(user=request.user, work=target, **changes)
        entry.work = target
        return Response(
            serializers.WorkProgressSerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Put a work on my list, or replace its entry",
        description="The fields left out take their defaults (0, no date, not rewatching); status "
        "is required for a work not on your list. Marking a work completed without a count sets "
        "the count to the work's length when it is known. An anime counts episodes, a manga "
        "chapters and volumes. Your rating of the work is not touched. 201 when the work was not "
        "on your list, 200 otherwise.",
        parameters=[WORK_PARAMETER],
        request=serializers.WorkProgressWriteSerializer,
        responses={200: serializers.WorkProgressSerializer, 201: serializers.WorkProgressSerializer},
    )
    def update(self, request: Request, work: str) -> Response:
        return self._write(request, work, replace=True)

    @extend_schema(
        summary="Change some fields of a work's entry",
        description="Only the fields given change. 404 for a work not on your list.",
        parameters=[WORK_PARAMETER],
        request=serializers.WorkProgressWriteSerializer,
        responses={200: serializers.WorkProgressSerializer},
    )
    def partial_update(self, request: Request, work: str) -> Response:
        return self._write(request, work, replace=False)

    @extend_schema(
        summary="Take a work off my list",
        description="Your rating of the work stays.",
        parameters=[WORK_PARAMETER],
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def destroy(self, request: Request, work: str) -> Response:
        target = visible_work(request.user, work)
        if not progress_delete(user=request.user, work=target):
            raise UnknownObject("work", f"Work {target.pk} is not on your list.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="One more episode (chapter)",
        description="Adds one episode to an anime, one chapter to a manga; a work not on your list "
        "or planned becomes watching (reading). 400 at the last episode of a known length; "
        "reached_the_end says when this step was the last one.",
        parameters=[WORK_PARAMETER],
        request=None,
        responses={200: serializers.WorkProgressStepSerializer},
    )
    @action(detail=True, methods=["post"], url_path="step", filter_backends=[], pagination_class=None)
    def step(self, request: Request, work: str) -> Response:
        target = visible_work(request.user, work)
        done = progress_step(user=request.user, work=target)
        done.entry.work = target
        body = {"progress": done.entry, "reached_the_end": done.reached_the_end}
        return Response(serializers.WorkProgressStepSerializer(body).data)
