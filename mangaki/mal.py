"""MyAnimeList XML lists: read an export safely, and write one that reads back the same.

MyAnimeList exports a person's list as XML (AniList and others read and write the same
format): a root ``<myanimelist>``, a ``<myinfo>`` whose ``user_export_type`` is 1 for anime
and 2 for manga, then one ``<anime>`` (``series_animedb_id``, ``series_title``,
``series_type``, ``series_episodes``) or ``<manga>`` (``manga_mangadb_id``, ``manga_title``,
``manga_volumes``, ``manga_chapters``) element per entry, each with the person's
``my_score`` (0 = not scored, 1–10) and ``my_status``. Files come plain or gzipped.

How an entry becomes one of the six choices (``choice_for``; the README shows the table):
its score (10 favorite, 7–9 like, 5–6 neutral, 1–4 dislike, as in the data the models are
measured on). An entry without a score gets no rating: the person gave no opinion, and its
status (with the progress, dates and rewatches every entry brings) is kept as where they are.

Nothing here touches the database. Reading is strict about the file and lenient about
entries: a file that is not a MyAnimeList list (wrong root, DOCTYPE or entities, not
well-formed, damaged gzip, too big, too many entries) raises ``MalFileError`` with the reason;
a bad entry (no id, a score of 11, an unknown status, an id listed twice) is skipped and
reported with its line and reason, and the rest is read.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.saxutils import escape

import defusedxml.sax
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from .choices import Choice, WatchStatus
from .titles import clean_title

# ``Work.external_source`` of a work known by its MyAnimeList id (``external_id``).
MYANIMELIST = "myanimelist"

ANIME, MANGA = "anime", "manga"
# ``user_export_type`` in <myinfo>, and back.
EXPORT_TYPES = {"1": ANIME, "2": MANGA}
# The MyAnimeList elements of each kind of entry.
ID_FIELD = {ANIME: "series_animedb_id", MANGA: "manga_mangadb_id"}
TITLE_FIELD = {ANIME: "series_title", MANGA: "manga_title"}

# ``my_status`` in words (any case) or as the numbers some exports use, as the site's
# ``WatchStatus``: "watching" and "planned" stand for Watching/Reading and Plan to Watch/Read.
IN_PROGRESS, COMPLETED, ON_HOLD, DROPPED, PLANNED = (
    WatchStatus.WATCHING.value,
    WatchStatus.COMPLETED.value,
    WatchStatus.ON_HOLD.value,
    WatchStatus.DROPPED.value,
    WatchStatus.PLANNED.value,
)
STATUSES = {
    "watching": IN_PROGRESS,
    "reading": IN_PROGRESS,
    "completed": COMPLETED,
    "on-hold": ON_HOLD,
    "on hold": ON_HOLD,
    "dropped": DROPPED,
    "plan to watch": PLANNED,
    "plan to read": PLANNED,
    "1": IN_PROGRESS,
    "2": COMPLETED,
    "3": ON_HOLD,
    "4": DROPPED,
    "6": PLANNED,
}
STATUS_NAMES = {
    ANIME: {IN_PROGRESS: "Watching", COMPLETED: "Completed", ON_HOLD: "On-Hold", DROPPED: "Dropped",
            PLANNED: "Plan to Watch"},
    MANGA: {IN_PROGRESS: "Reading", COMPLETED: "Completed", ON_HOLD: "On-Hold", DROPPED: "Dropped",
            PLANNED: "Plan to Read"},
}  # fmt: skip
# ``series_type`` as a number, in older exports.
SERIES_TYPES = {"1": "TV", "2": "OVA", "3": "Movie", "4": "Special", "5": "ONA", "6": "Music"}

# An entry without a score is on the person's list with its status, and no opinion: none is
# made up from the status (a Completed work is not "neutral", a planned one not yet "will see").
NO_SCORE = "no score"
NO_SCORE_HERE = "no rating: on your list, with its status"
# What an export writes for each choice: a score and a status that read back to the choice.
EXPORTED_AS: dict[str, tuple[int, str]] = {
    Choice.FAVORITE: (10, COMPLETED),
    Choice.LIKE: (8, COMPLETED),
    Choice.NEUTRAL: (5, COMPLETED),
    Choice.DISLIKE: (3, COMPLETED),
    Choice.WILLSEE: (0, PLANNED),
    Choice.WONTSEE: (0, DROPPED),
}
MAX_MAL_ID = 2**31 - 1
MAX_COUNT = 100_000  # more episodes, chapters or rewatches than any work has
TITLE_LENGTH = 255
TYPE_LENGTH = 32


# Scored entries: (lowest score, highest score, choice).
SCORE_RANGES = [
    (10, 10, Choice.FAVORITE),
    (7, 9, Choice.LIKE),
    (5, 6, Choice.NEUTRAL),
    (1, 4, Choice.DISLIKE),
]


def choice_for(score: int) -> str | None:
    """The choice an entry with this score (0–10) says; None for 0, no score."""
    for low, high, choice in SCORE_RANGES:
        if low <= score <= high:
            return choice
    return None


class MalFileError(ValueError):
    """The file as a whole cannot be read as a MyAnimeList list; the message says why."""


@dataclass(frozen=True)
class ListedWork:
    """A work on a list, as the file describes it: the choice its entry maps to (None: it is on
    the list without one) and where the person is with it (``status`` None: nothing said)."""

    mal_id: int
    title: str
    choice: str | None
    work_type: str = ""
    episodes: int | None = None  # the work's length, as the file gives it
    volumes: int | None = None
    chapters: int | None = None
    score: int = 0  # the person's MyAnimeList score, 1-10 (0: none)
    status: str | None = None  # a ``WatchStatus`` value
    watched: int = 0  # episodes watched (anime), chapters read (manga)
    volumes_read: int = 0
    started: str | None = None  # ISO dates; a date MyAnimeList knows only in part is None
    finished: str | None = None
    times: int = 0  # times watched (read) again
    rewatching: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Entry(ListedWork):
    """One entry read from a file, with its line."""

    line: int = 0


@dataclass(frozen=True)
class Skipped:
    line: int
    mal_id: str
    title: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class MalList:
    kind: str  # ANIME or MANGA
    entries: list[Entry]
    skipped: list[Skipped]


def _decompressed(data: bytes, max_bytes: int) -> bytes:
    """``data`` itself, or what it expands to when gzipped, refusing more than ``max_bytes``."""
    if data[:2] != b"\x1f\x8b":
        if len(data) > max_bytes:
            raise MalFileError(f"The file is larger than {max_bytes // 1_000_000} MB.")
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
            expanded = unzipped.read(max_bytes + 1)
            if len(expanded) > max_bytes:
                raise MalFileError(f"The gzipped file expands to more than {max_bytes // 1_000_000} MB.")
            # Read to the end, so that a file cut short is noticed even when it expands to
            # exactly max_bytes (the CRC and length at the end are checked there).
            unzipped.read(1)
    except EOFError:
        raise MalFileError("The gzipped file is truncated: it ends before its end marker.") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise MalFileError(f"The gzipped file is damaged ({error}).") from None
    return expanded


class _ListReader(ContentHandler):
    """Collects the raw fields of each entry (depth 2) and ``user_export_type`` from <myinfo>."""

    def __init__(self, max_entries: int):
        super().__init__()
        self.max_entries = max_entries
        self.depth = 0
        self.declared: str | None = None
        self.raw: list[tuple[int, str, dict[str, str]]] = []  # (line, "anime"/"manga", fields)
        self._entry: dict[str, str] | None = None
        self._entry_kind = ""
        self._entry_line = 0
        self._in_myinfo = False
        self._field: str | None = None
        self._text: list[str] = []

    def _line(self) -> int:
        return self._locator.getLineNumber() if self._locator is not None else 0

    def startElement(self, name, attrs):
        self.depth += 1
        if self.depth == 1:
            if name != "myanimelist":
                raise MalFileError(
                    f"line {self._line()}: the root element is <{name}>, not <myanimelist>: "
                    "this is not a MyAnimeList export."
                )
        elif self.depth == 2:
            if name in (ANIME, MANGA):
                if len(self.raw) >= self.max_entries:
                    raise MalFileError(f"The file has more than {self.max_entries:,} entries.")
                self._entry, self._entry_kind, self._entry_line = {}, name, self._line()
            elif name == "myinfo":
                self._in_myinfo = True
        elif self.depth == 3 and (self._entry is not None or self._in_myinfo):
            self._field, self._text = name, []

    def characters(self, content):
        if self._field is not None:
            self._text.append(content)

    def endElement(self, name):
        if self.depth == 3 and self._field is not None:
            value = "".join(self._text).strip()
            if self._entry is not None:
                self._entry.setdefault(self._field, value)  # a field given twice: the first counts
            elif self._field == "user_export_type" and self.declared is None:
                self.declared = value
            self._field = None
        elif self.depth == 2:
            if self._entry is not None:
                self.raw.append((self._entry_line, self._entry_kind, self._entry))
            self._entry, self._in_myinfo = None, False
        self.depth -= 1


def _parse(document: bytes, max_entries: int) -> _ListReader:
    reader = _ListReader(max_entries)
    try:
        defusedxml.sax.parseString(
            document, reader, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DTDForbidden:
        raise MalFileError(
            "The file declares a DOCTYPE, which MyAnimeList exports never do (it could define "
            "entities that expand without end); it was not read."
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden):
        raise MalFileError("The file declares XML entities; they are not allowed.") from None
    except LookupError as error:  # the XML declaration names an encoding Python does not know
        raise MalFileError(f"The file declares an {error}; a MyAnimeList export is UTF-8.") from None
    except DefusedXmlException as error:
        raise MalFileError(f"The file uses an XML feature that is not allowed ({error}).") from None
    except SAXParseException as error:
        message = error.getMessage().removeprefix("not well-formed ").strip("()")
        hint = ""
        if "invalid token" in message or "encoding" in message:
            hint = " A MyAnimeList export is UTF-8 XML: was the file saved in another encoding?"
        raise MalFileError(
            f"line {error.getLineNumber()}: the file is not well-formed XML ({message}).{hint}"
        ) from None
    return reader


def _number(raw: str) -> int | None:
    """A count from the file (episodes, volumes, chapters): None when absent, 0 or unreadable."""
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_MAL_ID else None


def _kind(reader: _ListReader) -> str:
    kinds = {kind for _, kind, _ in reader.raw}
    if len(kinds) > 1:
        raise MalFileError("The file mixes <anime> and <manga> entries; an export holds one kind.")
    if reader.declared is not None:
        declared = EXPORT_TYPES.get(reader.declared)
        if declared is None:
            raise MalFileError(
                f"user_export_type is {reader.declared!r}: expected 1 (an anime list) or 2 (a manga list)."
            )
        if kinds and kinds != {declared}:
            raise MalFileError(
                f"user_export_type says this is a list of {declared}, but its entries are <{kinds.pop()}>."
            )
        return declared
    if not kinds:
        raise MalFileError("The file has no <myinfo> and no <anime> or <manga> entries.")
    return kinds.pop()


def read_list(data: bytes, *, max_bytes: int, max_entries: int) -> MalList:
    """Read a MyAnimeList export (XML, plain or gzipped) into entries and skipped lines.

    Raises MalFileError, naming the reason, when the file as a whole cannot be used.
    """
    if not data:
        raise MalFileError("The file is empty.")
    reader = _parse(_decompressed(data, max_bytes), max_entries)
    if reader.depth != 0:  # pragma: no cover - expat reports unclosed elements itself
        raise MalFileError("The file ends in the middle of an element.")
    kind = _kind(reader)
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    first_line: dict[int, int] = {}
    id_field, title_field = ID_FIELD[kind], TITLE_FIELD[kind]
    for line, _, fields in reader.raw:
        raw_id, title = fields.get(id_field, ""), clean_title(fields.get(title_field, ""))

        def skip(reason: str, raw_id=raw_id, title=title, line=line) -> None:
            skipped.append(Skipped(line, raw_id[:20], title[:TITLE_LENGTH], reason))

        if not raw_id.isdigit() or not 0 < int(raw_id) <= MAX_MAL_ID:
            skip(f"{id_field} must be a positive whole number, not {raw_id[:20]!r}.")
            continue
        mal_id = int(raw_id)
        if mal_id in first_line:
            skip(f"{kind} {mal_id} is listed again (first at line {first_line[mal_id]}); the first counts.")
            continue
        raw_score = fields.get("my_score", "") or "0"
        if not raw_score.isdigit() or int(raw_score) > 10:
            skip(f"my_score must be a whole number from 0 to 10, not {raw_score[:20]!r}.")
            continue
        raw_status = fields.get("my_status", "")
        status = STATUSES.get(raw_status.lower())
        if raw_status and status is None:
            skip(f"unknown my_status {raw_status[:40]!r}.")
            continue
        choice = choice_for(int(raw_score))
        if choice is None and status is None:
            skip("no score and no status: nothing to keep.")
            continue
        first_line[mal_id] = line
        work_type = fields.get("series_type", "")
        anime = kind == ANIME
        entries.append(
            Entry(
                line=line,
                mal_id=mal_id,
                title=title[:TITLE_LENGTH],
                choice=choice,
                work_type=SERIES_TYPES.get(work_type, work_type)[:TYPE_LENGTH],
                episodes=_number(fields.get("series_episodes", "")),
                volumes=_number(fields.get("manga_volumes", "")),
                chapters=_number(fields.get("manga_chapters", "")),
                score=int(raw_score),
                status=status,
                watched=_count(fields.get("my_watched_episodes" if anime else "my_read_chapters", "")),
                volumes_read=0 if anime else _count(fields.get("my_read_volumes", "")),
                started=_date(fields.get("my_start_date", "")),
                finished=_date(fields.get("my_finish_date", "")),
                times=_count(fields.get("my_times_watched" if anime else "my_times_read", "")),
                rewatching=fields.get("my_rewatching" if anime else "my_rereading", "").upper()
                in ("1", "YES"),
            )
        )
    return MalList(kind, entries, skipped)


def _count(raw: str) -> int:
    """A count the person gave (episodes watched, times rewatched): 0 when absent or unreadable."""
    return int(raw) if raw.isdigit() and int(raw) <= MAX_COUNT else 0


def _date(raw: str) -> str | None:
    """``my_start_date``/``my_finish_date`` as an ISO date; None for 0000-00-00, a date known only in
    part (2015-04-00) or anything unreadable."""
    try:
        return date.fromisoformat(raw).isoformat() if len(raw) == 10 else None
    except ValueError:
        return None


# --- Writing


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA: close the section before its ">" and open another.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_list(kind: str, username: str, rows: Iterable[ListedWork]) -> bytes:
    """A MyAnimeList export (UTF-8 XML) of ``rows``: ``read_list`` reads it back to the same choices."""
    rows = list(rows)
    return b"".join(write_list_chunks(kind, username, rows, statuses=list_statuses(rows)))


def exported_as(row: ListedWork) -> tuple[int, str]:
    """The score and status an export writes for ``row``: the person's own MyAnimeList score
    when it still reads back to the choice, else the choice's score (0 without one); the
    person's status, else the status the choice reads back from (``EXPORTED_AS``)."""
    score, status = EXPORTED_AS[row.choice] if row.choice else (0, None)
    if row.score and row.choice and choice_for(row.score) == row.choice:
        score = row.score
    return score, row.status or status or PLANNED


def list_statuses(rows: Iterable[ListedWork]) -> Counter:
    """How many of ``rows`` each MyAnimeList status counts (the list's header says it)."""
    return Counter(exported_as(row)[1] for row in rows)


def write_list_chunks(
    kind: str, username: str, rows: Iterable[ListedWork], *, statuses: Counter
) -> Iterator[bytes]:
    """``write_list``'s bytes, one entry at a time, for ``rows`` whose statuses ``statuses`` counts
    (the header comes first: an export is streamed in two passes, see ``exports.as_mal``)."""
    names = STATUS_NAMES[kind]
    verb, plan = ("watching", "plantowatch") if kind == ANIME else ("reading", "plantoread")
    header = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        "<!-- Exported from Mangaki in the MyAnimeList list format -->",
        "<myanimelist>",
        "\t<myinfo>",
        f"\t\t<user_name>{escape(username)}</user_name>",
        f"\t\t<user_export_type>{1 if kind == ANIME else 2}</user_export_type>",
        f"\t\t<user_total_{kind}>{sum(statuses.values())}</user_total_{kind}>",
        f"\t\t<user_total_{verb}>{statuses[IN_PROGRESS]}</user_total_{verb}>",
        f"\t\t<user_total_completed>{statuses[COMPLETED]}</user_total_completed>",
        f"\t\t<user_total_onhold>{statuses[ON_HOLD]}</user_total_onhold>",
        f"\t\t<user_total_dropped>{statuses[DROPPED]}</user_total_dropped>",
        f"\t\t<user_total_{plan}>{statuses[PLANNED]}</user_total_{plan}>",
        "\t</myinfo>",
    ]
    yield "\n".join(header).encode("utf-8")
    for row in rows:
        score, status = exported_as(row)
        started, finished = row.started or "0000-00-00", row.finished or "0000-00-00"
        out = [f"\t<{kind}>"]
        if kind == ANIME:
            out += [
                f"\t\t<series_animedb_id>{row.mal_id}</series_animedb_id>",
                f"\t\t<series_title>{_cdata(row.title)}</series_title>",
                f"\t\t<series_type>{escape(row.work_type)}</series_type>",
                f"\t\t<series_episodes>{row.episodes or 0}</series_episodes>",
                f"\t\t<my_watched_episodes>{row.watched}</my_watched_episodes>",
                f"\t\t<my_start_date>{started}</my_start_date>",
                f"\t\t<my_finish_date>{finished}</my_finish_date>",
                f"\t\t<my_score>{score}</my_score>",
                f"\t\t<my_status>{names[status]}</my_status>",
                f"\t\t<my_times_watched>{row.times}</my_times_watched>",
                f"\t\t<my_rewatching>{int(row.rewatching)}</my_rewatching>",
            ]
        else:
            out += [
                f"\t\t<manga_mangadb_id>{row.mal_id}</manga_mangadb_id>",
                f"\t\t<manga_title>{_cdata(row.title)}</manga_title>",
                f"\t\t<manga_volumes>{row.volumes or 0}</manga_volumes>",
                f"\t\t<manga_chapters>{row.chapters or 0}</manga_chapters>",
                f"\t\t<my_read_volumes>{row.volumes_read}</my_read_volumes>",
                f"\t\t<my_read_chapters>{row.watched}</my_read_chapters>",
                f"\t\t<my_start_date>{started}</my_start_date>",
                f"\t\t<my_finish_date>{finished}</my_finish_date>",
                f"\t\t<my_score>{score}</my_score>",
                f"\t\t<my_status>{names[status]}</my_status>",
                f"\t\t<my_times_read>{row.times}</my_times_read>",
                f"\t\t<my_rereading>{'YES' if row.rewatching else 'NO'}</my_rereading>",
            ]
        out += [
            # 0: loading this file into MyAnimeList adds the works missing there and leaves the
            # entries already on the person's list (their scores there) as they are.
            "\t\t<update_on_import>0</update_on_import>",
            f"\t</{kind}>",
        ]
        yield ("\n" + "\n".join(out)).encode("utf-8")
    yield b"\n</myanimelist>\n"


def mapping_table() -> list[tuple[str, str | None]]:
    """(what MyAnimeList says, the choice it becomes; None: no rating), as the import page shows it."""
    rows: list[tuple[str, str | None]] = [
        (f"score {low}" if low == high else f"score {low}–{high}", choice)
        for low, high, choice in SCORE_RANGES
    ]
    return [*rows, (NO_SCORE, None)]


def mapping_label(choice: str | None) -> str:
    """What an entry becomes here, in words: a choice's label, or the no-score rule."""
    return Choice(choice).label.lower() if choice else NO_SCORE_HERE


def mapping_summary() -> str:
    """The import's mapping in one sentence, for the API's description."""
    return "; ".join(f"{said}: {mapping_label(choice)}" for said, choice in mapping_table()) + "."


def export_summary() -> str:
    """How an export writes each choice, in one sentence, for the API's description."""
    names = STATUS_NAMES[ANIME]
    parts = []
    for choice, (score, status) in EXPORTED_AS.items():
        written = f"score {score}, {names[status]}" if score else f"no score, {names[status]}"
        parts.append(f"{Choice(choice).label.lower()}: {written}")
    return "; ".join(parts) + "."
