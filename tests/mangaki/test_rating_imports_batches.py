"""Imports on a busy site: batches in work-id order, resuming after a crash, the running limit, NSFW,
and the sweep that hands out stuck imports again (issue 20, rows 6, 10 and 11)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, connections
from django.db.models.signals import post_save
from django.utils import timezone

from mangaki.choices import Choice
from mangaki.models import Rating, RatingImport, Work
from mangaki.services import rating_imports
from mangaki.services.rating_imports import (
    NSFW_REASON,
    ImportBusy,
    ImportInterrupted,
    import_receive,
    import_run,
)
from mangaki.services.ratings import rating_set
from mangaki.tasks import requeue_stuck_imports
from tests.factories import UserFactory, WorkFactory
from tests.mal_files import mal_export
from tests.mangaki.test_counters import assert_counters_equal_a_recount

STATUSES = ["Completed", "Plan to Watch", "Watching", "Dropped", "On-Hold"]


def entries(mal_ids) -> list[dict]:
    return [
        {"id": n, "title": f"Show {n}", "score": n % 11, "status": STATUSES[n % len(STATUSES)]}
        for n in mal_ids
    ]


def known_works_in_reverse(count: int) -> list[Work]:
    """Works whose MyAnimeList ids run against their own ids: file order is not id order."""
    return [WorkFactory(external_source="myanimelist", external_id=str(n)) for n in range(count, 0, -1)]


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(rating_imports, "CHUNK", 3)
    return 3


@pytest.fixture
def on_progress():
    """on_progress(fn): fn(rating_import) after each batch's mark is saved (Django's post_save)."""
    receivers = []

    def connect(function):
        def receiver(sender, instance, update_fields=None, **kwargs):
            if update_fields and "written" in update_fields:
                function(instance)

        receivers.append(receiver)
        post_save.connect(receiver, sender=RatingImport, weak=False)

    yield connect
    for receiver in receivers:
        post_save.disconnect(receiver, sender=RatingImport)


@pytest.mark.django_db
def test_ratings_are_written_in_work_id_order_whatever_the_file_order(user, small_batches):
    works = known_works_in_reverse(10)  # MyAnimeList 1 is the newest work
    done = import_run(
        import_id=import_receive(
            user=user, file_name="a.xml", data=mal_export("anime", entries(range(1, 11)))
        ).pk
    )
    written = list(Rating.objects.filter(user=user).order_by("pk").values_list("work_id", flat=True))
    assert written == sorted(work.pk for work in works)
    assert done.status == RatingImport.Status.DONE and done.report["created"] == 10 and done.written == 10
    assert "progress" not in done.report and "mapping_skipped" not in done.report


@pytest.mark.django_db
def test_a_crash_between_batches_keeps_the_written_ones_and_the_next_attempt_resumes(
    user, small_batches, on_progress
):
    works = known_works_in_reverse(8)
    by_id = sorted(works, key=lambda work: work.pk)
    queued = import_receive(user=user, file_name="a.xml", data=mal_export("anime", entries(range(1, 9))))
    later = by_id[5]  # in the second batch (work ids 4th to 6th)

    def delete_a_later_work(rating_import):
        if Work.objects.filter(pk=later.pk).exists():
            later.delete()  # someone removes a work of the list while the import runs

    on_progress(delete_a_later_work)
    with pytest.raises(ImportInterrupted, match=f"No work with id {later.pk}"):
        import_run(import_id=queued.pk)
    stopped = RatingImport.objects.get(pk=queued.pk)
    # The first batch is committed with its mark; the import still says running, not done.
    assert stopped.status == RatingImport.Status.RUNNING and stopped.written == 3 and stopped.attempts == 1
    first = dict(Rating.objects.filter(user=user).values_list("work_id", "pk"))
    assert set(first) == {work.pk for work in by_id[:3]}
    done = import_run(import_id=queued.pk)  # the retry
    assert done.status == RatingImport.Status.DONE and done.attempts == 2
    # The deleted work came back from the file's title; every entry is rated once.
    assert (done.report["created"], done.report["updated"], done.report["unchanged"]) == (8, 0, 0)
    assert done.report["new_works"] == 1 and done.written == 8
    assert Rating.objects.filter(user=user).count() == 8
    # The first batch was not written again.
    assert {
        k: v for k, v in Rating.objects.filter(user=user).values_list("work_id", "pk") if k in first
    } == first
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)))


@pytest.mark.django_db
def test_an_import_stopped_every_time_fails_saying_what_was_written(
    user, small_batches, on_progress, settings
):
    settings.MANGAKI_IMPORT_MAX_ATTEMPTS = 1
    works = sorted(known_works_in_reverse(6), key=lambda work: work.pk)
    queued = import_receive(user=user, file_name="a.xml", data=mal_export("anime", entries(range(1, 7))))
    on_progress(lambda rating_import: Work.objects.filter(pk=works[-1].pk).delete())
    failed = import_run(import_id=queued.pk)
    assert failed.status == RatingImport.Status.FAILED and failed.entries == []
    assert "3 of its 6 ratings were written and stay" in failed.reason
    assert "Upload the file again to write the rest" in failed.reason
    assert Rating.objects.filter(user=user).count() == 3


@pytest.mark.django_db
def test_nsfw_works_are_skipped_with_the_reason_unless_the_member_allows_them(user):
    hentai = WorkFactory(external_source="myanimelist", external_id="1", nsfw=True, title="Adult show")
    plain = WorkFactory(external_source="myanimelist", external_id="2")
    document = mal_export("anime", entries([1, 2]))
    done = import_run(import_id=import_receive(user=user, file_name="a.xml", data=document).pk)
    assert done.report["created"] == 1 and done.report["n_skipped"] == 1
    (skip,) = done.report["skipped"]
    assert (skip["mal_id"], skip["reason"]) == ("1", NSFW_REASON)
    assert list(Rating.objects.filter(user=user).values_list("work_id", flat=True)) == [plain.pk]
    assert_counters_equal_a_recount([hentai.pk, plain.pk])
    # With the opt-in the same file rates it.
    user.profile.nsfw_ok = True
    user.profile.save(update_fields=["nsfw_ok"])
    other = UserFactory()
    other.profile.nsfw_ok = True
    other.profile.save(update_fields=["nsfw_ok"])
    allowed = import_run(import_id=import_receive(user=other, file_name="a.xml", data=document).pk)
    assert allowed.report["created"] == 2 and allowed.report["n_skipped"] == 0
    assert Rating.objects.filter(user=other, work=hentai).exists()


@pytest.mark.django_db
def test_past_the_site_wide_limit_an_import_waits_queued(user, settings):
    settings.MANGAKI_IMPORTS_RUNNING_MAX = 1
    document = mal_export("anime", entries([1, 2]))
    running = import_receive(user=UserFactory(), file_name="a.xml", data=document)
    RatingImport.objects.filter(pk=running.pk).update(status="running", started=timezone.now())
    queued = import_receive(user=user, file_name="b.xml", data=document)
    with pytest.raises(ImportBusy):
        import_run(import_id=queued.pk)
    waiting = RatingImport.objects.get(pk=queued.pk)
    assert waiting.status == RatingImport.Status.QUEUED and waiting.attempts == 0 and waiting.upload
    assert not Rating.objects.exists()
    # A running import whose worker died long ago holds no slot.
    RatingImport.objects.filter(pk=running.pk).update(started=timezone.now() - timedelta(hours=2))
    assert import_run(import_id=queued.pk).status == RatingImport.Status.DONE
    # Run eagerly (no worker pool, nobody to ask again) an import does not wait.
    RatingImport.objects.filter(pk=running.pk).update(started=timezone.now())
    other = import_receive(user=user, file_name="c.xml", data=document)
    assert import_run(import_id=other.pk, wait_for_slot=False).status == RatingImport.Status.DONE


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_the_sweep_finishes_stuck_imports_and_fails_those_past_their_attempts(settings):
    settings.MANGAKI_IMPORT_MAX_ATTEMPTS = 2
    long_ago = timezone.now() - timedelta(hours=1)
    document = mal_export("anime", entries([1, 2, 3]))
    # A worker took this one up an hour ago and was killed (status running for good).
    killed = import_receive(user=UserFactory(), file_name="killed.xml", data=document)
    RatingImport.objects.filter(pk=killed.pk).update(status="running", started=long_ago, attempts=1)
    # The broker lost this one's task: queued an hour ago, never seen by a worker.
    lost = import_receive(user=UserFactory(), file_name="lost.xml", data=document)
    RatingImport.objects.filter(pk=lost.pk).update(created=long_ago)
    # This one was stopped twice already.
    hopeless = import_receive(user=UserFactory(), file_name="hopeless.xml", data=document)
    RatingImport.objects.filter(pk=hopeless.pk).update(status="running", started=long_ago, attempts=2)
    # Running for a minute: not stuck.
    fresh = import_receive(user=UserFactory(), file_name="fresh.xml", data=document)
    RatingImport.objects.filter(pk=fresh.pk).update(
        status="running", started=timezone.now() - timedelta(minutes=1), attempts=1
    )
    assert sorted(requeue_stuck_imports.apply().get()) == sorted([killed.pk, lost.pk])
    statuses = dict(RatingImport.objects.values_list("file_name", "status"))
    assert statuses == {
        "killed.xml": "done",
        "lost.xml": "done",
        "hopeless.xml": "failed",
        "fresh.xml": "running",
    }
    assert RatingImport.objects.get(pk=killed.pk).report["created"] == 3
    reason = RatingImport.objects.get(pk=hopeless.pk).reason
    assert (
        reason
        == "Nothing was imported after 2 attempts: it was stopped each time before the end. Try again later."
    )


# --- PostgreSQL: other people rating while an import runs ------------------------------------


def _rate_elsewhere(user, work, outcome: list):
    """Rate from another database connection (a web request elsewhere), waiting at most 1 s for locks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        rating_set(user=user, work=work, choice=Choice.LIKE)
        outcome.append("rated")
    except OperationalError as error:
        outcome.append(f"blocked: {error}")
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_each_batch_commits_and_locks_its_works_in_id_order(small_batches):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks and a second connection")
    importer, rater = UserFactory(), UserFactory()
    works = sorted(known_works_in_reverse(9), key=lambda work: work.pk)
    queued = import_receive(user=importer, file_name="a.xml", data=mal_export("anime", entries(range(1, 10))))
    locked_batches, outcomes = [], []

    def watch(execute, sql, params, many, context):
        if "FOR UPDATE" in sql and '"mangaki_work"' in sql.split("FOR UPDATE")[0].split("FROM")[1]:
            ids = [value for value in params if isinstance(value, int)]
            # A batch's works are locked once by the import, once again by the rating service
            # (in the same transaction: no wait); a new list of ids is the next batch.
            if not locked_batches or ids != locked_batches[-1]:
                locked_batches.append(ids)
            if len(locked_batches) == 2 and not outcomes:
                # Between the first and the second batch: someone rates a work of the first one.
                first_locked = Work.objects.get(pk=locked_batches[0][0])
                thread = threading.Thread(target=_rate_elsewhere, args=(rater, first_locked, outcomes))
                thread.start()
                thread.join(timeout=10)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        done = import_run(import_id=queued.pk)
    assert done.status == RatingImport.Status.DONE and done.report["created"] == 9
    # The first batch was committed: the other rating did not wait for the whole import.
    assert outcomes == ["rated"]
    work_batches = [batch for batch in locked_batches if len(batch) > 1]
    assert work_batches == [[work.pk for work in works[i : i + 3]] for i in (0, 3, 6)]
    assert_counters_equal_a_recount([work.pk for work in works])


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_the_task_retries_an_interrupted_import_and_it_resumes_to_done(user, small_batches, on_progress):
    from mangaki.tasks import import_ratings

    works = sorted(known_works_in_reverse(7), key=lambda work: work.pk)
    queued = import_receive(user=user, file_name="a.xml", data=mal_export("anime", entries(range(1, 8))))
    on_progress(lambda rating_import: Work.objects.filter(pk=works[-1].pk).delete())
    # Run eagerly, Celery's retry runs again at once: the second attempt goes on after batch one.
    assert import_ratings.apply(args=[queued.pk]).get() == "done"
    done = RatingImport.objects.get(pk=queued.pk)
    assert (done.attempts, done.written, done.report["created"], done.report["new_works"]) == (2, 7, 7, 1)
    assert Rating.objects.filter(user=user).count() == 7
