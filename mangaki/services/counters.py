"""The ranking counters of a work, as SQL expressions of its six choice counts.

Both the incremental update (one rating changes) and the full recomputation
(``manage.py ranking``) build their UPDATE from :func:`counter_values`, so the two cannot
disagree on a formula.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Greatest, Least, Power
from django.db.models.lookups import GreaterThan

from ..choices import COUNTED_CHOICES, COUNTER_FIELDS, RANKING_WEIGHTS, Choice


def _float(expression: Combinable) -> Combinable:
    return Cast(expression, models.FloatField())


def counter_values(counts: dict[str, Combinable]) -> dict[str, Combinable]:
    """Map each counter column of Work to its expression, given one count expression per choice.

    ``nb_ratings`` counts favorites, likes, neutrals and dislikes; ``sum_ratings`` weighs
    all six choices; ``controversy`` is (likes + dislikes) ** min(likes/dislikes,
    dislikes/likes), and 0 when either count is 0.
    """
    values: dict[str, Combinable] = {COUNTER_FIELDS[choice]: counts[choice] for choice in Choice.values}
    counted = [counts[choice] for choice in COUNTED_CHOICES]
    values["nb_ratings"] = counted[0] + counted[1] + counted[2] + counted[3]
    weighted = [Value(RANKING_WEIGHTS[choice]) * _float(counts[choice]) for choice in Choice.values]
    total = weighted[0]
    for term in weighted[1:]:
        total = total + term
    values["sum_ratings"] = total
    likes, dislikes = counts[Choice.LIKE], counts[Choice.DISLIKE]
    values["controversy"] = Case(
        When(
            GreaterThan(Least(likes, dislikes), 0),
            then=Power(
                _float(likes + dislikes), _float(Least(likes, dislikes)) / _float(Greatest(likes, dislikes))
            ),
        ),
        default=Value(0.0),
        output_field=models.FloatField(),
    )
    return values
