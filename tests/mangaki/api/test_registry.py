"""The model registry: read like the model report (staff, unless public); staff retrain and activate."""

import uuid

import pytest
from celery.signals import task_prerun

from mangaki.models import Rating, TrainedModel
from mangaki.recommendations.training import model_train
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

from .conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_als_versions(small_anime, model_storage):
    first = model_train(algorithm="als")
    second = model_train(algorithm="als")
    return first, second


def test_the_registry_lists_versions_metrics_and_the_active_flag(two_als_versions, client_of, staff):
    first, second = two_als_versions
    reader = client_of(staff)
    body = reader.get("/api/models/").json()
    assert body["count"] == 2
    rows = {row["version"]: row for row in body["results"]}
    assert rows[1]["algorithm"] == "als" and rows[1]["status"] in {"ready", "rejected"}
    assert [row["is_active"] for row in rows.values()].count(True) == 1
    active = TrainedModel.objects.get(algorithm="als", is_active=True)
    assert rows[active.version]["is_active"] is True
    assert rows[1]["metrics"]["rmse"] == pytest.approx(first.metrics["rmse"])
    assert rows[1]["nb_ratings"] == first.nb_ratings > 0
    assert (rows[1]["nb_users"], rows[1]["nb_works"]) == (first.nb_users, first.nb_works)
    assert reader.get(f"/api/models/{second.pk}/").json()["version"] == 2


def test_the_registry_is_read_by_whoever_may_see_the_report(two_als_versions, anon, me, settings):
    first, _ = two_als_versions
    assert anon.get("/api/models/").status_code == 401
    assert me.get("/api/models/").status_code == 403
    assert me.get(f"/api/models/{first.pk}/").status_code == 403
    settings.MANGAKI_PUBLIC_MODEL_REPORT = True
    assert anon.get("/api/models/").json()["count"] == 2
    assert me.post("/api/models/retrain/", {"algorithm": "als"}).status_code == 403  # writes stay staff's


def test_staff_activate_an_older_version(two_als_versions, client_of, staff):
    first, second = two_als_versions
    TrainedModel.objects.filter(pk=first.pk).update(status="ready", reason="")
    response = client_of(staff).post(f"/api/models/{first.pk}/activate/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is True and response.json()["version"] == 1
    assert list(TrainedModel.objects.filter(is_active=True).values_list("pk", flat=True)) == [first.pk]


def test_a_failed_version_cannot_be_activated(two_als_versions, client_of, staff):
    first, _ = two_als_versions
    TrainedModel.objects.filter(pk=first.pk).update(status="failed", is_active=False)
    response = client_of(staff).post(f"/api/models/{first.pk}/activate/", {}, format="json")
    assert response.status_code == 400
    assert "failed" in response.json()["detail"]
    assert not TrainedModel.objects.get(pk=first.pk).is_active


def test_activating_an_unknown_version_is_404(db, client_of, staff):
    assert client_of(staff).post("/api/models/999999/activate/", {}, format="json").status_code == 404


def test_staff_retrain_queues_a_task_and_a_new_version_appears(
    small_anime, model_storage, client_of, staff, eager_celery
):
    # The task runs in this process here; tests/integration enqueue it to a real worker.
    response = client_of(staff).post("/api/models/retrain/", {"algorithm": "als"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["algorithm"] == "als" and response.json()["task_id"]
    assert TrainedModel.objects.filter(algorithm="als", status="ready", is_active=True).count() == 1


def test_a_retrain_that_cannot_run_eagerly_still_answers_its_task_id(
    small_anime, model_storage, client_of, staff, eager_celery, settings
):
    """Without a broker the training runs in the request; too few ratings fail it as a worker would."""
    settings.MANGAKI_TRAINING_MIN_RATERS = 1  # the 3 ratings left are of works rated once
    Rating.objects.exclude(pk__in=Rating.objects.order_by("pk")[:3].values("pk")).delete()
    started = []

    def record(sender=None, task_id=None, **kwargs):
        started.append((sender.name, task_id))

    task_prerun.connect(record, weak=False)
    try:
        response = client_of(staff).post("/api/models/retrain/", {"algorithm": "als"}, format="json")
    finally:
        task_prerun.disconnect(record)
    assert response.status_code == 202, response.content
    task_id = response.json()["task_id"]
    assert str(uuid.UUID(task_id)) == task_id
    assert started == [("mangaki.tasks.train_model", task_id)]  # the id of the task that ran
    failed = TrainedModel.objects.get(algorithm="als")
    assert failed.status == TrainedModel.Status.FAILED and not failed.is_active
    assert "3 ratings; at least 20 are needed" in failed.reason


def test_retrain_refuses_an_unknown_algorithm(db, client_of, staff):
    response = client_of(staff).post("/api/models/retrain/", {"algorithm": "magic"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"algorithm": "invalid_choice"}
    assert not TrainedModel.objects.exists()
