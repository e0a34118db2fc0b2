"""How the benchmarks time and print: percentiles, one timed call, tables in text and Markdown."""

from __future__ import annotations

import math
import time


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in [0, 1]); NaN without values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(function, *args, **kwargs):
    """(result, seconds) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def print_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """Plain text table: columns are (key, header, format); a missing or NaN value prints "-"."""
    widths = [max(len(header), 10) for _, header, _ in columns]
    print("  ".join(f"{header:>{width}}" for (_, header, _), width in zip(columns, widths, strict=True)))
    for row in rows:
        cells = (
            f"{_cell(row.get(key), fmt):>{width}}"
            for (key, _, fmt), width in zip(columns, widths, strict=True)
        )
        print("  ".join(cells))


def print_markdown_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """The same table as `print_table`, as GitHub Markdown (text left, numbers right)."""
    print("| " + " | ".join(header.strip() for _, header, _ in columns) + " |")
    print("| " + " | ".join("---" if fmt.startswith("<") else "---:" for _, _, fmt in columns) + " |")
    for row in rows:
        print("| " + " | ".join(_cell(row.get(key), fmt).strip() for key, _, fmt in columns) + " |")


def print_tables(tables: dict[str, list[dict]], columns: list[tuple[str, str, str]], markdown: bool) -> None:
    """One table per dataset (name: rows) under a heading; again as Markdown when ``markdown``."""
    for name, rows in tables.items():
        print(f"\n### {name}")
        print_table(rows, columns)
    if markdown:
        for name, rows in tables.items():
            print(f"\n#### {name}\n")
            print_markdown_table(rows, columns)
