"""Training through a real broker and a real worker: enqueue, beat, and a worker killed mid-training."""

import hashlib

from django.utils import timezone

from mangaki.models import TrainedModel, Work
from mangaki.recommendations.lists import recommendations_for
from mangaki.recommendations.serving import forget_loaded_models
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from mangaki.tasks import train_model
from tests.factories import UserFactory
from tests.integration.conftest import wait_for
from tests.training_support import load_small_anime


def active_version(algorithm: str) -> int | None:
    return (
        TrainedModel.objects.filter(algorithm=algorithm, is_active=True)
        .values_list("version", flat=True)
        .first()
    )


def user_with_ratings(count: int = 5):
    user = UserFactory()
    for work in Work.objects.filter(nsfw=False).popular()[:count]:
        rating_set(user=user, work=work, choice="favorite")
    return user


def test_a_retrain_enqueued_through_the_broker_becomes_the_active_version(celery_processes, broker):
    load_small_anime()
    user = user_with_ratings()
    assert recommendations_for(user=user).is_fallback
    celery_processes.worker()
    train_model.apply_async(args=["balse", timezone.now().isoformat()], connection=broker)
    wait_for(lambda: active_version("balse") == 1, 180, "the worker to activate balse v1")
    served = recommendations_for(user=user)
    assert not served.is_fallback and served.model_version == 1
    row = TrainedModel.objects.get(algorithm="balse", version=1)
    assert row.status == TrainedModel.Status.READY and row.nb_ratings > 10_000


def test_beat_retrains_when_enough_new_ratings_arrive(celery_processes):
    load_small_anime()
    for algorithm in ("als", "lasso", "balse"):
        model_train(algorithm=algorithm)
    celery_processes.worker()
    celery_processes.beat()
    user = UserFactory()
    for work in Work.objects.popular()[:5]:  # MANGAKI_RETRAIN_MIN_NEW_RATINGS=5 for these processes
        rating_set(user=user, work=work, choice="like")
    for algorithm in ("als", "lasso", "balse"):
        wait_for(lambda a=algorithm: active_version(a) == 2, 180, f"beat's check to retrain {algorithm}")
    row = TrainedModel.objects.get(algorithm="als", version=2)
    assert row.nb_ratings == TrainedModel.objects.get(algorithm="als", version=1).nb_ratings + 5


def artifacts_in_storage(media) -> dict[str, str]:
    folder = media / "models"
    return {
        f"models/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.glob("*.npz")
    }


def test_a_worker_killed_while_training_changes_nothing_and_the_task_runs_again(
    celery_processes, broker, shared_media
):
    load_small_anime()
    previous = model_train(algorithm="balse")
    user = user_with_ratings()
    worker = celery_processes.worker()
    train_model.apply_async(args=["balse", timezone.now().isoformat()], connection=broker)
    wait_for(
        lambda: TrainedModel.objects.filter(algorithm="balse", status=TrainedModel.Status.TRAINING).exists(),
        120,
        "the worker to start training",
        interval=0.02,
    )
    celery_processes.kill(worker)

    # The previous version is still the active one, and still serves.
    previous.refresh_from_db()
    assert previous.is_active and active_version("balse") == previous.version
    forget_loaded_models()
    served = recommendations_for(user=user)
    assert not served.is_fallback and served.model_version == previous.version
    # Every artifact visible in storage is complete: it is a registry row's, with that row's sha256.
    recorded = dict(
        TrainedModel.objects.exclude(artifact_name="").values_list("artifact_name", "artifact_sha256")
    )
    assert artifacts_in_storage(shared_media) == recorded
    interrupted = TrainedModel.objects.get(algorithm="balse", version=2)
    assert interrupted.status == TrainedModel.Status.TRAINING and not interrupted.artifact_name

    # A worker comes back: the unacknowledged task is delivered again and completes.
    celery_processes.worker()
    wait_for(lambda: (active_version("balse") or 0) > previous.version, 180, "the task to run again")
    interrupted.refresh_from_db()
    assert interrupted.status == TrainedModel.Status.FAILED and "interrupted" in interrupted.reason
    recorded = dict(
        TrainedModel.objects.exclude(artifact_name="").values_list("artifact_name", "artifact_sha256")
    )
    assert artifacts_in_storage(shared_media) == recorded
    assert recommendations_for(user=user).model_version == active_version("balse")
