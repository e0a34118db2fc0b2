"""A person's ratings written out: CSV, JSON, or MyAnimeList's XML (which the import reads back).

Pure formatting: the rows come from ``mangaki.selectors.rating_export_rows``. Each format is
written as it is read, in chunks of about ``CHUNK_BYTES`` (the API streams them), so an export
of 20,000 ratings holds no more than a chunk in memory; its bytes are those of the whole
document written at once (``json.dumps(..., indent=1)``, ``mal.write_list``).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from .mal import MYANIMELIST, ListedWork, list_statuses, write_list_chunks

CSV_COLUMNS = ["work_id", "category", "title", "type", "myanimelist_id", "choice", "date"]
# A cell starting with one of these is a formula to a spreadsheet; titles come from imports
# (anyone's), so such a cell is written with a leading apostrophe (OWASP's CSV injection advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Bytes gathered before a chunk of an export is handed to the server.
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExportedWork:
    """The work of an exported row, as ``selectors.EXPORT_COLUMNS`` reads it."""

    work_id: int
    category: str
    title: str
    work_type: str
    external_source: str | None
    external_id: str | None
    episodes: int | None
    volumes: int | None
    chapters: int | None

    @property
    def mal_id(self) -> int | None:
        if self.external_source == MYANIMELIST and (self.external_id or "").isdigit():
            return int(self.external_id)
        return None


@dataclass(frozen=True)
class RatedWork(ExportedWork):
    choice: str
    date: datetime


@dataclass(frozen=True)
class ProgressRow:
    """Where the person is with a work, as ``Progress`` holds it."""

    status: str
    episodes: int
    chapters: int
    volumes: int
    started: date | None
    finished: date | None
    rewatches: int
    rewatching: bool


@dataclass(frozen=True)
class ListEntry(ExportedWork):
    """A work on a person's list: their rating (``choice``, None without one) and their progress
    (None without one); one of the two at least."""

    choice: str | None
    mal_score: int | None
    progress: ProgressRow | None

    def listed(self) -> ListedWork:
        """The entry as a MyAnimeList list writes it."""
        progress = self.progress
        anime = self.category == "anime"
        return ListedWork(
            mal_id=self.mal_id,
            title=self.title,
            choice=self.choice,
            work_type=self.work_type,
            episodes=self.episodes,
            volumes=self.volumes,
            chapters=self.chapters,
            score=self.mal_score or 0,
            status=progress.status if progress else None,
            watched=(progress.episodes if anime else progress.chapters) if progress else 0,
            volumes_read=progress.volumes if progress and not anime else 0,
            started=progress.started.isoformat() if progress and progress.started else None,
            finished=progress.finished.isoformat() if progress and progress.finished else None,
            times=progress.rewatches if progress else 0,
            rewatching=progress.rewatching if progress else False,
        )


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _gathered(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """``pieces`` joined into chunks of at least ``CHUNK_BYTES`` (the last one may be shorter)."""
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def as_csv(rows: Iterable[RatedWork]) -> Iterator[bytes]:
    return _gathered(_csv_lines(rows))


def _csv_lines(rows: Iterable[RatedWork]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(cells) -> bytes:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue().encode("utf-8")

    yield line(CSV_COLUMNS)
    for row in rows:
        yield line(
            [row.work_id, row.category, _cell(row.title), _cell(row.work_type), row.mal_id or "", row.choice,
             row.date.isoformat()]
        )  # fmt: skip


def as_json(username: str, rows: Iterable[RatedWork], exported: datetime) -> Iterator[bytes]:
    return _gathered(_json_pieces(username, rows, exported))


def _json_pieces(username: str, rows: Iterable[RatedWork], exported: datetime) -> Iterator[bytes]:
    """``json.dumps({"user", "exported", "ratings": [...]}, ensure_ascii=False, indent=1)``, by rating."""

    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1)

    head = f'{{\n "user": {dumps(username)},\n "exported": {dumps(exported.isoformat())},\n "ratings": ['
    yield head.encode("utf-8")
    separator = "\n"
    for row in rows:
        rating = {
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
        # Two levels in: each of its lines indented by two spaces (JSON strings hold no raw newline).
        yield (separator + "\n".join("  " + line for line in dumps(rating).split("\n"))).encode("utf-8")
        separator = ",\n"
    yield b"]\n}" if separator == "\n" else b"\n ]\n}"


def as_mal(
    username: str, category: str, rows: Callable[[], Iterable[ListEntry]]
) -> tuple[Iterator[bytes], int]:
    """The MyAnimeList list of ``category`` (ratings and progress), and how many works on the
    person's list were left out (no MyAnimeList id).

    ``rows()`` gives the person's entries of ``category`` afresh: it is read twice, once for the
    header's counts (and the number left out), then for the entries as they are sent.
    """
    statuses, left_out = Counter(), 0
    for row in rows():
        if row.mal_id is None:
            left_out += 1
        else:
            statuses.update(list_statuses([row.listed()]))
    listed = (row.listed() for row in rows() if row.mal_id is not None)
    return _gathered(write_list_chunks(category, username, listed, statuses=statuses)), left_out
