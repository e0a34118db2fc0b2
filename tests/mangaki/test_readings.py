"""Automatic readings of Japanese titles (WorkTitle.Kind.READING): found by search, never shown."""

import pytest

from mangaki.models import Work, WorkTitle
from mangaki.suggestions import work_suggestions
from mangaki.work_details import WORK_DETAIL_PREFETCH, shown_title, work_titles
from tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def apothecary():
    work = WorkFactory(title="The Apothecary Diaries")
    WorkTitle.objects.create(work=work, kind="original", language="ja", title="薬屋のひとりごと")
    WorkTitle.objects.create(work=work, kind="reading", language="ja-Latn", title="Kusuriya no hitorigoto")
    return work


def test_a_reading_finds_the_work(apothecary):
    assert list(Work.objects.search("kusuriya no hitorigoto")) == [apothecary]
    assert list(Work.objects.search("kusuriya")) == [apothecary]


def test_a_work_found_by_its_reading_is_suggested_under_its_own_title(apothecary):
    [suggestion] = work_suggestions(query="kusuriya", user=None)
    assert suggestion.work == apothecary
    assert (suggestion.title, suggestion.other_title) == ("The Apothecary Diaries", None)


def test_the_work_page_and_the_api_never_show_a_reading(client, apothecary):
    work = Work.objects.prefetch_related(*WORK_DETAIL_PREFETCH).get(pk=apothecary.pk)
    original, others = work_titles(work)
    assert original.title == "薬屋のひとりごと" and others == []
    assert shown_title(work) == "The Apothecary Diaries"
    page = client.get(apothecary.get_absolute_url()).content.decode()
    assert "薬屋のひとりごと" in page and "Kusuriya" not in page
    answer = client.get(f"/api/works/{apothecary.pk}/").json()
    assert "Kusuriya" not in str(answer)


def test_a_lower_case_title_is_not_given_capitals_by_a_reading(db):
    work = WorkFactory(title="kaibutsu kun")
    WorkTitle.objects.create(work=work, kind="reading", language="ja-Latn", title="Kaibutsu Kun")
    work = Work.objects.prefetch_related(*WORK_DETAIL_PREFETCH).get(pk=work.pk)
    assert shown_title(work) == "kaibutsu kun"
