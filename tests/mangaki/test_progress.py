"""Progress beside opinion: the write path of where a person is with a work (services.progress)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from mangaki.choices import status_label
from mangaki.models import Category, Progress, Rating
from mangaki.services.accounts import account_delete
from mangaki.services.guests import guest_create, guest_merge
from mangaki.services.progress import progress_delete, progress_set, progress_step
from mangaki.services.ratings import AccountGone, rating_set
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return WorkFactory(title="Twelve episodes", nb_episodes=12)


@pytest.fixture
def manga():
    category, _ = Category.objects.get_or_create(slug="manga", defaults={"name": "Manga"})
    return WorkFactory(title="A manga", category=category, nb_chapters=40, nb_volumes=5)


def refused_fields(call) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        call()
    return set(refused.value.message_dict)


def test_an_entry_holds_a_status_and_how_far_without_touching_the_rating(series):
    person = UserFactory()
    rating_set(user=person, work=series, choice="like")
    entry, created = progress_set(user=person, work=series, status="watching", episodes=3)
    assert created and (entry.status, entry.episodes) == ("watching", 3)
    entry, created = progress_set(user=person, work=series, episodes=4, started=date(2026, 1, 2))
    assert not created and (entry.status, entry.episodes, entry.started) == ("watching", 4, date(2026, 1, 2))
    assert Rating.objects.get(user=person, work=series).choice == "like"  # the opinion is its own
    assert progress_delete(user=person, work=series) and not progress_delete(user=person, work=series)
    assert Rating.objects.filter(user=person, work=series).exists()


def test_each_broken_rule_is_named_and_nothing_is_written(series, manga):
    person = UserFactory()
    assert refused_fields(lambda: progress_set(user=person, work=series, episodes=2)) == {"status"}
    assert refused_fields(lambda: progress_set(user=person, work=series, status="binged")) == {"status"}
    assert refused_fields(lambda: progress_set(user=person, work=series, status="watching", episodes=13)) == {
        "episodes"
    }
    assert refused_fields(lambda: progress_set(user=person, work=series, status="watching", chapters=1)) == {
        "chapters"
    }
    assert refused_fields(lambda: progress_set(user=person, work=manga, status="watching", episodes=1)) == {
        "episodes"
    }
    later, earlier = date(2026, 3, 1), date(2026, 2, 1)
    assert refused_fields(
        lambda: progress_set(user=person, work=series, status="completed", started=later, finished=earlier)
    ) == {"finished"}
    tomorrow_and_more = date.today() + timedelta(days=3)
    assert refused_fields(
        lambda: progress_set(user=person, work=series, status="watching", started=tomorrow_and_more)
    ) == {"started"}
    assert refused_fields(
        lambda: progress_set(user=person, work=series, status="watching", rewatches=-1)
    ) == {"rewatches"}
    assert not Progress.objects.filter(user=person).exists()


def test_completed_without_a_count_counts_the_whole_work_and_a_given_count_is_kept(series, manga):
    person = UserFactory()
    entry, _ = progress_set(user=person, work=series, status="completed")
    assert entry.episodes == 12
    entry, _ = progress_set(user=person, work=manga, status="completed", chapters=38)
    assert (entry.chapters, entry.volumes) == (38, 5)
    unknown = WorkFactory(nb_episodes=None)
    entry, _ = progress_set(user=person, work=unknown, status="completed")
    assert entry.episodes == 0  # no length known: no count invented


def test_one_more_episode_starts_watching_and_says_when_it_was_the_last(series, manga):
    person = UserFactory()
    progress_set(user=person, work=series, status="planned")
    first = progress_step(user=person, work=series)
    assert (first.entry.status, first.entry.episodes, first.reached_the_end) == ("watching", 1, False)
    assert first.entry.started is None  # the site does not guess when they started
    progress_set(user=person, work=series, episodes=11)
    last = progress_step(user=person, work=series)
    assert (last.entry.episodes, last.reached_the_end) == (12, True)
    assert refused_fields(lambda: progress_step(user=person, work=series)) == {"episodes"}
    chapter = progress_step(user=person, work=manga)  # not on the list: it is now, being read
    assert (chapter.entry.status, chapter.entry.chapters, chapter.entry.episodes) == ("watching", 1, 0)
    assert chapter.entry.status_label == "Reading" and status_label("planned", "manga") == "Plan to read"


def test_a_deleted_account_takes_its_list_along_and_cannot_write_again(series):
    person = UserFactory()
    progress_set(user=person, work=series, status="dropped", episodes=2)
    account_delete(user=person)
    assert not Progress.objects.exists()
    with pytest.raises(AccountGone):
        progress_set(user=person, work=series, status="watching")


def test_a_visitors_list_goes_to_the_account_they_sign_in_to_keeping_the_accounts_entries(series):
    guest, member = guest_create(), UserFactory()
    other = WorkFactory()
    progress_set(user=guest, work=series, status="watching", episodes=5)
    progress_set(user=guest, work=other, status="planned")
    progress_set(user=member, work=series, status="completed")
    guest_merge(guest=guest, into=member)
    kept = dict(Progress.objects.filter(user=member).values_list("work_id", "status"))
    assert kept == {series.pk: "completed", other.pk: "planned"}
