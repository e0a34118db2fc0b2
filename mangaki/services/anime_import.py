"""Import the shipped anime dataset (works with genres, and ratings) into the database.

The import is one transaction: bad rows are reported (file, line, reason) and skipped,
and anything that goes wrong half-way leaves the database as it was. It only writes what
differs, so a second run over the same files changes nothing.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils.text import slugify

from ..choices import Choice
from ..models import Category, Profile, Rating, Tag, TaggedWork, Work
from .ranking import ranking_recompute

SOURCE = "myanimelist"
USERNAME_PREFIX = "mal-"
WORK_COLUMNS = ("mal_id", "title", "type", "episodes", "genres")
RATING_COLUMNS = ("user", "mal_id", "choice")
NSFW_GENRES = {"Hentai"}
BATCH_SIZE = 5000


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    works_created: int = 0
    works_updated: int = 0
    users_created: int = 0
    tags_created: int = 0
    ratings_created: int = 0
    ratings_updated: int = 0
    ratings_read: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (self.works_created, self.works_updated, self.users_created, self.tags_created)
            + (self.ratings_created, self.ratings_updated)
        )


class ImportFileError(Exception):
    """A file that cannot be imported at all (missing, or without the expected header)."""


def _find(directory: Path, stem: str) -> Path:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (directory / name).exists():
            return directory / name
    raise ImportFileError(f"{directory}: no {stem}.csv.gz or {stem}.csv")


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row; the header must contain ``columns``."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(f"{path.name}:1: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, row


def _parse_works(path: Path, report: ImportReport) -> dict[str, dict]:
    works: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    for line, row in _rows(path, WORK_COLUMNS):
        mal_id, title = (row["mal_id"] or "").strip(), (row["title"] or "").strip()
        episodes = (row["episodes"] or "").strip()
        if not mal_id.isdigit():
            report.errors.append(
                RowError(path.name, line, f"mal_id must be a positive integer, not {mal_id!r}")
            )
        elif not title:
            report.errors.append(RowError(path.name, line, "empty title"))
        elif episodes and not episodes.isdigit():
            report.errors.append(
                RowError(path.name, line, f"episodes must be a number or empty, not {episodes!r}")
            )
        elif mal_id in works:
            report.errors.append(
                RowError(path.name, line, f"duplicate mal_id {mal_id} (first at line {first_line[mal_id]})")
            )
        else:
            genres = [g.strip() for g in (row["genres"] or "").split("|") if g.strip()]
            first_line[mal_id] = line
            works[mal_id] = {
                "title": title[:255],
                "work_type": (row["type"] or "").strip()[:32],
                "nb_episodes": int(episodes) if episodes else None,
                "nsfw": bool(NSFW_GENRES.intersection(genres)),
                "genres": genres,
            }
    return works


def _parse_ratings(path: Path, known_works: set[str], report: ImportReport) -> dict[tuple[int, str], str]:
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


def _sync_tags(works: dict[str, dict], report: ImportReport) -> dict[str, int]:
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


def _sync_works(works: dict[str, dict], category: Category, report: ImportReport) -> dict[str, int]:
    fields = ("title", "work_type", "nb_episodes", "nsfw")
    existing = {
        work.external_id: work
        for work in Work.objects.filter(
            external_source=SOURCE, category=category, external_id__in=works
        ).only("pk", "external_id", *fields)
    }
    new, changed = [], []
    for mal_id, data in works.items():
        work = existing.get(mal_id)
        if work is None:
            new.append(
                Work(
                    category=category,
                    external_source=SOURCE,
                    external_id=mal_id,
                    **{f: data[f] for f in fields},
                )
            )
        elif any(getattr(work, f) != data[f] for f in fields):
            for f in fields:
                setattr(work, f, data[f])
            changed.append(work)
    Work.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Work.objects.bulk_update(changed, fields, batch_size=500)
    report.works_created, report.works_updated = len(new), len(changed)
    return dict(
        Work.objects.filter(external_source=SOURCE, category=category, external_id__in=works).values_list(
            "external_id", "pk"
        )
    )


def _sync_work_tags(works: dict[str, dict], work_ids: dict[str, int], tag_ids: dict[str, int]) -> None:
    wanted = {
        (work_ids[mal_id], tag_ids[genre]) for mal_id, data in works.items() for genre in data["genres"]
    }
    imported = list(work_ids.values())
    current = set(TaggedWork.objects.filter(work_id__in=imported).values_list("work_id", "tag_id"))
    TaggedWork.objects.bulk_create(
        [TaggedWork(work_id=w, tag_id=t, weight=1.0) for w, t in wanted - current], batch_size=BATCH_SIZE
    )
    stale = current - wanted
    if stale:
        for work_id, tag_id in stale:
            TaggedWork.objects.filter(work_id=work_id, tag_id=tag_id).delete()


def _sync_users(user_numbers: set[int], report: ImportReport) -> dict[int, int]:
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
    work_ids: dict[str, int],
    report: ImportReport,
    progress: Callable[[int], None],
) -> None:
    current = {
        (user_id, work_id): (pk, choice)
        for pk, user_id, work_id, choice in Rating.objects.filter(user_id__in=user_ids.values()).values_list(
            "pk", "user_id", "work_id", "choice"
        )
    }
    new, changed = [], []
    for (user, mal_id), choice in ratings.items():
        key = (user_ids[user], work_ids[mal_id])
        found = current.get(key)
        if found is None:
            new.append(Rating(user_id=key[0], work_id=key[1], choice=choice))
        elif found[1] != choice:
            changed.append(Rating(pk=found[0], choice=choice))
    for start in range(0, len(new), BATCH_SIZE):
        batch = new[start : start + BATCH_SIZE]
        Rating.objects.bulk_create(batch)
        progress(len(batch))
    Rating.objects.bulk_update(changed, ["choice"], batch_size=500)
    progress(len(changed))
    report.ratings_created, report.ratings_updated = len(new), len(changed)


def anime_import(
    *, directory: Path, progress: Callable[[int], Callable[[int], None]] | None = None
) -> ImportReport:
    """Import ``works.csv(.gz)`` and ``ratings.csv(.gz)`` from ``directory`` in one transaction.

    ``progress(total)`` may return a callback that is called with the number of ratings
    written after each batch (the command plugs a tqdm bar into it).
    """
    directory = Path(directory)
    works_path, ratings_path = _find(directory, "works"), _find(directory, "ratings")
    report = ImportReport()
    works = _parse_works(works_path, report)
    known = set(works) | set(
        Work.objects.filter(external_source=SOURCE, category__slug="anime").values_list(
            "external_id", flat=True
        )
    )
    ratings = _parse_ratings(ratings_path, known, report)

    with transaction.atomic():
        category = Category.objects.get(slug="anime")
        tag_ids = _sync_tags(works, report)
        work_ids = _sync_works(works, category, report)
        if len(work_ids) < len(known):
            work_ids.update(
                Work.objects.filter(
                    external_source=SOURCE, category=category, external_id__in=known - set(work_ids)
                ).values_list("external_id", "pk")
            )
        _sync_work_tags(works, work_ids, tag_ids)
        user_ids = _sync_users({user for user, _ in ratings}, report)
        advance = progress(len(ratings)) if progress else (lambda n: None)
        _sync_ratings(ratings, user_ids, work_ids, report, advance)
        if report.changed:
            ranking_recompute()
    if report.changed:
        _refresh_planner_statistics()
    return report


def _refresh_planner_statistics() -> None:
    """After a bulk load the query planner's statistics are stale (PostgreSQL then scans
    whole tables where the ranking indexes would do): gather them now."""
    tables = [model._meta.db_table for model in (Category, Tag, Work, TaggedWork, Rating)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
        elif connection.vendor == "sqlite":
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))
