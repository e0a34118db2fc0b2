"""How fit time, peak memory and served size grow with the number of ratings (synthetic data).

    python -m bench.library_scale [--sizes 100000 1000000 10000000] [--models als ease]

Each (size, model) runs in fresh processes, so peak resident memory is its own: seeded synthetic
ratings with power-law popularity, users = n/100 and items = n/500 (10M ratings: 100k users,
20k items), one default fit, the artifact written to a temporary file. A second fresh process
then loads the artifact as a web worker does and serves lists: its resident memory above the
same process before loading is the model's cost per web process, and its median `recommend`
time for a person with 200 ratings (half the catalogue on the smallest size) is the model's
share of a request.
Targets at 10M ratings / 20k works: fit ≤ 120 s, ≤ 1 GiB per web process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from bench.setup import ROOT

DEFAULT_SIZES = [100_000, 1_000_000, 10_000_000]
MODELS = ("als", "ease")


def _resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fit(model_name: str, n_ratings: int, artifact: str) -> dict:
    from bench.setup import warm_up_compiled_kernels
    from recommender import ALS, EASE
    from recommender.synthetic import synthetic_ratings

    warm_up_compiled_kernels()
    started = time.perf_counter()
    X, y = synthetic_ratings(n_ratings // 100, n_ratings // 500, n_ratings, random_state=0)
    if model_name == "ease":  # the ranker learns from Mangaki choices: map the ratings onto them
        y = ease_values(y)
    generate_seconds = time.perf_counter() - started
    model = ALS() if model_name == "als" else EASE()
    started = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - started
    peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    model.save(artifact)
    return {"generate_s": generate_seconds, "fit_s": fit_seconds, "peak_gib": peak_bytes / 2**30}


def ease_values(y):
    """Synthetic ratings as choice values by quantile: 10% dislike, 25% neutral, 40% like, 25% favorite."""
    import numpy as np

    cuts = np.quantile(y, [0.1, 0.35, 0.75])
    return np.select([y < cuts[0], y < cuts[1], y < cuts[2]], [-2.0, 0.1, 2.0], default=4.0)


def serve(model_name: str, artifact: str) -> dict:
    import numpy as np

    from bench.setup import warm_up_compiled_kernels
    from recommender import ALS, EASE

    warm_up_compiled_kernels()
    before = _resident_bytes()
    model = (ALS if model_name == "als" else EASE).load(artifact)
    rng = np.random.default_rng(0)
    n_rated = min(200, model.items_.size // 2)
    timings = []
    for _ in range(200):
        rated = rng.choice(model.items_, n_rated, replace=False)
        started = time.perf_counter()
        listed = model.recommend(rated, rng.choice([4.0, 2.0, 0.1, -2.0], n_rated), n=30)
        timings.append(time.perf_counter() - started)
        model.explain(listed.state, int(listed.item_ids[0]))
    return {
        "served_mib": (_resident_bytes() - before) / 2**20,
        "artifact_mib": os.path.getsize(artifact) / 2**20,
        "recommend_ms": 1000 * float(np.median(timings)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=DEFAULT_SIZES)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--fit", nargs=3, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fit is not None:
        print(json.dumps(fit(args.fit[0], int(args.fit[1]), args.fit[2])))
        return 0
    if args.serve is not None:
        print(json.dumps(serve(*args.serve)))
        return 0

    def child(*flags) -> dict:
        output = subprocess.run(
            [sys.executable, "-m", "bench.library_scale", *flags],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(output.strip().splitlines()[-1])

    print(
        f"{'model':>5} {'ratings':>11} {'users':>8} {'items':>7} {'fit s':>8} {'fit peak GiB':>12} "
        f"{'artifact MiB':>12} {'per process MiB':>15} {'recommend ms':>12}"
    )
    for size in args.sizes:
        for model_name in args.models:
            with tempfile.TemporaryDirectory() as folder:
                artifact = os.path.join(folder, f"{model_name}.npz")
                fitted = child("--fit", model_name, str(size), artifact)
                served = child("--serve", model_name, artifact)
            print(
                f"{model_name:>5} {size:>11,} {size // 100:>8,} {size // 500:>7,} {fitted['fit_s']:>8.2f} "
                f"{fitted['peak_gib']:>12.2f} {served['artifact_mib']:>12.1f} {served['served_mib']:>15.1f} "
                f"{served['recommend_ms']:>12.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
