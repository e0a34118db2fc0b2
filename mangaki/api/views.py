"""Small endpoints of the API itself: a liveness probe and the JSON 404 for unknown paths."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes, schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()


class HealthView(APIView):
    """Liveness probe: answers without touching the database."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(summary="Is the API up?", responses={200: HealthSerializer}, auth=[])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
@schema(None)
def not_found(request: Request) -> Response:
    raise NotFound(f"No API endpoint at {request.path}; the list is at /api/docs/.")
