"""Choosing the default hyperparameters on validation rows carved out of the training part only.

    python -m bench.library_als_tuning [--datasets anime ml] [--movielens DIR]

The protocol's 80% training rows (`train_mask`) are split again, `default_rng(1).random(n) < 0.75`:
models are fitted on the 75% and scored on the 25%. The protocol's 20% test rows are never read.
Prints RMSE overall and on cold validation rows (item with ≤ 10 ratings in the 75%) for an ALS
grid over `regularization` × `bias_regularization` (20 factors, 12 epochs: the fit-time budget),
then BALSE with the former and the chosen defaults.
"""

from __future__ import annotations

import itertools

import numpy as np

from bench.report import timed
from bench.setup import announce_warm_up, dataset_arguments, datasets
from recommender import ALS, BALSE
from recommender.evaluation import rmse, train_mask, training_counts_of

REGULARIZATIONS = [0.15, 0.175, 0.2, 0.25]
BIAS_REGULARIZATIONS = [1.0, 2.0, 3.0, 5.0, 10.0]
BALSE_SETTINGS = {
    "former (0.2, 5.0)": {"regularization": 0.2, "bias_regularization": 5.0},
    "chosen (defaults)": {},
}


def validation_split(data):
    """Inner fitting and validation rows, both inside the protocol's training part."""
    mask = train_mask(data.y.size)
    X, y = data.X[mask], data.y[mask]
    inner = np.random.default_rng(1).random(y.size) < 0.75
    return X[inner], y[inner], X[~inner], y[~inner]


def tune(name: str, data) -> None:
    X_fit, y_fit, X_valid, y_valid = validation_split(data)
    cold = training_counts_of(X_fit[:, 1], X_valid[:, 1]) <= 10
    print(f"\n== {name}: fitting on {y_fit.size} rows, validating on {y_valid.size} ({cold.sum()} cold)")

    def report(label, predictions, seconds, extra=""):
        overall, on_cold = rmse(predictions, y_valid), rmse(predictions[cold], y_valid[cold])
        line = f"   {label:<42} rmse {overall:.4f}  cold {on_cold:.4f}  fit {seconds:5.2f} s {extra}"
        print(line, flush=True)

    for regularization, bias_regularization in itertools.product(REGULARIZATIONS, BIAS_REGULARIZATIONS):
        model = ALS(regularization=regularization, bias_regularization=bias_regularization)
        _, seconds = timed(model.fit, X_fit, y_fit)
        report(f"ALS reg={regularization} bias_reg={bias_regularization}", model.predict(X_valid), seconds)
    for label, settings in BALSE_SETTINGS.items():
        model = BALSE(**settings)
        _, seconds = timed(model.fit, X_fit, y_fit, item_tags=data.item_tags)
        extra = f"beta={model.beta_:.4g} gamma={model.gamma_:.4g}"
        report(f"BALSE {label}", model.predict(X_valid), seconds, extra)


def main(argv: list[str] | None = None) -> int:
    parser = dataset_arguments(__doc__.splitlines()[0], markdown=False)
    args = parser.parse_args(argv)
    announce_warm_up()
    for name, data in datasets(args.datasets, args.movielens):
        tune(name, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
