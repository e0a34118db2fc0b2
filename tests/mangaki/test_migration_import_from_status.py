"""Migration 0020 on a database holding imports made before statuses were kept."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = ("mangaki", "0019_rating_mal_score"), ("mangaki", "0020_import_from_status")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("mangaki")[0])


def test_old_imports_get_the_ratings_they_may_have_made_up_and_nothing_is_changed(old_apps):
    User = old_apps.get_model("auth", "User")
    Category = old_apps.get_model("mangaki", "Category")
    Work = old_apps.get_model("mangaki", "Work")
    Rating = old_apps.get_model("mangaki", "Rating")
    RatingImport = old_apps.get_model("mangaki", "RatingImport")
    anime, manga = Category.objects.get(slug="anime"), Category.objects.get(slug="manga")
    ana, ben = User.objects.create(username="ana"), User.objects.create(username="ben")
    works = {name: Work.objects.create(title=name, category=anime) for name in "abcdefg"}
    a_manga = Work.objects.create(title="m", category=manga)
    now = timezone.now()
    start, end = now - timedelta(days=10, minutes=5), now - timedelta(days=10)

    def rate(user, work, choice, when):
        rating = Rating.objects.create(user=user, work=work, choice=choice)
        Rating.objects.filter(pk=rating.pk).update(date=when)

    during = start + timedelta(minutes=1)
    rate(ana, works["a"], "neutral", during)  # an unscored Completed, or a 5-6: unknown
    rate(ana, works["b"], "willsee", during)
    rate(ana, works["c"], "wontsee", during)
    rate(ana, works["d"], "like", during)  # from a score: never from a status
    rate(ana, works["e"], "neutral", start - timedelta(days=1))  # made before the import (unchanged by it)
    rate(ana, works["f"], "willsee", end + timedelta(days=1))  # changed since
    rate(ana, a_manga, "neutral", during)  # another category
    rate(ben, works["g"], "neutral", during)  # another person

    def uploaded(user, **fields):
        """An import of ``user``'s anime list uploaded at ``start``."""
        made = RatingImport.objects.create(user=user, category=anime, **fields)
        RatingImport.objects.filter(pk=made.pk).update(created=start)
        return made

    old = uploaded(
        ana,
        status="done",
        finished=end,
        report={"created": 4, "updated": 0, "unchanged": 1, "new_works": 0, "skipped": []},
    )
    failed_at_reading = uploaded(ana, status="failed", finished=end, reason="not a list", report={})
    pending = uploaded(
        ben,
        status="running",
        written=1,
        entries=[{"mal_id": 7, "title": "g", "choice": "neutral", "line": 3}],
        report={"kind": "anime", "progress": {"after": 0, "created": 1, "updated": 0, "unchanged": 0}},
    )
    current_reader = RatingImport.objects.create(
        user=ana,
        category=anime,
        status="queued",
        entries=[{"mal_id": 1, "title": "a", "choice": None, "score": 0, "status": "completed", "line": 3}],
    )
    new_done = uploaded(
        ana,
        status="done",
        finished=end,
        report={"created": 1, "updated": 0, "unchanged": 0, "without_rating": 1, "skipped": []},
    )
    ratings_before = sorted(Rating.objects.values_list("user_id", "work_id", "choice"))

    new_apps = migrate(AFTER)
    RatingImport = new_apps.get_model("mangaki", "RatingImport")
    Rating = new_apps.get_model("mangaki", "Rating")
    assert (
        sorted(Rating.objects.values_list("user_id", "work_id", "choice")) == ratings_before
    )  # none invented or lost
    by_pk = {row.pk: row for row in RatingImport.objects.all()}
    assert by_pk[old.pk].from_status == sorted([works["a"].pk, works["b"].pk, works["c"].pk])
    assert by_pk[failed_at_reading.pk].from_status == []  # wrote nothing
    assert by_pk[new_done.pk].from_status == []  # read by the reader that keeps statuses
    assert by_pk[current_reader.pk].status == "queued" and by_pk[current_reader.pk].entries  # goes on
    # Ben's import was read by the old reader: it cannot go on, and what it wrote is recorded.
    assert by_pk[pending.pk].status == "failed" and by_pk[pending.pk].entries == []
    assert "upload the file again" in by_pk[pending.pk].reason
    assert by_pk[pending.pk].from_status == [works["g"].pk]
