"""Importing a MyAnimeList list in the browser: the upload, the progress bar moving, the report."""

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import Page, expect

from mangaki.celery import app
from mangaki.models import Progress, Rating, RatingImport
from mangaki.services import rating_imports
from mangaki.tasks import import_ratings
from tests.conftest import celery_eager
from tests.mal_files import mal_export

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase 42"
STATUSES = ["Completed", "Completed", "Completed", "Plan to Watch", "Watching", "Dropped", "On-Hold"]
N_ENTRIES = 12_000


@pytest.fixture
def queued_not_run():
    """Tasks go to the broker and wait there (no worker): the test runs the import itself, in a
    thread, while the page follows it. Whatever it queued is purged afterwards."""
    with celery_eager(False):
        yield
        app.control.purge()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.wait_for_url(re.compile(r"/$|/recommendations/"))


def test_an_upload_shows_its_progress_then_its_report(
    live_server, page: Page, screenshot, queued_not_run, monkeypatch
):
    # Batches of 200: the writing lasts long enough for the page's polls to see it part done
    # (on the tests' in-memory SQLite a poll that meets the worker's write waits a second).
    monkeypatch.setattr(rating_imports, "CHUNK", 200)
    user = get_user_model().objects.create_user("importer", password=PASSWORD)
    document = mal_export(
        "anime",
        [
            {"id": n, "title": f"Imported show {n}", "score": n % 11, "status": STATUSES[n % len(STATUSES)]}
            for n in range(1, N_ENTRIES + 1)
        ]
        + [{"id": "oops", "title": "A broken line", "score": 7, "status": "Completed"}],
        gz=True,
    )
    log_in(page, live_server.url, "importer")
    page.goto(f"{live_server.url}/import/")
    page.get_by_text("How MyAnimeList scores become ratings").click()
    expect(page.locator(".mapping table")).to_contain_text("no rating: on your list, with its status")
    page.set_input_files(
        "#id_file", files=[{"name": "animelist_1.xml.gz", "mimeType": "application/gzip", "buffer": document}]
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/import/\d+/$"))
    expect(page.locator("#import-state")).to_contain_text("Waiting to start")
    rating_import = RatingImport.objects.get(user=user)
    # Stored as it came: the worker reads it.
    assert rating_import.status == "queued" and rating_import.entries == [] and rating_import.upload

    def work() -> None:
        try:
            import_ratings.apply(args=[rating_import.pk])
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    expect(page.locator("#import-state")).to_contain_text("Writing your list", timeout=30_000)
    # The bar shows part of the entries written (the worker commits each batch with its count).
    page.wait_for_function(
        "() => { const bar = document.getElementById('import-progress');"
        " return bar && bar.value > 0 && bar.value < bar.max; }",
        timeout=30_000,
    )
    expect(page.locator("#import-count")).to_contain_text(f"of {N_ENTRIES} entries written")
    worker.join(timeout=120)
    # The page reloads itself into the report when the import is done.
    expect(page.locator("#import-state")).to_contain_text("Done", timeout=30_000)
    scored = sum(1 for n in range(1, N_ENTRIES + 1) if n % 11)  # score 0: on the list, no rating
    expect(page.locator("#report-created")).to_have_text(str(scored))
    expect(page.locator("#report-without-rating")).to_have_text(str(N_ENTRIES - scored))
    expect(page.locator("#report-new-works")).to_have_text(str(N_ENTRIES))
    expect(page.locator("table.skipped")).to_contain_text("series_animedb_id must be a positive whole number")
    screenshot(page, "import-report")
    assert Rating.objects.filter(user=user).count() == scored
    assert Progress.objects.filter(user=user).count() == N_ENTRIES


def test_a_hostile_file_fails_its_import_with_the_reason_on_the_page(live_server, page: Page, queued_not_run):
    get_user_model().objects.create_user("wary", password=PASSWORD)
    log_in(page, live_server.url, "wary")
    page.goto(f"{live_server.url}/import/")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<myanimelist>&b;</myanimelist>"
    )
    page.set_input_files("#id_file", files=[{"name": "bomb.xml", "mimeType": "text/xml", "buffer": bomb}])
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/import/\d+/$"))
    # The worker reads the file and refuses it; the page, following the import, shows why.
    import_ratings.apply(args=[RatingImport.objects.get().pk])
    expect(page.locator("#import-state")).to_contain_text(
        "The import failed. bomb.xml: The file declares a DOCTYPE", timeout=30_000
    )
    assert RatingImport.objects.get().status == "failed" and not Rating.objects.exists()
