"""Benchmark: end-to-end retrain on the real anime data, database read to activated version.

    DATABASE_URL=postgres://… python -m bench.site_training [--algorithm balse] [--repeat 3]

Uses the database of DATABASE_URL (default: the SQLite file), loading fixtures/anime first
if it holds no rating; artifacts go to a temporary MEDIA_ROOT. Each run is the training
service exactly as the Celery task calls it: one query for every rating, the item×tag
matrix, the held-out measures (the top-N list protocol for every algorithm, next to the
most-rated list; RMSE on 80/20 for the rating models), the refit on everything, the `.npz`
written through storage, the quality gate and the activation. Prints where the time goes
(measuring, refitting) and the measures. Target: under 60 s per algorithm.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.setup import setup_with_real_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithm", action="append", choices=["ease", "balse", "als", "lasso"])
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()

    setup_with_real_data()

    from mangaki.models import Rating, TrainedModel
    from mangaki.recommendations.training import model_train

    def figure(value, spec=".4f"):
        return "-" if value is None else format(value, spec)

    print(f"{Rating.objects.count()} ratings\n")
    print(
        f"{'algorithm':9} {'run':>3} {'total s':>8} {'measure s':>9} {'refit s':>8} "
        f"{'NDCG@10':>8} {'most-rated':>10} {'RMSE':>7} {'cold':>7}"
    )
    for algorithm in arguments.algorithm or TrainedModel.Algorithm.values:
        totals = []
        for run in range(arguments.repeat):
            started = time.perf_counter()
            row = model_train(algorithm=algorithm)
            total = time.perf_counter() - started
            totals.append(total)
            m = row.metrics
            print(
                f"{algorithm:9} {run + 1:>3} {total:>8.2f} {m['measure_seconds']:>9.2f} "
                f"{m['refit_seconds']:>8.2f} {figure(m['ndcg']):>8} {figure(m['most_rated_ndcg']):>10} "
                f"{figure(m.get('rmse')):>7} {figure(m.get('rmse_cold')):>7}  v{row.version} {row.status}",
                flush=True,
            )
        print(f"{algorithm:9} median {statistics.median(totals):.2f} s (target < 60 s)\n")


if __name__ == "__main__":
    main()
