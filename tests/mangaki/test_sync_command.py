"""manage.py sync_catalogue: against the local AniList, and without network (one line, status 1)."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from mangaki.models import Work
from mangaki.services.catalogue_sync import anime_season
from tests.mangaki.test_catalogue_sync import Upstream, by_mal, mal_catalogue


@pytest.fixture
def upstream(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    replay = Upstream(current=anime_season("2026-winter"), next_season=anime_season("2026-spring"))
    settings.MANGAKI_ANILIST_URL = replay.server.url
    settings.MANGAKI_ANILIST_COVER_HOSTS = ["127.0.0.1"]
    yield replay
    replay.server.close()


@pytest.mark.django_db
def test_the_command_syncs_a_season_and_says_what_it_did(upstream, capsys):
    mal_catalogue()
    call_command("sync_catalogue", "--anime-season", "2026-winter")
    out = capsys.readouterr().out
    # Sora yori mo Tooi Basho and the OVA created, Season 2 enriched by the season's pages; AoT,
    # known by its AniList id and never synced, read too (its relations to both).
    assert out.startswith("2 works created, 1 updated, 1 unchanged") and "+2/-0 relations" in out, out
    assert by_mal(35839).anilist_id == 99426 and Work.objects.filter(anilist_id=20958).exists()
    # A season sync reads no other work: not those known by their MyAnimeList id only.
    assert upstream.requests("by myanimelist id") == 0 and by_mal(2418).synced_at is None


def test_a_bad_season_is_refused():
    with pytest.raises(CommandError, match="YEAR-SEASON such as 2026-spring"):
        call_command("sync_catalogue", "--anime-season", "2026-autumn")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_network_it_says_so_in_one_line_and_exits_non_zero(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/"
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CACHE_URL"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DEBUG": "1",
        "MANGAKI_ANILIST_URL": url,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "sync_catalogue", "--all"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip() and "AXES" not in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"CommandError: AniList could not be reached at {url}: ")
    assert lines[0].endswith("; nothing was changed") and "Traceback" not in result.stderr


def test_beat_runs_the_full_sync_weekly_and_the_current_season_the_other_days():
    from celery.schedules import crontab

    from mangaki.celery import app
    from mangaki.services.catalogue_sync import sync_plan

    app.loader.import_default_modules()
    entries = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"].endswith("sync_catalogue")
    }
    assert {entry["kwargs"]["plan"] for entry in entries.values()} == {"full", "current-season"}
    days = set()
    for entry in entries.values():
        assert entry["task"] in app.tasks and isinstance(entry["schedule"], crontab)
        assert sync_plan(entry["kwargs"]["plan"], manga_pages=1)  # a plan the task knows
        days |= entry["schedule"].day_of_week
    assert days == set(range(7))  # every day, the weekly one on Monday only
    weekly = next(entry for entry in entries.values() if entry["kwargs"]["plan"] == "full")
    assert weekly["schedule"].day_of_week == {1}
