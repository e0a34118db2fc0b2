"""GET /api/ratings/export/: the requesting user's ratings as CSV, JSON or a MyAnimeList list."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from ..exports import as_csv, as_json, as_mal
from ..mal import export_summary
from ..selectors import list_export_rows, rating_export_rows
from .serializers import ErrorSerializer

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "mal": "application/xml; charset=utf-8",
}


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS), default="json")
    category = serializers.ChoiceField(
        choices=["anime", "manga"], default="anime", help_text="For format=mal: which of the two lists."
    )


class FormatIsAParameter(DefaultContentNegotiation):
    """``?format=`` names the file's format here, not a renderer: errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class RatingExportView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        summary="Download my ratings",
        description="Every rating of yours, NSFW works included, as a file: `csv` (one row per rating), "
        "`json`, or `mal`, a MyAnimeList XML list of one category (`category=anime` or `manga`) that "
        "MyAnimeList, AniList and this site's import read; works without a MyAnimeList id are left out "
        "of it (the X-Left-Out header counts them). How choices are written in it: "
        f"{export_summary()}",
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS), default="json"),
            OpenApiParameter("category", str, enum=["anime", "manga"], default="anime"),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR),
            400: ErrorSerializer,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt, category = query.validated_data["format"], query.validated_data["category"]
        username = request.user.get_username()
        user = request.user
        now = timezone.now()
        stamp = now.strftime("%Y%m%d")
        headers = {}
        # Streamed as the rows are read (rating_export_rows iterates in chunks): the answer's
        # size and the server's memory do not grow with the person's ratings.
        if fmt == "csv":
            body, name = as_csv(rating_export_rows(user=user)), f"mangaki_{username}_{stamp}.csv"
        elif fmt == "json":
            body, name = (
                as_json(username, rating_export_rows(user=user), now),
                f"mangaki_{username}_{stamp}.json",
            )
        else:
            body, left_out = as_mal(
                username, category, lambda: list_export_rows(user=user, category=category)
            )
            name = f"{category}list_mangaki_{username}_{stamp}.xml"
            headers["X-Left-Out"] = str(left_out)
        response = StreamingHttpResponse(body, content_type=FORMATS[fmt], headers=headers)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
