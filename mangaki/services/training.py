"""Training, measuring, storing and activating recommendation models: the model registry's writes.

One training reads every rating in one query, measures the model on held-out ratings (its
lists for every algorithm, next to the most-rated list; RMSE overall, cold and freeze for the
rating models: ``services.measuring``), refits it on everything, writes its `.npz` artifact
through Django's default storage and records a ``TrainedModel`` row; if it passes the quality
gate it becomes the active version of its algorithm. Tasks, commands and the admin all call
these functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from recommender.base import fit_model

from ..adapter import item_tag_matrix, rating_arrays, tag_columns
from ..models import Rating, TrainedModel
from .measuring import measure

logger = logging.getLogger(__name__)

Algorithm = TrainedModel.Algorithm
MIN_RATINGS_TO_TRAIN = 20
STAGES = ("read", "measure", "refit", "store", "activate")

Progress = Callable[[str], None]


class TrainingError(Exception):
    """A training that cannot run (too little data); recorded on the row as its reason."""


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in Algorithm.values:
        raise ValidationError(
            {"algorithm": f"Unknown algorithm {algorithm!r}; expected one of {', '.join(Algorithm.values)}."}
        )


def _prefix() -> str:
    return settings.MANGAKI_MODEL_STORAGE_PREFIX.strip("/")


# --- The lock: two trainings of one algorithm never overlap, across processes and machines.


@contextlib.contextmanager
def training_lock(algorithm: str) -> Iterator[bool]:
    """Yield whether this process holds the training lock of ``algorithm``.

    PostgreSQL: a session advisory lock, released by the server if the process dies (a
    worker killed mid-training never leaves a stale lock). SQLite (one machine): an
    ``flock`` on a file next to the database, released by the kernel the same way.
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"mangaki-train-{algorithm}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    import fcntl

    database = str(connection.settings_dict.get("NAME") or ":memory:")
    if "memory" in database:  # an in-memory database (tests) belongs to this process alone
        database = f"{database}-{os.getpid()}"
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"mangaki-train-{algorithm}-{digest}.lock")
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- Artifacts in storage.


def _publish_artifact(payload: bytes, *, algorithm: str, version: int, sha256: str) -> str:
    """Store ``payload`` under its final name without ever exposing a partial file there.

    The bytes go to ``<prefix>/incoming/…part`` first. On a filesystem storage the complete
    file is then renamed into place (atomic); object stores (S3, GCS) only publish an object
    once its upload is complete, so there it is uploaded under the final name directly.
    """
    final = f"{_prefix()}/{algorithm}-v{version}-{sha256[:12]}.npz"
    incoming = default_storage.save(
        f"{_prefix()}/incoming/{algorithm}-{uuid.uuid4().hex}.part", ContentFile(payload)
    )
    try:
        source, target = default_storage.path(incoming), default_storage.path(final)
    except NotImplementedError:
        name = default_storage.save(final, ContentFile(payload))
        default_storage.delete(incoming)
        return name
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.replace(source, target)
    return final


def _clean_incoming(algorithm: str) -> None:
    """Delete partial uploads of ``algorithm`` left by a training that died (we hold its lock)."""
    folder = f"{_prefix()}/incoming"
    with contextlib.suppress(FileNotFoundError, NotImplementedError):
        for name in default_storage.listdir(folder)[1]:
            if name.startswith(f"{algorithm}-"):
                default_storage.delete(f"{folder}/{name}")


def read_artifact(trained_model: TrainedModel) -> bytes:
    """The artifact's bytes, checked against the recorded sha256."""
    if not trained_model.artifact_name:
        raise ValidationError(f"{trained_model} has no artifact (deleted as older than the last kept ones).")
    with default_storage.open(trained_model.artifact_name, "rb") as handle:
        payload = handle.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != trained_model.artifact_sha256:
        raise ValidationError(
            f"artifact {trained_model.artifact_name} has sha256 {digest}, "
            f"the registry recorded {trained_model.artifact_sha256}"
        )
    return payload


def load_model(trained_model: TrainedModel):
    """The fitted model of a registry row, read from storage (``allow_pickle=False``)."""
    model_class = Algorithm(trained_model.algorithm).model_class
    return model_class.load(io.BytesIO(read_artifact(trained_model)))


# --- Training.


def _new_model(algorithm: str, hyperparameters: dict):
    return Algorithm(algorithm).model_class(**hyperparameters)


def _gate(row: TrainedModel, active: TrainedModel | None) -> str:
    """The rejection reason, or "" when ``row`` may replace the active model.

    A ranker is judged by its lists (held-out NDCG@10): it must beat the most-rated list on the
    same split, and not fall below the active version by more than the margin. A rating model
    is judged by its held-out RMSE against the active version.
    """
    if not Algorithm(row.algorithm).predicts_ratings:
        baseline = row.metrics.get("most_rated_ndcg")
        if row.ndcg is None:
            return "no held-out NDCG@10: too few people with 20 ratings to measure its lists"
        if baseline is not None and row.ndcg <= baseline:
            return f"held-out NDCG@10 {row.ndcg:.4f} does not beat the most-rated list's {baseline:.4f}"
        if active is None or active.ndcg is None:
            return ""
        margin = settings.MANGAKI_QUALITY_GATE_NDCG_MARGIN
        if row.ndcg < active.ndcg - margin:
            return (
                f"held-out NDCG@10 {row.ndcg:.4f} is worse than active version {active.version}'s "
                f"{active.ndcg:.4f} by more than the margin {margin:g}"
            )
        return ""
    if active is None or active.rmse is None:
        return ""
    margin = settings.MANGAKI_QUALITY_GATE_MARGIN
    if row.rmse > active.rmse + margin:
        return (
            f"held-out RMSE {row.rmse:.4f} is worse than active version {active.version}'s "
            f"{active.rmse:.4f} by more than the margin {margin:g}"
        )
    return ""


def model_train(
    *,
    algorithm: str,
    hyperparameters: dict | None = None,
    unless_trained_since: datetime | None = None,
    progress: Progress | None = None,
) -> TrainedModel | None:
    """Train, measure, store and (if it passes the quality gate) activate a new version.

    Returns the new registry row, or None when nothing was done: another training of the
    same algorithm holds the lock, or a version was already trained on data read after
    ``unless_trained_since`` (a redelivered task). A training that raises leaves its row
    with status failed and the reason.
    """
    _check_algorithm(algorithm)
    with training_lock(algorithm) as acquired:
        if not acquired:
            logger.info("training of %s skipped: another one is running", algorithm)
            return None
        if (
            unless_trained_since is not None
            and TrainedModel.objects.filter(
                algorithm=algorithm,
                status__in=[TrainedModel.Status.READY, TrainedModel.Status.REJECTED],
                data_read_at__gte=unless_trained_since,
            ).exists()
        ):
            logger.info("training of %s skipped: already trained since %s", algorithm, unless_trained_since)
            return None
        # We hold the lock, so rows still "training" belong to a process that died.
        TrainedModel.objects.filter(algorithm=algorithm, status=TrainedModel.Status.TRAINING).update(
            status=TrainedModel.Status.FAILED, reason="interrupted: the training process stopped"
        )
        _clean_incoming(algorithm)
        return _train(algorithm, hyperparameters or {}, progress or (lambda stage: None))


def _train(algorithm: str, hyperparameters: dict, progress: Progress) -> TrainedModel:
    started = time.perf_counter()
    params = _new_model(algorithm, hyperparameters).get_params()  # validates the names
    with transaction.atomic():
        last = TrainedModel.objects.filter(algorithm=algorithm).aggregate(last=Max("version"))["last"]
        row = TrainedModel.objects.create(
            algorithm=algorithm, version=(last or 0) + 1, hyperparameters=params
        )
    try:
        progress("read")
        data = rating_arrays()
        uses_tags = Algorithm(algorithm).model_class.uses_tags
        columns = tag_columns() if uses_tags else []
        tags = item_tag_matrix(columns) if uses_tags else None
        row.n_ratings, row.n_users, row.n_works = data.n_ratings, data.n_users, data.n_works
        row.data_read_at, row.tag_columns = data.read_at, columns
        if data.n_ratings < MIN_RATINGS_TO_TRAIN:
            raise TrainingError(f"{data.n_ratings} ratings; at least {MIN_RATINGS_TO_TRAIN} are needed")

        progress("measure")
        measure_started = time.perf_counter()
        row.metrics = measure(algorithm=algorithm, hyperparameters=params, X=data.X, y=data.y, tags=tags)
        row.metrics["measure_seconds"] = time.perf_counter() - measure_started

        progress("refit")
        refit_started = time.perf_counter()
        model = fit_model(_new_model(algorithm, params), data.X, data.y, tags)
        row.metrics["refit_seconds"] = time.perf_counter() - refit_started

        progress("store")
        buffer = io.BytesIO()
        model.save(buffer)
        payload = buffer.getvalue()
        row.artifact_sha256 = hashlib.sha256(payload).hexdigest()
        row.artifact_name = _publish_artifact(
            payload, algorithm=algorithm, version=row.version, sha256=row.artifact_sha256
        )
        row.metrics["artifact_bytes"] = len(payload)

        progress("activate")
        active = TrainedModel.objects.filter(algorithm=algorithm, is_active=True).first()
        row.reason = _gate(row, active)
        row.status = TrainedModel.Status.REJECTED if row.reason else TrainedModel.Status.READY
        row.save()
        if row.status == TrainedModel.Status.READY:
            row = model_activate(trained_model=row)
        row.train_seconds = time.perf_counter() - started
        row.save(update_fields=["train_seconds"])
    except Exception as error:
        row.status = TrainedModel.Status.FAILED
        row.reason = f"{type(error).__name__}: {error}"
        row.is_active = False
        row.save()
        raise
    models_prune(algorithm=algorithm, keep=settings.MANGAKI_KEEP_LAST_MODELS)
    return row


# --- Activation, rollback, pruning.


def model_activate(*, trained_model: TrainedModel, force: bool = False) -> TrainedModel:
    """Make ``trained_model`` the active version of its algorithm, in one transaction.

    Only a ready version with its artifact can be activated; ``force`` also accepts one the
    quality gate rejected (it becomes ready, and the reason keeps the story).
    """
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in TrainedModel.objects.select_for_update().filter(algorithm=trained_model.algorithm)
        }
        row = rows[trained_model.pk]
        allowed = [TrainedModel.Status.READY] + ([TrainedModel.Status.REJECTED] if force else [])
        if row.status not in allowed:
            raise ValidationError(f"{row} cannot be activated: its status is {row.status}.")
        if not row.artifact_name or not default_storage.exists(row.artifact_name):
            raise ValidationError(f"{row} cannot be activated: its artifact was deleted.")
        TrainedModel.objects.filter(algorithm=row.algorithm, is_active=True).exclude(pk=row.pk).update(
            is_active=False
        )
        if row.status == TrainedModel.Status.REJECTED:
            row.status = TrainedModel.Status.READY
            row.reason = f"activated by hand despite the quality gate ({row.reason})"
        row.is_active, row.activated = True, timezone.now()
        row.save(update_fields=["is_active", "activated", "status", "reason"])
    return row


def model_rollback(*, algorithm: str) -> TrainedModel:
    """Activate the newest ready version older than the active one (with its artifact kept)."""
    _check_algorithm(algorithm)
    active = TrainedModel.objects.filter(algorithm=algorithm, is_active=True).first()
    older = TrainedModel.objects.filter(algorithm=algorithm, status=TrainedModel.Status.READY).exclude(
        artifact_name=""
    )
    if active is not None:
        older = older.filter(version__lt=active.version)
    previous = older.order_by("-version").first()
    if previous is None:
        raise ValidationError(f"No earlier ready {algorithm} version with an artifact to roll back to.")
    return model_activate(trained_model=previous)


def models_prune(*, algorithm: str, keep: int) -> list[str]:
    """Delete the artifacts of all but the last ``keep`` versions (never the active one's)."""
    rows = TrainedModel.objects.filter(algorithm=algorithm).exclude(artifact_name="").order_by("-version")
    deleted = []
    for row in list(rows)[max(keep, 1) :]:
        if row.is_active:
            continue
        default_storage.delete(row.artifact_name)
        deleted.append(row.artifact_name)
        row.artifact_name = ""
        row.save(update_fields=["artifact_name"])
    return deleted


# --- When to retrain.


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
