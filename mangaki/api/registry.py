"""The model registry: read as the model report is (staff, unless public); staff retrain and activate."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from kombu.exceptions import OperationalError as BrokerUnreachable
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import TrainedModel
from ..recommendations.registry import model_activate
from ..tasks import enqueue_training
from . import serializers
from .exceptions import ServiceUnavailable
from .permissions import ReportReadersWriteStaff


class TrainedModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Trained recommendation models: versions, held-out metrics, which one serves each algorithm."""

    serializer_class = serializers.TrainedModelSerializer
    permission_classes = [ReportReadersWriteStaff]

    def get_queryset(self) -> QuerySet:
        return TrainedModel.objects.order_by("algorithm", "-version")

    @extend_schema(
        summary="Retrain a model (staff)",
        description="Queues a training of the algorithm and answers at once with the Celery task id; "
        "the new version appears in this list when it is done (active if it passes the quality gate), "
        "or as failed with its reason. Without a broker the training runs within the request, "
        "under the id answered.",
        request=serializers.RetrainSerializer,
        responses={202: serializers.RetrainResultSerializer, 503: serializers.ErrorSerializer},
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def retrain(self, request: Request) -> Response:
        payload = serializers.RetrainSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        algorithm = payload.validated_data["algorithm"]
        try:
            task_id = enqueue_training(algorithm)
        except BrokerUnreachable as error:
            raise ServiceUnavailable(
                "The task queue cannot be reached, so no training was queued; try again later."
            ) from error
        result = {"task_id": task_id, "algorithm": algorithm}
        return Response(serializers.RetrainResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Make this version the active one of its algorithm (staff)",
        request=serializers.ActivateSerializer,
        responses={200: serializers.TrainedModelSerializer},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        trained_model = self.get_object()
        payload = serializers.ActivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        activated = model_activate(trained_model=trained_model, force=payload.validated_data["force"])
        return Response(serializers.TrainedModelSerializer(activated).data)
