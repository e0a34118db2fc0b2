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

import argparse

from bench.report import print_tables
from bench.setup import datasets, warm_up_compiled_kernels
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


def run_dataset(data) -> tuple[list[dict], dict]:
    rows, curves = [], {}
    for name, make in (("BALSE", BALSE), ("ALS", ALS), ("LASSO", LASSO), ("EASE", EASE)):
        report = calibration_protocol(make, data.X, data.y, item_tags=data.item_tags)
        rows.append(
            {"model": name, **report.as_dict(), "base_brier": report.base_rate * (1 - report.base_rate)}
        )
        curves[name] = report.curve
    return rows, curves


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["anime", "ml"], choices=["anime", "anime-small", "ml"]
    )
    parser.add_argument("--movielens", default=None, help="folder of ml-latest-small")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    args = parser.parse_args(argv)
    print(f"numba warm-up (compilation or cache load): {warm_up_compiled_kernels():.2f} s")
    tables = {}
    for name, data in datasets(args.datasets, args.movielens, as_choices=True):
        print(f"{name}:", flush=True)
        tables[name], curves = run_dataset(data)
        for model, curve in curves.items():
            points = ", ".join(f"{p['odds']:.2f}→{p['liked']:.2f} ({p['count']})" for p in curve)
            print(f"  reliability {model}: {points}")
    print_tables(tables, COLUMNS, args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
