"""A person's ratings written out: CSV, JSON, or MyAnimeList's XML (which the import reads back).

Pure formatting: the rows come from ``mangaki.selectors.rating_export_rows``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from .mal import ListedWork, write_list

MAL_SOURCE = "myanimelist"
CSV_COLUMNS = ["work_id", "category", "title", "type", "myanimelist_id", "choice", "date"]
# A cell starting with one of these is a formula to a spreadsheet; titles come from imports
# (anyone's), so such a cell is written with a leading apostrophe (OWASP's CSV injection advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RatedWork:
    work_id: int
    category: str
    title: str
    work_type: str
    external_source: str | None
    external_id: str | None
    episodes: int | None
    volumes: int | None
    chapters: int | None
    choice: str
    date: datetime

    @property
    def mal_id(self) -> int | None:
        if self.external_source == MAL_SOURCE and (self.external_id or "").isdigit():
            return int(self.external_id)
        return None


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_csv(rows: list[RatedWork]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [row.work_id, row.category, _cell(row.title), _cell(row.work_type), row.mal_id or "", row.choice,
             row.date.isoformat()]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def as_json(username: str, rows: list[RatedWork], exported: datetime) -> bytes:
    document = {
        "user": username,
        "exported": exported.isoformat(),
        "ratings": [
            {
                "work": {
                    "id": row.work_id,
                    "title": row.title,
                    "category": row.category,
                    "type": row.work_type,
                    "external_source": row.external_source,
                    "external_id": row.external_id,
                },
                "choice": row.choice,
                "date": row.date.isoformat(),
            }
            for row in rows
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def as_mal(username: str, category: str, rows: list[RatedWork]) -> tuple[bytes, int]:
    """The MyAnimeList list of ``category``, and how many rated works were left out (no MyAnimeList id)."""
    kept = [row for row in rows if row.category == category and row.mal_id is not None]
    left_out = sum(1 for row in rows if row.category == category and row.mal_id is None)
    document = write_list(
        category,
        username,
        [
            ListedWork(
                mal_id=row.mal_id,
                title=row.title,
                choice=row.choice,
                work_type=row.work_type,
                episodes=row.episodes,
                volumes=row.volumes,
                chapters=row.chapters,
            )
            for row in kept
        ],  # fmt: skip
    )
    return document, left_out
