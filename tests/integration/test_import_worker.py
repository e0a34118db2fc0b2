"""MyAnimeList imports written by a real worker through the real broker, and one killed mid-import."""

from mangaki.models import Rating, RatingImport, Work
from mangaki.services.rating_imports import import_receive
from mangaki.tasks import import_ratings
from tests.factories import UserFactory, WorkFactory
from tests.integration.conftest import wait_for
from tests.mal_files import mal_export
from tests.mangaki.test_counters import assert_counters_equal_a_recount

STATUSES = ["Completed", "Plan to Watch", "Watching", "Dropped", "On-Hold"]


def export(count: int) -> bytes:
    return mal_export(
        "anime",
        [
            {"id": n, "title": f"Show {n}", "score": n % 11, "status": STATUSES[n % len(STATUSES)]}
            for n in range(1, count + 1)
        ],
        gz=True,
    )


def status_of(import_id: int) -> str:
    return RatingImport.objects.get(pk=import_id).status


def test_an_import_queued_through_the_broker_is_written_by_the_worker(celery_processes, broker):
    known = [WorkFactory(external_source="myanimelist", external_id=str(n)) for n in range(1, 51)]
    user = UserFactory()
    queued = import_receive(user=user, file_name="animelist.xml.gz", data=export(500))
    celery_processes.worker()
    import_ratings.apply_async(args=[queued.pk], connection=broker)
    wait_for(lambda: status_of(queued.pk) == "done", 60, "the worker to write the import")
    report = RatingImport.objects.get(pk=queued.pk).report
    assert (report["created"], report["new_works"], report["n_skipped"]) == (500, 450, 0)
    assert Rating.objects.filter(user=user).count() == 500
    assert_counters_equal_a_recount([work.pk for work in known])


def test_a_worker_killed_mid_import_leaves_nothing_and_the_redelivered_task_writes_it_once(
    celery_processes, broker
):
    user = UserFactory()
    queued = import_receive(user=user, file_name="animelist.xml.gz", data=export(20_000))
    first = celery_processes.worker()
    import_ratings.apply_async(args=[queued.pk], connection=broker)
    wait_for(lambda: status_of(queued.pk) == "running", 60, "the worker to start the import")
    celery_processes.kill(first)
    # One transaction: nothing of it is in the database, neither ratings nor new works.
    assert not Rating.objects.filter(user=user).exists() and not Work.objects.exists()
    assert status_of(queued.pk) == "running"
    celery_processes.worker()  # the broker hands the unacknowledged task out again
    wait_for(lambda: status_of(queued.pk) == "done", 120, "the redelivered import to finish")
    done = RatingImport.objects.get(pk=queued.pk)
    assert (done.report["created"], done.report["new_works"]) == (20_000, 20_000)
    assert Rating.objects.filter(user=user).count() == 20_000 and Work.objects.count() == 20_000
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)[:500]))
