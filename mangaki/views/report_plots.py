"""The model report's plots, drawn as SVG with matplotlib from the active models.

Each plot is computed once per process for a given set of active versions (the key is the
registry rows' ids and artifact digests), so the report stays fast after the first view.
Text is drawn as paths, so no title in the data can become markup in the SVG.
"""

from __future__ import annotations

import io
import math
import threading

import numpy as np

from ..models import TrainedModel, Work

METRICS = [("rmse", "overall"), ("rmse_cold", "cold (few ratings)"), ("rmse_freeze", "freeze (unrated)")]
MAP_LABELS = 14
_cache: dict[tuple, bytes] = {}
_lock = threading.Lock()


def _figure(width: float = 6.4, height: float = 3.8):
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    rcParams["svg.fonttype"] = "path"
    rcParams["svg.hashsalt"] = "mangaki"  # stable ids, so the same model draws the same bytes
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def _svg(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, dpi=150)
    return buffer.getvalue()


def shown_versions() -> list[TrainedModel]:
    """Per algorithm, the active version, or else the newest ready one."""
    chosen: dict[str, TrainedModel] = {}
    for row in TrainedModel.objects.filter(status=TrainedModel.Status.READY).order_by(
        "algorithm", "-version"
    ):
        if row.algorithm not in chosen or row.is_active and not chosen[row.algorithm].is_active:
            chosen[row.algorithm] = row
    order = [value for value, _ in TrainedModel.Algorithm.choices]
    return sorted(chosen.values(), key=lambda row: order.index(row.algorithm))


def rmse_plot(rows: list[TrainedModel]) -> bytes:
    figure, axes = _figure()
    width = 0.8 / len(METRICS)
    colours = ["#4f46e5", "#f59e0b", "#10b981"]
    for index, (key, label) in enumerate(METRICS):
        values = [row.metrics.get(key) for row in rows]
        heights = [
            value if isinstance(value, (int, float)) and math.isfinite(value) else 0 for value in values
        ]
        positions = [position + (index - 1) * width for position in range(len(rows))]
        bars = axes.bar(positions, heights, width, label=label, color=colours[index])
        axes.bar_label(bars, labels=[f"{h:.3f}" if h else "n/a" for h in heights], fontsize=7, padding=2)
    axes.set_xticks(range(len(rows)), [f"{row.get_algorithm_display()} v{row.version}" for row in rows])
    axes.set_ylabel("held-out RMSE (lower is better)")
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def gate_plot(model) -> bytes:
    """σ(β(R − γ)): how much BALSE trusts ALS over LASSO as a work's number of ratings R grows."""
    from recommender.gate import gate

    counts = np.asarray(model.item_counts_, dtype=float)
    top = max(float(np.percentile(counts, 99)), float(model.gamma_) * 2, 10.0)
    x = np.linspace(0, top, 400)
    figure, axes = _figure()
    histogram = axes.twinx()
    histogram.hist(counts[counts <= top], bins=40, color="#c7d2fe", alpha=0.7)
    histogram.set_ylabel("works", color="#6366f1")
    histogram.set_yscale("log")
    axes.set_zorder(histogram.get_zorder() + 1)
    axes.patch.set_visible(False)
    axes.plot(x, gate(x, model.beta_, model.gamma_), color="#e11d48", linewidth=2.5, label="weight of ALS")
    axes.axvline(model.gamma_, color="#64748b", linestyle="--", linewidth=1)
    axes.annotate(
        f"γ = {model.gamma_:.1f}, β = {model.beta_:.3f}",
        (model.gamma_, 0.5),
        xytext=(8, 0),
        textcoords="offset points",
        fontsize=8,
        color="#334155",
    )
    axes.set_ylim(0, 1.02)
    axes.set_xlim(0, top)
    axes.set_xlabel("ratings of the work in the training data (R)")
    axes.set_ylabel("σ(β(R − γ)): share of ALS")
    axes.spines[["top"]].set_visible(False)
    return _svg(figure)


def map_plot(als) -> bytes:
    """The works' ALS factors projected on their two main axes, coloured by popularity."""
    factors = np.asarray(als.item_factors_, dtype=float)
    ids = np.asarray(als.items_)
    centred = factors - factors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    points = centred @ components[:2].T
    popularity = dict(Work.objects.filter(pk__in=ids.tolist()).values_list("pk", "nb_ratings"))
    counts = np.array([popularity.get(int(pk), 0) for pk in ids], dtype=float)
    figure, axes = _figure(6.4, 5.0)
    order = np.argsort(counts)
    scatter = axes.scatter(
        points[order, 0],
        points[order, 1],
        c=np.log1p(counts[order]),
        cmap="viridis",
        s=8,
        alpha=0.75,
        linewidths=0,
        rasterized=True,  # thousands of dots: one embedded image instead of a path each
    )
    colourbar = figure.colorbar(scatter, ax=axes, shrink=0.8)
    colourbar.set_label("log(1 + ratings)")
    labelled = order[::-1][:MAP_LABELS]
    titles = dict(Work.objects.filter(pk__in=[int(ids[i]) for i in labelled]).values_list("pk", "title"))
    for index in labelled:
        title = titles.get(int(ids[index]), "")
        axes.annotate(
            title[:28] + ("…" if len(title) > 28 else ""),
            points[index],
            fontsize=6.5,
            xytext=(3, 3),
            textcoords="offset points",
            color="#1e1b4b",
        )
    axes.set_xlabel("first principal axis of the ALS item factors")
    axes.set_ylabel("second axis")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def plot(name: str) -> bytes | None:
    """The SVG of plot ``name`` ("rmse", "gate", "map"), or None when no model can draw it."""
    from ..serving import active_model

    if name == "rmse":
        rows = shown_versions()
        if not rows:
            return None
        key = (name, tuple((row.pk, row.artifact_sha256) for row in rows))
        draw = lambda: rmse_plot(rows)  # noqa: E731
    elif name in {"gate", "map"}:
        loaded = active_model("balse") if name == "gate" else active_model("als") or active_model("balse")
        if loaded is None or (name == "map" and loaded.als is None):
            return None
        key = (name, loaded.row_id, loaded.sha256)
        draw = (lambda: gate_plot(loaded.model)) if name == "gate" else (lambda: map_plot(loaded.als))
    else:
        return None
    with _lock:
        if key not in _cache:
            _cache[key] = draw()
        return _cache[key]
