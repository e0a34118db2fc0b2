"""Importing a MyAnimeList list: store the upload, then read and write it on a worker.

1. ``import_receive`` (the web request) checks only what is cheap: the person is a member,
   within their hourly share (``MANGAKI_IMPORTS_PER_HOUR``), and the file is not larger than
   ``MANGAKI_IMPORT_MAX_BYTES`` and looks like XML or gzip. It stores the bytes as they came
   (``RatingImport.upload``) on a queued import. Reading a list of 20,000 entries takes
   seconds of CPU: a dozen of them read at once inside web requests kept the site from
   answering for a minute and a half, so no page or API call reads one.
2. ``import_run`` (the Celery task ``import_ratings``) takes the import up when fewer than
   ``MANGAKI_IMPORTS_RUNNING_MAX`` imports run on the whole site (otherwise it stays queued and
   the task asks again a little later), reads the file (``mangaki.mal``: a safe XML parser,
   size and entry limits; a file that cannot be used fails the import with the reader's
   reason, naming the file) and drops the upload, matches the entries to works by their
   MyAnimeList id in the list's category, adds the works the catalogue lacks (unconfirmed:
   the importer's own until the sync or staff confirm them), skips the NSFW works the person
   has not opted in to see (``Work.objects.allowed_for``), and writes the ratings through
   ``ratings_bulk_set``.

The writing goes in work-id order, ``CHUNK`` ratings per transaction: each batch locks its
works in id order and commits, so someone rating a work of the list waits for one batch at
most, never for the whole import, and two writers cannot deadlock. The import's own row
holds where the writing is (``written``, and the last work id written in
``report["progress"]``), updated in each batch's transaction: a worker killed mid-import,
or stopped by its time limit, leaves whole batches and an exact mark, and the next attempt
(the broker's redelivery, the task's retry, or the beat sweep ``imports_requeue_stuck``)
goes on after the last committed batch. A work in the file gets the file's choice, and the
report lists every rating whose choice that changed (Cowboy Bebop: favorite, now like); an
entry without a score leaves the work's rating as it is. Ratings made on the site are never
removed, with one exception: a rating an import read before statuses were kept may have made
up from a status alone (``RatingImport.from_status``, migration 0020) goes when the list,
imported again, gives that work no score, unless it has changed since. Running an import
twice, or importing the same file again, changes nothing more.

What the owner sees: the import says queued, then running until every batch is written,
then done with its report (counted over all batches and attempts). An import that cannot be
finished after ``MANGAKI_IMPORT_MAX_ATTEMPTS`` attempts says failed, with why and how many
of its ratings were written: those stay (they are the file's own choices), and uploading the
same file again writes the rest without changing them.
"""

from __future__ import annotations

import bisect
import logging
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..choices import Choice
from ..mal import MYANIMELIST, MalFileError, read_list
from ..models import Category, Rating, RatingImport, Work
from ..text_search import normalize
from .guests import is_guest
from .progress import progress_bulk_set
from .ratings import lock_user, lock_works, ratings_bulk_delete, ratings_bulk_set

logger = logging.getLogger(__name__)

CHUNK = 1000  # ratings written per transaction
MAX_REPORTED_SKIPS = 500  # skipped lines listed in a report (all are counted)
MAX_REPORTED_CHANGES = 500  # ratings made before an import whose choice it changed, listed (all counted)
# A running import whose worker took it up longer ago than its time limit plus this is stuck
# (the worker was killed, or the broker lost the task): the sweep hands it out again.
STUCK_MARGIN_SECONDS = 120
NSFW_REASON = "NSFW: allow NSFW works in your settings to import it."
GZIP_MAGIC = b"\x1f\x8b"
Status = RatingImport.Status


class TooManyImports(Exception):
    """This person started their hourly share of imports; ``retry_after`` seconds until the next."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ImportBusy(Exception):
    """``MANGAKI_IMPORTS_RUNNING_MAX`` imports are running: this one stays queued; ask again later."""


class ImportInterrupted(Exception):
    """A batch could not be written; the committed batches stay and the next attempt resumes."""


def _stuck_after() -> timedelta:
    return timedelta(seconds=settings.MANGAKI_IMPORT_TIME_LIMIT_SECONDS + STUCK_MARGIN_SECONDS)


def import_receive(*, user, file_name: str, data: bytes) -> RatingImport:
    """Store an uploaded MyAnimeList list as a queued import; the caller then queues the task.

    Only cheap checks here (the file is read by the worker). Raises ValidationError
    ``{"file": reason}`` with nothing stored when the person is a guest (imports add works:
    members only) or the file is empty, over ``MANGAKI_IMPORT_MAX_BYTES`` or neither XML nor
    gzip; TooManyImports past ``MANGAKI_IMPORTS_PER_HOUR``.
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
    max_bytes = settings.MANGAKI_IMPORT_MAX_BYTES
    if not data:
        raise ValidationError({"file": f"{name}: The file is empty."})
    if len(data) > max_bytes:
        raise ValidationError({"file": f"{name}: The file is larger than {max_bytes:,} bytes."})
    start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (data.startswith(GZIP_MAGIC) or start.startswith(b"<")):
        raise ValidationError(
            {"file": f"{name}: This is not a MyAnimeList export (neither an XML file nor a gzipped one)."}
        )
    return RatingImport.objects.create(
        user=user,
        # The list's own category is known once the worker has read the file (``kind_known``).
        category=Category.objects.get(slug="anime"),
        file_name=name,
        upload=data,
    )


def kind_known(rating_import: RatingImport) -> bool:
    """Whether the import's category is the file's (read by the worker) rather than a placeholder."""
    return rating_import.status == Status.DONE or "kind" in rating_import.report


def import_progress(rating_import: RatingImport) -> tuple[int, int]:
    """(entries written, entries to write) of an import, from its row (committed batches)."""
    report = rating_import.report
    if rating_import.status == Status.DONE:
        rated = sum(report.get(key, 0) for key in ("created", "updated", "unchanged"))
        written = rated + report.get("without_rating", 0)
        return written, written
    total = report.get("rows", len(rating_import.entries))
    return min(rating_import.written, total), total


def _works_for(rating_import: RatingImport, entries: list[dict]) -> tuple[dict[int, int], int, list[dict]]:
    """Work id of each entry's MyAnimeList id, adding the works the catalogue lacks.

    Returns (work id by MyAnimeList id, works added, entries skipped for lack of a title).
    """
    category = rating_import.category
    ids = [str(entry["mal_id"]) for entry in entries]

    def known() -> dict[int, int]:
        found = Work.objects.filter(external_source=MYANIMELIST, category=category, external_id__in=ids)
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
                external_source=MYANIMELIST,
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


def _serialize_take_ups(import_id: int) -> None:
    """Inside a transaction: one worker at a time decides to take an import up (race-free count).

    PostgreSQL: a transaction advisory lock, released at commit or when the process dies.
    SQLite allows one writer at a time: a first write takes its lock for the transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(b"mangaki:imports-running")])
    else:
        RatingImport.objects.filter(pk=import_id).update(attempts=F("attempts"))


def _take_up(import_id: int, *, wait_for_slot: bool) -> tuple[RatingImport | None, bool]:
    """Mark the import running for this attempt: (the import, whether this attempt writes it).

    Raises ImportBusy, leaving it queued, when ``wait_for_slot`` and the site already runs
    ``MANGAKI_IMPORTS_RUNNING_MAX`` imports (those taken up within their time limit).
    """
    now = timezone.now()
    with transaction.atomic():
        _serialize_take_ups(import_id)
        rating_import = (
            RatingImport.objects.select_for_update().defer("upload", "entries").filter(pk=import_id).first()
        )
        if rating_import is None or rating_import.status not in (Status.QUEUED, Status.RUNNING):
            return rating_import, False  # done, failed, or deleted with its account
        if rating_import.attempts >= settings.MANGAKI_IMPORT_MAX_ATTEMPTS:
            return _give_up(rating_import, "it was stopped each time before the end."), False
        if wait_for_slot:
            running = (
                RatingImport.objects.filter(status=Status.RUNNING, started__gte=now - _stuck_after())
                .exclude(pk=import_id)
                .count()
            )
            busy = running >= settings.MANGAKI_IMPORTS_RUNNING_MAX
        else:
            busy = False
        if not busy:
            rating_import.status, rating_import.started = Status.RUNNING, now
            rating_import.attempts += 1
            rating_import.save(update_fields=["status", "started", "attempts"])
            return rating_import, True
    # Seen by a worker just now: the sweep leaves it to the task's own retry.
    RatingImport.objects.filter(pk=import_id, status=Status.QUEUED).update(started=now)
    raise ImportBusy(f"{settings.MANGAKI_IMPORTS_RUNNING_MAX} imports are running; this one waits.")


def _read_upload(import_id: int) -> RatingImport | None:
    """Read the stored file into the import's entries and drop it; fail the import if it cannot be used."""
    with transaction.atomic():
        rating_import = RatingImport.objects.select_for_update().filter(pk=import_id).first()
        if rating_import is None or rating_import.status != Status.RUNNING or rating_import.upload is None:
            return rating_import
        try:
            parsed = read_list(
                bytes(rating_import.upload),
                max_bytes=settings.MANGAKI_IMPORT_MAX_BYTES,
                max_entries=settings.MANGAKI_IMPORT_MAX_ENTRIES,
            )
        except MalFileError as error:
            rating_import.status, rating_import.reason = Status.FAILED, f"{rating_import.file_name}: {error}"
            rating_import.upload, rating_import.finished = None, timezone.now()
            rating_import.save(update_fields=["status", "reason", "upload", "finished"])
            return rating_import
        rating_import.category = Category.objects.get(slug=parsed.kind)
        rating_import.nb_entries = len(parsed.entries) + len(parsed.skipped)
        rating_import.entries = [entry.as_dict() for entry in parsed.entries]
        rating_import.report = {
            "kind": parsed.kind,
            "skipped": [skip.as_dict() for skip in parsed.skipped[:MAX_REPORTED_SKIPS]],
            "n_skipped": len(parsed.skipped),
        }
        rating_import.upload = None
        rating_import.save(update_fields=["category", "nb_entries", "entries", "report", "upload"])
        return rating_import


def _importable(user):
    """The works an import of ``user``'s may rate (``allowed_for``: NSFW ones only with the
    person's opt-in; unconfirmed ones too, as another member's import may have brought them)."""
    return Work.objects.allowed_for(user)


def _skip(entry: dict, reason: str) -> dict:
    return {"line": entry["line"], "mal_id": str(entry["mal_id"]), "title": entry["title"], "reason": reason}


def progress_of(entry: dict, manga: bool) -> dict | None:
    """An entry's progress as ``Progress`` fields; None when the file says no status (and for the
    entries of an import queued before progress was kept: they have no status key)."""
    if not entry.get("status"):
        return None
    watched = entry.get("watched", 0)
    return {
        "status": entry["status"],
        "episodes": 0 if manga else watched,
        "chapters": watched if manga else 0,
        "volumes": entry.get("volumes_read", 0) if manga else 0,
        "started": date.fromisoformat(entry["started"]) if entry.get("started") else None,
        "finished": date.fromisoformat(entry["finished"]) if entry.get("finished") else None,
        "rewatches": entry.get("times", 0),
        "rewatching": bool(entry.get("rewatching", False)),
    }


@dataclass(frozen=True)
class _Given:
    """What a list gives beside the choices, by work id: progress, and MyAnimeList scores; and
    the ratings an earlier import may have made up from a status (``RatingImport.from_status``):
    by work, when that import finished (``retract``: the file gives no score, so the rating goes
    if it has not changed since), and every work of the file such an import holds (``settles``)."""

    progress: dict[int, dict]
    scores: dict[int, int]
    retract: dict[int, datetime] = field(default_factory=dict)
    settles: frozenset[int] = frozenset()


# The choices a status alone gave, under the reader before statuses were kept (migration 0020).
FROM_STATUS_CHOICES = (Choice.NEUTRAL, Choice.WILLSEE, Choice.WONTSEE)


def _from_status(rating_import: RatingImport) -> dict[int, datetime]:
    """The works whose rating an earlier import of this person's may have taken from a status
    alone, with when that import finished (the latest, for a work in several)."""
    made_up: dict[int, datetime] = {}
    earlier = (
        RatingImport.objects.filter(user_id=rating_import.user_id, category_id=rating_import.category_id)
        .exclude(pk=rating_import.pk)
        .exclude(from_status=[])
        .values_list("from_status", "finished")
    )
    for work_ids, finished in earlier:
        for work_id in work_ids:
            if finished is not None and (work_id not in made_up or made_up[work_id] < finished):
                made_up[work_id] = finished
    return made_up


def _rows_for(rating_import: RatingImport) -> tuple[list[tuple[int, str]], _Given, int, list[dict]]:
    """The (work id, choice) rows to write, in work-id order (choice "" for an entry without a
    score: its progress only); the progress and scores to write beside them; works added;
    entries skipped, with why."""
    entries = rating_import.entries
    work_ids, works_added, untitled = _works_for(rating_import, entries)
    allowed = set(
        _importable(rating_import.user).filter(pk__in=list(work_ids.values())).values_list("pk", flat=True)
    )
    rows, progress, scores, skipped = [], {}, {}, []
    slug = rating_import.category.slug
    for entry in untitled:
        skipped.append(
            _skip(
                entry,
                f"{slug} {entry['mal_id']} is not in the catalogue yet and the file gives no title "
                "to add it with.",
            )
        )
    for entry in entries:
        work_id = work_ids.get(entry["mal_id"])
        if work_id is None:
            continue
        if work_id not in allowed:
            skipped.append(_skip(entry, NSFW_REASON))
        else:
            rows.append((work_id, entry["choice"] or ""))
            if (fields := progress_of(entry, manga=slug == "manga")) is not None:
                progress[work_id] = fields
            if entry.get("score"):
                scores[work_id] = entry["score"]
    rows.sort()
    skipped.sort(key=lambda skip: skip["line"])
    made_up = _from_status(rating_import)
    retract = {work_id: made_up[work_id] for work_id, choice in rows if not choice and work_id in made_up}
    settles = frozenset(work_id for work_id, _ in rows if work_id in made_up)
    return rows, _Given(progress, scores, retract, settles), works_added, skipped


def _write_batch(import_id: int, user, rows: list[tuple[int, str]], given: _Given) -> RatingImport | None:
    """Write the next batch after the import's mark, in one transaction with the mark; or finish it.

    Returns the import once it is done, or not running (None: deleted with its account), and
    nothing (``...``) while batches remain.
    """
    with transaction.atomic():
        # The import's row first (as account deletion takes it), then the works in id order.
        rating_import = (
            RatingImport.objects.select_for_update().defer("upload", "entries").filter(pk=import_id).first()
        )
        if rating_import is None or rating_import.status != Status.RUNNING:
            return rating_import
        progress = rating_import.report.get("progress") or {
            "after": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
        }
        start = bisect.bisect_right(rows, (progress["after"], "\uffff"))
        batch = rows[start : start + CHUNK]
        if not batch:
            return _finish(rating_import, progress, given)
        # The person's row, then every work of the batch in id order (those with a rating and
        # those with progress only), before anything is written: the rating service's order.
        lock_user(user)
        lock_works([work_id for work_id, _ in batch])
        scores = {w: given.scores[w] for w, _ in batch if w in given.scores}
        rated = [(work_id, choice) for work_id, choice in batch if choice]
        result = ratings_bulk_set(user=user, rows=rated, works=_importable(user), mal_scores=scores)
        retracted = _retract(user, [work_id for work_id, _ in batch if work_id in given.retract], given)
        # Where the person is with each work, in the same transaction (the works are locked).
        progress_bulk_set(user=user, rows=[(w, given.progress[w]) for w, _ in batch if w in given.progress])
        changed = rating_import.report.get("changed", [])
        if result.moved and len(changed) < MAX_REPORTED_CHANGES:
            changed = changed + _changes(result.moved[: MAX_REPORTED_CHANGES - len(changed)])
        progress = {
            "after": batch[-1][0],
            "created": progress["created"] + result.created,
            "updated": progress["updated"] + result.changed,
            "unchanged": progress["unchanged"] + result.unchanged,
            "changed": progress.get("changed", 0) + len(result.moved),
            "retracted": progress.get("retracted", 0) + retracted,
        }
        rating_import.written = F("written") + len(batch)  # entries (rated or with progress only)
        rating_import.report = {
            **rating_import.report,
            "progress": progress,
            "rows": len(rows),
            "changed": changed,
        }
        rating_import.save(update_fields=["written", "report"])
    return ...


def _retract(user, work_ids: list[int], given: _Given) -> int:
    """Remove the ratings of ``work_ids`` (locked) that an earlier import made up from a status
    and that have not changed since; how many. The file now gives these works no score."""
    if not work_ids:
        return 0
    current = Rating.objects.filter(user=user, work_id__in=work_ids, choice__in=FROM_STATUS_CHOICES)
    made_up = [
        work_id for work_id, when in current.values_list("work_id", "date") if when <= given.retract[work_id]
    ]
    return ratings_bulk_delete(user=user, work_ids=made_up) if made_up else 0


def _changes(moved) -> list[dict]:
    """The report's lines for ratings whose choice an import changed: work, title, before, now."""
    titles = dict(Work.objects.filter(pk__in=[work_id for work_id, _, _ in moved]).values_list("pk", "title"))
    return [
        {"work": work_id, "title": titles.get(work_id, ""), "was": was, "now": now}
        for work_id, was, now in moved
    ]


def _settle(rating_import: RatingImport, work_ids: frozenset[int]) -> None:
    """Earlier imports of the person's no longer hold ``work_ids`` as perhaps made up: this
    import's file has said what each of them is."""
    earlier = (
        RatingImport.objects.select_for_update()
        .filter(user_id=rating_import.user_id, category_id=rating_import.category_id)
        .exclude(pk=rating_import.pk)
        .exclude(from_status=[])
        .only("pk", "from_status")
    )
    for other in earlier:
        other.from_status = [work_id for work_id in other.from_status if work_id not in work_ids]
        other.save(update_fields=["from_status"])


def _finish(rating_import: RatingImport, progress: dict, given: _Given) -> RatingImport:
    report = rating_import.report
    skipped = report.get("skipped", []) + report.get("mapping_skipped", [])
    retracted = progress.get("retracted", 0)
    rating_import.report = {
        "kind": report.get("kind", rating_import.category.slug),
        "created": progress["created"],
        "updated": progress["updated"],
        "unchanged": progress["unchanged"],
        "new_works": report.get("new_works", 0),
        # Entries without a score (those whose made-up rating was removed among them).
        "without_rating": report.get("rows", 0)
        - progress["created"]
        - progress["updated"]
        - progress["unchanged"],
        "retracted": retracted,
        "n_changed": progress.get("changed", 0),
        "changed": report.get("changed", []),
        "n_skipped": report.get("n_skipped", 0) + report.get("n_mapping_skipped", 0),
        "skipped": skipped[:MAX_REPORTED_SKIPS],
    }
    if given.settles:
        _settle(rating_import, given.settles)
    rating_import.entries = []
    rating_import.status = Status.DONE
    rating_import.finished = timezone.now()
    rating_import.save(update_fields=["report", "entries", "status", "finished"])
    return rating_import


def import_run(*, import_id: int, wait_for_slot: bool = True) -> RatingImport | None:
    """Read and write a queued import (the task's body); idempotent, resumable.

    Returns the import as it ends (done or failed; as it was if already done or failed; None
    once deleted with its account). Raises ImportBusy (still queued) when ``wait_for_slot`` and
    the site-wide limit of running imports is reached, and ImportInterrupted (still running,
    its committed batches kept) when a batch could not be written and attempts remain.
    """
    rating_import, mine = _take_up(import_id, wait_for_slot=wait_for_slot)
    if not mine:
        return rating_import
    try:
        rating_import = _read_upload(import_id)
        if rating_import is None or rating_import.status != Status.RUNNING:
            return rating_import
        with transaction.atomic():  # the works it adds and their count, together
            rating_import = (
                RatingImport.objects.select_for_update(of=("self",))
                .select_related("category", "user", "user__profile")
                .get(pk=import_id)
            )
            if rating_import.status != Status.RUNNING:
                return rating_import
            rows, given, works_added, skipped = _rows_for(rating_import)
            # Counted once: works added by an earlier attempt are found, not added, by a later one.
            rating_import.report = {
                **rating_import.report,
                "new_works": rating_import.report.get("new_works", 0) + works_added,
                "mapping_skipped": skipped[:MAX_REPORTED_SKIPS],
                "n_mapping_skipped": len(skipped),
                "rows": len(rows),
            }
            rating_import.save(update_fields=["report"])
        while (outcome := _write_batch(import_id, rating_import.user, rows, given)) is ...:
            pass
        return outcome
    except RatingImport.DoesNotExist:  # its account was deleted meanwhile
        return None
    except ValidationError as error:  # a work was deleted between the matching and its batch
        return _interrupted(import_id, "; ".join(error.messages[:3]))
    except Exception as error:
        # Logged for the operators; the person sees a running import that resumes, or a failed
        # one (the row), never a server error.
        logger.exception("Import %s stopped", import_id)
        return _interrupted(import_id, f"an unexpected error stopped it ({type(error).__name__}).")


def _interrupted(import_id: int, cause: str) -> RatingImport | None:
    """After a failed attempt: raise ImportInterrupted to retry, or fail the import if none remain."""
    rating_import = RatingImport.objects.filter(pk=import_id).first()
    if rating_import is None or rating_import.status != Status.RUNNING:
        return rating_import
    if rating_import.attempts < settings.MANGAKI_IMPORT_MAX_ATTEMPTS:
        raise ImportInterrupted(cause)
    return _give_up(rating_import, cause)


def _give_up(rating_import: RatingImport, cause: str) -> RatingImport | None:
    """Fail an import for good, saying why and what of it was written (that stays)."""
    attempts = rating_import.attempts
    if rating_import.written:
        total = rating_import.report.get("rows", rating_import.written)
        reason = (
            f"The import stopped after {attempts} attempts: {cause} {rating_import.written:,} of its "
            f"{total:,} ratings were written and stay as the file gives them. Upload the file again "
            "to write the rest: what is already written will not change."
        )
    else:
        reason = f"Nothing was imported after {attempts} attempts: {cause} Try again later."
    return _fail(rating_import.pk, reason)


def _fail(import_id: int, reason: str) -> RatingImport | None:
    RatingImport.objects.filter(pk=import_id).update(
        status=Status.FAILED, reason=reason, finished=timezone.now(), entries=[], upload=None
    )
    return RatingImport.objects.filter(pk=import_id).first()  # None: deleted with its account


def import_fail(*, rating_import: RatingImport, reason: str) -> RatingImport:
    """Mark an import that could not be started (the task queue is down) as failed, with why."""
    return _fail(rating_import.pk, reason)


def imports_requeue_stuck(*, now=None) -> list[int]:
    """The beat sweep: the ids of imports to hand to the task queue again; fails the hopeless ones.

    Stuck: running, taken up by a worker longer ago than the task's time limit plus a margin
    (the worker was killed), or queued for as long with no worker seeing it (the broker lost
    the task: restarted without persistence). Those already tried ``MANGAKI_IMPORT_MAX_ATTEMPTS``
    times fail with the reason; the others are queued again, marked as handed out now.
    """
    now = now or timezone.now()
    cutoff = now - _stuck_after()
    stuck = Q(status=Status.RUNNING, started__lt=cutoff) | Q(
        Q(started__lt=cutoff) | Q(started__isnull=True, created__lt=cutoff), status=Status.QUEUED
    )
    requeued = []
    with transaction.atomic():
        stuck_imports = RatingImport.objects.select_for_update(skip_locked=True).defer("upload", "entries")
        for rating_import in stuck_imports.filter(stuck):
            if rating_import.attempts >= settings.MANGAKI_IMPORT_MAX_ATTEMPTS:
                _give_up(rating_import, "it was stopped each time before the end.")
                continue
            rating_import.status, rating_import.started = Status.QUEUED, now
            rating_import.save(update_fields=["status", "started"])
            requeued.append(rating_import.pk)
    return requeued
