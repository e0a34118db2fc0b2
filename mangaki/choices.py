"""Rating choices and their values: the one place in the site that maps a choice to a number.

The numbers themselves are written once, in the recommender library
(``recommender.choices.CHOICE_VALUES``, also the scale of the shipped rating files): the site
may import the library, never the reverse, so the library holds the literal and
``RATING_VALUES`` keys it by ``Choice``.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from recommender.choices import CHOICE_VALUES


class Choice(models.TextChoices):
    FAVORITE = "favorite", "Favorite"
    LIKE = "like", "Like"
    NEUTRAL = "neutral", "Neutral"
    DISLIKE = "dislike", "Dislike"
    WILLSEE = "willsee", "Will see"
    WONTSEE = "wontsee", "Won't see"


if set(Choice.values) != set(CHOICE_VALUES):
    raise ImproperlyConfigured(
        f"the rating choices {sorted(Choice.values)} differ from those the recommender library "
        f"gives values to {sorted(CHOICE_VALUES)}"
    )

# Values the recommendation algorithms learn from: ``recommender.choices.CHOICE_VALUES`` by Choice.
RATING_VALUES: dict[str, float] = {choice: CHOICE_VALUES[choice.value] for choice in Choice}

# A rated work can explain a recommendation ("because you liked X") only when it was rated
# favorite or like: the models name as neighbours only ratings of at least ``LIKED_MIN_VALUE``
# (their ``explain(..., min_value=LIKED_MIN_VALUE)``).
LIKED_CHOICES = (Choice.FAVORITE, Choice.LIKE)
LIKED_MIN_VALUE = RATING_VALUES[Choice.LIKE]
if {choice for choice, value in RATING_VALUES.items() if value >= LIKED_MIN_VALUE} != set(LIKED_CHOICES):
    raise ImproperlyConfigured(
        f"the liked choices {LIKED_CHOICES} are not exactly those rated at least {LIKED_MIN_VALUE}"
    )

# Weights of each choice in a work's ranking score ``sum_ratings`` (Mangaki's production formula).
RANKING_WEIGHTS: dict[str, float] = {
    Choice.FAVORITE: 5.0,
    Choice.LIKE: 2.5,
    Choice.NEUTRAL: -0.1,
    Choice.WILLSEE: 0.5,
    Choice.WONTSEE: -0.5,
    Choice.DISLIKE: -2.0,
}

# Choices that count as having seen the work, and so count in ``nb_ratings``.
COUNTED_CHOICES = (Choice.FAVORITE, Choice.LIKE, Choice.NEUTRAL, Choice.DISLIKE)

# The Work column that counts each choice.
COUNTER_FIELDS: dict[str, str] = {
    Choice.FAVORITE: "nb_favorites",
    Choice.LIKE: "nb_likes",
    Choice.NEUTRAL: "nb_neutrals",
    Choice.DISLIKE: "nb_dislikes",
    Choice.WILLSEE: "nb_willsees",
    Choice.WONTSEE: "nb_wontsees",
}


class WatchStatus(models.TextChoices):
    """Where a person is with a work (``Progress.status``), beside what they think of it.

    The labels are an anime's; ``status_label`` gives a manga's (Reading, Plan to read).
    """

    WATCHING = "watching", "Watching"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on_hold", "On hold"
    DROPPED = "dropped", "Dropped"
    PLANNED = "planned", "Plan to watch"


_MANGA_STATUS_LABELS = {WatchStatus.WATCHING: "Reading", WatchStatus.PLANNED: "Plan to read"}


def status_label(status: str, category_slug: str) -> str:
    """``WatchStatus`` as people read it for a work of ``category_slug``."""
    if category_slug == "manga" and status in _MANGA_STATUS_LABELS:
        return _MANGA_STATUS_LABELS[status]
    return WatchStatus(status).label
