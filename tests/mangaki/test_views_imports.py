"""The import page: upload, redirect to the import's page, its report; refusals shown on the form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from mangaki.choices import Choice
from mangaki.mal import NO_SCORE_HERE, mapping_table
from mangaki.models import Category, Progress, Rating, RatingImport
from mangaki.views.cards import CHOICE_LABELS
from tests.factories import UserFactory
from tests.mal_files import mal_export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

ENTRIES = [
    {"id": 1, "title": "Cowboy Bebop", "score": 10, "status": "Completed"},
    {"id": 2, "title": "Ghost & <Shell>", "score": 0, "status": "Plan to Watch"},
    {"id": 3, "title": "Naruto", "score": 12, "status": "Completed"},
]


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


def post_file(client, document: bytes, name="animelist.xml"):
    return client.post(reverse("import"), {"file": SimpleUploadedFile(name, document)})


def test_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("import"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_page_explains_the_mapping_it_applies(member):
    html = member.get(reverse("import")).content.decode()
    assert 'enctype="multipart/form-data"' in html
    for said, choice in mapping_table():
        assert (
            f"<td>{said}</td>" in html and escape(CHOICE_LABELS[choice] if choice else NO_SCORE_HERE) in html
        )


def test_an_upload_leads_to_the_import_page_with_its_report(member, user):
    response = post_file(member, mal_export("anime", ENTRIES))
    rating_import = RatingImport.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse(
        "import-detail", args=[rating_import.pk]
    )
    page = member.get(response["Location"]).content.decode()
    assert "Done: your list is in." in page
    assert '<dd id="report-created">1</dd>' in page and '<dd id="report-new-works">2</dd>' in page
    assert '<dd id="report-without-rating">1</dd>' in page
    assert "&#x27;12&#x27;" in page  # the skipped line's reason, escaped
    assert dict(Rating.objects.filter(user=user).values_list("work__title", "choice")) == {
        "Cowboy Bebop": Choice.FAVORITE,
    }
    assert Progress.objects.get(user=user, work__title="Ghost & <Shell>").status == "planned"
    assert "animelist.xml" in member.get(reverse("import")).content.decode()


def test_a_hostile_file_leads_to_its_failed_import_with_the_reason_and_nothing_is_written(member, user):
    response = post_file(
        member, b'<!DOCTYPE a [<!ENTITY b SYSTEM "file:///etc/passwd">]><myanimelist>&b;</myanimelist>'
    )
    rating_import = RatingImport.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse(
        "import-detail", args=[rating_import.pk]
    )
    # The worker (here: at once, tasks run eagerly) read the file and refused it, naming it.
    page = member.get(response["Location"]).content.decode()
    assert "The import failed. animelist.xml: " in page and "DOCTYPE" in page
    assert 'data-status="failed"' in page  # the page's script does not follow a failed import
    assert rating_import.status == RatingImport.Status.FAILED and rating_import.upload is None
    assert not Rating.objects.exists()


def test_a_file_that_is_not_xml_is_refused_on_the_form(member):
    response = post_file(member, b"GIF89a" + b"\0" * 50, name="cat.gif")
    assert response.status_code == 200
    assert "cat.gif: This is not a MyAnimeList export" in response.context["form"].errors["file"][0]
    assert not RatingImport.objects.exists()


def test_someone_elses_import_is_not_found(member):
    other = UserFactory()
    anime = Category.objects.get(slug="anime")
    theirs = RatingImport.objects.create(user=other, category=anime, file_name="theirs.xml")
    assert member.get(reverse("import-detail", args=[theirs.pk])).status_code == 404


def test_a_guest_is_asked_to_sign_up(client):
    from mangaki.services.guests import guest_create

    client.force_login(guest_create(), backend="mangaki.backends.ProfileModelBackend")
    page = client.get(reverse("import")).content.decode()
    assert 'id="import-form"' not in page and reverse("signup") in page
    response = post_file(client, mal_export("anime", ENTRIES))
    assert "Sign up" in response.context["form"].errors["file"][0]
    assert not RatingImport.objects.exists()


def test_the_upload_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert post_file(client, mal_export("anime", ENTRIES)).status_code == 403
    assert not RatingImport.objects.exists()


def test_an_upload_waits_for_the_worker_to_read_it(member, user):
    """Without a worker at hand the import waits, queued, with the file unread (row 7 of issue 20)."""
    from mangaki.celery import app
    from tests.conftest import celery_eager

    with celery_eager(False):
        response = post_file(member, mal_export("anime", ENTRIES))
        app.control.purge()
    rating_import = RatingImport.objects.get(user=user)
    assert rating_import.status == RatingImport.Status.QUEUED and rating_import.entries == []
    page = member.get(response["Location"]).content.decode()
    assert "List: animelist.xml" in page and "Waiting to start" in page
    assert 'data-status="queued"' in page  # the page's script follows it
    assert not Rating.objects.exists()
