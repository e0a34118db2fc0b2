"""The catalogue sync run by a real Celery worker through the real broker, against a local AniList."""

import pytest

from mangaki.models import Work
from mangaki.services.catalogue_sync import anime_season, sync_lock
from mangaki.tasks import sync_catalogue
from tests.integration.conftest import wait_for
from tests.mangaki.test_catalogue_sync import Upstream, by_mal, catalogue_snapshot, mal_catalogue


@pytest.fixture
def upstream():
    replay = Upstream(current=anime_season("current"), next_season=anime_season("next"))
    yield replay
    replay.server.close()


def sync_reports(worker) -> list[str]:
    """What the worker logged at the end of each sync: "4 works created, ..." (mangaki.tasks)."""
    lines = worker.log.read_text(errors="replace").splitlines()
    return [
        line.split("] catalogue sync ", 1)[1].split(": ", 1)[1]
        for line in lines
        if "] catalogue sync " in line
    ]


def test_the_weekly_sync_task_runs_on_a_worker_and_a_second_run_writes_nothing(
    celery_processes, broker, upstream
):
    works = mal_catalogue()
    celery_processes.env["MANGAKI_ANILIST_URL"] = upstream.server.url
    celery_processes.env["MANGAKI_ANILIST_MANGA_PAGES"] = "1"
    celery_processes.env["MANGAKI_ANILIST_COVER_HOSTS"] = "127.0.0.1"
    worker = celery_processes.worker()
    sync_catalogue.apply_async(kwargs={"plan": "full"}, connection=broker)
    wait_for(lambda: sync_reports(worker), 120, "the worker to finish the sync")
    report = sync_reports(worker)[0]
    assert upstream.server.refusals == []
    assert "4 works created" in report and "1 not on AniList" in report and "(0 failed)" in report, report
    assert by_mal(35839).cover and by_mal(23390, "manga").anilist_id == 53390
    aot = Work.objects.get(pk=works["aot"].pk)
    assert set(aot.relations.values_list("kind", "related__anilist_id")) == {
        ("adaptation", 53390),
        ("sequel", 20958),
        ("prequel", 20811),
        ("side_story", 18397),
    }
    assert aot.franchise_id == aot.pk
    before = catalogue_snapshot()
    sync_catalogue.apply_async(kwargs={"plan": "full"}, connection=broker)
    wait_for(lambda: len(sync_reports(worker)) == 2, 120, "the worker to finish the second sync")
    again = sync_reports(worker)[1]
    assert again.startswith("0 works created, 0 updated") and "+0/-0 relations" in again, again
    assert "0 covers stored" in again and "0 franchise changes" in again and "0 tags/titles/studios" in again
    assert catalogue_snapshot() == before


def test_a_sync_started_while_another_runs_does_nothing(celery_processes, broker, upstream):
    mal_catalogue()
    celery_processes.env["MANGAKI_ANILIST_URL"] = upstream.server.url
    worker = celery_processes.worker()
    with sync_lock() as held:  # this test process's session holds the lock, as a running sync would
        assert held
        sync_catalogue.apply_async(kwargs={"plan": "current-season"}, connection=broker)
        wait_for(lambda: sync_reports(worker), 60, "the worker to give up the sync")
    assert "another catalogue sync is running" in sync_reports(worker)[0]
    assert upstream.server.requests == [] and not Work.objects.filter(anilist_id=99426).exists()


def test_a_worker_killed_mid_sync_leaves_whole_pages_and_the_redelivered_task_finishes(
    celery_processes, broker, upstream
):
    works = mal_catalogue()
    celery_processes.env["MANGAKI_ANILIST_URL"] = upstream.server.url
    celery_processes.env["MANGAKI_ANILIST_MANGA_PAGES"] = "1"
    celery_processes.env["MANGAKI_ANILIST_COVER_HOSTS"] = "127.0.0.1"
    answer = upstream.answer
    slow = {"on": True}

    def slowly(variables):  # the next season's page takes long: the worker is killed waiting for it
        replied = answer(variables)
        if slow["on"] and variables.get("season") == upstream.next_season[1]:
            replied.delay_seconds = 20
        return replied

    upstream.server.answer = slowly
    first = celery_processes.worker()
    sync_catalogue.apply_async(kwargs={"plan": "full"}, connection=broker)
    wait_for(
        lambda: upstream.requests(f"season {upstream.next_season[0]} {upstream.next_season[1]} page 1"),
        60,
        "the next season's request",
    )
    celery_processes.kill(first)
    # The current season's pages are written whole; nothing after them.
    assert by_mal(35839).anilist_id == 99426 and Work.objects.filter(anilist_id=18397).exists()
    assert not Work.objects.filter(anilist_id__in=[20811, 53390]).exists()
    assert Work.objects.get(pk=works["aot"].pk).synced_at is None
    slow["on"] = False
    second = celery_processes.worker()  # the broker hands the unacknowledged task out again
    wait_for(lambda: sync_reports(second), 120, "the redelivered sync to finish")
    aot = Work.objects.get(pk=works["aot"].pk)
    assert set(aot.relations.values_list("kind", "related__anilist_id")) == {
        ("adaptation", 53390),
        ("sequel", 20958),
        ("prequel", 20811),
        ("side_story", 18397),
    }
    assert Work.objects.filter(franchise_id=aot.pk).count() == 5
