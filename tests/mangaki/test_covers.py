"""Covers on cards, work pages, recommendation lists and in the API, and the view that serves them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date
from PIL import Image

from mangaki.api.serializers import WorkSummarySerializer
from mangaki.models import Work
from mangaki.precompiled import PartialModel
from mangaki.recommendations.lists import LISTED_WORK_FIELDS, works_by_pk
from mangaki.views.cards import COVER_HEIGHT, COVER_WIDTH
from tests.covers import cover_bytes, store_cover
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"
IMG = re.compile(r"<img [^>]*>")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Covers go to a folder of this test only."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def covers_in(html: str) -> list[str]:
    return [tag for tag in IMG.findall(html) if "data-cover" in tag]


def attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def opted_in_client(client, *, nsfw_ok: bool):
    user = UserFactory()
    user.profile.nsfw_ok = nsfw_ok
    user.profile.save(update_fields=["nsfw_ok"])
    client.force_login(user)
    return client


def test_a_card_with_a_cover_draws_it_in_a_fixed_box_over_its_placeholder(client, settings):
    covered = store_cover(WorkFactory(title="Covered"))
    WorkFactory(title="Bare")
    html = client.get(reverse("work-list", args=["anime"]), {"sort": "title"}).content.decode()
    [tag] = covers_in(html)
    assert attribute(tag, "src") == f"{settings.MEDIA_URL}covers/{covered.pk}.jpg"
    assert attribute(tag, "src").startswith("/media/covers/")
    assert (attribute(tag, "width"), attribute(tag, "height")) == (str(COVER_WIDTH), str(COVER_HEIGHT))
    assert attribute(tag, "loading") == "lazy" and attribute(tag, "decoding") == "async"
    assert attribute(tag, "alt") == "Cover of Covered"
    assert 'class="cover"' in tag  # not masked
    # Each card has its placeholder (the covered one's hidden under its cover, from readers too).
    assert html.count('class="poster-placeholder"') == 2
    assert html.count('class="poster-placeholder" style="--hue: ') == 2
    assert html.count('aria-hidden="true"><span class="monogram">C</span>') == 1
    assert '<span class="monogram">B</span>' in html


def test_a_card_without_a_cover_draws_only_the_placeholder(client):
    WorkFactory(title="Bare")
    html = client.get(reverse("work-list", args=["anime"])).content.decode()
    assert not IMG.findall(html.split("<main", 1)[1])
    assert '<span class="poster-placeholder" style="--hue: ' in html
    assert '<span class="monogram">B</span><span class="poster-type">TV</span>' in html


def test_the_catalogue_page_costs_the_same_queries_with_covers(client):
    works = [WorkFactory() for _ in range(6)]
    url = reverse("work-list", args=["anime"])
    client.get(url)  # sessions, content types: warm
    with CaptureQueriesContext(connection) as bare:
        client.get(url)
    for work in works:
        store_cover(work)
    with CaptureQueriesContext(connection) as covered:
        html = client.get(url).content.decode()
    assert len(covers_in(html)) == 6
    assert len(covered) == len(bare) <= 6, [query["sql"] for query in covered]


def test_the_work_page_shows_its_cover_and_its_synopsis_escaped_in_paragraphs(client):
    work = store_cover(WorkFactory(title=f"Title {XSS}"))
    Work.objects.filter(pk=work.pk).update(synopsis=f"First paragraph {XSS}.\n\nSecond & last.")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(work.get_absolute_url()).content.decode()
    [tag] = covers_in(html)
    assert attribute(tag, "src") == work.cover_url
    assert (attribute(tag, "width"), attribute(tag, "height")) == (str(COVER_WIDTH), str(COVER_HEIGHT))
    assert attribute(tag, "alt") == "Cover of Title &lt;script&gt;alert(1)&lt;/script&gt;"
    assert attribute(tag, "loading") is None  # the page's main image: not lazy
    assert 'class="work-poster has-cover"' in html
    assert (
        "<p>First paragraph &lt;script&gt;alert(1)&lt;/script&gt;.</p>\n\n<p>Second &amp; last.</p>" in html
    )
    assert XSS not in html
    assert len(queries) <= 12


def test_a_work_page_without_cover_keeps_its_large_placeholder(client):
    work = WorkFactory(title="Bare")
    html = client.get(work.get_absolute_url()).content.decode()
    assert not covers_in(html)
    assert 'class="work-poster"' in html
    assert '<span class="poster-placeholder poster-large" style="--hue: ' in html
    assert 'class="synopsis"' not in html


def test_an_nsfw_cover_is_blurred_for_who_opted_in_and_revealed_only_on_its_page(client):
    work = store_cover(WorkFactory(title="Adult", nsfw=True))
    opted_in_client(client, nsfw_ok=True)
    html = client.get(reverse("work-list", args=["anime"])).content.decode()
    [tag] = covers_in(html)
    assert 'class="cover is-masked"' in tag
    assert "NSFW</span>" in html
    assert "data-cover-reveal" not in html  # a card's poster is a link: reveal on the page
    page = client.get(work.get_absolute_url()).content.decode()
    [tag] = covers_in(page)
    assert 'class="cover is-masked"' in tag
    assert '<button type="button" class="button button-small cover-reveal" data-cover-reveal>' in page


def test_an_nsfw_cover_is_never_sent_to_who_did_not_opt_in(client):
    work = store_cover(WorkFactory(title="Adult", nsfw=True))
    store_cover(WorkFactory(title="Safe"))
    for visitor in (client, opted_in_client(client.__class__(), nsfw_ok=False)):
        html = visitor.get(reverse("work-list", args=["anime"])).content.decode()
        assert [attribute(tag, "alt") for tag in covers_in(html)] == ["Cover of Safe"]
        assert work.cover.name not in html
        assert visitor.get(work.get_absolute_url()).status_code == 403


def test_a_card_never_carries_an_nsfw_cover_to_who_may_not_see_it(rf, settings):
    """Wherever such a work reaches a card (decorate), the placeholder is drawn instead."""
    from django.contrib.auth.models import AnonymousUser

    from mangaki.views.cards import decorate

    adult = store_cover(WorkFactory(nsfw=True))
    request = rf.get("/")
    request.user = AnonymousUser()
    [shown] = decorate([Work.objects.get(pk=adult.pk)], request)
    assert (shown.poster_url, shown.poster_masked) == ("", False)
    user = UserFactory()
    user.profile.nsfw_ok = True
    user.profile.save(update_fields=["nsfw_ok"])
    request.user = user
    [shown] = decorate([Work.objects.get(pk=adult.pk)], request)
    assert (shown.poster_url, shown.poster_masked) == (adult.cover_url, True)


def test_listed_works_turn_the_cover_column_into_a_stored_file(settings):
    """Recommendation lists build works from rows (PartialModel): the cover is a file with a URL."""
    covered = store_cover(WorkFactory(title="Covered"))
    bare = WorkFactory(title="Bare")
    assert "cover" in LISTED_WORK_FIELDS
    works = works_by_pk({covered.pk, bare.pk})
    cover = works[covered.pk].cover
    assert isinstance(cover, FieldFile)
    assert cover.name == f"covers/{covered.pk}.jpg"
    assert cover.url == f"{settings.MEDIA_URL}covers/{covered.pk}.jpg" == works[covered.pk].cover_url
    with cover.open("rb") as stored:
        assert Image.open(stored).size == (230, 345)
    assert not works[bare.pk].cover and works[bare.pk].cover_url == ""
    # The same from the bare PartialModel, as any other list of rows would give it.
    partial = PartialModel(Work, LISTED_WORK_FIELDS)
    row = Work.objects.filter(pk=covered.pk).values_list(*partial.columns).get()
    assert partial.instance("default", row).cover_url == covered.cover_url
    assert WorkSummarySerializer(works[covered.pk]).data["cover_url"] == covered.cover_url
    assert WorkSummarySerializer(works[bare.pk]).data["cover_url"] is None


def test_the_api_gives_each_work_its_site_relative_cover_url(client):
    covered = store_cover(WorkFactory(title="Covered"))
    WorkFactory(title="Bare")
    results = client.get("/api/works/", {"category": "anime", "ordering": "title"}).json()["results"]
    assert [(work["title"], work["cover_url"]) for work in results] == [
        ("Bare", None),
        ("Covered", f"/media/covers/{covered.pk}.jpg"),
    ]
    image = client.get(results[1]["cover_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_the_cover_view_serves_the_stored_file_with_caching_headers(client):
    work = store_cover(WorkFactory())
    assert reverse("cover", args=[f"{work.pk}.jpg"]) == work.cover_url == default_storage.url(work.cover.name)
    response = client.get(work.cover_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == default_storage.open(work.cover.name).read()
    assert response["Cache-Control"] == "public, max-age=86400"
    modified = default_storage.get_modified_time(work.cover.name)
    assert response["Last-Modified"] == http_date(modified.timestamp())
    again = client.get(work.cover_url, headers={"If-Modified-Since": response["Last-Modified"]})
    assert again.status_code == 304
    stale = http_date((modified - timedelta(days=1)).timestamp())
    assert client.get(work.cover_url, headers={"If-Modified-Since": stale}).status_code == 200
    assert client.head(work.cover_url).status_code == 200
    assert client.post(work.cover_url).status_code == 405


def test_the_cover_view_serves_covers_only(client, media):
    default_storage.save("models/ease-1.npz", ContentFile(b"not public"))
    default_storage.save("covers/notes.txt", ContentFile(b"not an image"))
    default_storage.save("secret.jpg", ContentFile(cover_bytes((1, 2, 3))))
    for url in (
        "/media/covers/missing.jpg",
        "/media/covers/notes.txt",
        "/media/covers/../secret.jpg",
        "/media/covers/%2e%2e/secret.jpg",
        "/media/covers/..%2fsecret.jpg",
        "/media/covers/.hidden.jpg",
        "/media/models/ease-1.npz",
        "/media/secret.jpg",
    ):
        assert client.get(url).status_code == 404, url
    with CaptureQueriesContext(connection) as queries:
        missing = client.get("/media/covers/missing.jpg")
    assert missing["Content-Type"].startswith("text/plain") and not queries  # no page for an image


def test_every_page_allows_images_from_this_site_only(client):
    work = store_cover(WorkFactory())
    for url in (reverse("home"), reverse("work-list", args=["anime"]), work.get_absolute_url()):
        policy = client.get(url)["Content-Security-Policy"]
        [images] = [part.strip() for part in policy.split(";") if part.strip().startswith("img-src")]
        assert images == "img-src 'self'", url
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    assert "img-src 'self' data:" in docs
