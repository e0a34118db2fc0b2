"""The catalogue sync end to end: recorded AniList answers from a local HTTP server into the database.

The database starts as a MyAnimeList load leaves it (works with a MyAnimeList id, some with the
AniList id the loader knows, no genres); the sync reads a current season, a next season, a page
of popular manga and then every work it has not synced, as it does against AniList.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from mangaki.models import Category, Studio, Tag, TaggedWork, Work, WorkRelation, WorkTitle
from mangaki.services.catalogue_sync import SyncPlan, catalogue_sync
from mangaki.upstream.anilist import AniListClient, AniListError
from mangaki.upstream.anilist_media import plain_text
from tests.anilist_replay import (
    Answer,
    ReplayServer,
    aot_with_relations,
    empty_page,
    page,
    recorded_media,
    recording,
)

CURRENT, NEXT = (2026, "WINTER"), (2026, "SPRING")
PLAN = SyncPlan(seasons=(CURRENT, NEXT), manga_pages=1, enrich=("anime", "manga"))
RESYNC = timedelta(hours=144)


class Upstream:
    """What the local AniList answers: two season pages, a next season, popular manga, lookups."""

    def __init__(self, current=CURRENT, next_season=NEXT):
        self.current_season, self.next_season = current, next_season
        self.server = ReplayServer(self.answer)
        self.broken: dict[str, Answer] = {}  # a request kind -> the answer that breaks it
        covers = self.server.local_covers
        self.current = [covers(recorded_media(99426), "#aa3333"), covers(recorded_media(20958), "#33aa33")]
        self.current_2 = [covers(recorded_media(18397), "#3333aa")]
        self.next = [covers(recorded_media(20811), "#aaaa33")]
        self.manga = [covers(recorded_media(53390), "#aa33aa")]
        # Works looked up by id: Attack on Titan's recorded relations, the recorded listing.
        self.by_id = [aot_with_relations()] + [
            covers(recorded_media(anilist_id)) for anilist_id in (2418, 2337, 2312, 2301)
        ]

    def kind(self, variables: dict) -> str:
        if variables.get("season"):
            return f"season {variables['seasonYear']} {variables['season']} page {variables['page']}"
        if "id_in" in variables:
            return "by anilist id"
        if "idMal_in" in variables:
            return "by myanimelist id"
        return f"popular {variables.get('type')} page {variables['page']}"

    def answer(self, variables: dict) -> Answer:
        kind = self.kind(variables)
        if kind in self.broken:
            return self.broken[kind]
        (year, season), (next_year, next_season) = self.current_season, self.next_season
        if kind == f"season {year} {season} page 1":
            return page(self.current, has_next_page=True)
        if kind == f"season {year} {season} page 2":
            return page(self.current_2, has_next_page=False)
        if kind == f"season {next_year} {next_season} page 1":
            return page(self.next, has_next_page=False)
        if kind == "popular MANGA page 1":
            return page(self.manga, has_next_page=True)
        pool = self.by_id + self.current + self.current_2 + self.next + self.manga
        if kind == "by anilist id":
            return page([m for m in pool if m["id"] in variables["id_in"]], has_next_page=False)
        if kind == "by myanimelist id":
            wanted = [
                m
                for m in pool
                if m.get("idMal") in variables["idMal_in"] and m.get("type") == variables["type"]
            ]
            return page(wanted, has_next_page=False)
        return empty_page()

    def requests(self, kind: str) -> int:
        return sum(1 for request in self.server.requests if self.kind(request["variables"]) == kind)


@pytest.fixture
def upstream(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    replay = Upstream()
    yield replay
    replay.server.close()


def client(upstream) -> AniListClient:
    return AniListClient(upstream.server.url, sleep=lambda seconds: None)


def sync(upstream, plan=PLAN, **kwargs):
    return catalogue_sync(
        client=client(upstream),
        plan=plan,
        resync=RESYNC,
        cover_timeout=5,
        cover_hosts={"127.0.0.1"},
        **kwargs,
    )


def mal_catalogue():
    """The database as a MyAnimeList load leaves it (the loader knows AoT's AniList id)."""
    anime = Category.objects.get(slug="anime")
    make = Work.objects.create
    return {
        "aot": make(
            title="Shingeki no Kyojin",
            category=anime,
            external_source="myanimelist",
            external_id="16498",
            anilist_id=16498,
        ),
        # Imported with the wrong adult flag: AniList's isAdult corrects it.
        "s2": make(
            title="Shingeki no Kyojin Season 2",
            category=anime,
            external_source="myanimelist",
            external_id="25777",
            nsfw=True,
        ),
        "stranger": make(
            title="Stranger: Mukou Hadan", category=anime, external_source="myanimelist", external_id="2418"
        ),
        "unknown": make(
            title="Not on AniList", category=anime, external_source="myanimelist", external_id="999999"
        ),
    }


def by_mal(mal_id: int, category: str = "anime") -> Work:
    return Work.objects.get(external_source="myanimelist", external_id=str(mal_id), category__slug=category)


def catalogue_snapshot() -> dict:
    """Everything the sync writes, keyed by external ids (not by row ids, which differ between runs)."""

    def key(work_id):
        work = Work.objects.select_related("category").get(pk=work_id)
        return (work.category.slug, work.external_source, work.external_id)

    works = {}
    for work in Work.objects.select_related("category").order_by("pk"):
        row = {
            field.name: getattr(work, field.attname)
            for field in Work._meta.concrete_fields
            if field.name not in {"id", "date_added", "synced_at", "franchise_id", "category"}
        }
        row["franchise"] = key(work.franchise_id) if work.franchise_id else None
        row["tags"] = sorted(TaggedWork.objects.filter(work=work).values_list("tag__slug", "weight"))
        row["titles"] = sorted(WorkTitle.objects.filter(work=work).values_list("kind", "language", "title"))
        row["studios"] = sorted(work.studios.values_list("anilist_id", "name"))
        row["relations"] = sorted(
            (kind, key(related)) for kind, related in work.relations.values_list("kind", "related_id")
        )
        works[key(work.pk)] = row
    return works


def writes_during(function):
    with CaptureQueriesContext(connection) as queries:
        result = function()
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    return result, [s for s in statements if s in {"INSERT", "UPDATE", "DELETE"}]


@pytest.mark.django_db
def test_a_sync_enriches_creates_and_relates_anime_and_manga(upstream):
    works = mal_catalogue()
    report = sync(upstream)
    assert upstream.server.refusals == []

    # Created from the current season: keyed by its MyAnimeList id, with everything AniList gives.
    sora = by_mal(35839)
    assert (sora.title, sora.anilist_id, sora.work_type, sora.status) == (
        "Sora yori mo Tooi Basho",
        99426,
        "TV",
        "finished",
    )
    assert (sora.aired_from, sora.aired_to) == (date(2018, 1, 2), date(2018, 3, 27))
    assert (sora.anilist_score, sora.anilist_popularity, sora.nsfw) == (84, 145662, False)
    assert "<br>" not in sora.synopsis and sora.synopsis.startswith("Mari Tamaki is in her second year")
    assert sora.synopsis.endswith("she's going to try to go with Shirase.\n\n(Source: Anime News Network)")
    tags = dict(TaggedWork.objects.filter(work=sora).values_list("tag__slug", "weight"))
    assert {"adventure": 1.0, "comedy": 1.0, "drama": 1.0}.items() <= tags.items()
    assert tags["travel"] == pytest.approx(0.96) and all(weight >= 0.6 for weight in tags.values())
    assert set(WorkTitle.objects.filter(work=sora).values_list("kind", "language", "title")) >= {
        ("romaji", "ja-Latn", "Sora yori mo Tooi Basho"),
        ("translation", "en", "A Place Further Than the Universe"),
        ("original", "ja", "宇宙よりも遠い場所"),
    }
    assert WorkTitle.objects.filter(work=sora, search_text="a place further than the universe").exists()

    # Its cover: downloaded once from the (local) image server, resized, stored.
    assert sora.cover_source_url.endswith(
        "/file/anilistcdn/media/anime/cover/medium/bx99426-ti5BL69Ip3kZ.png"
    )
    with default_storage.open(sora.cover.name) as stored:
        image = Image.open(BytesIO(stored.read()))
        assert (image.format, image.width) == ("JPEG", 230)

    # Enriched: the MyAnimeList import gains its AniList id, genres and the adult flag.
    s2 = Work.objects.get(pk=works["s2"].pk)
    assert (s2.anilist_id, s2.nsfw, s2.nb_episodes, s2.work_type) == (20958, False, 12, "TV")
    assert {"action", "drama", "fantasy"} <= set(s2.tags.values_list("slug", flat=True))
    assert s2.title == "Shingeki no Kyojin Season 2"  # our title is kept
    stranger = Work.objects.get(pk=works["stranger"].pk)
    assert stranger.anilist_id == 2418 and stranger.tags.filter(slug="action").exists()

    # Manga: the most popular page creates it, as a manga.
    manga = by_mal(23390, "manga")
    assert (manga.anilist_id, manga.work_type, manga.nb_chapters, manga.category.slug) == (
        53390,
        "Manga",
        141,
        "manga",
    )

    # Relations, as AniList lists them on Attack on Titan's page, to the works we have.
    aot = Work.objects.get(pk=works["aot"].pk)
    relations = set(aot.relations.values_list("kind", "related__anilist_id"))
    assert relations == {("adaptation", 53390), ("sequel", 20958), ("prequel", 20811), ("side_story", 18397)}
    # ...so one franchise: the smallest work id of the group; works alone have none.
    group = {aot.pk, s2.pk, manga.pk, by_mal(25781).pk, by_mal(18397).pk}
    assert set(Work.objects.filter(franchise_id=min(group)).values_list("pk", flat=True)) == group
    assert Work.objects.get(pk=sora.pk).franchise_id is None

    # A work AniList does not know is marked as asked about, and nothing invented for it.
    unknown = Work.objects.get(pk=works["unknown"].pk)
    assert unknown.synced_at is not None and unknown.anilist_id is None
    assert report.works_created == 4 and report.works_not_found == 1
    assert report.covers_stored == 6 and report.covers_failed == 0


@pytest.mark.django_db
def test_a_second_sync_writes_nothing(upstream):
    mal_catalogue()
    sync(upstream)
    before = catalogue_snapshot()
    covers_fetched = len(upstream.server.cover_requests)
    report, writes = writes_during(lambda: sync(upstream))
    assert writes == [] and report.writes == 0
    assert catalogue_snapshot() == before
    assert len(upstream.server.cover_requests) == covers_fetched  # unchanged covers are not downloaded
    # Only the listings are read again; the works synced just now are not.
    assert upstream.requests("by anilist id") == 1 and upstream.requests("by myanimelist id") == 1


@pytest.mark.django_db
def test_a_sync_killed_half_way_and_run_again_gives_the_same_catalogue(upstream):
    # Uninterrupted.
    mal_catalogue()
    sync(upstream)
    uninterrupted = catalogue_snapshot()
    for model in (WorkRelation, TaggedWork, WorkTitle, Work, Tag, Studio):
        model.objects.all().delete()

    # AniList fails on the current season's second page: the first page stays written.
    works = mal_catalogue()
    upstream.broken[f"season {CURRENT[0]} {CURRENT[1]} page 2"] = Answer(
        b"<html>Bad gateway</html>", status=502
    )
    with pytest.raises(AniListError, match="HTTP 502"):
        sync(upstream)
    assert by_mal(35839).anilist_id == 99426  # page 1 written whole
    assert not Work.objects.filter(anilist_id=18397).exists()  # page 2 not at all
    assert Work.objects.get(pk=works["aot"].pk).relations.count() == 0

    del upstream.broken[f"season {CURRENT[0]} {CURRENT[1]} page 2"]
    sync(upstream)
    assert catalogue_snapshot() == uninterrupted


@pytest.mark.django_db
def test_a_malformed_page_changes_nothing_of_that_page_and_the_next_run_resumes(upstream):
    works = mal_catalogue()
    truncated = (recording_bytes := page([recorded_media(2418)], has_next_page=False).bytes())[
        : len(recording_bytes) // 2
    ]
    upstream.broken["by myanimelist id"] = Answer(truncated)
    with pytest.raises(AniListError, match="malformed JSON"):
        sync(upstream)
    # The batch it belongs to (AoT by AniList id, Stranger by MyAnimeList id) is written together: not at all.
    for name in ("stranger", "aot"):
        work = Work.objects.get(pk=works[name].pk)
        assert work.synced_at is None and not work.tags.exists() and not work.relations.exists()
    assert by_mal(35839).synced_at is not None  # the season pages before it were written

    del upstream.broken["by myanimelist id"]
    sync(upstream)
    assert Work.objects.get(pk=works["stranger"].pk).anilist_id == 2418
    assert Work.objects.get(pk=works["aot"].pk).relations.count() == 4


@pytest.mark.django_db
def test_studios_are_the_main_animation_studios(upstream):
    """Sora yori mo Tooi Basho with its recorded studios (another recorded query of the same id)."""
    upstream.current[0]["studios"] = recording("studios_99426")["data"]["Media"]["studios"]
    sync(upstream, plan=SyncPlan(seasons=(CURRENT,)))
    sora = by_mal(35839)
    assert list(sora.studios.values_list("anilist_id", "name")) == [(11, "MADHOUSE")]
    upstream.current[0]["studios"]["edges"][0]["node"]["name"] = "Madhouse"
    sync(upstream, plan=SyncPlan(seasons=(CURRENT,)))
    assert list(sora.studios.values_list("name", flat=True)) == ["Madhouse"]
    assert Studio.objects.count() == 1


@pytest.mark.django_db
def test_a_manga_from_a_list_import_is_enriched(upstream):
    manga = Work.objects.create(
        title="Shingeki no Kyojin",
        category=Category.objects.get(slug="manga"),
        external_source="myanimelist",
        external_id="23390",
    )
    report = sync(upstream, plan=SyncPlan(enrich=("manga",)))
    manga.refresh_from_db()
    assert (manga.anilist_id, manga.nb_chapters, manga.work_type) == (53390, 141, "Manga")
    assert manga.tags.filter(slug="fantasy").exists() and report.works_created == 0
    assert upstream.requests("by myanimelist id") == 1


@pytest.mark.django_db
def test_a_new_work_related_to_one_synced_before_gets_both_sides(upstream):
    """AoT is synced first and relates to nothing we have; its OVA appears later: AoT is read again."""
    aot = mal_catalogue()["aot"]
    sync(upstream, plan=SyncPlan(enrich=("anime",)))
    assert set(aot.relations.values_list("kind", "related__anilist_id")) == {("sequel", 20958)}
    # Made by hand (no recording has the OVA's own relations): the other side of the recorded
    # AoT -> OVA side-story edge, as AniList lists it on the OVA's page.
    ova = recorded_media(18397)
    ova["relations"] = {
        "edges": [{"relationType": "PARENT", "node": {"id": 16498, "idMal": 16498, "type": "ANIME"}}]
    }
    upstream.current_2[0] = ova
    report = sync(upstream, plan=SyncPlan(seasons=(CURRENT,)))
    assert report.marked_for_reread == 1
    assert set(aot.relations.values_list("kind", "related__anilist_id")) >= {("side_story", 18397)}
    assert by_mal(18397).relations.filter(kind="parent", related=aot).exists()
    _, writes = writes_during(lambda: sync(upstream, plan=SyncPlan(seasons=(CURRENT,))))
    assert writes == []


@pytest.mark.django_db
def test_requests_per_thousand_works(upstream):
    """1,000 works we have, read again: 20 requests of 50; the next sync asks for none of them."""
    anime = Category.objects.get(slug="anime")
    Work.objects.bulk_create(
        [
            Work(
                title=f"Work {n}", category=anime, external_source="myanimelist", external_id=str(500000 + n)
            )
            for n in range(1000)
        ]
    )
    report = sync(upstream, plan=SyncPlan(enrich=("anime",)))
    assert upstream.requests("by myanimelist id") == 20 and report.works_not_found == 1000
    sync(upstream, plan=SyncPlan(enrich=("anime",)))
    assert upstream.requests("by myanimelist id") == 20


def test_synopsis_is_plain_text():
    assert (
        plain_text("<i>Bold</i> move<br>next &amp; last<br><br>\n\n(Source: ANN)")
        == "Bold move\nnext & last\n\n(Source: ANN)"
    )
    assert plain_text("<script>alert(1)</script>Fine &lt;b&gt;") == "alert(1)Fine <b>"


@pytest.mark.django_db
@pytest.mark.parametrize(("limit", "seconds"), [(90, 19 * 60 / 90), (30, 19 * 60 / 30)])
def test_seconds_per_thousand_works_at_the_stated_rate_limit(upstream, limit, seconds):
    """The pacing the client applies to 20 requests when AniList states 90 (or, degraded, 30) a minute."""
    anime = Category.objects.get(slug="anime")
    Work.objects.bulk_create(
        [
            Work(title=f"Work {n}", category=anime, external_source="myanimelist", external_id=str(n))
            for n in range(1000)
        ]
    )
    answer = upstream.answer
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(limit - 1)}
    upstream.server.answer = lambda variables: Answer(answer(variables).body, headers=headers)
    clock = {"now": 0.0}

    def sleep(wait):
        clock["now"] += wait

    paced = AniListClient(
        upstream.server.url, sleep=sleep, clock=lambda: clock["now"], requests_per_minute=limit
    )
    report = catalogue_sync(client=paced, plan=SyncPlan(enrich=("anime",)), resync=RESYNC)
    assert report.requests == 20
    assert report.waited_seconds == pytest.approx(seconds)  # 12.7 s at 90 a minute, 38 s at 30


@pytest.mark.django_db
def test_a_cover_on_another_host_is_not_downloaded(upstream):
    """The recorded cover address (AniList's CDN) is not an allowed host here: the work has no cover."""
    upstream.current = [recorded_media(99426)]
    report = sync(upstream, plan=SyncPlan(seasons=(CURRENT,)))
    sora = by_mal(35839)
    assert not sora.cover and sora.cover_source_url == ""
    assert report.covers_failed == 1 and upstream.server.cover_requests == [
        path for path in upstream.server.cover_requests if "99426" not in path
    ]


@pytest.mark.django_db
def test_the_upstreams_relations_replace_the_inferred_ones_between_works_it_knows(upstream):
    works = mal_catalogue()
    aot, s2, stranger, unknown = (works[name] for name in ("aot", "s2", "stranger", "unknown"))
    inferred = WorkRelation.Kind.FRANCHISE
    for other in (s2, stranger, unknown):  # as a dataset load with no relations file leaves them
        WorkRelation.objects.create(work=aot, related=other, kind=inferred)
        WorkRelation.objects.create(work=other, related=aot, kind=inferred)
    report = sync(upstream, plan=SyncPlan(enrich=("anime",)))
    # AniList knows AoT, its sequel and Stranger: its word stands, both ways; of the work it
    # does not know, the inference's rows stay.
    assert set(WorkRelation.objects.filter(kind=inferred).values_list("work_id", "related_id")) == {
        (aot.pk, unknown.pk),
        (unknown.pk, aot.pk),
    }
    assert aot.relations.filter(kind="sequel", related=s2).exists()
    assert report.relations_removed >= 4
    assert Work.objects.get(pk=unknown.pk).franchise_id == Work.objects.get(pk=aot.pk).franchise_id
