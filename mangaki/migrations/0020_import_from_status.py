"""Imports read before statuses were kept: find the ratings they may have made up.

Until statuses were kept (migrations 0018-0019), an unscored MyAnimeList entry became a choice by its status alone:
planned, watching or on hold "will see", completed "neutral", dropped "won't see". An
import's entries were dropped once it was written, so nothing kept says which of its ratings
came from a score and which from a status alone: a "neutral" may be a score of 5 or 6. This
migration therefore changes no rating. It records, on each import written before then
(its report has no ``without_rating``), the works it rated "neutral", "will see" or "won't
see" and whose rating has not changed since: the ratings it wrote (created or changed between
the upload and the end of the import) that a status alone can have given. The import's page
says so, and importing the list again settles each of them from the file
(``services.rating_imports``): an entry without a score loses the made-up rating and keeps
its status; a scored one keeps its choice, now with its score.

Imports still waiting to be written with entries read by the old reader (entries without a
``score``) cannot be written truthfully: they fail, asking for the file again; what their
batches wrote so far is recorded as above.
"""

from django.db import migrations, models
from django.utils import timezone

# The choices a status alone gave, under the old reader.
FROM_STATUS_CHOICES = ("neutral", "willsee", "wontsee")
REREAD_REASON = (
    "This import was read before the site kept where you are with each work, and cannot be "
    "finished as read: upload the file again to import it whole."
)


def record_from_status(apps, schema_editor):
    RatingImport = apps.get_model("mangaki", "RatingImport")
    Rating = apps.get_model("mangaki", "Rating")
    now = timezone.now()
    for rating_import in RatingImport.objects.filter(status__in=["queued", "running"]).exclude(entries=[]):
        if any("score" not in entry for entry in rating_import.entries):
            rating_import.status, rating_import.reason = "failed", REREAD_REASON
            rating_import.entries, rating_import.finished = [], now
            rating_import.save(update_fields=["status", "reason", "entries", "finished"])
    for rating_import in RatingImport.objects.filter(finished__isnull=False).defer("upload").order_by("pk"):
        report = rating_import.report
        if "without_rating" in report:
            continue  # written by the reader that keeps statuses
        # ``written`` counts only since migration 0014; reports have counted all along.
        wrote = rating_import.written or report.get("created", 0) or report.get("updated", 0)
        if not wrote:
            continue
        work_ids = (
            Rating.objects.filter(
                user_id=rating_import.user_id,
                work__category_id=rating_import.category_id,
                choice__in=FROM_STATUS_CHOICES,
                date__gte=rating_import.created,
                date__lte=rating_import.finished,
            )
            .order_by("work_id")
            .values_list("work_id", flat=True)
        )
        if work_ids:
            rating_import.from_status = list(work_ids)
            rating_import.save(update_fields=["from_status"])


class Migration(migrations.Migration):
    dependencies = [
        ("mangaki", "0019_rating_mal_score"),
    ]

    operations = [
        migrations.AddField(
            model_name="ratingimport",
            name="from_status",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="ids of the works whose rating this import may have taken from a status alone "
                "(imports read before statuses were kept, migration 0020); a new import of the list clears them",
            ),
        ),
        migrations.RunPython(record_from_status, migrations.RunPython.noop),
    ]
