"""Load a dataset folder (works with genres, and ratings) into the database: ``manage.py load_anime``.

The operator's load, not a member's list (that is ``rating_imports``). The load is one
transaction: bad rows are reported (file, line, reason) and skipped, and anything that goes
wrong half-way leaves the database as it was. It only writes what
differs, so a second run over the same files changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.text import slugify

from recommender.franchises import catalogue_of_folder, infer_franchises, relation_rows

from ..choices import Choice
from ..mal import MYANIMELIST
from ..models import Category, Profile, Rating, Tag, TaggedWork, Work, WorkLink, WorkRelation, WorkTitle
from ..text_search import normalize
from ..titles import clean_title
from .bulk import insert_rows, update_rows
from .franchises import franchises_recompute
from .ratings import ratings_load

USERNAME_PREFIX = "mal-"
WORK_COLUMNS = ("mal_id", "title", "type", "episodes", "genres")
RATING_COLUMNS = ("user", "mal_id", "choice")
# A work's key: its MyAnimeList id, else (a work MyAnimeList does not list, known from
# bangumi-data) its AniList, AniDB or bangumi.tv id, the first of these columns filled. Only
# ``mal_id`` is required in a file's header; the others are optional columns.
ID_SOURCES = {"mal_id": MYANIMELIST, "anilist_id": "anilist", "anidb_id": "anidb", "bangumi_id": "bangumi"}
# Optional columns of works.csv: MyAnimeList members and score (the dataset's), ids.
OPTIONAL_WORK_COLUMNS = ("members", "mal_score", "anilist_id", "anidb_id", "bangumi_id")
# Optional files (bangumi-data, see fixtures/build_anime.py): other titles, air dates and the
# broadcast slot, links. Their rows name the work by the same id columns.
TITLE_COLUMNS = ("kind", "language", "title")
AIRING_COLUMNS = ("start", "end")
LINK_COLUMNS = ("site", "name", "kind", "url")
# relations.csv: the work (the id columns), the kind, the related work (the id columns with the
# prefix "related_"); without the file, the franchises inferred from the other files.
RELATION_COLUMNS = ("kind",)
NSFW_GENRES = {"Hentai"}
GENRE_WEIGHT = 1.0  # a genre's TaggedWork weight (the sync's ranked tags weigh less)
WorkKey = tuple[str, str]  # (external_source, external_id)
BATCH_SIZE = 5000


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class LoadReport:
    works_created: int = 0
    works_updated: int = 0
    details_changed: int = 0  # titles, air dates and links added, changed or removed
    relations_changed: int = 0  # relations added or removed
    relations_inferred: bool = False  # no relations file: the franchises were inferred
    users_created: int = 0
    tags_created: int = 0
    ratings_created: int = 0
    ratings_updated: int = 0
    ratings_read: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.works_created,
                self.works_updated,
                self.users_created,
                self.tags_created,
                self.details_changed,
                self.relations_changed,
            )
            + (self.ratings_created, self.ratings_updated)
        )


class DatasetFileError(Exception):
    """A file that cannot be imported at all (missing, or without the expected header)."""


def _find(directory: Path, stem: str, *, required: bool = True) -> Path | None:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (directory / name).exists():
            return directory / name
    if not required:
        return None
    raise DatasetFileError(f"{directory}: no {stem}.csv.gz or {stem}.csv")


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row; the header must contain ``columns``."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetFileError(f"{path.name}:1: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, row


# Whole numbers the database stores as (positive) integers: ids, episodes, members.
LARGEST_NUMBER = 2**31 - 1


def _whole(text: str) -> bool:
    """A whole number the database can hold (``"12"``, not ``"-5"``, ``"1e3"`` or 40 digits)."""
    return text.isascii() and text.isdigit() and int(text) <= LARGEST_NUMBER


def _key_of(row: dict[str, str]) -> tuple[WorkKey | None, str | None]:
    """(the work's key, None) from a row's id columns, or (None, why not)."""
    for column in ID_SOURCES:
        value = (row.get(column) or "").strip()
        if value and not _whole(value):
            return None, f"{column} must be a positive integer, not {value!r}"
    for column, source in ID_SOURCES.items():
        value = (row.get(column) or "").strip()
        if value:
            return (source, value), None
    return None, "no id: mal_id (or anilist_id, anidb_id, bangumi_id) must be a positive integer"


def _upstream_numbers(members: str, score: str) -> tuple[int | None, float | None, str | None]:
    """(MyAnimeList members, score, None), or (None, None, why not): a whole number and a score
    from 0 to 10, each possibly empty."""
    why = "members must be a whole number and mal_score a number from 0 to 10, or empty"
    if members and not _whole(members):
        return None, None, why
    try:
        value = float(score) if score else None
    except ValueError:
        return None, None, why
    if value is not None and not 0 <= value <= 10:  # also refuses nan
        return None, None, why
    return (int(members) if members else None), value, None


def _parse_works(path: Path, report: LoadReport) -> dict[WorkKey, dict]:
    works: dict[WorkKey, dict] = {}
    first_line: dict[WorkKey, int] = {}
    anilist_line: dict[int, int] = {}
    for line, row in _rows(path, WORK_COLUMNS):
        title = clean_title(row["title"])
        episodes = (row["episodes"] or "").strip()
        key, why = _key_of(row)
        extra = {column: (row.get(column) or "").strip() for column in OPTIONAL_WORK_COLUMNS}
        anilist_id = int(extra["anilist_id"]) if _whole(extra["anilist_id"]) else None
        members, score, bad_numbers = _upstream_numbers(extra["members"], extra["mal_score"])
        if key is None or bad_numbers:
            report.errors.append(RowError(path.name, line, why or bad_numbers))
        elif not title:
            report.errors.append(RowError(path.name, line, "empty title"))
        elif episodes and not _whole(episodes):
            report.errors.append(
                RowError(path.name, line, f"episodes must be a number or empty, not {episodes!r}")
            )
        elif key in works:
            report.errors.append(
                RowError(path.name, line, f"duplicate {_key_name(key)} (first at line {first_line[key]})")
            )
        elif anilist_id is not None and anilist_id in anilist_line:
            report.errors.append(
                RowError(
                    path.name,
                    line,
                    f"duplicate anilist_id {anilist_id} (first at line {anilist_line[anilist_id]})",
                )
            )
        else:
            genres = [g.strip() for g in (row["genres"] or "").split("|") if g.strip()]
            first_line[key] = line
            if anilist_id is not None:
                anilist_line[anilist_id] = line
            works[key] = {
                "title": title[:255],
                "search_text": normalize(title[:255]),  # bulk writes skip Work.save()
                "work_type": (row["type"] or "").strip()[:32],
                "nb_episodes": int(episodes) if episodes else None,
                "nsfw": bool(NSFW_GENRES.intersection(genres)),
                "nb_members": members,
                "mal_score": score,
                "anilist_id": anilist_id,
                "genres": genres,
                "line": line,
            }
    return works


def _key_name(key: WorkKey) -> str:
    column = next(column for column, source in ID_SOURCES.items() if source == key[0])
    return f"{column} {key[1]}"


def _parse_ratings(path: Path, known_works: set[str], report: LoadReport) -> dict[tuple[int, str], str]:
    """Ratings by (user number, MyAnimeList id): ratings.csv names works by ``mal_id`` only."""
    ratings: dict[tuple[int, str], str] = {}
    first_line: dict[tuple[int, str], int] = {}
    for line, row in _rows(path, RATING_COLUMNS):
        report.ratings_read += 1
        user, mal_id, choice = (
            (row["user"] or "").strip(),
            (row["mal_id"] or "").strip(),
            (row["choice"] or "").strip(),
        )
        if not user.isdigit():
            report.errors.append(RowError(path.name, line, f"user must be a positive integer, not {user!r}"))
        elif mal_id not in known_works:
            report.errors.append(RowError(path.name, line, f"unknown work mal_id {mal_id!r}"))
        elif choice not in Choice.values:
            report.errors.append(
                RowError(
                    path.name, line, f"unknown choice {choice!r} (expected one of {', '.join(Choice.values)})"
                )
            )
        elif (int(user), mal_id) in ratings:
            first = first_line[(int(user), mal_id)]
            report.errors.append(
                RowError(
                    path.name, line, f"duplicate rating of {mal_id} by user {user} (first at line {first})"
                )
            )
        else:
            first_line[(int(user), mal_id)] = line
            ratings[(int(user), mal_id)] = choice
    return ratings


def _sync_tags(works: dict[WorkKey, dict], report: LoadReport) -> dict[str, int]:
    titles = {genre for work in works.values() for genre in work["genres"]}
    # Created in a fixed order (by slug), so tag ids, and the tag columns of the models, do not
    # depend on Python's per-process string hashing.
    by_slug = {slugify(title): title for title in sorted(titles)}
    existing = set(Tag.objects.filter(slug__in=by_slug).values_list("slug", flat=True))
    new = [Tag(slug=slug, title=title) for slug, title in sorted(by_slug.items()) if slug not in existing]
    Tag.objects.bulk_create(new)
    report.tags_created = len(new)
    ids = dict(Tag.objects.filter(slug__in=by_slug).values_list("slug", "pk"))
    return {title: ids[slug] for slug, title in by_slug.items()}


WORK_FIELDS = (
    "title",
    "search_text",
    "work_type",
    "nb_episodes",
    "nsfw",
    "nb_members",
    "mal_score",
    "anilist_id",
)
# What a file leaves empty (a work only bangumi-data knows has no episodes, genres or scores)
# is unknown to it, not nothing: an existing work keeps what the catalogue sync filled in.
# (A work's NSFW flag comes from its genres: without genres the file says nothing of it.)
KEPT_WHEN_EMPTY = {
    "work_type": "",
    "nb_episodes": None,
    "nb_members": None,
    "mal_score": None,
    "anilist_id": None,
}


def _says_nothing(data: dict, field_name: str) -> bool:
    if field_name == "nsfw":
        return not data["genres"]
    return field_name in KEPT_WHEN_EMPTY and data[field_name] == KEPT_WHEN_EMPTY[field_name]


def _keyed(category: Category, keys) -> models.QuerySet:
    """The works of ``category`` with these keys, in one query per source."""
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    condition = Q(pk__in=[])
    for source, ids in by_source.items():
        condition |= Q(external_source=source, external_id__in=ids)
    return Work.objects.filter(condition, category=category)


def _sync_works(works: dict[WorkKey, dict], category: Category, report: LoadReport, path: Path):
    existing = {
        (work.external_source, work.external_id): work
        for work in _keyed(category, works).only(
            "pk", "external_source", "external_id", "confirmed", *WORK_FIELDS
        )
    }
    # An AniList id names one work: one another work already holds (the catalogue sync's) is
    # not given to a second.
    wanted_anilist = {data["anilist_id"]: key for key, data in works.items() if data["anilist_id"]}
    holders = Work.objects.filter(anilist_id__in=list(wanted_anilist)).values_list(
        "anilist_id", "external_source", "external_id"
    )
    for anilist_id, source, external_id in holders:
        key = wanted_anilist[anilist_id]
        if key != (source, external_id):
            report.errors.append(
                RowError(
                    path.name,
                    works[key]["line"],
                    f"anilist_id {anilist_id} already names another work ({source} {external_id}): left out",
                )
            )
            works[key]["anilist_id"] = existing[key].anilist_id if key in existing else None
    new, changed = [], []
    for key, data in works.items():
        work = existing.get(key)
        if work is None:
            new.append(
                Work(
                    category=category,
                    external_source=key[0],
                    external_id=key[1],
                    **{f: data[f] for f in WORK_FIELDS},
                )
            )
        else:
            wanted = {f: getattr(work, f) if _says_nothing(data, f) else data[f] for f in WORK_FIELDS}
            # A work first seen in a member's import is confirmed by the files that hold it,
            # under their title (in WORK_FIELDS), never the importer's.
            if not work.confirmed or any(getattr(work, f) != wanted[f] for f in WORK_FIELDS):
                for f in WORK_FIELDS:
                    setattr(work, f, wanted[f])
                work.confirmed, work.added_by_id = True, None
                changed.append(work)
    Work.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Work.objects.bulk_update(changed, [*WORK_FIELDS, "confirmed", "added_by"], batch_size=500)
    report.works_created, report.works_updated = len(new), len(changed)
    return {
        (source, external_id): pk
        for pk, source, external_id in _keyed(category, works).values_list(
            "pk", "external_source", "external_id"
        )
    }


def _sync_work_tags(
    works: dict[WorkKey, dict], work_ids: dict[WorkKey, int], tag_ids: dict[str, int]
) -> None:
    """Make the genres (tags at weight 1) of each work the file gives genres those of the file.

    A work the file gives no genre keeps its tags, and the catalogue sync's ranked tags (weights
    below 1) stay on every work.
    """
    wanted = {(work_ids[key], tag_ids[genre]) for key, data in works.items() for genre in data["genres"]}
    with_genres = [work_ids[key] for key, data in works.items() if data["genres"]]
    current = set(
        TaggedWork.objects.filter(work_id__in=with_genres, weight=GENRE_WEIGHT).values_list(
            "work_id", "tag_id"
        )
    )
    ranked = set(
        TaggedWork.objects.filter(work_id__in=with_genres)
        .exclude(weight=GENRE_WEIGHT)
        .values_list("work_id", "tag_id")
    )
    new = sorted(wanted - current - ranked)
    insert_rows(TaggedWork, ["work", "tag", "weight"], [(w, t, GENRE_WEIGHT) for w, t in new])
    stale = current - wanted
    if stale:
        for work_id, tag_id in stale:
            TaggedWork.objects.filter(work_id=work_id, tag_id=tag_id).delete()


def _sync_users(user_numbers: set[int], report: LoadReport) -> dict[int, int]:
    User = get_user_model()
    names = {f"{USERNAME_PREFIX}{n}": n for n in user_numbers}
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = [User(username=name, password=make_password(None)) for name in names if name not in existing]
    User.objects.bulk_create(new, batch_size=BATCH_SIZE)
    report.users_created = len(new)
    ids = {
        names[name]: pk for name, pk in User.objects.filter(username__in=names).values_list("username", "pk")
    }
    # bulk_create sends no post_save signal: give the new users their profiles here.
    with_profile = set(Profile.objects.filter(user_id__in=ids.values()).values_list("user_id", flat=True))
    Profile.objects.bulk_create([Profile(user_id=pk) for pk in ids.values() if pk not in with_profile])
    return ids


def _sync_ratings(
    ratings: dict[tuple[int, str], str],
    user_ids: dict[int, int],
    work_ids: dict[WorkKey, int],
    report: LoadReport,
    progress: Callable[[int], None],
) -> None:
    choices = {
        (user_ids[user], work_ids[(MYANIMELIST, mal_id)]): choice
        for (user, mal_id), choice in ratings.items()
    }
    # The rating service writes them (and recomputes the works' counters when they changed).
    report.ratings_created, report.ratings_updated = ratings_load(choices=choices, progress=progress)


def dataset_load(
    *, directory: Path, progress: Callable[[int], Callable[[int], None]] | None = None
) -> LoadReport:
    """Import ``works.csv(.gz)`` and ``ratings.csv(.gz)`` from ``directory`` in one transaction.

    ``progress(total)`` may return a callback that is called with the number of ratings
    written after each batch (the command plugs a tqdm bar into it).
    """
    directory = Path(directory)
    works_path, ratings_path = _find(directory, "works"), _find(directory, "ratings")
    report = LoadReport()
    works = _parse_works(works_path, report)
    known = {external_id for source, external_id in works if source == MYANIMELIST} | set(
        Work.objects.filter(external_source=MYANIMELIST, category__slug="anime").values_list(
            "external_id", flat=True
        )
    )
    ratings = _parse_ratings(ratings_path, known, report)

    with transaction.atomic():
        category = Category.objects.get(slug="anime")
        tag_ids = _sync_tags(works, report)
        work_ids = _sync_works(works, category, report, works_path)
        _sync_work_tags(works, work_ids, tag_ids)
        _sync_details(directory, category, work_ids, report)
        _sync_relations(directory, category, work_ids, report)
        rated = {(MYANIMELIST, mal_id) for _, mal_id in ratings} - set(work_ids)
        if rated:  # works of an earlier load that this works.csv does not list
            work_ids.update(_work_ids(category, rated))
        user_ids = _sync_users({user for user, _ in ratings}, report)
        advance = progress(len(ratings)) if progress else (lambda n: None)
        _sync_ratings(ratings, user_ids, work_ids, report, advance)
    if report.changed:
        _refresh_planner_statistics()
    return report


# --- Titles, air dates and links (optional files)


def _work_ids(category: Category, keys) -> dict[WorkKey, int]:
    return {
        (source, external_id): pk
        for pk, source, external_id in _keyed(category, keys).values_list(
            "pk", "external_source", "external_id"
        )
    }


def _detail_rows(
    directory: Path,
    stem: str,
    columns,
    category: Category,
    work_ids: dict[WorkKey, int],
    report: LoadReport,
):
    """(file name, line, work id, row) of an optional file's rows whose work is known (in this
    load or an earlier one); bad rows reported. None when the file is absent."""
    path = _find(directory, stem, required=False)
    if path is None:
        return None
    rows = []
    for line, row in _rows(path, columns):
        key, why = _key_of(row)
        if key is None:
            report.errors.append(RowError(path.name, line, why))
            continue
        rows.append((line, key, {column: (row.get(column) or "").strip() for column in row if column}))
    missing = {key for _, key, _ in rows} - set(work_ids)
    known = {**work_ids, **(_work_ids(category, missing) if missing else {})}
    found = []
    for line, key, values in rows:
        if key not in known:
            report.errors.append(RowError(path.name, line, f"unknown work {_key_name(key)}"))
            continue
        found.append((path.name, line, known[key], values))
    return found


def _date(value: str):
    return date.fromisoformat(value) if value else None


def parse_broadcast(value: str) -> tuple[datetime | None, int | None]:
    """bangumi-data's broadcast slot ``R/2026-01-16T14:00:00.000Z/P7D`` as (first broadcast, an
    aware UTC moment; days between broadcasts: 7 weekly, 0 once); (None, None) for "".

    A period in months (``P1M``) has no fixed number of days: its interval is None.
    Raises ValueError for anything else.
    """
    if not value:
        return None, None
    parts = value.split("/")
    if len(parts) != 3 or parts[0] != "R":
        raise ValueError(value)
    start = datetime.fromisoformat(parts[1].replace("Z", "+00:00"))
    if start.tzinfo is None:
        raise ValueError(value)
    period = re.fullmatch(r"P(\d+)([DWM])", parts[2])
    if period is None:
        raise ValueError(value)
    count, unit = int(period[1]), period[2]
    days = None if unit == "M" else count * (7 if unit == "W" else 1)
    if days is not None and days > 366:  # a slot repeats within the year (and fits its column)
        raise ValueError(value)
    return start.astimezone(UTC), days


def _sync_details(
    directory: Path, category: Category, work_ids: dict[WorkKey, int], report: LoadReport
) -> None:
    """Make the works' other titles, air dates and links those of the optional files (when present).

    A file replaces what it holds: the titles (or links) of the works of this load, and of any
    work it names, become exactly its rows.
    """
    titles = _detail_rows(directory, "titles", TITLE_COLUMNS, category, work_ids, report)
    if titles is not None:
        wanted = {}
        for name, line, work_id, row in titles:
            row["title"] = clean_title(row["title"])
            if row["kind"] not in WorkTitle.Kind.values or not row["title"] or not row["language"]:
                report.errors.append(
                    RowError(
                        name,
                        line,
                        "a title needs a kind (original, translation, romaji or reading), a language "
                        "and a title",
                    )
                )
                continue
            wanted[(work_id, row["language"][:16], row["title"][:255])] = row["kind"]
        named = list(set(work_ids.values()) | {work_id for _, _, work_id, _ in titles})
        current = {
            (work_id, language, title): (pk, kind, search_text)
            for pk, work_id, language, title, kind, search_text in WorkTitle.objects.filter(
                work_id__in=named
            ).values_list("pk", "work_id", "language", "title", "kind", "search_text")
        }
        stale = [pk for key, (pk, kind, _) in current.items() if wanted.get(key) != kind]
        WorkTitle.objects.filter(pk__in=stale).delete()
        new = [
            (w, language, title, kind, normalize(title))
            for (w, language, title), kind in wanted.items()
            if current.get((w, language, title), (None, None, None))[1] != kind
        ]
        insert_rows(WorkTitle, ["work", "language", "title", "kind", "search_text"], new)
        # Kept titles whose search text an older normalisation wrote (bulk writes skip save()).
        removed = set(stale)
        renormalized = [
            (pk, normalize(title))
            for (_, _, title), (pk, _, search_text) in current.items()
            if pk not in removed and search_text != normalize(title)
        ]
        update_rows(WorkTitle, ["search_text"], renormalized)
        report.details_changed += len(stale) + len(new) + len(renormalized)
    airing = _detail_rows(directory, "airing", AIRING_COLUMNS, category, work_ids, report)
    if airing is not None:
        dates = {}
        for name, line, work_id, row in airing:
            try:
                dates[work_id] = (_date(row["start"]), _date(row["end"]))
            except ValueError:
                report.errors.append(
                    RowError(name, line, "start and end must be dates (YYYY-MM-DD) or empty")
                )
                continue
            try:
                dates[work_id] += parse_broadcast(row.get("broadcast", ""))
            except ValueError:
                del dates[work_id]
                report.errors.append(
                    RowError(
                        name,
                        line,
                        "broadcast must be R/<UTC start>/P<n>D (as bangumi-data writes it) or empty",
                    )
                )
        fields = ["aired_from", "aired_to", "broadcast_start", "broadcast_interval_days"]
        changed = [
            (pk, *dates[pk])
            for pk, *now in Work.objects.filter(pk__in=list(dates)).values_list("pk", *fields)
            if dates[pk] != tuple(now)
        ]
        update_rows(Work, fields, changed)
        report.details_changed += len(changed)
    links = _detail_rows(directory, "links", LINK_COLUMNS, category, work_ids, report)
    if links is not None:
        wanted_links = {}
        for name, line, work_id, row in links:
            if row["kind"] not in WorkLink.Kind.values or not row["url"].startswith(("https://", "http://")):
                report.errors.append(
                    RowError(
                        name, line, "a link needs a kind (info, official or streaming) and an http(s) URL"
                    )
                )
                continue
            wanted_links[(work_id, row["site"][:32], row["url"][:500])] = (row["name"][:64], row["kind"])
        named = list(set(work_ids.values()) | {work_id for _, _, work_id, _ in links})
        current_links = {
            (work_id, site, url): (pk, name, kind)
            for pk, work_id, site, url, name, kind in WorkLink.objects.filter(work_id__in=named).values_list(
                "pk", "work_id", "site", "url", "name", "kind"
            )
        }
        stale = [pk for key, (pk, *rest) in current_links.items() if wanted_links.get(key) != tuple(rest)]
        WorkLink.objects.filter(pk__in=stale).delete()
        new_links = [
            (w, site, url, name, kind)
            for (w, site, url), (name, kind) in wanted_links.items()
            if tuple(current_links.get((w, site, url), (None, None, None))[1:]) != (name, kind)
        ]
        insert_rows(WorkLink, ["work", "site", "url", "name", "kind"], new_links)
        report.details_changed += len(stale) + len(new_links)


def _sync_relations(
    directory: Path, category: Category, work_ids: dict[WorkKey, int], report: LoadReport
) -> None:
    """Make the relations of the works of this load those of relations.csv(.gz), or, without
    the file, the franchises inferred from the folder's titles, sites and air dates; then
    recompute every work's franchise.

    The file replaces the relations of the kinds it lists (an inferred file lists "franchise"
    alone: the relations the catalogue sync wrote stay)."""
    path = _find(directory, "relations", required=False)
    if path is not None:
        name, rows = path.name, _rows(path, RELATION_COLUMNS)
    else:
        report.relations_inferred = True
        inferred = relation_rows(infer_franchises(catalogue_of_folder(directory)))
        name, rows = "(inferred)", enumerate(inferred, start=2)
    parsed = []
    for line, row in rows:
        work, why = _key_of(row)
        related, related_why = _key_of({column: row.get(f"related_{column}") for column in ID_SOURCES})
        if work is None or related is None:
            report.errors.append(RowError(name, line, why or f"related work: {related_why}"))
        elif row.get("kind") not in WorkRelation.Kind.values:
            report.errors.append(
                RowError(name, line, f"kind must be one of {', '.join(WorkRelation.Kind.values)}")
            )
        elif work == related:
            report.errors.append(RowError(name, line, "a work is not related to itself"))
        else:
            parsed.append((line, work, row["kind"], related))
    missing = {key for _, work, _, related in parsed for key in (work, related)} - set(work_ids)
    known = {**work_ids, **(_work_ids(category, missing) if missing else {})}
    wanted = set()
    for line, work, kind, related in parsed:
        unknown = [key for key in (work, related) if key not in known]
        if unknown:
            report.errors.append(RowError(name, line, f"unknown work {_key_name(unknown[0])}"))
            continue
        wanted.add((known[work], kind, known[related]))
    kinds = {kind for _, kind, _ in wanted} | ({WorkRelation.Kind.FRANCHISE} if path is None else set())
    named = set(work_ids.values()) | {work for work, _, _ in wanted}
    current = set(
        WorkRelation.objects.filter(work_id__in=named, kind__in=kinds).values_list(
            "work_id", "kind", "related_id"
        )
    )
    stale = current - wanted
    for work, kind, related in stale:
        WorkRelation.objects.filter(work_id=work, kind=kind, related_id=related).delete()
    WorkRelation.objects.bulk_create(
        [
            WorkRelation(work_id=work, kind=kind, related_id=related)
            for work, kind, related in wanted - current
        ],
        batch_size=BATCH_SIZE,
    )
    report.relations_changed = len(stale) + len(wanted - current)
    if report.relations_changed:
        franchises_recompute()


def _refresh_planner_statistics() -> None:
    """After a bulk load the query planner's statistics are stale (PostgreSQL then scans
    whole tables where the ranking indexes would do): gather them now."""
    tables = [model._meta.db_table for model in (Category, Tag, Work, WorkTitle, TaggedWork, Rating)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
        elif connection.vendor == "sqlite":
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))
