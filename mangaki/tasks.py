"""Celery tasks: thin wrappers that call services with ids and names only."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils import uuid
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from kombu.exceptions import OperationalError as BrokerUnreachable

from .recommendations.retraining import algorithms_to_retrain, retrained_algorithms
from .recommendations.training import TrainingError, model_train
from .services.catalogue_sync import SyncBusy, catalogue_sync_from_settings, sync_plan
from .services.guests import guests_purge
from .services.ranking import ranking_recompute
from .services.rating_imports import ImportBusy, ImportInterrupted, import_run, imports_requeue_stuck
from .services.ratings import members_count_in
from .upstream.anilist import AniListError

logger = logging.getLogger(__name__)

TRAINING_LIMITS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": settings.MANGAKI_TRAINING_TIME_LIMIT_SECONDS,
    "soft_time_limit": settings.MANGAKI_TRAINING_TIME_LIMIT_SECONDS - 60,
}


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def recompute_ranking() -> int:
    """Recompute every work's ranking counters (idempotent)."""
    with transaction.atomic():
        return ranking_recompute()


@shared_task(**TRAINING_LIMITS)
def train_model(algorithm: str, requested_at: str | None = None) -> int | None:
    """Train a new version of ``algorithm``; the id of its registry row, or None if skipped.

    Idempotent: a redelivered task finds a version trained on data read after
    ``requested_at`` (ISO 8601) and does nothing; the service's lock keeps two trainings
    of one algorithm from overlapping.
    """
    since = parse_datetime(requested_at) if requested_at else None
    trained = model_train(algorithm=algorithm, unless_trained_since=since)
    return trained.pk if trained is not None else None


def enqueue_training(algorithm: str) -> str:
    """Queue a training of ``algorithm`` through the broker; returns the Celery task id.

    Without a broker the task runs here, now, under that same id. A training that cannot run
    (``TrainingError``: too few ratings) then ends as it would on a worker: its version is in
    the registry as failed with the reason, and the caller still gets the task's id. Any other
    error is raised (a worker would record it as the task's failure; here it is a bug to see).
    """
    task_id = uuid()
    try:
        train_model.apply_async(args=[algorithm, timezone.now().isoformat()], task_id=task_id)
    except TrainingError as error:  # only when tasks run eagerly: a queued task fails on its worker
        logger.warning("training task %s of %s failed: %s", task_id, algorithm, error)
    return task_id


@shared_task(acks_late=True, time_limit=60)
def retrain_all() -> list[str]:
    """The nightly full retrain: one training task per algorithm."""
    return [enqueue_training(algorithm) for algorithm in retrained_algorithms()]


@shared_task(acks_late=True, time_limit=60)
def retrain_if_enough_new_ratings() -> list[str]:
    """The frequent check: retrain the algorithms with enough new ratings since their last training."""
    due = algorithms_to_retrain(min_new_ratings=settings.MANGAKI_RETRAIN_MIN_NEW_RATINGS)
    for algorithm in due:
        enqueue_training(algorithm)
    return due


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def purge_idle_guests() -> int:
    """Delete the guest accounts of visitors who have not rated anything for a while (idempotent)."""
    return guests_purge(older_than_days=settings.MANGAKI_GUEST_MAX_IDLE_DAYS)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def count_in_trusted_members() -> int:
    """Count in the members who have shown life (old enough, enough ratings); how many (idempotent)."""
    return members_count_in()


IMPORT_LIMITS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": settings.MANGAKI_IMPORT_TIME_LIMIT_SECONDS,
    "soft_time_limit": settings.MANGAKI_IMPORT_TIME_LIMIT_SECONDS - 30,
    "max_retries": None,  # bounded by the import's own attempts (MANGAKI_IMPORT_MAX_ATTEMPTS)
}


@shared_task(bind=True, **IMPORT_LIMITS)
def import_ratings(self, import_id: int) -> str:
    """Read and write an uploaded MyAnimeList list; the import's status afterwards (idempotent).

    On a worker, an import that finds ``MANGAKI_IMPORTS_RUNNING_MAX`` imports running waits,
    queued, and the task asks again after ``MANGAKI_IMPORT_RETRY_SECONDS``. Run eagerly (no
    broker: development, tests) there is no pool of workers to protect and nobody would ask
    again, so the import runs at once. An interrupted import (a batch failed; its committed
    batches stay) is retried and resumes; a redelivered task (its worker was killed) resumes too.
    """
    eager = self.request.is_eager
    while True:
        try:
            rating_import = import_run(import_id=import_id, wait_for_slot=not eager)
        except (ImportBusy, ImportInterrupted) as waiting:
            logger.info("import %s: %s", import_id, waiting)
            if eager:  # Celery's eager retry would raise into the caller: try again here (attempts bound it)
                continue
            raise self.retry(countdown=settings.MANGAKI_IMPORT_RETRY_SECONDS) from None
        return rating_import.status if rating_import is not None else "gone"


def enqueue_import(import_id: int) -> None:
    """Queue the reading and writing of an import through the broker (without one: run it now)."""
    import_ratings.apply_async(args=[import_id])


@shared_task(acks_late=True, time_limit=120)
def requeue_stuck_imports() -> list[int]:
    """The sweep: hand out again the imports whose worker was killed or whose task was lost."""
    requeued = imports_requeue_stuck()
    for import_id in requeued:
        try:
            enqueue_import(import_id)
        except BrokerUnreachable:  # still queued, marked handed out: the next sweep tries again
            logger.warning("import %s could not be queued again: the broker is unreachable", import_id)
    return requeued


# Under the broker's visibility timeout (MANGAKI_BROKER_VISIBILITY_TIMEOUT, an hour): a sync cut
# by its time limit has written its pages; the next one goes on from there (Work.synced_at).
SYNC_LIMITS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": 3300, "soft_time_limit": 3000}


@shared_task(**SYNC_LIMITS)
def sync_catalogue(plan: str = "full", limit: int | None = None) -> dict:
    """Run a catalogue sync (``full`` weekly, ``current-season`` daily); its counts.

    Idempotent and resumable, so a redelivered task (its worker was killed) finishes the work;
    the sync's lock makes a second one that starts meanwhile return at once.
    """
    try:
        report = catalogue_sync_from_settings(
            plan=sync_plan(plan, manga_pages=settings.MANGAKI_ANILIST_MANGA_PAGES), limit=limit
        )
    except SyncBusy as error:
        logger.info("catalogue sync %s skipped: %s", plan, error)
        return {"skipped": str(error)}
    except AniListError as error:
        logger.warning("catalogue sync %s stopped: %s", plan, error)
        return {"error": str(error)}
    logger.info("catalogue sync %s: %s", plan, report)
    return {field: getattr(report, field) for field in report.__dataclass_fields__}
