"""Training recommendation models: the lock, fitting, measuring, the quality gate.

One training reads the ratings that count (``arrays.training_ratings``) in one query,
measures the model on held-out ratings (its lists for every algorithm, next to the most-rated
list; RMSE overall, cold and freeze for the rating models: ``measuring``), refits it
on everything, and hands the result to the registry (``registry``): its `.npz`
artifact and its ``TrainedModel`` row; if it passes the quality gate it becomes the active
version of its algorithm. The training lock keeps two trainings of one algorithm from
overlapping. When to retrain is ``retraining``'s business. Tasks, commands and the
admin call ``model_train``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from recommender.base import fit_model

from ..models import TrainedModel
from ..services.locks import process_lock
from .algorithms import spec
from .arrays import SideInformation, item_tag_matrix, rating_arrays, side_information, tag_columns
from .measuring import measure
from .registry import check_algorithm, clean_incoming, model_activate, models_prune, publish_artifact

logger = logging.getLogger(__name__)

Algorithm = TrainedModel.Algorithm
MIN_RATINGS_TO_TRAIN = 20
STAGES = ("read", "measure", "refit", "store", "activate")

Progress = Callable[[str], None]


class TrainingError(Exception):
    """A training that cannot run (too little data, or too much for the algorithm's memory);
    recorded on the row as its reason."""


# --- The lock: two trainings of one algorithm never overlap, across processes and machines.


def training_lock(algorithm: str) -> AbstractContextManager[bool]:
    """Yield whether this process holds the training lock of ``algorithm`` (``locks.process_lock``)."""
    return process_lock(f"mangaki-train-{algorithm}")


# --- Fitting, measuring and the quality gate.


def _new_model(algorithm: str, hyperparameters: dict, side: SideInformation | None = None):
    """The model of ``algorithm`` with these hyperparameters (and, for one fitted with the
    works' side information, that too)."""
    if side is not None and spec(algorithm).uses_side_information:
        return spec(algorithm).model_class(**hyperparameters, priors=side.priors, franchise=side.franchise)
    return spec(algorithm).model_class(**hyperparameters)


def _gate(row: TrainedModel, active: TrainedModel | None) -> str:
    """The rejection reason, or "" when ``row`` may replace the active model.

    A ranker is judged by its lists (held-out NDCG@10): it must beat the most-rated list on the
    same split (SideRanker: the popularity prior on the freeze protocol, where the most-rated
    list has nothing to go on), and not fall below the active version by more than the margin.
    A rating model is judged by its held-out RMSE against the active version.
    """
    if not spec(row.algorithm).predicts_ratings:
        baseline = row.metrics.get("baseline_ndcg", row.metrics.get("most_rated_ndcg"))
        if row.ndcg is None:
            return "no held-out NDCG@10: too few people with 20 ratings to measure its lists"
        if baseline is not None and row.ndcg <= baseline:
            name = "the most-rated list"
            if "baseline_ndcg" in row.metrics:
                prior = row.metrics.get("baseline_is_members_prior")
                name = "the members prior" if prior else "a random order"
            return f"held-out NDCG@10 {row.ndcg:.4f} does not beat {name}'s {baseline:.4f}"
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


def _check_size(algorithm: str, n_works: int) -> None:
    """TrainingError when ``algorithm`` cannot fit this many works in memory (EASE's dense n × n)."""
    limit = settings.MANGAKI_EASE_MAX_WORKS
    if Algorithm(algorithm) == Algorithm.EASE and n_works > limit:
        gigabytes = 4 * (n_works + 1) ** 2 / 1e9  # float32, with the intercept's column
        raise TrainingError(
            f"{n_works} works to train on, more than MANGAKI_EASE_MAX_WORKS ({limit}): EASE would "
            f"invert a dense {n_works + 1} × {n_works + 1} matrix ({gigabytes:.1f} GB); raise the "
            "setting if the worker has the memory, or MANGAKI_TRAINING_MIN_RATERS to train on fewer works"
        )


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
    check_algorithm(algorithm)
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
        clean_incoming(algorithm)
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
        uses_tags = spec(algorithm).uses_tags
        columns = tag_columns() if uses_tags else []
        tags = item_tag_matrix(columns) if uses_tags else None
        side = side_information() if spec(algorithm).uses_side_information else None
        row.nb_ratings, row.nb_users, row.nb_works = data.n_ratings, data.n_users, data.n_works
        row.data_read_at, row.tag_columns = data.read_at, columns
        if data.n_ratings < MIN_RATINGS_TO_TRAIN:
            raise TrainingError(f"{data.n_ratings} ratings; at least {MIN_RATINGS_TO_TRAIN} are needed")
        _check_size(algorithm, data.n_works)

        progress("measure")
        measure_started = time.perf_counter()
        row.metrics = measure(
            algorithm=algorithm,
            make=lambda: _new_model(algorithm, params, side),
            X=data.X,
            y=data.y,
            tags=tags,
            priors=side.priors if side else None,
            max_lister_works=settings.MANGAKI_EASE_MAX_WORKS,
        )
        row.metrics["measure_seconds"] = time.perf_counter() - measure_started

        progress("refit")
        refit_started = time.perf_counter()
        model = fit_model(_new_model(algorithm, params, side), data.X, data.y, tags)
        row.metrics["refit_seconds"] = time.perf_counter() - refit_started

        progress("store")
        buffer = io.BytesIO()
        model.save(buffer)
        payload = buffer.getvalue()
        row.artifact_sha256 = hashlib.sha256(payload).hexdigest()
        row.artifact_name = publish_artifact(
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
