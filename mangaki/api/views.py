"""Small endpoints of the API itself: a readiness probe and the JSON 404 for unknown paths."""

from __future__ import annotations

from django.core.cache import cache
from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema
from redis.exceptions import RedisError
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes, schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import celery_app


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["ok", "degraded", "down"],
        help_text="ok: every dependency answers; degraded: the site serves without the cache or the "
        "broker (no throttling, no retraining); down: the database does not answer (503).",
    )
    database = serializers.CharField(help_text='"ok" or what failed.')
    cache = serializers.CharField(help_text='"ok" or what failed.')
    broker = serializers.CharField(help_text='"ok", "eager" (no broker: tasks run here) or what failed.')


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as error:
        return f"unreachable: {type(error).__name__}"


def _cache() -> str:
    try:
        cache.get("mangaki:health")
        return "ok"
    except (RedisError, OSError) as error:
        return f"unreachable: {type(error).__name__}"


def _broker() -> str:
    if celery_app.conf.task_always_eager:
        return "eager"
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        return "ok"
    except Exception as error:  # kombu raises the transport's own errors (OperationalError…)
        return f"unreachable: {type(error).__name__}"


class HealthView(APIView):
    """Readiness probe: the database must answer; the cache and the broker are reported."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []  # a probe is never refused, and does not need the cache to answer

    @extend_schema(
        summary="Is the API up, and are its services?",
        responses={200: HealthSerializer, 503: HealthSerializer},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        checks = {"database": _database(), "cache": _cache(), "broker": _broker()}
        if checks["database"] != "ok":
            return Response({"status": "down", **checks}, status=503)
        healthy = all(value in {"ok", "eager"} for value in checks.values())
        return Response({"status": "ok" if healthy else "degraded", **checks})


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
@schema(None)
def not_found(request: Request) -> Response:
    raise NotFound(f"No API endpoint at {request.path}; the list is at /api/docs/.")
