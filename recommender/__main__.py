"""Command line: fit a rating model on the protocol's split and print its errors and timings.

    python -m recommender --model balse --dataset anime-small [--folds 5]

The protocol itself (splits, RMSE of all, cold and frozen items) is `recommender.evaluation`.

`--dataset` is `anime`, `anime-small` (the shipped fixtures), a folder with the same
`works.csv.gz`/`ratings.csv.gz`, or a MovieLens latest-small folder (detected by `movies.csv`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from recommender import ALS, BALSE, LASSO, Baseline
from recommender.datasets import load_anime, load_movielens
from recommender.evaluation import evaluate_split

MODELS = {"baseline": Baseline, "als": ALS, "lasso": LASSO, "balse": BALSE}
NEEDS_TAGS = {"lasso", "balse"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recommender", description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="balse")
    parser.add_argument("--dataset", default="anime", help="anime, anime-small, or a folder path")
    parser.add_argument("--folds", type=int, default=None, help="k-fold instead of the 80/20 split")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split")
    args = parser.parse_args(argv)
    try:
        if (Path(args.dataset) / "movies.csv").exists():
            data = load_movielens(args.dataset)
        else:
            data = load_anime(args.dataset)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tags = data.item_tags if args.model in NEEDS_TAGS else None
    results = evaluate_split(MODELS[args.model], data.X, data.y, tags, n_folds=args.folds, seed=args.seed)
    columns = ["fold", "rmse", "cold", "freeze", "n_test", "n_cold", "n_freeze", "fit_s", "predict_s"]
    print(f"{args.model} on {args.dataset}: {data.y.size} ratings")
    print(" ".join(f"{name:>9}" for name in columns))
    for fold, result in enumerate(results):
        errors = (result.rmse, result.rmse_cold, result.rmse_freeze)
        cells = [f"{fold:>9}"] + [f"{value:9.4f}" for value in errors]
        cells += [f"{value:9d}" for value in (result.n_test, result.n_cold, result.n_freeze)]
        cells += [f"{value:9.3f}" for value in (result.fit_seconds, result.predict_seconds)]
        print(" ".join(cells))
    if len(results) > 1:
        names = ("rmse", "rmse_cold", "rmse_freeze")
        means = [np.nanmean([getattr(result, name) for result in results]) for name in names]
        print(f"{'mean':>9} " + " ".join(f"{value:9.4f}" for value in means))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
