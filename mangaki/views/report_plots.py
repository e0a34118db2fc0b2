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
from ..recommendations.algorithms import spec

METRICS = [("rmse", "overall"), ("rmse_cold", "cold (few ratings)"), ("rmse_freeze", "freeze (unrated)")]
PALETTE = ["#e11d48", "#4f46e5", "#10b981", "#f59e0b", "#0ea5e9", "#a855f7"]  # by algorithm, in order
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


NEWCOMER_MAX_RATINGS = 10  # the protocol gives newcomers 1, 3, 5 or 10 ratings


def lists_plot(rows: list[TrainedModel]) -> bytes:
    """Held-out NDCG@10 by how many ratings people had, per model, next to the most-rated list.

    Newcomers (given 1 to 10 ratings, measured on all the others) and existing users (measured
    on a fifth held out) are two protocols: drawn as two unconnected pieces of each curve.
    """
    figure, axes = _figure()
    baseline_drawn = False

    def draw(curve: list[dict], key: str, **style) -> None:
        for newcomers in (True, False):
            # A bin is drawn at its lower bound (1, 3, 5, 10; then 11–31, 32–63…).
            part = [entry for entry in curve if (entry["low"] <= NEWCOMER_MAX_RATINGS) == newcomers]
            if part and all(entry.get(key) is not None for entry in part):
                axes.plot([entry["low"] for entry in part], [entry[key] for entry in part], **style)
                style.pop("label", None)  # one legend entry per curve

    for row in rows:
        curve = row.metrics.get("ndcg_by_ratings") or []
        colour = PALETTE[TrainedModel.Algorithm.values.index(row.algorithm) % len(PALETTE)]
        label = f"{row.get_algorithm_display()} v{row.version}"
        draw(curve, "ndcg", marker="o", markersize=3, linewidth=2, color=colour, label=label)
        if curve and not baseline_drawn:
            draw(curve, "most_rated", linestyle="--", color="#64748b", linewidth=1.5, label="most-rated list")
            baseline_drawn = True
    axes.axvline(NEWCOMER_MAX_RATINGS + 0.5, color="#cbd5e1", linewidth=1)
    axes.text(0.02, 0.02, "newcomers", transform=axes.transAxes, fontsize=8, color="#475569")
    axes.text(0.98, 0.02, "existing users", transform=axes.transAxes, fontsize=8, color="#475569", ha="right")
    axes.set_xscale("log")
    axes.set_xlabel("ratings the person had given")
    axes.set_ylabel("held-out NDCG@10 (higher is better)")
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


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


def odds_plot(rows: list[TrainedModel]) -> bytes:
    """Reliability: predicted odds of a like against the share liked, per bin, per rating model."""
    figure, axes = _figure()
    axes.plot([0, 1], [0, 1], color="#94a3b8", linestyle="--", linewidth=1, label="calibrated")
    for row in rows:
        curve = row.metrics.get("reliability") or []
        colour = PALETTE[TrainedModel.Algorithm.values.index(row.algorithm) % len(PALETTE)]
        ece = row.metrics.get("odds_ece")
        label = f"{row.get_algorithm_display()} v{row.version}" + (
            f" (ECE {ece:.3f})" if ece is not None else ""
        )
        axes.plot(
            [point["odds"] for point in curve], [point["liked"] for point in curve],
            marker="o", color=colour, linewidth=1.5, label=label,
        )  # fmt: skip
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("predicted chance of a like")
    axes.set_ylabel("share liked (held-out ratings)")
    axes.legend(loc="upper left", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def gate_plot(model) -> bytes:
    """How much BALSE trusts ALS over LASSO as a work's number of ratings R grows (its gate)."""
    counts = np.asarray(model.item_counts_, dtype=float)
    top = max(float(np.percentile(counts, 99)), 10.0)
    x = np.linspace(0, top, 400)
    figure, axes = _figure()
    histogram = axes.twinx()
    histogram.hist(counts[counts <= top], bins=40, color="#c7d2fe", alpha=0.7)
    histogram.set_ylabel("works", color="#6366f1")
    histogram.set_yscale("log")
    axes.set_zorder(histogram.get_zorder() + 1)
    axes.patch.set_visible(False)
    weights = model.gate(x)
    axes.plot(x, weights, color="#e11d48", linewidth=2.5, label="weight of ALS")
    middle = float(x[np.argmin(np.abs(weights - 0.5))])
    axes.axvline(middle, color="#64748b", linestyle="--", linewidth=1)
    axes.annotate(
        f"γ = {model.gamma_:.2f}, β = {model.beta_:.3f}",
        (middle, 0.5),
        xytext=(8, 0),
        textcoords="offset points",
        fontsize=8,
        color="#334155",
    )
    axes.set_ylim(0, 1.02)
    axes.set_xlim(0, top)
    axes.set_xlabel("ratings of the work in the training data (R)")
    axes.set_ylabel("gate: share of ALS")
    axes.spines[["top"]].set_visible(False)
    return _svg(figure)


def map_plot(model) -> bytes:
    """The works' ALS factors projected on their two main axes, coloured by popularity."""
    return _svg(map_figure(model))


def map_figure(model):
    """The map's figure: every work a dot, and a few of the most rated named without overlaps."""
    ids, points = model.item_coordinates(2)
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
    axes.set_xlabel("first principal axis of the ALS item factors")
    axes.set_ylabel("second axis")
    axes.spines[["top", "right"]].set_visible(False)
    _label_without_overlaps(figure, axes, ids, points, order[::-1][:MAP_CANDIDATES])
    return figure


MAP_LABELS = 10  # at most this many works are named on the map
MAP_CANDIDATES = 40  # the most rated works tried, in order, until MAP_LABELS fit
MAP_TITLE_LENGTH = 24
# Where a label may sit around its dot, in points, nearest first: beside it, then further out
# with a leader line (the popular works crowd the middle of the map).
LABEL_OFFSETS = [
    (radius * dx, radius * dy)
    for radius in (4, 14, 28)
    for dx, dy in ((1, 1), (-1, 1), (1, -1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1))
]
LEADER_MIN_POINTS = 10
LABEL_MARGIN_PIXELS = 3
RING_PIXELS = 4


def _label_without_overlaps(figure, axes, ids, points, candidates) -> None:
    """Name the candidates in order, each where its label overlaps no label already placed.

    The layout is settled first and then frozen, so that the text extents measured here are
    where the labels are drawn. A work whose label fits nowhere is skipped; labelled dots get
    a ring so that each name points at one dot.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    renderer = FigureCanvasAgg(figure).get_renderer()  # the same font metrics as the SVG's paths
    figure.draw_without_rendering()
    figure.set_layout_engine("none")
    axes.set_xlim(axes.get_xlim())  # nor may the rings below rescale the axes
    axes.set_ylim(axes.get_ylim())
    area = axes.get_window_extent(renderer)
    # Only public works are named (a model trained before a work was unconfirmed may hold it).
    named = Work.objects.public().filter(pk__in=[int(ids[i]) for i in candidates])
    titles = dict(named.values_list("pk", "title"))
    placed = []
    labelled = []
    for index in candidates:
        if len(labelled) == MAP_LABELS:
            break
        title = titles.get(int(ids[index]), "")
        if not title:
            continue
        text = title[:MAP_TITLE_LENGTH] + ("…" if len(title) > MAP_TITLE_LENGTH else "")
        x, y = axes.transData.transform(points[index])
        dot = Bbox.from_extents(x, y, x, y).padded(RING_PIXELS)
        if any(dot.overlaps(other) for other in placed):
            continue  # its ring would hide under a label
        for dx, dy in LABEL_OFFSETS:
            leader = max(abs(dx), abs(dy)) >= LEADER_MIN_POINTS
            label = axes.annotate(
                text,
                points[index],
                xytext=(dx, dy),
                textcoords="offset points",
                ha="left" if dx > 0 else "right" if dx < 0 else "center",
                va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                fontsize=7,
                color="#1e1b4b",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                arrowprops={"arrowstyle": "-", "color": "#1e1b4b", "linewidth": 0.6, "shrinkB": 3}
                if leader
                else None,
            )
            box = label.get_window_extent(renderer).expanded(1, 1).padded(LABEL_MARGIN_PIXELS)
            inside = area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1
            if inside and not any(box.overlaps(other) for other in placed):
                placed += [box, dot]
                labelled.append(index)
                break
            label.remove()
    if labelled:
        axes.scatter(
            points[labelled, 0],
            points[labelled, 1],
            s=30,
            facecolors="none",
            edgecolors="#1e1b4b",
            linewidths=0.8,
        )


# The algorithms each model plot is drawn from: the gate is BALSE's, the map of works needs ALS's
# item factors (its own, or those inside BALSE).
GATE_ALGORITHM = TrainedModel.Algorithm.BALSE
MAP_ALGORITHMS = (TrainedModel.Algorithm.ALS, TrainedModel.Algorithm.BALSE)


def plot(name: str) -> bytes | None:
    """The SVG of plot ``name`` ("lists", "rmse", "odds", "gate", "map"); None when no model can draw it."""
    from ..recommendations.serving import active_model, first_active_model

    if name in {"lists", "rmse", "odds"}:
        rows = shown_versions()
        if name == "rmse":
            rows = [row for row in rows if spec(row.algorithm).predicts_ratings]
        if name == "odds":
            rows = [row for row in rows if row.metrics.get("reliability")]
        if not rows:
            return None
        key = (name, tuple((row.pk, row.artifact_sha256) for row in rows))
        draw = {"rmse": lambda: rmse_plot(rows), "odds": lambda: odds_plot(rows)}.get(
            name, lambda: lists_plot(rows)
        )
    elif name in {"gate", "map"}:
        loaded = active_model(GATE_ALGORITHM) if name == "gate" else first_active_model(MAP_ALGORITHMS)
        if loaded is None:
            return None
        key = (name, loaded.row_id, loaded.sha256)
        draw = (lambda: gate_plot(loaded.trained)) if name == "gate" else (lambda: map_plot(loaded.trained))
    else:
        return None
    with _lock:
        if key not in _cache:
            _cache[key] = draw()
        return _cache[key]
