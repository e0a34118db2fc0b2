"""The model registry: artifacts in storage, loading them, and which version serves each algorithm.

A trained version is a ``TrainedModel`` row plus its `.npz` artifact in Django's default
storage, named by algorithm, version and sha256. This module publishes artifacts (never a
partial file under its final name), reads them back checked against the recorded sha256
(``load_model``, all the serving path imports of it), activates a version or
rolls back to the previous one (one transaction, one active row per algorithm), and prunes
the artifacts of old versions. It knows nothing of how a model is fitted: ``training``
writes through it, never the other way round.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ..models import TrainedModel
from .algorithms import spec

Algorithm = TrainedModel.Algorithm


def check_algorithm(algorithm: str) -> None:
    """Raise a ValidationError naming the known algorithms unless ``algorithm`` is one of them."""
    if algorithm not in Algorithm.values:
        raise ValidationError(
            {"algorithm": f"Unknown algorithm {algorithm!r}; expected one of {', '.join(Algorithm.values)}."}
        )


def _prefix() -> str:
    return settings.MANGAKI_MODEL_STORAGE_PREFIX.strip("/")


# --- Artifacts in storage.


def publish_artifact(payload: bytes, *, algorithm: str, version: int, sha256: str) -> str:
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


def clean_incoming(algorithm: str) -> None:
    """Delete partial uploads of ``algorithm`` left by a training that died.

    Only the holder of the algorithm's training lock may call this (no upload of it is running).
    """
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
    model_class = spec(trained_model.algorithm).model_class
    return model_class.load(io.BytesIO(read_artifact(trained_model)))


# --- Activation, rollback, pruning.


def model_activate(*, trained_model: TrainedModel, force: bool = False) -> TrainedModel:
    """Make ``trained_model`` the active version of its algorithm, in one transaction.

    Only a ready version with its artifact can be activated; ``force`` also accepts one the
    quality gate rejected (status rejected: it becomes ready, and the reason keeps the story).
    The gate itself runs in ``training``; here only its recorded verdict is read.
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
    check_algorithm(algorithm)
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
