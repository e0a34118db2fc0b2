"""Latency of serving one user: fold-in of their ratings plus scoring and ranking every work.

    python -m bench.library_fold_in [--ratings 200] [--repeats 300]

Fits each model once on the full anime data, then for users with at least `--ratings` ratings
times `fold_in` on that many of their ratings followed by `top_k` over all scored items.
Target: under 5 ms median for BALSE.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.setup import warm_up_compiled_kernels
from recommender import ALS, BALSE, LASSO
from recommender.datasets import load_anime
from recommender.topk import top_k


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--dataset", default="anime")
    args = parser.parse_args(argv)
    warm_up_compiled_kernels()
    data = load_anime(args.dataset)
    users, counts = np.unique(data.X[:, 0], return_counts=True)
    heavy_users = users[counts >= args.ratings]
    rng = np.random.default_rng(0)
    print(f"{heavy_users.size} users with >= {args.ratings} ratings; {args.repeats} timed fold-ins per model")
    for model in (ALS(), LASSO(), BALSE()):
        if isinstance(model, ALS):
            model.fit(data.X, data.y)
        else:
            model.fit(data.X, data.y, item_tags=data.item_tags)
        samples = []
        for repeat in range(args.repeats + 10):
            user = heavy_users[rng.integers(heavy_users.size)]
            mine = np.flatnonzero(data.X[:, 0] == user)[: args.ratings]
            item_ids, values = data.X[mine, 1], data.y[mine]
            started = time.perf_counter()
            scores = model.fold_in(item_ids, values)
            exclude = np.searchsorted(model.items_, item_ids)
            best = top_k(scores, 20, exclude=exclude)
            elapsed = time.perf_counter() - started
            if repeat >= 10:  # the first calls fill caches
                samples.append(elapsed)
            assert best.size == 20
        samples_ms = np.array(samples) * 1000
        print(
            f"{type(model).__name__:>6}: {model.items_.size} items scored; fold-in + top-20 median "
            f"{np.median(samples_ms):.2f} ms, p95 {np.percentile(samples_ms, 95):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
