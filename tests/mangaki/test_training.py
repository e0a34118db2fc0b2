"""The training service: measured artifacts in storage, the registry, activation and the gate."""

import hashlib
import threading

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction

from mangaki.choices import RATING_VALUES
from mangaki.models import Rating, Tag, TrainedModel, Work
from mangaki.recommendations.arrays import item_tag_matrix, rating_arrays, tag_columns, training_ratings
from mangaki.recommendations.registry import load_model, model_activate, model_rollback, models_prune
from mangaki.recommendations.retraining import algorithms_to_retrain, new_ratings_since_training
from mangaki.recommendations.training import model_train, training_lock
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_rating_arrays_hold_every_rating_that_counts_with_its_value(small_anime):
    data = rating_arrays()
    assert data.n_ratings == training_ratings().count() > 0.8 * Rating.objects.count()
    some = training_ratings().order_by("pk")[:50]
    pairs = {(int(u), int(w)): v for (u, w), v in zip(data.X, data.y, strict=True)}
    for rating in some:
        assert pairs[(rating.user_id, rating.work_id)] == RATING_VALUES[rating.choice]
    assert data.n_users == training_ratings().values("user").distinct().count()
    # Sorted by (user, work) whatever the database's order: the same ratings, the same model.
    assert (np.lexsort((data.X[:, 1], data.X[:, 0])) == np.arange(data.n_ratings)).all()


def test_tag_matrix_has_a_column_per_tag_and_per_type(small_anime):
    columns = tag_columns()
    matrix = item_tag_matrix(columns)
    assert [c for c in columns if c[0] == "tag"] == [
        ["tag", pk] for pk in Tag.objects.order_by("pk").values_list("pk", flat=True)
    ]
    work = Work.objects.exclude(work_type="").filter(tags__isnull=False).first()
    row = matrix[work.pk]
    named = {tuple(columns[j]) for j in row.indices}
    expected = {("tag", pk) for pk in work.tags.values_list("pk", flat=True)} | {("type", work.work_type)}
    assert named == expected


@pytest.mark.parametrize("algorithm", ["als", "lasso", "balse"])
def test_training_records_a_measured_active_version_with_its_artifact(small_anime, model_storage, algorithm):
    row = model_train(algorithm=algorithm)
    assert row.status == TrainedModel.Status.READY and row.is_active and row.version == 1
    assert row.nb_ratings == training_ratings().count()
    assert row.nb_users == training_ratings().values("user").distinct().count()
    assert row.nb_works == training_ratings().values("work").distinct().count()
    assert 0 < row.metrics["rmse"] < 3 and row.metrics["n_test"] > 0
    assert 0 <= row.metrics["ndcg"] <= 1 and row.metrics["most_rated_ndcg"] > 0
    assert row.train_seconds > 0
    with default_storage.open(row.artifact_name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == row.artifact_sha256
    model = load_model(row)
    some = rating_arrays().X[:20]
    assert np.all(np.isfinite(model.predict(some)))
    # No partial upload is left next to the artifacts.
    assert not list((model_storage / "incoming").glob("*"))


def test_the_ranker_is_measured_by_its_lists_and_beats_the_most_rated_one(small_anime, model_storage):
    row = model_train(algorithm="ease")
    assert row.status == TrainedModel.Status.READY and row.is_active
    metrics = row.metrics
    assert "rmse" not in metrics  # it ranks, it predicts no rating
    assert metrics["ndcg"] > metrics["most_rated_ndcg"] > 0
    assert metrics["newcomer_k3_ndcg"] > 0 and 0 < metrics["coverage"] <= 1
    curve = metrics["ndcg_by_ratings"]
    assert [entry["low"] for entry in curve][:4] == [1, 3, 5, 10]
    assert all(0 <= entry["ndcg"] <= 1 and entry["most_rated"] is not None for entry in curve)
    listed = load_model(row).recommend([int(rating_arrays().X[0, 1])], [RATING_VALUES["like"]], n=5)
    assert listed.item_ids.size == 5


def test_a_ranker_with_worse_lists_is_rejected(small_anime, model_storage, settings):
    settings.MANGAKI_QUALITY_GATE_NDCG_MARGIN = 0.01
    good = model_train(algorithm="ease")
    # Dividing each work's weights by its number of ratings squared lists the obscure first.
    bad = model_train(algorithm="ease", hyperparameters={"popularity_exponent": 2.0})
    good.refresh_from_db()
    assert bad.ndcg < good.ndcg - 0.01
    assert bad.status == TrainedModel.Status.REJECTED and not bad.is_active and good.is_active
    assert "NDCG@10" in bad.reason


def test_a_first_ranker_no_better_than_most_rated_is_not_activated(small_anime, model_storage):
    row = model_train(algorithm="ease", hyperparameters={"popularity_exponent": 2.0})
    assert row.status == TrainedModel.Status.REJECTED and not row.is_active
    assert "does not beat the most-rated list" in row.reason
    assert row.ndcg <= row.metrics["most_rated_ndcg"]


def test_a_second_training_replaces_the_active_version(small_anime, model_storage):
    first = model_train(algorithm="als")
    second = model_train(algorithm="als")
    first.refresh_from_db()
    assert (second.version, second.is_active, first.is_active) == (2, True, False)
    assert TrainedModel.objects.filter(algorithm="als", is_active=True).count() == 1


def test_the_database_refuses_two_active_versions_of_one_algorithm(small_anime, model_storage):
    model_train(algorithm="als")
    row = TrainedModel.objects.create(algorithm="als", version=9, status=TrainedModel.Status.READY)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainedModel.objects.filter(pk=row.pk).update(is_active=True)


def test_a_model_worse_than_the_active_one_is_rejected_not_activated(small_anime, model_storage, settings):
    settings.MANGAKI_QUALITY_GATE_MARGIN = 0.02
    good = model_train(algorithm="als")
    # Crushing regularisation leaves only biases: clearly worse on held-out ratings.
    bad = model_train(
        algorithm="als", hyperparameters={"regularization": 1000.0, "bias_regularization": 1000.0}
    )
    good.refresh_from_db()
    assert bad.rmse > good.rmse + 0.02
    assert bad.status == TrainedModel.Status.REJECTED and not bad.is_active
    assert "worse than active version 1" in bad.reason
    assert good.is_active
    with pytest.raises(ValidationError):
        model_activate(trained_model=bad)
    forced = model_activate(trained_model=bad, force=True)
    assert forced.is_active and forced.status == TrainedModel.Status.READY


def test_rollback_reactivates_the_previous_version(small_anime, model_storage):
    first = model_train(algorithm="als")
    second = model_train(algorithm="als")
    back = model_rollback(algorithm="als")
    second.refresh_from_db()
    assert back.pk == first.pk and back.is_active and not second.is_active
    with pytest.raises(ValidationError):
        model_rollback(algorithm="als")


def test_only_the_last_n_artifacts_are_kept(small_anime, model_storage, settings):
    settings.MANGAKI_KEEP_LAST_MODELS = 2
    rows = [model_train(algorithm="als") for _ in range(3)]
    for row in rows:
        row.refresh_from_db()
    assert rows[0].artifact_name == "" and rows[1].artifact_name and rows[2].artifact_name
    assert sorted(p.name for p in model_storage.glob("*.npz")) == sorted(
        r.artifact_name.rsplit("/", 1)[1] for r in rows[1:]
    )
    # The active version keeps its artifact even when it is the oldest one.
    model_rollback(algorithm="als")
    assert models_prune(algorithm="als", keep=1) == []
    with pytest.raises(ValidationError):
        model_activate(trained_model=rows[0])


def test_too_few_ratings_fail_with_a_reason_and_keep_the_active_model(small_anime, model_storage, settings):
    settings.MANGAKI_TRAINING_MIN_RATERS = 1  # the 5 ratings left are of works rated once or twice
    active = model_train(algorithm="als")
    Rating.objects.exclude(pk__in=Rating.objects.order_by("pk")[:5].values("pk")).delete()
    with pytest.raises(Exception, match="at least"):
        model_train(algorithm="als")
    failed = TrainedModel.objects.get(version=2)
    assert failed.status == TrainedModel.Status.FAILED and "5 ratings" in failed.reason
    assert not failed.is_active
    active.refresh_from_db()
    assert active.is_active


def test_a_lock_held_elsewhere_skips_the_training(small_anime, model_storage):
    """Another connection (another worker) holds the lock of ALS: this training does nothing."""
    held, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with training_lock("als") as acquired:
                assert acquired
                held.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(30)
        assert model_train(algorithm="als") is None
        assert model_train(algorithm="lasso") is not None  # other algorithms are not blocked
    finally:
        release.set()
        thread.join()
    assert not TrainedModel.objects.filter(algorithm="als").exists()
    assert model_train(algorithm="als") is not None


def test_a_row_left_training_by_a_dead_process_is_marked_failed(small_anime, model_storage):
    stale = TrainedModel.objects.create(algorithm="lasso", version=1)
    row = model_train(algorithm="lasso")
    stale.refresh_from_db()
    assert stale.status == TrainedModel.Status.FAILED and "interrupted" in stale.reason
    assert row.version == 2 and row.is_active


def test_retraining_is_due_after_enough_new_ratings(small_anime, model_storage, settings):
    from mangaki.services.ratings import rating_set

    assert algorithms_to_retrain(min_new_ratings=3) == TrainedModel.Algorithm.values
    model_train(algorithm="als")
    assert new_ratings_since_training("als") == 0
    assert "als" not in algorithms_to_retrain(min_new_ratings=3)
    user = UserFactory()
    for work in Work.objects.order_by("pk")[:3]:
        rating_set(user=user, work=work, choice="like")
    assert new_ratings_since_training("als") == 3
    assert "als" in algorithms_to_retrain(min_new_ratings=3)
    assert "als" not in algorithms_to_retrain(min_new_ratings=4)


def test_a_redelivered_task_does_not_train_again(small_anime, model_storage):
    from django.utils import timezone

    requested = timezone.now()
    first = model_train(algorithm="als", unless_trained_since=requested)
    assert first is not None
    assert model_train(algorithm="als", unless_trained_since=requested) is None
    assert TrainedModel.objects.count() == 1
