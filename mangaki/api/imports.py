"""MyAnimeList list imports: upload a file (202; a worker reads and writes it), then follow it."""

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

from ..choices import Choice
from ..mal import mapping_summary
from ..models import RatingImport
from ..services.rating_imports import (
    TooManyImports,
    import_fail,
    import_progress,
    import_receive,
    kind_known,
)
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


class ChangedRatingSerializer(serializers.Serializer):
    work = serializers.IntegerField(help_text="The work's id.")
    title = serializers.CharField()
    was = serializers.ChoiceField(choices=Choice.choices, help_text="Your choice before the import.")
    now = serializers.ChoiceField(choices=Choice.choices, help_text="The choice the file's score maps to.")


class ReportSerializer(serializers.Serializer):
    created = serializers.IntegerField(allow_null=True, help_text="Ratings added. Null until done.")
    updated = serializers.IntegerField(allow_null=True, help_text="Ratings whose choice changed.")
    unchanged = serializers.IntegerField(allow_null=True, help_text="Ratings already as in the file.")
    new_works = serializers.IntegerField(allow_null=True, help_text="Works added to the catalogue.")
    without_rating = serializers.IntegerField(
        allow_null=True,
        help_text="Entries without a score: on your list with their status and progress, and no "
        "rating made up for them. Null until done.",
    )
    retracted = serializers.IntegerField(
        allow_null=True,
        help_text="Ratings an earlier import made up from a status alone (see `ratings_from_status`) "
        "that this one removed: the file gives those works no score. Null until done.",
    )
    n_changed = serializers.IntegerField(
        allow_null=True, help_text="Ratings you had made whose choice the file changed. Null until done."
    )
    changed = ChangedRatingSerializer(
        many=True, help_text="The ratings whose choice the file changed (at most 500), before and now."
    )
    n_skipped = serializers.IntegerField(help_text="Entries not imported (all of them).")
    skipped = SkippedLineSerializer(many=True, help_text="The skipped entries (at most 500), with why.")


class ProgressSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="Entries written so far (a rating, progress, or both).")
    total = serializers.IntegerField(help_text="Entries to write.")


class RatingImportSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField(
        help_text="anime or manga, as the file says; null until a worker has read the file."
    )
    entries = serializers.IntegerField(
        source="nb_entries", help_text="Entries read from the file (0 until it is read)."
    )
    progress = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    ratings_from_status = serializers.SerializerMethodField(
        help_text="Ratings this import wrote that may come from a status alone rather than a score "
        "(imports read before statuses were kept: neutral for an unscored Completed, will see, won't "
        "see). Importing the same list again settles them: an entry without a score loses its rating."
    )

    class Meta:
        model = RatingImport
        fields = ["id", "url", "status", "category", "file_name", "entries", "progress", "report", "reason",
                  "ratings_from_status", "created", "finished"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_category(self, rating_import: RatingImport) -> str | None:
        return rating_import.category.slug if kind_known(rating_import) else None

    def get_ratings_from_status(self, rating_import: RatingImport) -> int:
        return len(rating_import.from_status)

    @extend_schema_field(ReportSerializer)
    def get_report(self, rating_import: RatingImport) -> dict:
        # The row also keeps the worker's bookkeeping while it runs; the answer shows the report.
        report = {
            "created": None, "updated": None, "unchanged": None, "new_works": None, "without_rating": None,
            "retracted": None, "n_changed": None, "changed": [], "skipped": [],
        }  # fmt: skip
        report.update({key: value for key, value in rating_import.report.items() if key in report})
        report["n_skipped"] = rating_import.report.get("n_skipped", 0)
        return ReportSerializer(report).data

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, rating_import: RatingImport) -> dict:
        written, total = import_progress(rating_import)
        return {"written": written, "total": total}

    def get_url(self, rating_import: RatingImport) -> str:
        return reverse(
            "api:rating-import-detail", args=[rating_import.pk], request=self.context.get("request")
        )


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
        return RatingImport.objects.filter(user=self.request.user).select_related("category").defer("upload")

    def get_parsers(self):
        if self.request is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Import a MyAnimeList list",
        description="Upload the XML file MyAnimeList exports (anime or manga, plain or gzipped) as the "
        "multipart field `file`. The upload is stored and answered at once, 202 with the import's id and "
        "`status` queued; a worker then reads it and writes the ratings, and `GET /api/imports/{id}/` "
        "follows it to its report. Refused at once (400 naming `file`, nothing stored): an empty file, "
        "one that is neither XML nor gzip, or a guest's upload; 413: a file over "
        f"{settings.MANGAKI_IMPORT_MAX_BYTES:,} bytes. A file the worker cannot use (not a MyAnimeList "
        f"list, over {settings.MANGAKI_IMPORT_MAX_BYTES:,} bytes unzipped, more than "
        f"{settings.MANGAKI_IMPORT_MAX_ENTRIES:,} entries, a DOCTYPE or entities, damaged) ends with "
        "`status` failed and the reason, naming the file, in `reason`; nothing is written. The "
        "ratings are written in batches in work-id order; the import says running until all are "
        "written, then done. How entries become choices: "
        f"{mapping_summary()} Works are matched on their MyAnimeList id; unknown ones are added "
        "(yours alone until the catalogue confirms them). NSFW works are skipped, with the reason, "
        "unless your profile allows them. Importing the same file again changes nothing; ratings of "
        "works not in the file stay.",
        request={"multipart/form-data": UploadSerializer},
        responses={
            202: RatingImportSerializer,
            400: OpenApiResponse(ErrorSerializer, description="No file, an empty one, or not XML nor gzip."),
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
        rating_import = self.get_queryset().get(pk=rating_import.pk)  # as the task left it (eager: done)
        data = self.get_serializer(rating_import).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})
