"""Honest odds: how well each model's scores, calibrated, say the chance of a like, in one run.

    python -m bench.library_calibration [--datasets anime ml] [--movielens DIR] [--markdown]

Protocol of `recommender/calibration.py` (`calibration_protocol`, seed 0): the list protocol's
split fits the model on the training rows; the held-out ratings of half the people fit an
isotonic calibrator, those of the other half measure it: the expected calibration error (ECE,
10 equal bins of predicted odds), the Brier score next to the base rate's (saying the share of
likes to everyone), and the reliability curve. A like is a like or a favorite (MovieLens: 4
stars or more). Target: ECE at most 0.03 on anime and on ml-latest-small, for the model whose
odds the site shows.
"""

from __future__ import annotations

from bench.setup import tables_bench
from recommender import ALS, BALSE, EASE, LASSO
from recommender.calibration import calibration_protocol

COLUMNS = [
    ("model", "model      ", "<12"),
    ("ece", "ECE", ".4f"),
    ("brier", "Brier", ".4f"),
    ("base_brier", "base Brier", ".4f"),
    ("base_rate", "liked share", ".3f"),
    ("n_fit", "fitted on", "d"),
    ("n_measured", "measured on", "d"),
]


def run_dataset(data) -> list[dict]:
    """Each model's calibration figures; prints its reliability curve."""
    rows = []
    for name, make in (("BALSE", BALSE), ("ALS", ALS), ("LASSO", LASSO), ("EASE", EASE)):
        report = calibration_protocol(make, data.X, data.y, item_tags=data.item_tags)
        rows.append(
            {"model": name, **report.as_dict(), "base_brier": report.base_rate * (1 - report.base_rate)}
        )
        points = ", ".join(f"{p['odds']:.2f}→{p['liked']:.2f} ({p['count']})" for p in report.curve)
        print(f"  reliability {name}: {points}")
    return rows


def main(argv: list[str] | None = None) -> int:
    return tables_bench(__doc__.splitlines()[0], run_dataset, COLUMNS, argv)


if __name__ == "__main__":
    raise SystemExit(main())
