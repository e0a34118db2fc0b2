"""Recompute every work's ranking counters from the Rating table."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from ..choices import Choice
from ..models import Rating, Work
from .counters import counter_values


def counted(prefix: str = "") -> Q:
    """The users whose ratings count in the public counters and in training (``prefix`` "user__"
    from a Rating): members counted in (``Profile.counted_since``), never a guest. The one rule,
    kept by ``services.ratings``."""
    return Q(**{f"{prefix}profile__counted_since__isnull": False, f"{prefix}profile__is_guest": False})


def _choice_count(choice: str) -> Coalesce:
    ratings = (
        Rating.objects.filter(counted("user__"), work=OuterRef("pk"), choice=choice)
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
