"""Rating and un-rating a work: the single write path for ratings (pages, API, imports)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ExpressionWrapper, F, IntegerField, Value

from ..choices import COUNTER_FIELDS, Choice
from ..models import Rating, Work
from .counters import counter_values


def _apply_delta(work_id: int, *, removed: str | None, added: str | None) -> None:
    """Move one rating from choice ``removed`` to ``added`` in the work's counters (one UPDATE)."""
    counts = {}
    for choice, field in COUNTER_FIELDS.items():
        delta = (choice == added) - (choice == removed)
        counts[choice] = ExpressionWrapper(F(field) + Value(delta), output_field=IntegerField())
    Work.objects.filter(pk=work_id).update(**counter_values(counts))


def rating_set(*, user, work: Work, choice: str) -> Rating:
    """Give ``work`` the rating ``choice`` from ``user``, replacing any previous one.

    Raises ValidationError for an unknown choice. Setting the same choice twice is a no-op.
    """
    if choice not in Choice.values:
        raise ValidationError(
            {"choice": f"Unknown choice {choice!r}; expected one of {', '.join(Choice.values)}."}
        )
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(user=user, work=work).first()
        if rating is None:
            try:
                with transaction.atomic():
                    rating = Rating.objects.create(user=user, work=work, choice=choice)
            except IntegrityError:
                # Another request created it between our read and our insert: update that one.
                rating = Rating.objects.select_for_update().get(user=user, work=work)
            else:
                _apply_delta(work.pk, removed=None, added=choice)
                return rating
        if rating.choice == choice:
            return rating
        previous = rating.choice
        rating.choice = choice
        rating.save(update_fields=["choice", "date"])
        _apply_delta(work.pk, removed=previous, added=choice)
        return rating


def rating_delete(*, user, work: Work) -> bool:
    """Remove ``user``'s rating of ``work``; returns whether there was one."""
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(user=user, work=work).first()
        if rating is None:
            return False
        rating.delete()
        _apply_delta(work.pk, removed=rating.choice, added=None)
        return True
