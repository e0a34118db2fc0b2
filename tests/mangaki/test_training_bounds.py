"""Training is bounded: it reads only the ratings that count, of works enough members rated, and
EASE refuses a catalogue too large for its dense matrix (issue 20, row 3)."""

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from mangaki.models import Profile, Rating, TrainedModel, Work
from mangaki.recommendations.arrays import rating_arrays, training_ratings
from mangaki.recommendations.serving import active_model
from mangaki.recommendations.training import TrainingError, model_train
from mangaki.services.guests import guest_create
from mangaki.services.ratings import rating_set
from mangaki.tasks import enqueue_training
from tests.factories import UserFactory, WorkFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def uncounted_member():
    user = UserFactory()
    Profile.objects.filter(user=user).update(counted_since=None)
    return get_user_model().objects.get(pk=user.pk)


def test_training_reads_counted_members_ratings_of_confirmed_works_enough_members_rated(settings):
    settings.MANGAKI_TRAINING_MIN_RATERS = 3
    members = [UserFactory() for _ in range(3)]
    kept, private, thin, stuffed = WorkFactory(), WorkFactory(confirmed=False), WorkFactory(), WorkFactory()
    for member in members:
        rating_set(user=member, work=kept, choice="like")
        rating_set(user=member, work=private, choice="like")
    for member in members[:2]:
        rating_set(user=member, work=thin, choice="favorite")
        rating_set(user=member, work=stuffed, choice="favorite")
    # Guests and members who have not shown life do not count, nor do they count as raters.
    for outsider in (guest_create(), guest_create(), uncounted_member(), uncounted_member()):
        rating_set(user=outsider, work=stuffed, choice="favorite")
        rating_set(user=outsider, work=kept, choice="dislike")
    data = rating_arrays()
    assert sorted(set(data.X[:, 1].tolist())) == [kept.pk]
    assert sorted(data.X[:, 0].tolist()) == sorted(member.pk for member in members)
    assert data.n_ratings == training_ratings().count() == 3
    # A third counted member makes the thin work enter training.
    rating_set(user=UserFactory(), work=thin, choice="like")
    assert sorted(set(rating_arrays().X[:, 1].tolist())) == sorted([kept.pk, thin.pk])
    settings.MANGAKI_TRAINING_MIN_RATERS = 1
    assert private.pk not in set(rating_arrays().X[:, 1].tolist())  # unconfirmed, whoever rated it
    assert Rating.objects.count() == 3 * 2 + 2 * 2 + 4 * 2 + 1


def test_ease_refuses_a_catalogue_past_its_limit_and_the_active_version_keeps_serving(
    small_anime, model_storage, settings
):
    first = model_train(algorithm="ease")
    assert first.is_active
    served = active_model("ease")
    assert served is not None and served.version == first.version
    settings.MANGAKI_EASE_MAX_WORKS = first.nb_works - 1
    with pytest.raises(TrainingError) as error:
        model_train(algorithm="ease")
    message = str(error.value)
    assert "MANGAKI_EASE_MAX_WORKS" in message and f"{first.nb_works} works" in message
    failed = TrainedModel.objects.get(algorithm="ease", version=first.version + 1)
    assert failed.status == TrainedModel.Status.FAILED and not failed.is_active
    assert "MANGAKI_EASE_MAX_WORKS" in failed.reason and f"({first.nb_works - 1})" in failed.reason
    assert not failed.artifact_name  # it stopped before fitting anything
    first.refresh_from_db()
    assert first.is_active and first.status == TrainedModel.Status.READY
    still = active_model("ease")
    assert still.version == first.version
    some = list(Work.objects.filter(ratings__isnull=False).values_list("pk", flat=True)[:3])
    listed = still.model.recommend(np.array(some), np.array([2.0, 2.0, 2.0]), n=5)
    assert listed.item_ids.size == 5
    # The other algorithms are not bounded by it.
    assert model_train(algorithm="als").is_active


def test_the_beat_training_of_an_oversized_ease_ends_failed_with_the_reason(
    small_anime, model_storage, settings, eager_celery
):
    settings.MANGAKI_EASE_MAX_WORKS = 10
    enqueue_training(TrainedModel.Algorithm.EASE)  # eager here: the task's outcome is on the row
    row = TrainedModel.objects.get(algorithm="ease")
    assert row.status == TrainedModel.Status.FAILED and "MANGAKI_EASE_MAX_WORKS (10)" in row.reason
    assert active_model("ease") is None
