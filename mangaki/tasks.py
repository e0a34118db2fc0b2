"""Celery tasks: thin wrappers that call services with ids and names only."""

from celery import shared_task
from django.db import transaction

from .services.ranking import ranking_recompute


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def recompute_ranking() -> int:
    """Recompute every work's ranking counters (idempotent)."""
    with transaction.atomic():
        return ranking_recompute()
