"""One rule for titles stored all in lower case: shown in a proper form the data has, never invented."""

import pytest
from django.urls import reverse

from mangaki.models import Work, WorkTitle
from mangaki.titles import is_all_lower_case, proper_form
from tests.covers import store_cover
from tests.factories import WorkFactory


@pytest.mark.parametrize(
    ("title", "others", "shown"),
    [
        ("attack on titan", ["Shingeki no Kyojin", "Attack on Titan"], "Attack on Titan"),
        # The first spelling with small letters wins over shouting.
        ("attack on titan", ["ATTACK ON TITAN", "Attack On Titan", "Attack on Titan"], "Attack On Titan"),
        ("attack on titan", ["ATTACK ON TITAN"], "ATTACK ON TITAN"),
        # No other spelling of the same words: as stored, never title-cased.
        ("tamayura hitotose", ["たまゆら～hitotose～"], "tamayura hitotose"),
        ("il sole penetra le illusioni", [], "il sole penetra le illusioni"),
        # Only an all-lower-case title is replaced; others are the data's own styling.
        ("Attack on Titan", ["attack on titan", "ATTACK ON TITAN"], "Attack on Titan"),
        ("ATTACK ON TITAN", ["Attack on Titan"], "ATTACK ON TITAN"),
        ("進撃の巨人", ["Attack on Titan"], "進撃の巨人"),
        # Accents count: another word is not the same title.
        ("resume", ["Résumé"], "resume"),
    ],
)
def test_proper_form(title, others, shown):
    assert proper_form(title, others) == shown


def test_a_title_with_no_case_is_not_lower_case():
    assert is_all_lower_case("attack on titan 2")
    assert (
        not is_all_lower_case("進撃の巨人")
        and not is_all_lower_case("2001")
        and not is_all_lower_case("Kyojin")
    )


@pytest.fixture
def lower_case_work(db):
    work = WorkFactory(title="attack on titan")
    WorkTitle.objects.create(work=work, title="進撃の巨人", language="ja", kind="original")
    WorkTitle.objects.create(work=work, title="Attack on Titan", language="en", kind="translation")
    WorkTitle.objects.create(work=work, title="attack on titan", language="en", kind="translation")
    WorkTitle.objects.create(work=work, title="l'attacco dei giganti", language="it", kind="translation")
    return work


def test_the_work_page_shows_the_proper_form_of_its_titles(client, lower_case_work, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    store_cover(lower_case_work)
    response = client.get(lower_case_work.get_absolute_url())
    html = response.content.decode()
    assert '<h1 id="work-title">Attack on Titan</h1>' in html
    assert 'alt="Cover of Attack on Titan"' in html
    assert "<title>Attack on Titan · Mangaki</title>" in html
    others = [(title.language, title.title) for title in response.context["other_titles"]]
    # The English title once, in its proper form (it is the page's title: not repeated); the
    # Italian one as stored (no other spelling of it).
    assert others == [("it", "l'attacco dei giganti")]
    assert response.context["original_title"].title == "進撃の巨人"


def test_a_lower_case_translation_is_listed_in_the_proper_form_of_its_twin(client, db):
    work = WorkFactory(title="Shingeki no Kyojin")
    WorkTitle.objects.create(work=work, title="attack on titan", language="en", kind="translation")
    WorkTitle.objects.create(work=work, title="Attack on Titan", language="en-US", kind="translation")
    WorkTitle.objects.create(work=work, title="sword art online", language="fr", kind="translation")
    response = client.get(work.get_absolute_url())
    others = [(title.language, title.title) for title in response.context["other_titles"]]
    assert others == [("en", "Attack on Titan"), ("en-US", "Attack on Titan"), ("fr", "sword art online")]
    assert '<h1 id="work-title">Shingeki no Kyojin</h1>' in response.content.decode()


def test_suggestions_show_the_proper_form(client, lower_case_work):
    WorkTitle.objects.filter(work=lower_case_work, title="Attack on Titan").update(title="Attack On Titan")
    [found] = client.get(reverse("search-suggest"), {"q": "attack on"}).json()["results"]
    assert (found["title"], found["other_title"]) == ("Attack On Titan", None)
    [found] = client.get(reverse("search-suggest"), {"q": "giganti"}).json()["results"]
    assert (found["title"], found["other_title"]) == ("Attack On Titan", "l'attacco dei giganti")
    assert Work.objects.get(pk=lower_case_work.pk).title == "attack on titan"  # the data is untouched
