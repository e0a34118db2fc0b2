"""The retrain policy: which algorithms are due a new training, and how many ratings are new.

Celery beat asks it (``mangaki.tasks``): the nightly retrain takes ``retrained_algorithms``,
the frequent check ``algorithms_to_retrain``, which counts the ratings added or changed since
the data of each algorithm's latest finished training in the registry. It decides only;
``training`` trains.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import Rating, TrainedModel

Algorithm = TrainedModel.Algorithm


def new_ratings_since_training(algorithm: str) -> int | None:
    """Ratings added or changed since the data of the latest finished training; None if never trained."""
    latest = (
        TrainedModel.objects.filter(
            algorithm=algorithm, status__in=[TrainedModel.Status.READY, TrainedModel.Status.REJECTED]
        )
        .order_by("-version")
        .values_list("data_read_at", flat=True)
        .first()
    )
    if latest is None:
        return None
    return Rating.objects.filter(date__gt=latest).count()


def retrained_algorithms() -> list[str]:
    """What the beat schedule retrains: ``MANGAKI_RETRAIN_ALGORITHMS``, or every algorithm."""
    return list(settings.MANGAKI_RETRAIN_ALGORITHMS or Algorithm.values)


def algorithms_to_retrain(*, min_new_ratings: int) -> list[str]:
    """Algorithms never trained (when there are ratings) or with enough new ratings, not training now."""
    recent = timezone.now() - timedelta(seconds=settings.MANGAKI_TRAINING_TIME_LIMIT_SECONDS)
    training = set(
        TrainedModel.objects.filter(status=TrainedModel.Status.TRAINING, created__gte=recent).values_list(
            "algorithm", flat=True
        )
    )
    due = []
    for algorithm in retrained_algorithms():
        if algorithm in training:
            continue
        count = new_ratings_since_training(algorithm)
        if (count is None and Rating.objects.exists()) or (count is not None and count >= min_new_ratings):
            due.append(algorithm)
    return due
