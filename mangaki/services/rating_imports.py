"""Importing a MyAnimeList list: check the upload, then write it through the rating service.

Two steps, so that a page or an API call answers at once and a worker does the writing:

1. ``import_receive`` reads the uploaded file (``mangaki.mal``: a safe XML parser, size and
   entry limits) when it arrives. A file that cannot be used is refused with the reason and
   nothing is stored; otherwise its entries are kept on a queued ``RatingImport``.
2. ``import_run`` (the Celery task ``import_ratings``) matches the entries to works by their
   MyAnimeList id in the list's category, adds the works the catalogue does not have yet
   (so that manga and new anime arrive with the people who read and watch them), and sets
   the ratings with ``ratings_bulk_set`` in one transaction: the counters stay exact, and an
   import is written whole or not at all. Works not in the file keep their ratings, so
   ratings made on the site are never removed; a work in the file gets the file's choice.
   Running an import twice, or importing the same file again, changes nothing.

Progress (entries written so far) goes to the cache while an import runs, for the page's
progress bar; the import's own row says queued, running, done (with its report) or failed.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from ..mal import MalFileError, read_list
from ..models import Category, RatingImport, Work
from ..text_search import normalize
from .guests import is_guest
from .ratings import ratings_bulk_set

logger = logging.getLogger(__name__)

SOURCE = "myanimelist"
CHUNK = 1000  # ratings written between two progress reports
MAX_REPORTED_SKIPS = 500  # skipped lines listed in a report (all are counted)
Status = RatingImport.Status


class TooManyImports(Exception):
    """This person started their hourly share of imports; ``retry_after`` seconds until the next."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _progress_key(import_id: int) -> str:
    return f"mangaki:import:{import_id}:written"


def import_receive(*, user, file_name: str, data: bytes) -> RatingImport:
    """Check an uploaded MyAnimeList list and queue its import; the caller then runs the task.

    Raises ValidationError ``{"file": reason}`` with nothing stored when the file cannot be
    read as a MyAnimeList list, when the person is a guest (imports add works to the
    catalogue: members only), and TooManyImports past ``MANGAKI_IMPORTS_PER_HOUR``.
    """
    name = (file_name or "the file").rsplit("/", 1)[-1][:255]
    if is_guest(user):
        raise ValidationError({"file": "Sign up to import a list: your ratings so far come with you."})
    now, limit = timezone.now(), settings.MANGAKI_IMPORTS_PER_HOUR
    recent = list(
        RatingImport.objects.filter(user=user, created__gte=now - timedelta(hours=1))
        .order_by("-created")
        .values_list("created", flat=True)[:limit]
    )
    if len(recent) >= limit:
        wait = recent[-1] + timedelta(hours=1) - now
        raise TooManyImports(
            f"You started {limit} imports in the last hour; try again later.",
            retry_after=max(int(wait.total_seconds()) + 1, 1),
        )
    try:
        parsed = read_list(
            data, max_bytes=settings.MANGAKI_IMPORT_MAX_BYTES, max_entries=settings.MANGAKI_IMPORT_MAX_ENTRIES
        )
    except MalFileError as error:
        raise ValidationError({"file": f"{name}: {error}"}) from None
    return RatingImport.objects.create(
        user=user,
        category=Category.objects.get(slug=parsed.kind),
        file_name=name,
        nb_entries=len(parsed.entries) + len(parsed.skipped),
        entries=[entry.as_dict() for entry in parsed.entries],
        report={
            "skipped": [skip.as_dict() for skip in parsed.skipped[:MAX_REPORTED_SKIPS]],
            "n_skipped": len(parsed.skipped),
        },
    )


def import_progress(rating_import: RatingImport) -> tuple[int, int]:
    """(ratings written, ratings to write) of an import: from the cache while it runs."""
    if rating_import.status == Status.DONE:
        report = rating_import.report
        written = sum(report.get(key, 0) for key in ("created", "updated", "unchanged"))
        return written, written
    total = len(rating_import.entries)
    if rating_import.status != Status.RUNNING:
        return 0, total
    try:
        return min(int(cache.get(_progress_key(rating_import.pk)) or 0), total), total
    except (RedisError, OSError, ValueError):
        return 0, total


def _report_progress(import_id: int, written: int) -> None:
    # Progress is a nicety: a cache that is down must not stop the import.
    with contextlib.suppress(RedisError, OSError):
        cache.set(_progress_key(import_id), written, timeout=3600)


def _works_for(rating_import: RatingImport, entries: list[dict]) -> tuple[dict[int, int], int, list[dict]]:
    """Work id of each entry's MyAnimeList id, adding the works the catalogue lacks.

    Returns (work id by MyAnimeList id, works added, entries skipped for lack of a title).
    """
    category = rating_import.category
    ids = [str(entry["mal_id"]) for entry in entries]

    def known() -> dict[int, int]:
        found = Work.objects.filter(external_source=SOURCE, category=category, external_id__in=ids)
        return {int(mal_id): pk for mal_id, pk in found.values_list("external_id", "pk")}

    works = known()
    new, untitled = [], []
    for entry in entries:
        if entry["mal_id"] in works:
            continue
        if not entry["title"]:
            untitled.append(entry)
            continue
        new.append(
            Work(
                category=category,
                external_source=SOURCE,
                external_id=str(entry["mal_id"]),
                title=entry["title"],
                search_text=normalize(entry["title"]),  # bulk_create skips Work.save()
                work_type=entry["work_type"],
                nb_episodes=entry["episodes"],
                nb_volumes=entry["volumes"],
                nb_chapters=entry["chapters"],
                # The importer's own until the sync finds it upstream or staff confirm it.
                confirmed=False,
                added_by=rating_import.user,
            )
        )
    if new:
        # Another import may add the same works at the same moment: theirs then count.
        Work.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
        before = len(works)
        works = known()
        return works, len(works) - before, untitled
    return works, 0, untitled


def import_run(*, import_id: int) -> RatingImport | None:
    """Write a queued import's ratings (the task's body); idempotent.

    An import that is done or failed is returned as it is (None once deleted with its
    account). Two deliveries of the same task wait for each other on the import's row; the
    second finds it done.
    """
    started = RatingImport.objects.filter(pk=import_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.RUNNING
    )
    if not started:  # done, failed, or deleted with its account since it was queued
        return RatingImport.objects.filter(pk=import_id).first()
    _report_progress(import_id, 0)
    try:
        with transaction.atomic():
            rating_import = (
                RatingImport.objects.select_for_update().select_related("category", "user").get(pk=import_id)
            )
            if rating_import.status != Status.RUNNING:
                return rating_import
            entries = rating_import.entries
            work_ids, works_added, untitled = _works_for(rating_import, entries)
            rows = [
                (work_ids[entry["mal_id"]], entry["choice"])
                for entry in entries
                if entry["mal_id"] in work_ids
            ]
            counts = {"created": 0, "updated": 0, "unchanged": 0}
            for start in range(0, len(rows), CHUNK):
                result = ratings_bulk_set(user=rating_import.user, rows=rows[start : start + CHUNK])
                counts["created"] += result.created
                counts["updated"] += result.changed
                counts["unchanged"] += result.unchanged
                _report_progress(import_id, start + len(rows[start : start + CHUNK]))
            report = rating_import.report
            skipped = report.get("skipped", [])
            for entry in untitled:
                if len(skipped) < MAX_REPORTED_SKIPS:
                    skipped.append(
                        {
                            "line": entry["line"],
                            "mal_id": str(entry["mal_id"]),
                            "title": "",
                            "reason": f"{rating_import.category.slug} {entry['mal_id']} is not in the "
                            "catalogue yet and the file gives no title to add it with.",
                        }
                    )
            rating_import.report = {
                **counts,
                "new_works": works_added,
                "n_skipped": report.get("n_skipped", 0) + len(untitled),
                "skipped": skipped,
            }
            rating_import.entries = []
            rating_import.status = Status.DONE
            rating_import.finished = timezone.now()
            rating_import.save(update_fields=["report", "entries", "status", "finished"])
            return rating_import
    except RatingImport.DoesNotExist:  # its account was deleted between the two steps above
        return None
    except ValidationError as error:  # a matched work was deleted while the import ran
        reason = "; ".join(error.messages[:3])
        return _fail(import_id, f"Nothing was imported: {reason} Try again.")
    except Exception:
        # Logged for the operators; the person sees a failed import (the row), never a server error.
        logger.exception("Import %s failed", import_id)
        return _fail(
            import_id, "Nothing was imported: an unexpected error stopped the import. Try again later."
        )


def _fail(import_id: int, reason: str) -> RatingImport | None:
    RatingImport.objects.filter(pk=import_id).update(
        status=Status.FAILED, reason=reason, finished=timezone.now(), entries=[]
    )
    return RatingImport.objects.filter(pk=import_id).first()  # None: deleted with its account


def import_fail(*, rating_import: RatingImport, reason: str) -> RatingImport:
    """Mark an import that could not be started (the task queue is down) as failed, with why."""
    return _fail(rating_import.pk, reason)
