"""Helpers shared by the recommender benchmarks: locating data, warming numba, timing, tables."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
MOVIELENS_ENV = "RECOMMENDER_MOVIELENS_DIR"


def movielens_directory(cli_value: str | None = None) -> Path | None:
    """ml-latest-small: the --movielens flag, else $RECOMMENDER_MOVIELENS_DIR, else
    ../shared/data/ml-latest-small next to the repository; None when none of them exists."""
    candidates = [cli_value, os.environ.get(MOVIELENS_ENV), REPOSITORY.parent / "shared/data/ml-latest-small"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "ratings.csv").exists():
            return Path(candidate)
    return None


def warm_up_compiled_kernels() -> float:
    """Run every numba kernel once on tiny data so timings exclude compilation; returns seconds."""
    import scipy.sparse as sp

    from recommender import BALSE
    from recommender.ease import EASE

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 30, 600), rng.integers(0, 20, 600)])
    tags = sp.random(20, 5, density=0.4, format="csr", random_state=0)
    model = BALSE(n_epochs=2).fit(X, rng.normal(size=600), item_tags=tags)
    model.predict(X)
    model.fold_in(X[:5, 1], np.ones(5))
    choices = rng.choice([4.0, 2.0, 0.1, 0.5, -0.5, -2.0], size=600)
    for ranker in (EASE(), EASE(value_weights=None, intercept=False)):
        ranker.fit(X, choices).recommend(X[:5, 1], choices[:5], n=5)
    return time.perf_counter() - started


def timed(function, *args, **kwargs):
    """(result, seconds) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def print_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """Plain text table: columns are (key, header, format)."""
    widths = [max(len(header), 10) for _, header, _ in columns]
    print("  ".join(f"{header:>{width}}" for (_, header, _), width in zip(columns, widths, strict=True)))
    for row in rows:
        cells = []
        for (key, _, fmt), width in zip(columns, widths, strict=True):
            value = row.get(key)
            missing = value is None or (isinstance(value, float) and np.isnan(value))
            text = "-" if missing else format(value, fmt)
            cells.append(f"{text:>{width}}")
        print("  ".join(cells))


def print_markdown_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """The same table as `print_table`, as GitHub Markdown (for a closing note or a README)."""
    print("| " + " | ".join(header.strip() for _, header, _ in columns) + " |")
    print("|" + "|".join(" --- " if fmt.startswith("<") else " ---: " for _, _, fmt in columns) + "|")
    for row in rows:
        cells = []
        for key, _, fmt in columns:
            value = row.get(key)
            missing = value is None or (isinstance(value, float) and np.isnan(value))
            cells.append("-" if missing else format(value, fmt).strip())
        print("| " + " | ".join(cells) + " |")
