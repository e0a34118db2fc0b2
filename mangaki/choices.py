"""Rating choices and their values: the one place in the code that maps a choice to a number."""

from django.db import models


class Choice(models.TextChoices):
    FAVORITE = "favorite", "Favorite"
    LIKE = "like", "Like"
    NEUTRAL = "neutral", "Neutral"
    DISLIKE = "dislike", "Dislike"
    WILLSEE = "willsee", "Will see"
    WONTSEE = "wontsee", "Won't see"


# Values the recommendation algorithms learn from.
RATING_VALUES: dict[str, float] = {
    Choice.FAVORITE: 4.0,
    Choice.LIKE: 2.0,
    Choice.NEUTRAL: 0.1,
    Choice.WILLSEE: 0.5,
    Choice.WONTSEE: -0.5,
    Choice.DISLIKE: -2.0,
}

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
