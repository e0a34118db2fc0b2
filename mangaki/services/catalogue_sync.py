"""The catalogue sync: what AniList knows of our works, written into the catalogue.

It enriches the works we have (found by AniList id, else by MyAnimeList id within their
category; a work first seen in a member's import is confirmed then, under AniList's title),
creates the works of the current and next anime seasons and AniList's most popular
manga, and stores genres and tags, the adult flag, synopsis, cover, relations, studios, type,
counts, status, air dates, score and popularity.

Safety, by design:
- Each page of answers is written in its own ``transaction.atomic``: a failure half-way leaves
  every work as it was before that page, or fully written.
- Only what differs is written (a second sync changes nothing), and ``Work.synced_at`` is the
  progress cursor: the enrichment passes take the works not synced within
  ``MANGAKI_ANILIST_RESYNC_HOURS``, so a killed sync, run again, goes on where it stopped.
- Upstream values that are missing (a field not asked, a null) never erase what we have; tags,
  titles and relations from other sources are never removed.
- Relations are stored only between works we have. When a newly created work is related to a
  work synced before it, that work is marked for a new read (``synced_at`` emptied), so the
  sync ends with both sides' relations whatever the order of the pages.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..mal import MYANIMELIST
from ..models import Category, Studio, Tag, TaggedWork, Work, WorkRelation, WorkTitle
from ..text_search import normalize
from ..upstream.anilist import AniListClient
from ..upstream.anilist_media import (
    CATEGORY_OF_TYPE,
    RELATION_KINDS,
    TYPE_OF_CATEGORY,
    category_slug,
    cover_url,
    media_tags,
    media_titles,
    work_values,
)
from .covers import Cover, CoverError, cover_fetch, cover_store
from .franchises import franchises_recompute
from .locks import process_lock

logger = logging.getLogger(__name__)

ANILIST = "anilist"
SEASONS = ("WINTER", "SPRING", "SUMMER", "FALL")
# Where AniList's answers put its covers; a cover elsewhere is not downloaded.
COVER_HOSTS = frozenset({"s4.anilist.co"})
JAPAN = ZoneInfo("Asia/Tokyo")


# --- Reports ----------------------------------------------------------------------------------


@dataclass
class SyncReport:
    works_created: int = 0
    works_updated: int = 0
    works_unchanged: int = 0
    works_not_found: int = 0  # works we asked AniList about that it does not know
    works_skipped: int = 0  # answers we could not use (no title, a clash of ids)
    details_changed: int = 0  # tags, titles and studios added or changed
    relations_added: int = 0
    relations_removed: int = 0
    covers_stored: int = 0
    covers_failed: int = 0
    marked_for_reread: int = 0
    franchises_changed: int = 0
    pages: int = 0
    requests: int = 0
    waited_seconds: float = 0.0

    def add(self, other: SyncReport) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def writes(self) -> int:
        """Rows written: zero for a sync that found the catalogue as AniList has it."""
        return (
            self.works_created
            + self.works_updated
            + self.details_changed
            + self.relations_added
            + self.relations_removed
            + self.covers_stored
            + self.marked_for_reread
            + self.franchises_changed
        )

    def __str__(self) -> str:
        return (
            f"{self.works_created} works created, {self.works_updated} updated, "
            f"{self.works_unchanged} unchanged, "
            f"{self.works_not_found} not on AniList, {self.works_skipped} skipped; "
            f"{self.details_changed} tags/titles/studios, "
            f"+{self.relations_added}/-{self.relations_removed} relations, "
            f"{self.covers_stored} covers stored ({self.covers_failed} failed), "
            f"{self.franchises_changed} franchise changes; {self.requests} requests, {self.pages} pages"
        )


# --- Finding our works ---------------------------------------------------------------------------


def _works_by_key(keys: list[tuple[int, int | None, str]]) -> dict[int, Work]:
    """AniList id -> our work, for (AniList id, MyAnimeList id, category slug) keys: by AniList id,
    else by MyAnimeList id within the category."""
    if not keys:
        return {}
    found = {work.anilist_id: work for work in Work.objects.filter(anilist_id__in=[key[0] for key in keys])}
    by_mal: dict[tuple[str, str], int] = {}
    for anilist_id, mal_id, slug in keys:
        if anilist_id not in found and mal_id and slug:
            by_mal[(slug, str(mal_id))] = anilist_id
    if by_mal:
        condition = Q()
        for slug, mal_id in by_mal:
            condition |= Q(category__slug=slug, external_id=mal_id)
        for work in Work.objects.filter(condition, external_source=MYANIMELIST).select_related("category"):
            anilist_id = by_mal.get((work.category.slug, work.external_id))
            # A work already bound to another AniList entry is not taken for this one.
            if anilist_id is not None and work.anilist_id in (None, anilist_id):
                found.setdefault(anilist_id, work)
    return found


# --- Writing one page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncClock:
    """``now``, and the moment before which a work counts as not synced (``now - resync``)."""

    now: datetime
    cutoff: datetime

    @classmethod
    def starting(cls, *, resync: timedelta) -> SyncClock:
        now = timezone.now()
        return cls(now=now, cutoff=now - resync)


def covers_prepare(
    *,
    media: list[dict],
    timeout_seconds: float,
    asked_type: str | None = None,
    hosts: frozenset[str] = frozenset(),
) -> tuple[dict[int, Cover], int]:
    """Download (outside any transaction) the covers that changed since we stored ours.

    A cover that cannot be fetched is left as it was and counted; it is tried again next sync.
    """
    keys = [(item["id"], item.get("idMal"), category_slug(item, asked_type)) for item in media]
    works = _works_by_key(keys)
    covers, failed = {}, 0
    for item in media:
        url = cover_url(item)
        work = works.get(item["id"])
        if not url or (work is not None and work.cover_source_url == url and work.cover):
            continue
        try:
            covers[item["id"]] = cover_fetch(
                url=url, key=f"anilist-{item['id']}", timeout_seconds=timeout_seconds, hosts=hosts
            )
        except CoverError as error:
            failed += 1
            logger.warning("cover of AniList %s not stored: %s", item["id"], error)
    return covers, failed


def media_page_write(
    *,
    media: list[dict],
    create: bool,
    clock: SyncClock,
    covers: dict[int, Cover] | None = None,
    asked_type: str | None = None,
) -> SyncReport:
    """Write one page of AniList media in one transaction; ``create`` adds the works we lack.

    ``asked_type`` (ANIME or MANGA) is the type the query asked for, for answers that omit it.
    """
    report = SyncReport()
    covers = covers or {}
    with transaction.atomic():
        categories = {
            category.slug: category
            for category in Category.objects.filter(slug__in=CATEGORY_OF_TYPE.values())
        }
        usable = [item for item in media if category_slug(item, asked_type) in categories]
        report.works_skipped += len(media) - len(usable)
        works = _works_by_key(
            [(item["id"], item.get("idMal"), category_slug(item, asked_type)) for item in usable]
        )
        written: dict[int, Work] = {}
        created: set[int] = set()
        for item in usable:
            work = works.get(item["id"])
            if work is None and not create:
                report.works_not_found += 1
                continue
            work, state = _work_write(
                item, work, categories[category_slug(item, asked_type)], clock, covers.get(item["id"])
            )
            if work is None:
                report.works_skipped += 1
                continue
            if state == "created":
                report.works_created += 1
                created.add(work.pk)
            elif state == "updated":
                report.works_updated += 1
            else:
                report.works_unchanged += 1
            if item["id"] in covers and work.cover_source_url == covers[item["id"]].source_url:
                report.covers_stored += 1
            written[item["id"]] = work
        report.details_changed += _tags_write(usable, written)
        report.details_changed += _titles_write(usable, written)
        report.details_changed += _studios_write(usable, written)
        added, removed, reread = _relations_write(usable, written, created)
        report.relations_added, report.relations_removed, report.marked_for_reread = added, removed, reread
    return report


def _work_write(item: dict, work: Work | None, category: Category, clock: SyncClock, cover: Cover | None):
    """Create or update one work from ``item``; (work, "created" | "updated" | "unchanged"), or (None, "")."""
    values = work_values(item)
    if work is None:
        titles = media_titles(item)
        if not titles:
            logger.warning("AniList %s has no title: not created", item["id"])
            return None, ""
        mal_id = item.get("idMal")
        source, external_id = (
            (MYANIMELIST, str(mal_id))
            if isinstance(mal_id, int) and mal_id > 0
            else (ANILIST, str(item["id"]))
        )
        if Work.objects.filter(external_source=source, category=category, external_id=external_id).exists():
            logger.warning(
                "AniList %s: %s %s is already another work's id: not created", item["id"], source, external_id
            )
            return None, ""
        work = Work(
            title=titles[0][2],
            category=category,
            external_source=source,
            external_id=external_id,
            synced_at=clock.now,
            **values,
        )
        if cover is not None:
            work.cover.name = cover_store(cover)
            work.cover_source_url = cover.source_url
        work.save()
        return work, "created"
    if not work.confirmed:
        # First seen in a member's import, found upstream now: public, under AniList's title
        # (never the one the importer's list gave), its genres and adult flag (written below
        # and by ``_tags_write``). Without a title upstream it keeps waiting.
        titles = media_titles(item)
        if not titles:
            logger.warning("AniList %s has no title: work %s stays unconfirmed", item["id"], work.pk)
        else:
            values = {**values, "title": titles[0][2], "confirmed": True, "added_by": None}
    changed = [field for field, value in values.items() if getattr(work, field) != value]
    for field in changed:
        setattr(work, field, values[field])
    if cover is not None and (work.cover_source_url != cover.source_url or not work.cover):
        old_name = work.cover.name
        work.cover.name = cover_store(cover)
        work.cover_source_url = cover.source_url
        changed += ["cover", "cover_source_url"]
        if old_name and old_name != work.cover.name:
            transaction.on_commit(lambda name=old_name: _cover_delete(name))
    if changed or work.synced_at is None or work.synced_at < clock.cutoff:
        work.synced_at = clock.now
        work.save(update_fields=[*changed, "synced_at"])
    return work, ("updated" if changed else "unchanged")


def _cover_delete(name: str) -> None:
    from django.core.files.storage import default_storage

    with contextlib.suppress(OSError):
        default_storage.delete(name)


def _tags_write(media: list[dict], works: dict[int, Work]) -> int:
    """Add the genres and tags AniList states (never removing others'); rows written."""
    wanted = {
        works[item["id"]].pk: media_tags(item)
        for item in media
        if item["id"] in works and ("genres" in item or "tags" in item)
    }
    slugs = {slug: name for tags in wanted.values() for slug, (name, _) in tags.items()}
    if not slugs:
        return 0
    tag_ids = dict(Tag.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    missing = [Tag(slug=slug, title=name) for slug, name in slugs.items() if slug not in tag_ids]
    Tag.objects.bulk_create(missing)
    tag_ids.update(Tag.objects.filter(slug__in=[tag.slug for tag in missing]).values_list("slug", "pk"))
    current = {
        (row.work_id, row.tag_id): row
        for row in TaggedWork.objects.filter(work_id__in=wanted, tag_id__in=tag_ids.values())
    }
    new, changed = [], []
    for work_id, tags in wanted.items():
        for slug, (_, weight) in tags.items():
            row = current.get((work_id, tag_ids[slug]))
            if row is None:
                new.append(TaggedWork(work_id=work_id, tag_id=tag_ids[slug], weight=weight))
            elif abs(row.weight - weight) > 1e-9:
                row.weight = weight
                changed.append(row)
    TaggedWork.objects.bulk_create(new)
    TaggedWork.objects.bulk_update(changed, ["weight"])
    return len(missing) + len(new) + len(changed)


def _titles_write(media: list[dict], works: dict[int, Work]) -> int:
    """Add AniList's romaji, English and native titles a work lacks; rows written."""
    wanted = {
        (works[item["id"]].pk, language, title): kind
        for item in media
        if item["id"] in works
        for kind, language, title in media_titles(item)
    }
    if not wanted:
        return 0
    have = set(
        WorkTitle.objects.filter(work_id__in={key[0] for key in wanted}).values_list(
            "work_id", "language", "title"
        )
    )
    new = [
        WorkTitle(work_id=work_id, language=language, title=title, kind=kind, search_text=normalize(title))
        for (work_id, language, title), kind in wanted.items()
        if (work_id, language, title) not in have
    ]
    WorkTitle.objects.bulk_create(new)
    return len(new)


def _studios_write(media: list[dict], works: dict[int, Work]) -> int:
    """A work's studios: AniList's main animation studios (studios known by AniList id); rows written."""
    wanted: dict[int, dict[int, str]] = {}
    for item in media:
        if item["id"] not in works or not isinstance(item.get("studios"), dict):
            continue
        studios = {}
        for edge in item["studios"].get("edges") or []:
            node = (edge or {}).get("node") or {}
            if (
                edge.get("isMain")
                and node.get("isAnimationStudio")
                and isinstance(node.get("id"), int)
                and node.get("name")
            ):
                studios[node["id"]] = str(node["name"])[:128]
        wanted[works[item["id"]].pk] = studios
    if not wanted:
        return 0
    writes = 0
    names = {anilist_id: name for studios in wanted.values() for anilist_id, name in studios.items()}
    known = {studio.anilist_id: studio for studio in Studio.objects.filter(anilist_id__in=names)}
    for anilist_id, name in names.items():
        studio = known.get(anilist_id)
        if studio is None:
            known[anilist_id] = Studio.objects.create(anilist_id=anilist_id, name=name)
            writes += 1
        elif studio.name != name:
            studio.name = name
            studio.save(update_fields=["name"])
            writes += 1
    through = Work.studios.through
    current: dict[int, set[int]] = {}
    for work_id, studio_id, anilist_id in through.objects.filter(work_id__in=wanted).values_list(
        "work_id", "studio_id", "studio__anilist_id"
    ):
        if anilist_id is not None:
            current.setdefault(work_id, set()).add(studio_id)
    for work_id, studios in wanted.items():
        want = {known[anilist_id].pk for anilist_id in studios}
        have = current.get(work_id, set())
        if want - have:
            through.objects.bulk_create([through(work_id=work_id, studio_id=pk) for pk in want - have])
        if have - want:
            through.objects.filter(work_id=work_id, studio_id__in=have - want).delete()
        writes += len(want ^ have)
    return writes


def _relations_write(media: list[dict], works: dict[int, Work], created: set[int]) -> tuple[int, int, int]:
    """Store each work's relations to works we have, as AniList lists them on its page.

    Returns (added, removed, marked for a new read). Relations to works we do not have are
    skipped; rows to works AniList does not know (another source's) are kept.
    """
    edges: dict[int, list[tuple[str, int, int | None, str | None]]] = {}
    for item in media:
        if item["id"] not in works or not isinstance(item.get("relations"), dict):
            continue
        listed = []
        for edge in item["relations"].get("edges") or []:
            node = (edge or {}).get("node") or {}
            kind = RELATION_KINDS.get(edge.get("relationType"))
            if kind is not None and isinstance(node.get("id"), int):
                listed.append(
                    (kind.value, node["id"], node.get("idMal"), CATEGORY_OF_TYPE.get(node.get("type")))
                )
        edges[works[item["id"]].pk] = listed
    if not edges:
        return 0, 0, 0
    targets = _works_by_key(
        list(
            {
                (anilist_id, mal_id, slug)
                for listed in edges.values()
                for _, anilist_id, mal_id, slug in listed
            }
        )
    )
    current = set(WorkRelation.objects.filter(work_id__in=edges).values_list("work_id", "kind", "related_id"))
    upstream_ids = set(
        Work.objects.filter(pk__in={row[2] for row in current}, anilist_id__isnull=False).values_list(
            "pk", flat=True
        )
    )
    wanted = {
        (work_id, kind, targets[anilist_id].pk)
        for work_id, listed in edges.items()
        for kind, anilist_id, _, _ in listed
        if anilist_id in targets and targets[anilist_id].pk != work_id
    }
    stale = {row for row in current if row[2] in upstream_ids and row not in wanted}
    for work_id, kind, related_id in stale:
        WorkRelation.objects.filter(work_id=work_id, kind=kind, related_id=related_id).delete()
    # Between two works AniList knows, its relations replace the inferred ones, both ways (the
    # rows from this work went with the stale ones above).
    back = WorkRelation.objects.filter(
        kind=WorkRelation.Kind.FRANCHISE, work_id__in=upstream_ids, related_id__in=edges
    )
    removed_back = back.delete()[0] if back.exists() else 0  # a sync that changes nothing writes nothing
    WorkRelation.objects.bulk_create(
        [
            WorkRelation(work_id=work_id, kind=kind, related_id=related_id)
            for work_id, kind, related_id in wanted - current
        ]
    )
    # A new work's relations name works synced before it existed: read those again.
    page_works = {work.pk for work in works.values()}
    reread = set()
    for work_id, _, related_id in wanted:
        if work_id in created and related_id not in page_works:
            reread.add((related_id, work_id))
    mark = {
        related_id
        for related_id, work_id in reread
        if not WorkRelation.objects.filter(work_id=related_id, related_id=work_id).exists()
    }
    marked = Work.objects.filter(pk__in=mark, synced_at__isnull=False).update(synced_at=None) if mark else 0
    return len(wanted - current), len(stale) + removed_back, marked


# --- Passes: which pages to ask for ----------------------------------------------------------------


def season_of_day(day: date) -> tuple[int, str]:
    return day.year, SEASONS[(day.month - 1) // 3]


def anime_season(which: str, *, today: date | None = None) -> tuple[int, str]:
    """``current``, ``next`` or ``YEAR-SEASON`` (``2026-spring``) as AniList's (seasonYear, season)."""
    today = today or timezone.now().astimezone(JAPAN).date()
    year, season = season_of_day(today)
    if which == "current":
        return year, season
    if which == "next":
        index = SEASONS.index(season) + 1
        return (year + index // 4, SEASONS[index % 4])
    match = re.fullmatch(r"(\d{4})-([a-zA-Z]+)", which.strip())
    if not match or match.group(2).upper() not in SEASONS:
        raise ValueError(f"a season is current, next or YEAR-SEASON such as 2026-spring, not {which!r}")
    return int(match.group(1)), match.group(2).upper()


Progress = Callable[[int], None]


def _pages(
    client: AniListClient,
    *,
    variables: dict,
    create: bool,
    clock: SyncClock,
    limit: int | None,
    max_pages: int | None,
    cover_timeout: float,
    cover_hosts: frozenset[str],
    progress: Progress | None,
) -> SyncReport:
    report = SyncReport()
    page, seen = 1, 0
    while True:
        answer = client.media_page(page=page, **variables)
        media = answer.media if limit is None else answer.media[: max(limit - seen, 0)]
        asked = variables.get("type")
        covers, failed = covers_prepare(
            media=media, timeout_seconds=cover_timeout, asked_type=asked, hosts=cover_hosts
        )
        report.add(media_page_write(media=media, create=create, clock=clock, covers=covers, asked_type=asked))
        report.covers_failed += failed
        report.pages += 1
        seen += len(media)
        if progress:
            progress(len(media))
        if (
            not answer.has_next_page
            or (limit is not None and seen >= limit)
            or (max_pages and page >= max_pages)
        ):
            return report
        page += 1


def _due(category_slug: str, clock: SyncClock, *, only_marked: bool):
    due = Work.objects.filter(category__slug=category_slug).filter(
        Q(anilist_id__isnull=False) | Q(external_source=MYANIMELIST)
    )
    if only_marked:
        return due.filter(anilist_id__isnull=False, synced_at__isnull=True)
    return due.filter(Q(synced_at__isnull=True) | Q(synced_at__lt=clock.cutoff))


def works_enrich(
    client: AniListClient,
    *,
    category_slug: str,
    clock: SyncClock,
    only_marked: bool = False,
    limit: int | None = None,
    cover_timeout: float = 30.0,
    cover_hosts: frozenset[str] = COVER_HOSTS,
    progress: Progress | None = None,
) -> SyncReport:
    """Read again, 50 at a time, the works of a category not synced since ``clock.cutoff``.

    The cursor is ``synced_at`` itself: every work asked about is marked synced (those AniList
    does not know too), so a pass that stops is resumed by running it again.
    """
    report = SyncReport()
    media_type = TYPE_OF_CATEGORY[category_slug]
    last_pk, seen = 0, 0
    while limit is None or seen < limit:
        size = 50 if limit is None else min(50, limit - seen)
        batch = list(
            _due(category_slug, clock, only_marked=only_marked)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "anilist_id", "external_source", "external_id")[:size]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        by_anilist = [anilist_id for _, anilist_id, _, _ in batch if anilist_id]
        by_mal = [
            int(external_id)
            for _, anilist_id, source, external_id in batch
            if not anilist_id and source == MYANIMELIST and (external_id or "").isdigit()
        ]
        media: list[dict] = []
        for variables in ({"id_in": by_anilist}, {"idMal_in": by_mal}):
            key, ids = next(iter(variables.items()))
            if ids:
                media += client.media_page(page=1, type=media_type, **{key: ids}).media
        covers, failed = covers_prepare(
            media=media, timeout_seconds=cover_timeout, asked_type=media_type, hosts=cover_hosts
        )
        page = media_page_write(media=media, create=False, clock=clock, covers=covers, asked_type=media_type)
        page.covers_failed += failed
        # Works AniList does not know are marked as asked about, so the cursor moves past them.
        answered = {
            pk
            for pk in Work.objects.filter(
                pk__in=[row[0] for row in batch], synced_at__gte=clock.now
            ).values_list("pk", flat=True)
        }
        unknown = [row[0] for row in batch if row[0] not in answered]
        page.works_not_found = len(unknown)
        if unknown:
            with transaction.atomic():
                Work.objects.filter(pk__in=unknown).update(synced_at=clock.now)
        page.pages = 1
        report.add(page)
        seen += len(batch)
        if progress:
            progress(len(batch))
    return report


@dataclass(frozen=True)
class SyncPlan:
    """What one sync reads: anime seasons (created), popular manga pages (created), enrichment."""

    seasons: tuple[tuple[int, str], ...] = ()
    manga_pages: int = 0
    enrich: tuple[str, ...] = ()  # category slugs whose unsynced works are read again
    marked_only: bool = False  # enrichment limited to works marked for a new read


class SyncBusy(Exception):
    """Another catalogue sync is running."""


def sync_lock() -> AbstractContextManager[bool]:
    """Whether this process holds the catalogue sync lock (``locks.process_lock``)."""
    return process_lock("mangaki-catalogue-sync")


def catalogue_sync(
    *,
    client: AniListClient,
    plan: SyncPlan,
    resync: timedelta,
    limit: int | None = None,
    cover_timeout: float = 30.0,
    cover_hosts: frozenset[str] = COVER_HOSTS,
    progress: Progress | None = None,
) -> SyncReport:
    """Run ``plan`` against AniList, then recompute franchises; raises AniListError or SyncBusy.

    Pages already written stay written when a later one fails: run it again to finish.
    """
    with sync_lock() as acquired:
        if not acquired:
            raise SyncBusy("another catalogue sync is running; nothing was changed")
        clock = SyncClock.starting(resync=resync)
        report = SyncReport()
        common = {
            "clock": clock,
            "limit": limit,
            "cover_timeout": cover_timeout,
            "cover_hosts": frozenset(host.lower() for host in cover_hosts),
            "progress": progress,
        }
        try:
            for year, season in plan.seasons:
                variables = {
                    "type": "ANIME",
                    "season": season,
                    "seasonYear": year,
                    "sort": ["POPULARITY_DESC"],
                }
                report.add(_pages(client, variables=variables, create=True, max_pages=None, **common))
            if plan.manga_pages:
                variables = {"type": "MANGA", "sort": ["POPULARITY_DESC"]}
                report.add(
                    _pages(client, variables=variables, create=True, max_pages=plan.manga_pages, **common)
                )
            # Works marked for a new read by the pages above are read here, whatever the plan.
            for slug in ("anime", "manga"):
                only_marked = plan.marked_only or slug not in plan.enrich
                report.add(works_enrich(client, category_slug=slug, only_marked=only_marked, **common))
        finally:
            report.requests, report.waited_seconds = client.requests, client.waited_seconds
        report.franchises_changed = franchises_recompute()
        return report


def sync_plan(name: str, *, manga_pages: int, today: date | None = None) -> SyncPlan:
    """The named plans beat runs: ``full`` (weekly) and ``current-season`` (daily)."""
    if name == "full":
        seasons = (anime_season("current", today=today), anime_season("next", today=today))
        return SyncPlan(seasons=seasons, manga_pages=manga_pages, enrich=("anime", "manga"))
    if name == "current-season":
        return SyncPlan(seasons=(anime_season("current", today=today),), marked_only=True)
    raise ValueError(f"a sync plan is full or current-season, not {name!r}")


def catalogue_sync_from_settings(
    *, plan: SyncPlan, limit: int | None = None, progress: Progress | None = None
):
    """:func:`catalogue_sync` against ``settings.MANGAKI_ANILIST_URL`` with the configured limits."""
    from django.conf import settings

    client = AniListClient(
        settings.MANGAKI_ANILIST_URL, timeout_seconds=settings.MANGAKI_ANILIST_TIMEOUT_SECONDS
    )
    return catalogue_sync(
        client=client,
        plan=plan,
        resync=timedelta(hours=settings.MANGAKI_ANILIST_RESYNC_HOURS),
        limit=limit,
        cover_timeout=settings.MANGAKI_ANILIST_TIMEOUT_SECONDS,
        cover_hosts=frozenset(settings.MANGAKI_ANILIST_COVER_HOSTS),
        progress=progress,
    )
