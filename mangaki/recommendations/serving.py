"""The active models, loaded once per process and reloaded when the active version changes.

Each call of :func:`active_model` costs one small query (the active row's id through the
partial unique index ``trainedmodel_one_active``, plus the newest work id); the artifact is
read from storage and unpacked only when that id changes, and the catalogue snapshot (each
work's category and NSFW flag) only when a work was added. A model that scores from tags
(LASSO, BALSE) is then handed the tags of the works added since its training
(``with_items``), so it scores them itself. Never unpickled per request: `.npz` with
``allow_pickle=False``, once.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db.models import Subquery

from recommender.base import RatingModel
from recommender.calibration import Calibrator
from recommender.franchises import FIRST_PART_TYPES
from recommender.indexing import lookup

from ..choices import LIKED_MIN_VALUE, RATING_VALUES, Choice
from ..models import Category, TrainedModel, Work
from ..precompiled import PrecompiledQuery
from .arrays import item_tag_matrix
from .registry import load_model

logger = logging.getLogger(__name__)


@dataclass
class Catalogue:
    """Every work's category and NSFW flag, as arrays aligned with sorted ``work_ids``."""

    latest_work_id: int | None
    work_ids: np.ndarray
    category_ids: np.ndarray
    nsfw: np.ndarray
    category_by_slug: dict[str, int]
    # Each work's franchise (``Work.franchise_id``), -1 for none; aligned with ``work_ids``.
    franchise_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    # Each franchise's first part (its first series aired: ``recommender.franchises``'s rule).
    first_parts: dict[int, int] = field(default_factory=dict)
    _candidates: dict[tuple[int | None, bool], np.ndarray] = field(default_factory=dict, repr=False)

    def candidates(self, category_id: int | None, nsfw_ok: bool) -> np.ndarray:
        """Ids of the works a list may hold for this category and NSFW choice (cached)."""
        key = (category_id, nsfw_ok)
        found = self._candidates.get(key)
        if found is None:
            allowed = np.ones(self.work_ids.size, dtype=bool)
            if category_id is not None:
                allowed &= self.category_ids == category_id
            if not nsfw_ok:
                allowed &= ~self.nsfw
            found = self._candidates[key] = self.work_ids[allowed]
        return found

    def franchises_of(self, work_ids: np.ndarray) -> np.ndarray:
        """The franchise of each of ``work_ids`` (-1 for none, or for a work not in the catalogue)."""
        work_ids = np.asarray(work_ids, dtype=np.int64)
        if not self.work_ids.size or not work_ids.size:
            return np.full(work_ids.size, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.work_ids, work_ids), self.work_ids.size - 1)
        return np.where(self.work_ids[at] == work_ids, self.franchise_ids[at], -1)

    def without_turned_down_franchises(
        self, candidates: np.ndarray, item_ids, values, hidden_works=()
    ) -> np.ndarray:
        """``candidates`` less the works of a franchise the person turned down: they disliked or
        won't see a part of it and liked none (``LIKED_MIN_VALUE``), or said "not interested in
        this franchise" of one of its parts (``hidden_works``: that part too, franchise or not)."""
        franchises = self.franchises_of(item_ids)
        inside = franchises >= 0
        values = np.asarray(values, dtype=np.float64)
        liked = set(franchises[inside & (values >= LIKED_MIN_VALUE)].tolist())
        refused = set(franchises[inside & (values <= RATING_VALUES[Choice.WONTSEE])].tolist()) - liked
        hidden = np.asarray(list(hidden_works), dtype=np.int64)
        refused |= set(self.franchises_of(hidden).tolist()) - {-1}
        if not refused and not hidden.size:
            return candidates
        keep = ~np.isin(self.franchises_of(candidates), list(refused)) & ~np.isin(candidates, hidden)
        return candidates[keep]


@dataclass(frozen=True)
class LoadedModel:
    """One active registry row, ready to serve: its model, and what the site needs beside it."""

    row_id: int
    sha256: str
    algorithm: str
    version: int
    trained: RatingModel  # as read from the artifact
    model: RatingModel  # what serves: ``trained``, plus the works added since (when it can)
    tag_columns: list
    catalogue: Catalogue
    tag_of_column: dict[int, int] = field(default_factory=dict)  # column → Tag id (genres only)
    # A rating model's predictions as the chance of a like (``recommender.calibration``),
    # fitted when it was measured; None for a ranker or a row measured before calibration.
    calibrator: Calibrator | None = None


_loaded: dict[str, LoadedModel] = {}
# Artifacts that failed to load: (registry row id, digest) → (failures so far, when to retry).
# A storage hiccup must not disable recommendations until a restart: the load is tried again
# after RETRY_FIRST_SECONDS, doubling up to RETRY_MAX_SECONDS.
_broken: dict[tuple[int, str], tuple[int, float]] = {}
_lock = threading.Lock()
RETRY_FIRST_SECONDS = 5.0
RETRY_MAX_SECONDS = 300.0


def _catalogue(latest_work_id: int | None) -> Catalogue:
    # Only public works are ever recommended (``WorkQuerySet.public``).
    rows = list(
        Work.objects.public()
        .order_by("pk")
        .values_list("pk", "category_id", "nsfw", "franchise_id", "work_type", "aired_from")
    )
    first_parts: dict[int, tuple] = {}
    for pk, _, _, franchise, work_type, aired_from in rows:
        if franchise is not None:
            key = (FIRST_PART_TYPES.get(work_type, len(FIRST_PART_TYPES)), aired_from or date.max, pk)
            first_parts[franchise] = min(first_parts.get(franchise, key), key)
    return Catalogue(
        latest_work_id=latest_work_id,
        work_ids=np.fromiter((r[0] for r in rows), np.int64, len(rows)),
        category_ids=np.fromiter((r[1] for r in rows), np.int64, len(rows)),
        nsfw=np.fromiter((r[2] for r in rows), bool, len(rows)),
        category_by_slug=dict(Category.objects.values_list("slug", "pk")),
        franchise_ids=np.fromiter((-1 if r[3] is None else r[3] for r in rows), np.int64, len(rows)),
        first_parts={franchise: key[-1] for franchise, key in first_parts.items()},
    )


def _serving_model(trained: RatingModel, tag_columns: list, catalogue: Catalogue) -> RatingModel:
    """``trained``, able to score the catalogue's works unseen in training when it scores from tags."""
    if not trained.uses_tags or not tag_columns:
        return trained
    unseen = catalogue.work_ids[lookup(np.asarray(trained.items_, dtype=np.int64), catalogue.work_ids) < 0]
    if not unseen.size:
        return trained
    return trained.with_items(unseen, item_tag_matrix(tag_columns, work_ids=unseen))


def _load(row_id: int, latest_work_id: int | None) -> LoadedModel:
    row = TrainedModel.objects.get(pk=row_id)
    trained = load_model(row)
    catalogue = _catalogue(latest_work_id)
    return LoadedModel(
        row_id=row.pk,
        sha256=row.artifact_sha256,
        algorithm=row.algorithm,
        version=row.version,
        trained=trained,
        model=_serving_model(trained, row.tag_columns, catalogue),
        tag_columns=row.tag_columns,
        catalogue=catalogue,
        tag_of_column={
            column: value for column, (kind, value) in enumerate(row.tag_columns) if kind == "tag"
        },
        calibrator=_calibrator(row.metrics.get("calibration")),
    )


def _calibrator(steps) -> Calibrator | None:
    if not isinstance(steps, dict):
        return None
    try:
        return Calibrator.from_steps(steps["thresholds"], steps["odds"])
    except (KeyError, TypeError, ValueError):
        return None


def _active_rows_query(*algorithms: str):
    newest_work = Work.objects.order_by("-pk").values("pk")[:1]
    return (
        TrainedModel.objects.filter(algorithm__in=algorithms, is_active=True)
        .annotate(latest_work=Subquery(newest_work))
        .values_list("algorithm", "pk", "artifact_sha256", "latest_work")
    )


# Run on every recommendation: compiled once (see mangaki.precompiled).
_active_rows_sql = PrecompiledQuery(_active_rows_query)


def _active_rows(algorithms) -> dict[str, tuple[int, str, int | None]]:
    """(row id, artifact digest, newest work id) of the active row of each of ``algorithms``: one query."""
    rows = _active_rows_sql.rows(*(str(algorithm) for algorithm in algorithms))
    return {algorithm: (pk, sha256, latest) for algorithm, pk, sha256, latest in rows}


def _resolve(algorithm: str, found: tuple[int, str, int | None] | None) -> LoadedModel | None:
    if found is None:
        _loaded.pop(algorithm, None)
        return None
    row_id, sha256, latest_work_id = found
    current = _loaded.get(algorithm)
    if current is not None and (current.row_id, current.sha256) == (row_id, sha256):
        if current.catalogue.latest_work_id == latest_work_id:
            return current
        with _lock:  # works were added: a new snapshot, and a model that knows them
            catalogue = _catalogue(latest_work_id)
            current = dataclasses.replace(
                current,
                catalogue=catalogue,
                model=_serving_model(current.trained, current.tag_columns, catalogue),
            )
            _loaded[algorithm] = current
        return current
    key = (row_id, sha256)
    if key in _broken and time.monotonic() < _broken[key][1]:
        return None
    with _lock:
        current = _loaded.get(algorithm)
        if current is not None and (current.row_id, current.sha256) == (row_id, sha256):
            return current
        try:
            current = _load(row_id, latest_work_id)
        except Exception:
            failures = _broken.get(key, (0, 0.0))[0] + 1
            wait = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (failures - 1))
            _broken[key] = (failures, time.monotonic() + wait)
            logger.exception(
                "cannot load the active %s model (registry row %s, failure %d); retrying in %.0f s",
                algorithm,
                row_id,
                failures,
                wait,
            )
            return None
        _broken.pop(key, None)
        _loaded[algorithm] = current
        return current


def failed_to_load(algorithms) -> bool:
    """Whether the active version of one of ``algorithms`` exists but could not be loaded lately."""
    rows = _active_rows(algorithms)
    return any((row_id, sha256) in _broken for row_id, sha256, _ in rows.values())


def active_model(algorithm: str) -> LoadedModel | None:
    """The active model of ``algorithm`` for this process, or None (none trained, or unreadable)."""
    return _resolve(algorithm, _active_rows([algorithm]).get(algorithm))


def active_models(algorithms) -> dict[str, LoadedModel]:
    """The active model of each of ``algorithms`` that has a usable one, in their order: one query."""
    return _usable(algorithms, _active_rows(algorithms))


def _usable(algorithms, rows) -> dict[str, LoadedModel]:
    """The loaded model of each of ``algorithms`` whose active row (in ``rows``) can serve."""
    resolved = {
        str(algorithm): _resolve(str(algorithm), rows.get(str(algorithm))) for algorithm in algorithms
    }
    return {algorithm: loaded for algorithm, loaded in resolved.items() if loaded is not None}


# Whether a registry row's list beat the most-rated list when it was measured. A row's figures
# never change once it is measured, so each row is read once per process.
_list_verdicts: dict[int, bool] = {}


def _list_beats_most_rated(row_id: int) -> bool:
    """Whether row ``row_id``'s held-out NDCG@10 beat the most-rated list's on the same split;
    True when either is missing (too few people with 20 ratings to measure a list)."""
    verdict = _list_verdicts.get(row_id)
    if verdict is None:
        metrics = TrainedModel.objects.filter(pk=row_id).values_list("metrics", flat=True).first() or {}
        ndcg, baseline = metrics.get("ndcg"), metrics.get("most_rated_ndcg")
        verdict = ndcg is None or baseline is None or ndcg > baseline
        _list_verdicts[row_id] = verdict
    return verdict


def active_models_and_lists(algorithms, offered) -> tuple[dict[str, LoadedModel], tuple[str, ...]]:
    """``active_models(algorithms)``, and those of the lists ``offered`` that may be offered now:
    each one with no active version yet, or whose active version's list beat the most-rated
    list when it was measured (``_list_beats_most_rated``). One query for the active rows."""
    rows = _active_rows(dict.fromkeys([*map(str, algorithms), *map(str, offered)]))
    shown = tuple(
        str(algorithm)
        for algorithm in offered
        if str(algorithm) not in rows or _list_beats_most_rated(rows[str(algorithm)][0])
    )
    return _usable(algorithms, rows), shown


def first_active_model(algorithms) -> LoadedModel | None:
    """The active model of the first of ``algorithms`` that has one (one query), or None."""
    return next(iter(active_models(algorithms).values()), None)


def forget_loaded_models() -> None:
    """Drop this process's loaded models (tests; a reload happens on the next call anyway)."""
    _loaded.clear()
    _broken.clear()
    _list_verdicts.clear()
