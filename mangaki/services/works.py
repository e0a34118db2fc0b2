"""Confirming works: a work first seen in a member's import becomes public.

Until it is confirmed such a work is its importer's own (``Work.confirmed``,
``WorkQuerySet.public``). Three things confirm it, each with a title nobody's list chose: the
catalogue sync when it finds the work's MyAnimeList id upstream (AniList's title, genres and
adult flag; ``catalogue_sync``), the dataset loader for a work its files hold (their title;
``dataset_load``), and staff through the admin's queue, here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Work
from ..titles import clean_title


def work_confirm(*, work: Work, title: str | None = None) -> Work:
    """Make ``work`` public, with ``title`` (cleaned: ``titles.clean_title``) when given.

    Its importer is forgotten (``added_by``): from now on it is the catalogue's. Raises
    ValidationError for a title that is empty once cleaned.
    """
    fields = ["confirmed", "added_by"]
    if title is not None:
        cleaned = clean_title(title)
        if not cleaned:
            raise ValidationError({"title": "A title is needed, and this one is empty once cleaned."})
        work.title = cleaned[: Work._meta.get_field("title").max_length]
        fields.append("title")  # Work.save writes its search text with it
    work.confirmed = True
    work.added_by = None
    with transaction.atomic():
        work.save(update_fields=fields)
    return work


def works_confirm(*, works) -> int:
    """Confirm each of ``works`` (a queryset) as it is titled now; how many were waiting.

    Staff edit a title first on the work's admin page, where it is cleaned as it is saved.
    """
    confirmed = 0
    wanted = list(works.filter(confirmed=False).values_list("pk", flat=True))
    with transaction.atomic():
        # Their rows alone, locked in id order (the admin's queryset joins the importer).
        for work in Work.objects.select_for_update().filter(pk__in=wanted, confirmed=False).order_by("pk"):
            work_confirm(work=work, title=work.title)
            confirmed += 1
    return confirmed
