"""Recommendations never list a work waiting for confirmation, even one a model learned."""

import pytest

from mangaki.models import Work
from mangaki.recommendations.lists import recommendations_for, similar_works
from mangaki.recommendations.serving import forget_loaded_models
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_recommendations_leave_out_a_work_waiting_for_confirmation(small_anime, model_storage):
    """A model trained before its work was marked unconfirmed (as migration 0014 marks earlier
    imports' works) never lists it, nor similar works, nor the fallback list."""
    model_train(algorithm="ease")
    reader = UserFactory()
    for work in Work.objects.filter(nsfw=False).popular()[:5]:
        rating_set(user=reader, work=work, choice="favorite")
    listed = recommendations_for(user=reader, category="anime", limit=10)
    assert not listed.is_fallback
    first = listed.items[0].work
    similar_to = next(w for w in Work.objects.popular()[:100] if first in similar_works(work=w, limit=20))
    fallback_first = recommendations_for(user=None, category="anime", limit=5).items[0].work
    Work.objects.filter(pk__in=[first.pk, fallback_first.pk]).update(confirmed=False)
    forget_loaded_models()

    again = recommendations_for(user=reader, category="anime", limit=10)
    assert not again.is_fallback and len(again.items) == 10
    assert first.pk not in {item.work.pk for item in again.items}
    assert first.pk not in {w.pk for w in similar_works(work=similar_to, limit=20)}
    fallback = recommendations_for(user=None, category="anime", limit=5)
    assert fallback_first.pk not in {item.work.pk for item in fallback.items}
