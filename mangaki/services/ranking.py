"""Recompute every work's ranking counters from the Rating table."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from ..choices import Choice
from ..models import Rating, Work
from .counters import counter_values


def _choice_count(choice: str) -> Coalesce:
    ratings = (
        Rating.objects.filter(work=OuterRef("pk"), choice=choice)
        .exclude(user__profile__is_guest=True)  # a guest's ratings count once the account is claimed
        .order_by()
        .values("work")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(ratings, output_field=IntegerField()), Value(0))


def ranking_recompute() -> int:
    """Rewrite the counters of every work in a single UPDATE statement; returns the work count."""
    counts = {choice: _choice_count(choice) for choice in Choice.values}
    return Work.objects.update(**counter_values(counts))
