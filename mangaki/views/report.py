"""The model report: every trained version with its metrics, and plots of the active models."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from ..models import TrainedModel
from ..querysets import model_report_visible_to
from ..recommendations.algorithms import spec
from . import report_plots

PLOTS = [
    (
        "lists",
        "Held-out lists per model",
        "NDCG@10 of each model's top 10 by how many ratings people had (newcomers given 1 to 10), "
        "next to the most-rated list.",
    ),
    (
        "rmse",
        "Held-out error per model",
        "RMSE overall, on works with at most 10 ratings (cold) and on works with none (freeze).",
    ),
    (
        "odds",
        "Calibrated odds of a like",
        "Each rating model's predictions as the chance of a like, against the share liked among held-out "
        "ratings of people the calibration did not see (on the diagonal: calibrated).",
    ),
    (
        "gate",
        "BALSE's gate over popularity",
        "σ(β(log(1 + R) − γ)): how much BALSE trusts ALS rather than the tags as a work gets more ratings.",
    ),
    (
        "map",
        "Map of works",
        "The ALS embedding of every work, projected to two dimensions; the most rated are named.",
    ),
]


# Figures of each version shown in the table (missing ones are shown as a dash).
REPORTED = (
    "ndcg",
    "most_rated_ndcg",
    "recall",
    "newcomer_k3_ndcg",
    "coverage",
    "mean_popularity",
    "odds_ece",
    *(key for key, _ in report_plots.METRICS),
)


def check_access(request) -> HttpResponse | None:
    if model_report_visible_to(request.user):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("The model report is for staff.")


def model_report(request):
    denied = check_access(request)
    if denied is not None:
        return denied
    versions = list(TrainedModel.objects.order_by("algorithm", "-version"))
    for row in versions:
        row.metric_values = {key: row.metrics.get(key) for key in REPORTED}
    shown = {row.algorithm for row in report_plots.shown_versions()}
    rating_models = {a for a in shown if spec(a).predicts_ratings}
    plots = [
        {"name": name, "title": title, "note": note}
        for name, title, note in PLOTS
        if (name == "lists" and shown)
        or (name == "rmse" and rating_models)
        or (name == "odds" and any(row.metrics.get("reliability") for row in report_plots.shown_versions()))
        or (name == "gate" and report_plots.GATE_ALGORITHM in shown)
        or (name == "map" and shown.intersection(report_plots.MAP_ALGORITHMS))
    ]
    return render(request, "mangaki/model_report.html", {"versions": versions, "plots": plots})


def model_plot(request, name: str):
    denied = check_access(request)
    if denied is not None:
        return denied
    svg = report_plots.plot(name)
    if svg is None:
        raise Http404("No model to draw this plot from.")
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    # An SVG opened on its own must not run anything, whatever it contains.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
