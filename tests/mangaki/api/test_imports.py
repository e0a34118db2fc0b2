"""POST /api/imports/ and GET /api/imports/{id}/: upload, 202, follow to the report; hostile files refused."""

import gzip

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mangaki.celery import app
from mangaki.choices import Choice
from mangaki.models import Rating, RatingImport, Work
from tests.conftest import celery_eager
from tests.factories import UserFactory
from tests.mal_files import mal_export
from tests.mangaki.api.conftest import error_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

ENTRIES = [
    {"id": 1, "title": "Cowboy Bebop", "score": 10, "status": "Completed"},
    {"id": 20, "title": "Naruto", "score": 6, "status": "Dropped"},
    {"id": 30, "title": "Neon Genesis Evangelion", "score": 0, "status": "Plan to Watch"},
    {"id": "x", "title": "Broken", "score": 8, "status": "Completed"},
]


def upload(client, document: bytes, name: str = "animelist_1700000000_-_1234567.xml.gz"):
    return client.post("/api/imports/", {"file": SimpleUploadedFile(name, document)}, format="multipart")


def test_an_upload_answers_202_and_the_import_reports_what_it_did(me, user):
    response = upload(me, mal_export("anime", ENTRIES, gz=True))
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"] and body["url"].endswith(f"/api/imports/{body['id']}/")
    followed = me.get(f"/api/imports/{body['id']}/").json()
    assert followed["status"] == "done" and followed["category"] == "anime"
    assert followed["entries"] == 4 and followed["progress"] == {"written": 3, "total": 3}
    report = followed["report"]
    assert report["without_rating"] == 1  # Evangelion: no score, planned, no rating made up
    assert {key: report[key] for key in ("created", "updated", "unchanged", "new_works", "n_skipped")} == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "new_works": 3,
        "n_skipped": 1,
    }
    assert report["skipped"][0]["mal_id"] == "x" and "series_animedb_id" in report["skipped"][0]["reason"]
    assert dict(Rating.objects.filter(user=user).values_list("work__title", "choice")) == {
        "Cowboy Bebop": Choice.FAVORITE,
        "Naruto": Choice.NEUTRAL,
    }
    assert [item["id"] for item in me.get("/api/imports/").json()["results"]] == [body["id"]]


def test_the_same_file_twice_changes_nothing(me):
    document = mal_export("anime", ENTRIES)
    upload(me, document)
    again = me.get(upload(me, document).json()["url"]).json()["report"]
    assert (again["created"], again["updated"], again["unchanged"], again["new_works"]) == (0, 0, 2, 0)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><myanimelist>&a;</myanimelist>', "DOCTYPE"),
        (b"<rss><channel/></rss>", "not <myanimelist>"),
        (gzip.compress(mal_export("anime", ENTRIES))[:-20], "truncated"),
        (mal_export("anime", ENTRIES).replace(b"Naruto", "Narut\u00f6".encode("latin-1")), "UTF-8"),
    ],
    ids=["entities", "wrong-root", "truncated-gzip", "wrong-encoding"],
)
def test_a_hostile_file_is_a_failed_import_naming_the_file_and_nothing_is_written(me, document, words):
    works = Work.objects.count()
    response = upload(me, document, name="list.xml")
    # Stored, then read by the worker (at once here: tasks run eagerly), which refuses it.
    assert response.status_code == 202, response.content
    followed = me.get(response.json()["url"]).json()
    assert followed["status"] == "failed" and followed["category"] is None
    assert followed["reason"].startswith("list.xml: ") and words in followed["reason"]
    assert followed["report"]["skipped"] == [] and followed["report"]["created"] is None
    assert Work.objects.count() == works and not Rating.objects.exists()
    assert RatingImport.objects.get().upload is None  # dropped once read


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b"", "empty", "The submitted file is empty."),
        (b"%PDF-1.7\n" + b"x" * 100, "invalid", "list.pdf: This is not a MyAnimeList export"),
    ],
    ids=["empty", "pdf"],
)
def test_a_file_that_is_plainly_not_a_list_is_a_400_naming_the_field(me, document, code, words):
    response = upload(me, document, name="list.pdf")
    assert response.status_code == 400, response.content
    assert error_fields(response) == {"file": code} and words in response.json()["detail"]
    assert not RatingImport.objects.exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(me, settings):
    settings.MANGAKI_IMPORT_MAX_BYTES = 1000
    response = upload(me, b"<myanimelist>" + b" " * 200_000 + b"</myanimelist>")
    assert response.status_code == 413 and error_fields(response) == {"body": "too_large"}
    assert not RatingImport.objects.exists()


def test_a_missing_file_is_a_400_naming_the_field(me):
    response = me.post("/api/imports/", {}, format="multipart")
    assert response.status_code == 400 and error_fields(response) == {"file": "required"}


def test_past_the_hourly_share_a_member_gets_429(me, settings):
    settings.MANGAKI_IMPORTS_PER_HOUR = 1
    assert upload(me, mal_export("anime", ENTRIES)).status_code == 202
    refused = upload(me, mal_export("anime", ENTRIES))
    assert refused.status_code == 429 and "imports in the last hour" in refused.json()["detail"]
    assert 3500 < int(refused["Retry-After"]) <= 3601


def test_imports_are_private_and_uploading_needs_an_account(me, anon, client_of):
    own = upload(me, mal_export("anime", ENTRIES)).json()
    other = client_of(UserFactory())
    assert other.get(f"/api/imports/{own['id']}/").status_code == 404
    assert other.get("/api/imports/").json()["results"] == []
    assert anon.get(f"/api/imports/{own['id']}/").status_code == 401
    assert upload(anon, mal_export("anime", ENTRIES)).status_code == 401


def test_the_upload_is_stored_as_it_came_and_not_read_in_the_request(me):
    """Issue 20, row 7: lists were read inside the web request; a dozen at once stalled the site."""
    with celery_eager(False):  # tasks go to the broker (in memory here) and wait: no worker runs them
        try:
            uploads_without_a_worker(me)
        finally:
            app.control.purge()


def uploads_without_a_worker(me):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><myanimelist>&a;</myanimelist>'
    listed = mal_export("anime", ENTRIES, gz=True)
    for document in (bomb, listed):
        response = upload(me, document, name="list.xml")
        assert response.status_code == 202, response.content
        body = response.json()
        assert (body["status"], body["category"], body["entries"], body["progress"]) == (
            "queued",
            None,
            0,
            {"written": 0, "total": 0},
        )
        stored = RatingImport.objects.get(pk=body["id"])
        assert bytes(stored.upload) == document and stored.entries == []
    assert not Work.objects.exists() and not Rating.objects.exists()
