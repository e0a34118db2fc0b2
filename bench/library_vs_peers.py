"""Our models against Surprise (SVD, BaselineOnly, KNNBaseline) and myFM, in one run, same split.

    python -m bench.library_vs_peers [--datasets anime ml] [--movielens DIR] [--skip-knn]

Protocol of the data README: train rows are `default_rng(0).random(n) < 0.8`, RMSE on the rest,
peers with their defaults (myFM: Bayesian FM, rank 10, 200 samples, one-hot user and item).
Prints RMSE overall and on cold rows (item with ≤ 10 training ratings), fit and predict seconds,
and the ratios to Surprise SVD. Needs `pip install -r requirements-bench.txt`.
"""

from __future__ import annotations

import os
import time

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")  # myFM draws a progress bar per sample

from bench.report import print_tables, timed
from bench.setup import announce_warm_up, dataset_arguments, datasets, peers_installed
from recommender import ALS, BALSE, LASSO, Baseline
from recommender.evaluation import rmse, train_mask, training_counts_of


def surprise_runner(algorithm_name: str):
    def run(X_train, y_train, X_test):
        import pandas as pd
        from surprise import SVD, BaselineOnly, Dataset, KNNBaseline, Reader

        algorithms = {"SVD": SVD, "BaselineOnly": BaselineOnly, "KNNBaseline": KNNBaseline}
        frame = pd.DataFrame({"user": X_train[:, 0], "item": X_train[:, 1], "rating": y_train})
        reader = Reader(rating_scale=(float(y_train.min()), float(y_train.max())))
        trainset = Dataset.load_from_df(frame, reader).build_full_trainset()
        kwargs = {"verbose": False} if algorithm_name != "SVD" else {}
        algorithm = algorithms[algorithm_name](**kwargs)
        _, fit_seconds = timed(algorithm.fit, trainset)
        started = time.perf_counter()
        predictions = np.array([algorithm.predict(u, i).est for u, i in X_test.tolist()])
        return predictions, fit_seconds, time.perf_counter() - started

    return run


def myfm_runner(X_train, y_train, X_test):
    import myfm
    from sklearn.preprocessing import OneHotEncoder

    encoder = OneHotEncoder(handle_unknown="ignore")
    train_features = encoder.fit_transform(X_train)
    model = myfm.MyFMRegressor(rank=10, random_seed=0)
    _, fit_seconds = timed(model.fit, train_features, y_train, n_iter=200)
    started = time.perf_counter()
    predictions = model.predict(encoder.transform(X_test))
    return predictions, fit_seconds, time.perf_counter() - started


def ours_runner(model_class, uses_tags: bool):
    def run(X_train, y_train, X_test, item_tags):
        model = model_class()
        if uses_tags:
            _, fit_seconds = timed(model.fit, X_train, y_train, item_tags=item_tags)
        else:
            _, fit_seconds = timed(model.fit, X_train, y_train)
        predictions, predict_seconds = timed(model.predict, X_test)
        extra = ""
        if isinstance(model, BALSE):
            extra = f"beta={model.beta_:.4g} gamma={model.gamma_:.4g} ({model.count_scale} count)"
        return predictions, fit_seconds, predict_seconds, extra

    return run


def run_dataset(name: str, data, skip_knn: bool) -> list[dict]:
    mask = train_mask(data.y.size)
    X_train, y_train, X_test, y_test = data.X[mask], data.y[mask], data.X[~mask], data.y[~mask]
    cold = training_counts_of(X_train[:, 1], X_test[:, 1]) <= 10
    print(f"\n== {name}: {y_train.size} train rows, {y_test.size} test rows ({cold.sum()} cold)", flush=True)
    rows = []

    def record(label, predictions, fit_seconds, predict_seconds, extra=""):
        rows.append(
            {
                "model": label,
                "rmse": rmse(predictions, y_test),
                "cold": rmse(predictions[cold], y_test[cold]),
                "fit": fit_seconds,
                "predict": predict_seconds,
                "extra": extra,
            }
        )
        print(f"   {label}: rmse {rows[-1]['rmse']:.4f}, fit {fit_seconds:.2f} s {extra}", flush=True)

    peers = ["BaselineOnly", "SVD"] + ([] if skip_knn else ["KNNBaseline"])
    for peer in peers:
        record(f"Surprise {peer}", *surprise_runner(peer)(X_train, y_train, X_test))
    record("myFM BFM r10 x200", *myfm_runner(X_train, y_train, X_test))
    for label, model_class, uses_tags in [
        ("ours Baseline", Baseline, False),
        ("ours ALS", ALS, False),
        ("ours LASSO", LASSO, True),
        ("ours BALSE", BALSE, True),
    ]:
        record(label, *ours_runner(model_class, uses_tags)(X_train, y_train, X_test, data.item_tags))
    svd = next(row for row in rows if row["model"] == "Surprise SVD")
    for row in rows:
        row["rmse_ratio"] = row["rmse"] / svd["rmse"]
        row["fit_ratio"] = row["fit"] / svd["fit"]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = dataset_arguments(__doc__.splitlines()[0], markdown=False)
    parser.add_argument("--skip-knn", action="store_true", help="skip Surprise KNNBaseline (slowest peer)")
    args = parser.parse_args(argv)
    if not peers_installed("myfm", "surprise"):
        return 2
    announce_warm_up()
    tables = {}
    for name, data in datasets(args.datasets, args.movielens):
        tables[name] = run_dataset(name, data, args.skip_knn)
    columns = [
        ("model", "model", "<20"),
        ("rmse", "rmse", ".4f"),
        ("cold", "rmse cold", ".4f"),
        ("rmse_ratio", "rmse/SVD", ".3f"),
        ("fit", "fit s", ".2f"),
        ("fit_ratio", "fit/SVD", ".2f"),
        ("predict", "predict s", ".3f"),
        ("extra", "notes", ""),
    ]
    print_tables(tables, columns, markdown=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
