"""The import page: upload a MyAnimeList list, then watch it being read and written, then its report.

The upload is stored as it came and read by a worker: a file that cannot be used shows on
the import's page as a failed import with the reader's reason (at once when tasks run eagerly).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from kombu.exceptions import OperationalError as BrokerUnreachable

from ..forms import ImportForm
from ..mal import NO_SCORE_HERE, mapping_table
from ..models import RatingImport
from ..services.guests import is_guest
from ..services.rating_imports import (
    TooManyImports,
    import_fail,
    import_progress,
    import_receive,
    kind_known,
)
from ..tasks import enqueue_import
from .cards import CHOICE_LABELS

RECENT_IMPORTS = 10


@login_required
def import_list(request):
    """The upload form, and this person's recent imports."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rating_import = import_receive(user=request.user, file_name=upload.name, data=upload.read())
        except ValidationError as refused:
            form.add_error("file", refused.message_dict.get("file", refused.messages))
        except TooManyImports as refused:
            form.add_error("file", str(refused))
        else:
            try:
                enqueue_import(rating_import.pk)
            except BrokerUnreachable:
                import_fail(rating_import=rating_import, reason="The task queue could not be reached.")
                messages.error(request, "The import could not be started right now; nothing was imported. "
                               "Try again in a few minutes.")  # fmt: skip
            return redirect("import-detail", pk=rating_import.pk)
    recent = list(
        RatingImport.objects.filter(user=request.user)
        .select_related("category")
        .defer("upload", "entries")[:RECENT_IMPORTS]
    )
    for item in recent:
        item.kind_known = kind_known(item)
    # Ratings earlier imports may have made up from a status (migration 0020), until settled.
    unsettled = sum(
        len(work_ids)
        for work_ids in RatingImport.objects.filter(user=request.user)
        .exclude(from_status=[])
        .values_list("from_status", flat=True)
    )
    return render(
        request,
        "mangaki/import.html",
        {
            "form": form,
            "recent": recent,
            "unsettled": unsettled,
            "is_guest_account": is_guest(request.user),
            "max_entries": settings.MANGAKI_IMPORT_MAX_ENTRIES,
            "mapping": [
                (said, choice or "none", CHOICE_LABELS[choice] if choice else NO_SCORE_HERE)
                for said, choice in mapping_table()
            ],
        },
    )


@login_required
def import_detail(request, pk: int):
    """One import: its progress while it runs (the page's script follows it), then its report."""
    rating_import = get_object_or_404(
        RatingImport.objects.select_related("category").defer("upload"), pk=pk, user=request.user
    )
    written, total = import_progress(rating_import)
    return render(
        request,
        "mangaki/import_detail.html",
        {
            "rating_import": rating_import,
            "report": rating_import.report,
            "changes": [
                {**change, "was": CHOICE_LABELS[change["was"]], "now": CHOICE_LABELS[change["now"]]}
                for change in rating_import.report.get("changed", [])
            ],
            "written": written,
            "total": total,
            "kind_known": kind_known(rating_import),
            "finished": rating_import.status in (RatingImport.Status.DONE, RatingImport.Status.FAILED),
        },
    )
