"""MyAnimeList imports written by a real worker through the real broker; one killed mid-import, one lost."""

from datetime import timedelta

from django.utils import timezone
from redis import Redis

from mangaki.models import Rating, RatingImport, Work
from mangaki.services.rating_imports import CHUNK, import_receive
from mangaki.tasks import import_ratings, requeue_stuck_imports
from tests.factories import UserFactory, WorkFactory
from tests.integration.conftest import wait_for
from tests.mal_files import mal_export
from tests.mangaki.test_counters import assert_counters_equal_a_recount

STATUSES = ["Completed", "Plan to Watch", "Watching", "Dropped", "On-Hold"]


def export(count: int) -> bytes:
    return mal_export(
        "anime",
        [
            {"id": n, "title": f"Show {n}", "score": n % 10 + 1, "status": STATUSES[n % len(STATUSES)]}
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


def test_a_worker_killed_mid_import_keeps_whole_batches_and_the_redelivered_task_resumes(
    celery_processes, broker
):
    user = UserFactory()
    queued = import_receive(user=user, file_name="animelist.xml.gz", data=export(20_000))
    first = celery_processes.worker()
    import_ratings.apply_async(args=[queued.pk], connection=broker)
    wait_for(lambda: RatingImport.objects.get(pk=queued.pk).written > 0, 60, "a first batch to commit")
    celery_processes.kill(first)
    stopped = RatingImport.objects.get(pk=queued.pk)
    # Whole batches, and the mark says how many: no half-written batch, and still running.
    assert stopped.status == "running" and stopped.written % CHUNK == 0 and stopped.written < 20_000
    assert Rating.objects.filter(user=user).count() == stopped.written
    celery_processes.worker()  # the broker hands the unacknowledged task out again
    wait_for(lambda: status_of(queued.pk) == "done", 120, "the redelivered import to finish")
    done = RatingImport.objects.get(pk=queued.pk)
    assert (done.report["created"], done.report["updated"], done.report["new_works"]) == (20_000, 0, 20_000)
    assert done.attempts == 2 and done.written == 20_000
    assert Rating.objects.filter(user=user).count() == 20_000 and Work.objects.count() == 20_000
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)[:500]))


def test_an_import_whose_task_the_broker_lost_is_finished_by_the_sweep(
    celery_processes, broker, test_broker_url
):
    user = UserFactory()
    queued = import_receive(user=user, file_name="animelist.xml.gz", data=export(5_000))
    first = celery_processes.worker()
    import_ratings.apply_async(args=[queued.pk], connection=broker)
    wait_for(lambda: RatingImport.objects.get(pk=queued.pk).written > 0, 60, "a first batch to commit")
    celery_processes.kill(first)
    # The broker restarts without persistence: the unacknowledged task is gone with it.
    Redis.from_url(test_broker_url).flushdb()
    RatingImport.objects.filter(pk=queued.pk).update(started=timezone.now() - timedelta(hours=1))
    celery_processes.worker()
    requeue_stuck_imports.apply_async(connection=broker)  # what beat runs every 5 minutes
    wait_for(lambda: status_of(queued.pk) == "done", 120, "the swept import to finish")
    done = RatingImport.objects.get(pk=queued.pk)
    assert (done.report["created"], done.written, done.attempts) == (5_000, 5_000, 2)
    assert Rating.objects.filter(user=user).count() == 5_000


def test_two_workers_run_one_import_at_a_time_under_a_site_wide_limit_of_one(celery_processes, broker):
    celery_processes.env.update({"MANGAKI_IMPORTS_RUNNING_MAX": "1", "MANGAKI_IMPORT_RETRY_SECONDS": "1"})
    imports = [
        import_receive(user=UserFactory(), file_name=f"list{n}.xml.gz", data=export(4_000)).pk
        for n in range(2)
    ]
    celery_processes.worker()
    celery_processes.worker()
    for import_id in imports:
        import_ratings.apply_async(args=[import_id], connection=broker)
    seen = []

    def all_done() -> bool:
        statuses = list(RatingImport.objects.filter(pk__in=imports).values_list("status", flat=True))
        seen.append(statuses.count("running"))
        return statuses == ["done", "done"]

    wait_for(all_done, 120, "both imports to finish", interval=0.05)
    # Never both at once, and one did wait (its task asked again) while the other ran.
    assert max(seen) == 1
    logs = "".join(process.log.read_text(errors="replace") for process, _ in celery_processes.processes)
    assert "1 imports are running; this one waits." in logs
    # (This test's broker hands a task running over 6 s out again: a second delivery may join in,
    # writing after the same mark; the counts stay exact.)
    assert [RatingImport.objects.get(pk=pk).report["created"] for pk in imports] == [4_000, 4_000]
    assert Rating.objects.count() == 8_000
