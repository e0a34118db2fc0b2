"""A new import settles what an import before statuses were kept may have made up, and says
which ratings made here it changed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mangaki.choices import Choice
from mangaki.models import Category, Progress, Rating, RatingImport
from mangaki.services.ratings import rating_set
from tests.mal_files import mal_export
from tests.mangaki.test_counters import assert_counters_equal_a_recount
from tests.mangaki.test_rating_imports import choices_of, mal_work, run_import

pytestmark = pytest.mark.django_db


def old_import(user, work_ids, finished) -> RatingImport:
    """A finished import as migration 0020 leaves one read by the old reader."""
    return RatingImport.objects.create(
        user=user,
        category=Category.objects.get(slug="anime"),
        file_name="animelist_old.xml",
        status=RatingImport.Status.DONE,
        finished=finished,
        report={"created": len(work_ids), "updated": 0, "unchanged": 0, "new_works": 0, "skipped": []},
        from_status=sorted(work_ids),
    )


def dated(user, work, choice, when) -> None:
    rating_set(user=user, work=work, choice=choice)
    Rating.objects.filter(user=user, work=work).update(date=when)


def test_reimport_removes_a_made_up_rating_keeps_scored_and_since_changed_ones_and_reports_changes(user):
    unscored, scored, changed_since, bebop, elsewhere = (
        mal_work(1, title="Completed, no score"),
        mal_work(2, title="Scored six"),
        mal_work(3, title="Rated since"),
        mal_work(4, title="Cowboy Bebop"),
        mal_work(5, title="Not in the new file"),
    )
    finished = timezone.now() - timedelta(days=30)
    for work in (unscored, scored, elsewhere):
        dated(user, work, Choice.NEUTRAL, finished - timedelta(minutes=1))
    dated(user, changed_since, Choice.WILLSEE, finished + timedelta(days=1))  # the person rated it here since
    rating_set(user=user, work=bebop, choice=Choice.FAVORITE)
    earlier = old_import(user, [unscored.pk, scored.pk, changed_since.pk, elsewhere.pk], finished)
    document = mal_export(
        "anime",
        [
            {"id": 1, "title": "Completed, no score", "score": 0, "status": "Completed"},
            {"id": 2, "title": "Scored six", "score": 6, "status": "Completed"},
            {"id": 3, "title": "Rated since", "score": 0, "status": "Plan to Watch"},
            {"id": 4, "title": "Cowboy Bebop", "score": 8, "status": "Completed"},
        ],
    )
    done = run_import(user, document)
    assert done.status == RatingImport.Status.DONE
    assert choices_of(user) == {
        2: Choice.NEUTRAL,  # the file says 6: the choice stands, now with its score
        3: Choice.WILLSEE,  # changed after the old import: the person's own
        4: Choice.LIKE,
        5: Choice.NEUTRAL,  # not in this file: still unsettled
    }
    assert Rating.objects.get(user=user, work=scored).mal_score == 6
    assert Progress.objects.get(user=user, work=unscored).status == "completed"
    report = done.report
    assert report["retracted"] == 1
    assert report["n_changed"] == 1
    assert report["changed"] == [
        {"work": bebop.pk, "title": "Cowboy Bebop", "was": "favorite", "now": "like"}
    ]
    assert report["without_rating"] == 2
    earlier.refresh_from_db()
    assert earlier.from_status == [elsewhere.pk]
    assert_counters_equal_a_recount([unscored.pk, scored.pk, changed_since.pk, bebop.pk, elsewhere.pk])
    # Imported once more: nothing left to settle, nothing changed.
    again = run_import(user, document)
    assert (again.report["retracted"], again.report["n_changed"], again.report["changed"]) == (0, 0, [])


def test_a_new_import_never_removes_ratings_without_an_old_import_behind_them(user):
    work = mal_work(1, title="Rated here")
    rating_set(user=user, work=work, choice=Choice.NEUTRAL)
    done = run_import(
        user, mal_export("anime", [{"id": 1, "title": "Rated here", "score": 0, "status": "Completed"}])
    )
    assert done.report["retracted"] == 0
    assert choices_of(user) == {1: Choice.NEUTRAL}


def test_another_persons_old_import_settles_nothing_of_mine(user, django_user_model):
    work = mal_work(1, title="Shared")
    finished = timezone.now() - timedelta(days=3)
    dated(user, work, Choice.NEUTRAL, finished - timedelta(minutes=1))
    someone = django_user_model.objects.create_user("someone", password="x" * 12)
    old_import(someone, [work.pk], finished)
    run_import(user, mal_export("anime", [{"id": 1, "title": "Shared", "score": 0, "status": "Completed"}]))
    assert choices_of(user) == {1: Choice.NEUTRAL}


def test_the_page_and_api_say_which_ratings_changed_and_which_may_be_made_up(client, user):
    bebop = mal_work(1, title="Cowboy <Bebop>")
    rating_set(user=user, work=bebop, choice=Choice.FAVORITE)
    done = run_import(
        user, mal_export("anime", [{"id": 1, "title": "Cowboy <Bebop>", "score": 8, "status": "Completed"}])
    )
    earlier = old_import(user, [bebop.pk, bebop.pk + 1000], timezone.now() - timedelta(days=1))
    client.force_login(user)
    page = client.get(reverse("import-detail", args=[done.pk])).content.decode()
    assert 'id="report-changes"' in page and "Cowboy &lt;Bebop&gt;" in page
    assert "<td>Favorite</td><td>Like</td>" in page
    assert 'id="import-from-status"' not in page
    old_page = client.get(reverse("import-detail", args=[earlier.pk])).content.decode()
    assert 'id="import-from-status"' in old_page and "2 ratings it wrote" in old_page
    answer = client.get(reverse("api:rating-import-detail", args=[done.pk])).json()
    assert answer["report"]["n_changed"] == 1
    assert answer["report"]["changed"] == [
        {"work": bebop.pk, "title": "Cowboy <Bebop>", "was": "favorite", "now": "like"}
    ]
    assert answer["ratings_from_status"] == 0
    assert (
        client.get(reverse("api:rating-import-detail", args=[earlier.pk])).json()["ratings_from_status"] == 2
    )
