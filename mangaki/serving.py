"""The active models, loaded once per process and reloaded when the active version changes.

Each call of :func:`active_model` costs one small query (the active row's id through the
partial unique index ``trainedmodel_one_active``, plus the newest work id); the artifact is
read from storage and unpacked only when that id changes, and the catalogue snapshot (each
work's category and NSFW flag, tag rows of works added since the training) only when a work
was added. Never unpickled per request: `.npz` with ``allow_pickle=False``, once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db.models import Subquery

from recommender import ALS, BALSE, LASSO
from recommender.indexing import lookup

from .adapter import item_tag_matrix
from .models import Category, TrainedModel, Work
from .services.training import load_model

logger = logging.getLogger(__name__)


def _unit_rows(factors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    return factors / np.maximum(norms, 1e-12)


@dataclass
class Catalogue:
    """Every work's category and NSFW flag, as arrays aligned with sorted ``work_ids``."""

    latest_work_id: int | None
    work_ids: np.ndarray
    category_ids: np.ndarray
    nsfw: np.ndarray
    category_by_slug: dict[str, int]
    # Works the model has never seen but can score from their tags (LASSO, BALSE).
    new_work_ids: np.ndarray
    new_work_tags: sp.csr_matrix | None


@dataclass
class LoadedModel:
    row_id: int
    sha256: str
    algorithm: str
    version: int
    model: ALS | LASSO | BALSE
    tag_columns: list
    catalogue: Catalogue
    als: ALS | None = None
    lasso: LASSO | None = None
    unit_item_factors: np.ndarray | None = None
    tag_matrix: sp.csr_matrix | None = None  # training-time work × column rows (LASSO)
    tag_of_column: dict[int, int] = field(default_factory=dict)  # column → Tag id (genres only)


_loaded: dict[str, LoadedModel] = {}
_broken: set[tuple[int, str]] = set()
_lock = threading.Lock()


def _catalogue(loaded_model, tag_columns: list, latest_work_id: int | None) -> Catalogue:
    rows = list(Work.objects.order_by("pk").values_list("pk", "category_id", "nsfw"))
    work_ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    category_ids = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    nsfw = np.fromiter((r[2] for r in rows), bool, len(rows))
    new_ids, new_tags = np.empty(0, dtype=np.int64), None
    if isinstance(loaded_model, (LASSO, BALSE)) and tag_columns:
        unseen = work_ids[lookup(np.asarray(loaded_model.items_, dtype=np.int64), work_ids) < 0]
        if unseen.size:
            matrix = item_tag_matrix(tag_columns, work_ids=unseen)
            rows_of_unseen = matrix[unseen]
            tagged = np.diff(rows_of_unseen.indptr) > 0
            new_ids, new_tags = unseen[tagged], sp.csr_matrix(rows_of_unseen[tagged])
    return Catalogue(
        latest_work_id=latest_work_id,
        work_ids=work_ids,
        category_ids=category_ids,
        nsfw=nsfw,
        category_by_slug=dict(Category.objects.values_list("slug", "pk")),
        new_work_ids=new_ids,
        new_work_tags=new_tags,
    )


def _load(row_id: int, latest_work_id: int | None) -> LoadedModel:
    row = TrainedModel.objects.get(pk=row_id)
    model = load_model(row)
    als = model if isinstance(model, ALS) else getattr(model, "als_", None)
    lasso = model if isinstance(model, LASSO) else getattr(model, "lasso_", None)
    loaded = LoadedModel(
        row_id=row.pk,
        sha256=row.artifact_sha256,
        algorithm=row.algorithm,
        version=row.version,
        model=model,
        tag_columns=row.tag_columns,
        catalogue=_catalogue(model, row.tag_columns, latest_work_id),
        als=als,
        lasso=lasso,
    )
    if als is not None:
        loaded.unit_item_factors = _unit_rows(als.item_factors_)
    if lasso is not None:
        n_rows = lasso.tag_indptr_.size - 1
        loaded.tag_matrix = sp.csr_matrix(
            (lasso.tag_data_, lasso.tag_indices_, lasso.tag_indptr_), shape=(n_rows, int(lasso.n_tags_))
        )
        loaded.tag_of_column = {
            column: value for column, (kind, value) in enumerate(row.tag_columns) if kind == "tag"
        }
    return loaded


def active_model(algorithm: str) -> LoadedModel | None:
    """The active model of ``algorithm`` for this process, or None (none trained, or unreadable)."""
    newest_work = Work.objects.order_by("-pk").values("pk")[:1]
    found = (
        TrainedModel.objects.filter(algorithm=algorithm, is_active=True)
        .annotate(latest_work=Subquery(newest_work))
        .values_list("pk", "artifact_sha256", "latest_work")
        .first()
    )
    if found is None:
        _loaded.pop(algorithm, None)
        return None
    row_id, sha256, latest_work_id = found
    current = _loaded.get(algorithm)
    if current is not None and (current.row_id, current.sha256) == (row_id, sha256):
        if current.catalogue.latest_work_id != latest_work_id:
            with _lock:
                current.catalogue = _catalogue(current.model, current.tag_columns, latest_work_id)
        return current
    if (row_id, sha256) in _broken:
        return None
    with _lock:
        current = _loaded.get(algorithm)
        if current is not None and (current.row_id, current.sha256) == (row_id, sha256):
            return current
        try:
            current = _load(row_id, latest_work_id)
        except Exception:
            logger.exception("cannot load the active %s model (registry row %s)", algorithm, row_id)
            _broken.add((row_id, sha256))
            return None
        _loaded[algorithm] = current
        return current


def forget_loaded_models() -> None:
    """Drop this process's loaded models (tests; a reload happens on the next call anyway)."""
    _loaded.clear()
    _broken.clear()
