"""MyAnimeList list imports: upload a file (202, written by a worker), then follow it to its report."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from kombu.exceptions import OperationalError as BrokerUnreachable
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import Throttled
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ..mal import mapping_summary
from ..models import RatingImport
from ..services.rating_imports import TooManyImports, import_fail, import_progress, import_receive
from ..tasks import enqueue_import
from .exceptions import PayloadTooLarge, ServiceUnavailable
from .serializers import ErrorSerializer

# Room for the multipart envelope around the file.
ENVELOPE_BYTES = 64_000


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A MyAnimeList export: animelist_….xml or mangalist_….xml, plain or .gz.",
    )


class SkippedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the entry in the (unzipped) file.")
    mal_id = serializers.CharField(help_text="The entry's MyAnimeList id, as written in the file.")
    title = serializers.CharField()
    reason = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    created = serializers.IntegerField(allow_null=True, help_text="Ratings added. Null until done.")
    updated = serializers.IntegerField(allow_null=True, help_text="Ratings whose choice changed.")
    unchanged = serializers.IntegerField(allow_null=True, help_text="Ratings already as in the file.")
    new_works = serializers.IntegerField(allow_null=True, help_text="Works added to the catalogue.")
    n_skipped = serializers.IntegerField(help_text="Entries not imported (all of them).")
    skipped = SkippedLineSerializer(many=True, help_text="The skipped entries (at most 500), with why.")


class ProgressSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="Ratings written so far.")
    total = serializers.IntegerField(help_text="Ratings to write.")


class RatingImportSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    entries = serializers.IntegerField(source="nb_entries", help_text="Entries read from the file.")
    progress = serializers.SerializerMethodField()
    report = ReportSerializer()
    url = serializers.SerializerMethodField()

    class Meta:
        model = RatingImport
        fields = ["id", "url", "status", "category", "file_name", "entries", "progress", "report", "reason",
                  "created", "finished"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, rating_import: RatingImport) -> dict:
        written, total = import_progress(rating_import)
        return {"written": written, "total": total}

    def get_url(self, rating_import: RatingImport) -> str:
        return reverse(
            "api:rating-import-detail", args=[rating_import.pk], request=self.context.get("request")
        )

    def to_representation(self, rating_import: RatingImport) -> dict:
        data = super().to_representation(rating_import)
        data["report"].setdefault("skipped", [])
        return data


@extend_schema_view(
    list=extend_schema(summary="My imports, newest first"),
    retrieve=extend_schema(summary="An import's status, progress and report"),
)
class RatingImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports of the requesting user's MyAnimeList lists; nobody else's can be reached."""

    permission_classes = [IsAuthenticated]
    serializer_class = RatingImportSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return RatingImport.objects.none()
        return RatingImport.objects.filter(user=self.request.user).select_related("category")

    def get_parsers(self):
        if self.request is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Import a MyAnimeList list",
        description="Upload the XML file MyAnimeList exports (anime or manga, plain or gzipped) as the "
        "multipart field `file`. The file is checked at once: one that is not a MyAnimeList list, is too "
        f"large (over {settings.MANGAKI_IMPORT_MAX_BYTES:,} bytes unzipped), has more than "
        f"{settings.MANGAKI_IMPORT_MAX_ENTRIES:,} entries, declares a DOCTYPE or entities, or is damaged "
        "is refused (400, nothing written). Otherwise the answer is 202 with the import's id and "
        "`status` queued: a worker writes the ratings, all at once, and `GET /api/imports/{id}/` "
        "follows its progress to the report. How entries become choices: "
        f"{mapping_summary()} Works are matched on their MyAnimeList id; unknown ones are added. "
        "Importing the same file again changes nothing; ratings of works not in the file stay.",
        request={"multipart/form-data": UploadSerializer},
        responses={
            202: RatingImportSerializer,
            413: OpenApiResponse(ErrorSerializer, description="The file is over the size limit."),
            503: OpenApiResponse(ErrorSerializer, description="The task queue is down; nothing queued."),
        },
    )
    def create(self, request: Request) -> Response:
        limit = settings.MANGAKI_IMPORT_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + ENVELOPE_BYTES:  # refused before the body is read
            raise PayloadTooLarge(f"The file is larger than {limit:,} bytes.")
        payload = UploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        if upload.size > limit:
            raise PayloadTooLarge(f"The file is larger than {limit:,} bytes.")
        try:
            rating_import = import_receive(user=request.user, file_name=upload.name, data=upload.read())
        except TooManyImports as refused:
            raise Throttled(wait=refused.retry_after, detail=str(refused)) from None
        try:
            enqueue_import(rating_import.pk)
        except BrokerUnreachable as error:
            import_fail(
                rating_import=rating_import,
                reason="The task queue could not be reached; nothing was imported.",
            )
            raise ServiceUnavailable(
                "The task queue cannot be reached, so the import was not started; try again later."
            ) from error
        rating_import.refresh_from_db()
        data = self.get_serializer(rating_import).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})
