"""How ALS fit time and peak memory grow with the number of ratings (synthetic data).

    python bench/recommender_scale.py [--sizes 100000 1000000 10000000]

Each size runs in a fresh process (so its peak resident memory is its own): seeded synthetic
ratings with power-law popularity, users = n/100 and items = n/500 (10M ratings: 100k users,
20k items), then one default `ALS().fit`. Peak RSS covers generation and fit together.
Targets at 10M: fit under 120 s, peak under 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = [100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]


def measure(n_ratings: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from bench.recommender_common import warm_up_compiled_kernels
    from recommender import ALS
    from recommender.synthetic import synthetic_ratings

    warm_up_compiled_kernels()
    started = time.perf_counter()
    X, y = synthetic_ratings(n_ratings // 100, n_ratings // 500, n_ratings, random_state=0)
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ALS().fit(X, y)
    fit_seconds = time.perf_counter() - started
    peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {"generate_s": generate_seconds, "fit_s": fit_seconds, "peak_gib": peak_bytes / 2**30}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=DEFAULT_SIZES)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return 0
    headers = f"{'ratings':>11} {'users':>8} {'items':>7} {'generate s':>10} {'ALS fit s':>10}"
    print(f"{headers} {'peak RSS GiB':>12}")
    for size in args.sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=True
        ).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(
            f"{size:>11,} {size // 100:>8,} {size // 500:>7,} {row['generate_s']:>10.2f} "
            f"{row['fit_s']:>10.2f} {row['peak_gib']:>12.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
