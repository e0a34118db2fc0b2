"""Where a person is with a work: the single write path for ``Progress`` (pages, API, imports).

A person's entry for a work is their rating (``services.ratings``: what they think, optional)
and their progress (here: where they are). A write takes the same locks as a rating's, in the
same order (the person's row, then the work's), so that it waits for a rating write of the same
person and work and never outlives a deleted account (``AccountGone``). Progress moves no public
counter: nothing to recount.

The rules a write keeps (each broken one is a ``ValidationError`` naming its field):
- an anime counts ``episodes``; a manga ``chapters`` and ``volumes``, never the other's;
- no count given beyond the work's length when it is known (``Work.nb_episodes`` and so on;
  a count an import kept as its file gave it stays when other fields change);
- ``started`` no later than ``finished``, neither after today;
- becoming ``completed`` without a count given sets the count to the work's length when known
  (as every tracker does); a count given is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..choices import WatchStatus
from ..models import Progress, Work
from .ratings import lock_user, lock_works

FIELDS = ("status", "episodes", "chapters", "volumes", "started", "finished", "rewatches", "rewatching")
MAX_REWATCHES = 1000
# A date a few hours ahead of the server's is today somewhere: a day of slack for time zones.
DATE_SLACK = timedelta(days=1)

_COUNTS_OF = {"anime": ("episodes",), "manga": ("chapters", "volumes")}
_LENGTH_OF = {"episodes": "nb_episodes", "chapters": "nb_chapters", "volumes": "nb_volumes"}
_UNIT = {"episodes": "episode", "chapters": "chapter", "volumes": "volume"}


def counts_of(work: Work) -> tuple[str, ...]:
    """The progress counts of ``work``: episodes for an anime, chapters and volumes for a manga."""
    return _COUNTS_OF.get(work.category.slug, ("episodes",))


def _checked(work: Work, entry: Progress, given: set[str]) -> None:
    errors: dict[str, str] = {}
    if entry.status not in WatchStatus.values:
        errors["status"] = (
            f"Unknown status {entry.status!r}; expected one of {', '.join(WatchStatus.values)}."
        )
    counted = counts_of(work)
    for field in _LENGTH_OF:
        value = getattr(entry, field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[field] = f"{field.capitalize()} is a whole number, 0 or more."
        elif field not in counted and value:
            errors[field] = f"A {work.category.slug} counts {' and '.join(counted)}, not {field}."
        else:
            length = getattr(work, _LENGTH_OF[field])
            if length and value > length and field in given:  # an imported count stays as it was
                errors[field] = f"{work.title} has {length} {field}; {value} is more."
    today = timezone.localdate()
    for field in ("started", "finished"):
        value = getattr(entry, field)
        if value is not None and (not isinstance(value, date) or value > today + DATE_SLACK):
            errors[field] = f"{field.capitalize()} must be a date no later than today."
    dated = not errors.keys() & {"started", "finished"} and entry.started and entry.finished
    if dated and entry.started > entry.finished:
        errors["finished"] = "Finished must not be before started."
    rewatches = entry.rewatches
    if isinstance(rewatches, bool) or not isinstance(rewatches, int) or not 0 <= rewatches <= MAX_REWATCHES:
        errors["rewatches"] = f"Rewatches is a whole number from 0 to {MAX_REWATCHES}."
    if not isinstance(entry.rewatching, bool):
        errors["rewatching"] = "Rewatching is true or false."
    unknown = given - set(FIELDS)
    if unknown:
        errors[sorted(unknown)[0]] = f"Unknown field; expected some of {', '.join(FIELDS)}."
    if errors:
        raise ValidationError(errors)


def _completed_counts(work: Work, entry: Progress, given: set[str]) -> None:
    """A work marked completed without a count given counts all of it, when its length is known."""
    for field in counts_of(work):
        length = getattr(work, _LENGTH_OF[field])
        if field not in given and length:
            setattr(entry, field, length)


def _locked_entry(user, work: Work) -> Progress | None:
    lock_user(user)
    lock_works([work.pk])
    return Progress.objects.select_for_update().filter(user=user, work=work).first()


def progress_set(*, user, work: Work, **changes) -> tuple[Progress, bool]:
    """Set the fields ``changes`` names of ``user``'s progress with ``work`` (the others keep their
    value, or their default for a new entry, which needs a status); ``(entry, created)``."""
    given = set(changes)
    with transaction.atomic():
        entry = _locked_entry(user, work)
        created = entry is None
        if created:
            if "status" not in changes:
                raise ValidationError({"status": "A new entry needs a status."})
            entry = Progress(user=user, work=work, status=changes["status"])
        was = entry.status if not created else None
        for field, value in changes.items():
            if field in FIELDS:
                setattr(entry, field, value)
        if entry.status == WatchStatus.COMPLETED and was != WatchStatus.COMPLETED:
            _completed_counts(work, entry, given)
        _checked(work, entry, given)
        if created:
            try:
                with transaction.atomic():
                    entry.save(force_insert=True)
            except IntegrityError:  # a concurrent first write won: apply these changes to it
                return progress_set(user=user, work=work, **changes)
        else:
            entry.save()
        return entry, created


@dataclass(frozen=True)
class Step:
    entry: Progress
    reached_the_end: bool  # the last episode (chapter) of a known length: offer "completed"


def progress_step(*, user, work: Work) -> Step:
    """One more episode (an anime) or chapter (a manga). A work not started or planned becomes
    watching (reading); a work at its known last episode refuses the step. No date is set: the
    person says when they started, the site does not guess it."""
    field = counts_of(work)[0]
    length = getattr(work, _LENGTH_OF[field])
    with transaction.atomic():
        entry = _locked_entry(user, work)
        current = getattr(entry, field) if entry is not None else 0
        if length and current >= length:
            raise ValidationError(
                {field: f"{work.title} has {length} {field}: there is no next {_UNIT[field]}."}
            )
        changes: dict[str, object] = {field: current + 1}
        if entry is None or entry.status == WatchStatus.PLANNED:
            changes["status"] = WatchStatus.WATCHING
        entry, _ = progress_set(user=user, work=work, **changes)
    return Step(entry, bool(length) and current + 1 == length)


def progress_delete(*, user, work: Work) -> bool:
    """Remove ``user``'s progress with ``work`` (their rating stays); whether there was one."""
    with transaction.atomic():
        entry = _locked_entry(user, work)
        if entry is None:
            return False
        entry.delete()
        return True


def progress_bulk_set(*, user, rows: list[tuple[int, dict]]) -> int:
    """Set ``user``'s progress with many works at once, as a list import gives it: ``rows`` of
    (work id, fields), the works' ids ascending, every field given (``FIELDS``). The file's word
    stands: a count beyond the catalogue's length is kept (the file may know a longer run than
    the catalogue); a finish date before the start is dropped (it cannot be both). Runs in the
    caller's transaction, after the caller's ``lock_user`` and ``lock_works`` of every work of
    ``rows`` (an import locks its batch's works before writing its ratings); one read, one
    insert and one update. Returns how many entries were created or changed.
    """
    if not rows:
        return 0
    existing = {
        entry.work_id: entry for entry in Progress.objects.filter(user=user, work_id__in=[w for w, _ in rows])
    }
    created, changed = [], []
    for work_id, fields in rows:
        fields = dict(fields)
        if fields["started"] and fields["finished"] and fields["finished"] < fields["started"]:
            fields["finished"] = None
        fields["rewatches"] = min(fields["rewatches"], MAX_REWATCHES)
        entry = existing.get(work_id)
        if entry is None:
            created.append(Progress(user=user, work_id=work_id, **fields))
        elif any(getattr(entry, field) != value for field, value in fields.items()):
            for field, value in fields.items():
                setattr(entry, field, value)
            changed.append(entry)
    Progress.objects.bulk_create(created)
    now = timezone.now()
    for entry in changed:
        entry.updated = now
    Progress.objects.bulk_update(changed, [*FIELDS, "updated"])
    return len(created) + len(changed)
