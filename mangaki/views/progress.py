"""The progress control's endpoint (a work page's and a card's): JSON for the page's script, a
redirect for a plain form, like the rating widget's (``views.ratings``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from ..choices import WatchStatus, status_label
from ..models import Progress, Work
from ..services.guests import TooManyGuests, guest_login
from ..services.progress import counts_of, progress_delete, progress_set, progress_step
from .cards import shown_progress
from .ratings import redirect_back, wants_json

# What a form may ask: one more episode (chapter), a status ("" takes the work off the list),
# the counts, "completed" (the offer after the last episode), or off the list.
ACTIONS = ("step", "status", "counts", "complete", "remove")


class Refused(Exception):
    """A request the person can fix: its message says how."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@require_POST
def progress(request, pk: int):
    """Change the requesting person's progress with work ``pk``, only theirs (``action``: see
    ``ACTIONS``). A visitor's first change creates a guest account, as a first rating does."""
    work = get_object_or_404(Work.objects.visible_to(request.user).select_related("category"), pk=pk)
    action = request.POST.get("action", "")
    try:
        message = _apply(request, work, action)
    except Refused as refused:
        if wants_json(request):
            return JsonResponse({"error": str(refused)}, status=refused.status)
        messages.error(request, str(refused))
        return redirect_back(request, work)
    if wants_json(request):
        entry = None
        if request.user.is_authenticated:
            entry = (
                Progress.objects.filter(user=request.user, work=work)
                .values_list("status", "episodes", "chapters")
                .first()
            )
        shown = shown_progress(work, work.category.slug, entry)
        return JsonResponse({"work": work.pk, "message": message, **shown.as_json()})
    messages.success(request, message)
    return redirect_back(request, work)


def _apply(request, work: Work, action: str) -> str:
    """Do what ``action`` asks; the sentence that says what was done."""
    if action not in ACTIONS:
        raise Refused(f"Unknown action {action!r}; expected one of {', '.join(ACTIONS)}.")
    status = request.POST.get("status", "")
    if action == "remove" or (action == "status" and not status):
        if request.user.is_authenticated and progress_delete(user=request.user, work=work):
            return f"{work.title} is off your list (your rating stays)."
        # A visitor without a guest account has nothing to remove, and needs no account for that.
        return f"{work.title} was not on your list."
    if action == "status" and status not in WatchStatus.values:
        raise Refused(f"Unknown status {status!r}; expected one of {', '.join(WatchStatus.values)}.")
    changes = _counts(request, work) if action == "counts" else {}
    try:
        owner = guest_login(request=request)
    except TooManyGuests as refused:
        raise Refused(str(refused), status=429) from None
    slug = work.category.slug
    try:
        if action == "step":
            done = progress_step(user=owner, work=work)
            shown = shown_progress(work, slug, (done.entry.status, done.entry.episodes, done.entry.chapters))
            if done.reached_the_end:
                return f"{work.title}: {shown.summary}, the last one. Mark it completed?"
            return f"{work.title}: {shown.summary}."
        if action == "counts":
            if not Progress.objects.filter(user=owner, work=work).exists():
                changes.setdefault("status", WatchStatus.WATCHING)
            entry, _ = progress_set(user=owner, work=work, **changes)
            shown = shown_progress(work, slug, (entry.status, entry.episodes, entry.chapters))
            return f"{work.title}: {shown.summary}."
        entry, _ = progress_set(
            user=owner, work=work, status=WatchStatus.COMPLETED if action == "complete" else status
        )
    except ValidationError as error:
        raise Refused(" ".join(_messages(error))) from None
    return f"{work.title}: {status_label(entry.status, slug)}."


def _counts(request, work: Work) -> dict[str, int]:
    """The counts the form gives (``episodes``, or ``chapters`` and ``volumes``), as numbers."""
    changes = {}
    for field in counts_of(work):
        value = request.POST.get(field, "").strip()
        if not value:
            continue
        if not value.isascii() or not value.isdigit() or len(value) > 6:
            raise Refused(f"{field.capitalize()} is a whole number, 0 or more (not {value[:20]!r}).")
        changes[field] = int(value)
    if not changes:
        raise Refused(f"Give the number of {' or '.join(counts_of(work))}.")
    return changes


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)
