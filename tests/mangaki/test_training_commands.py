"""manage.py train and manage.py models, and the Celery tasks run eagerly (SQLite pass)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from mangaki.models import TrainedModel, Work
from mangaki.services.ratings import rating_set
from mangaki.tasks import retrain_if_enough_new_ratings, train_model
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_train_then_list_activate_and_roll_back(small_anime, model_storage):
    output = run("train", "--algorithm", "als", "--algorithm", "lasso")
    for name in ("als", "lasso"):
        line = next(line for line in output.splitlines() if line.startswith(f"{name} v1: "))
        assert re.search(r"NDCG@10 0\.\d{4} \(most-rated 0\.\d{4}; .*\); RMSE \d\.\d{4} \(cold", line), line
        assert line.endswith("active")
    assert set(TrainedModel.objects.filter(is_active=True).values_list("algorithm", flat=True)) == {
        "als",
        "lasso",
    }
    run("train", "--algorithm", "als")
    listing = run("models", "list", "--algorithm", "als")
    assert len(listing.strip().splitlines()) == 3 and "lasso" not in listing
    assert "Rolled back" in run("models", "rollback", "als")
    assert TrainedModel.objects.get(algorithm="als", is_active=True).version == 1
    run("models", "activate", "als", "2")
    assert TrainedModel.objects.get(algorithm="als", is_active=True).version == 2
    with pytest.raises(CommandError, match="No als version 7"):
        run("models", "activate", "als", "7")


def test_tasks_train_and_the_check_retrains_only_when_enough_ratings_arrived(
    small_anime, model_storage, settings, eager_celery
):
    settings.MANGAKI_RETRAIN_MIN_NEW_RATINGS = 4
    settings.MANGAKI_RETRAIN_ALGORITHMS = ("als",)
    row_id = train_model.delay("als").get()
    assert TrainedModel.objects.get(pk=row_id).is_active
    assert retrain_if_enough_new_ratings.delay().get() == []
    user = UserFactory()
    for work in Work.objects.order_by("pk")[:4]:
        rating_set(user=user, work=work, choice="like")
    assert retrain_if_enough_new_ratings.delay().get() == ["als"]
    assert TrainedModel.objects.get(algorithm="als", is_active=True).version == 2
