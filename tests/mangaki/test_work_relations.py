"""A work's relations on its page ("Related", by kind, linked) and in the API, without N+1 queries."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from mangaki.models import Category, Studio, Work, WorkRelation
from tests.factories import UserFactory, WorkFactory


def relate(work, kind, related):
    WorkRelation.objects.create(work=work, kind=kind, related=related)


@pytest.fixture
def franchise(db):
    manga = Category.objects.get(slug="manga")
    work = WorkFactory(title="Shingeki no Kyojin", aired_from=date(2013, 4, 7), synopsis="Humanity & walls.")
    works = {
        "work": work,
        "sequel": WorkFactory(title="Shingeki no Kyojin 2", aired_from=date(2017, 4, 1)),
        "manga": WorkFactory(title="Shingeki no Kyojin (manga)", category=manga, work_type="Manga"),
        "ova": WorkFactory(title="Shingeki no Kyojin OVA", work_type="OVA", aired_from=date(2013, 12, 9)),
        "lost": WorkFactory(title="LOST GIRLS", work_type="OVA", aired_from=date(2017, 12, 8)),
        "adult": WorkFactory(title="Adult spin-off", nsfw=True),
    }
    relate(work, "sequel", works["sequel"])
    relate(work, "adaptation", works["manga"])
    relate(work, "side_story", works["lost"])
    relate(work, "side_story", works["ova"])
    relate(work, "spin_off", works["adult"])
    return works


def related_html(html: str) -> str:
    found = re.search(r'<section class="work-titles work-related".*?</section>', html, re.S)
    return found.group(0) if found else ""


def page_queries(client, work) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(work.get_absolute_url())
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_work_page_lists_its_relations_by_kind_with_links(client, franchise):
    _, html = page_queries(client, franchise["work"])
    section = related_html(html)
    assert ">Related</h2>" in section
    labels = re.findall(r"<dt>([^<]+)</dt>", section)
    assert labels == ["Sequel", "Side story", "Adaptation"]  # the kinds' order; empty kinds left out
    for name in ("sequel", "manga", "ova", "lost"):
        assert f'href="{franchise[name].get_absolute_url()}"' in section
    assert section.index("Shingeki no Kyojin OVA") < section.index("LOST GIRLS")  # first aired first
    assert "Adult spin-off" not in html  # NSFW hidden from people who do not see it
    assert (
        related_html(page_queries(client, franchise["sequel"])[1]) == ""
    )  # AniList lists it on the other side


def test_nsfw_relations_are_shown_to_those_who_opted_in(client, franchise):
    user = UserFactory()
    user.profile.nsfw_ok = True
    user.profile.save(update_fields=["nsfw_ok"])
    client.force_login(user)
    _, html = page_queries(client, franchise["work"])
    assert "Adult spin-off" in related_html(html) and "<dt>Spin-off</dt>" in related_html(html)


def test_the_page_reads_relations_in_one_query_whatever_their_number(client, franchise):
    before, _ = page_queries(client, franchise["work"])
    for n in range(6):
        relate(franchise["work"], "alternative", WorkFactory(title=f"Alternative {n}"))
    after, html = page_queries(client, franchise["work"])
    assert len(re.findall(r">Alternative \d<", related_html(html))) == 6
    assert after == before


def test_the_api_gives_relations_status_studios_and_anilist_figures(franchise):
    work = franchise["work"]
    Work.objects.filter(pk=work.pk).update(status="finished", anilist_score=85, anilist_popularity=900000)
    work.studios.add(Studio.objects.create(name="WIT STUDIO", anilist_id=858))
    api = APIClient()
    with CaptureQueriesContext(connection) as few:
        answer = api.get(f"/api/works/{work.pk}/").json()
    assert (answer["status"], answer["anilist_score"], answer["anilist_popularity"]) == (
        "finished",
        85,
        900000,
    )
    assert answer["studios"] == ["WIT STUDIO"] and answer["synopsis"] == "Humanity & walls."
    kinds = [
        (relation["kind"], relation["label"], relation["work"]["title"]) for relation in answer["relations"]
    ]
    assert kinds == [
        ("sequel", "Sequel", "Shingeki no Kyojin 2"),
        ("side_story", "Side story", "Shingeki no Kyojin OVA"),
        ("side_story", "Side story", "LOST GIRLS"),
        ("adaptation", "Adaptation", "Shingeki no Kyojin (manga)"),
    ]
    assert answer["relations"][3]["work"]["category"] == "manga"
    for n in range(5):
        relate(work, "summary", WorkFactory(title=f"Summary {n}"))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"/api/works/{work.pk}/").json()["relations"]) == 9
    assert len(many) == len(few)
