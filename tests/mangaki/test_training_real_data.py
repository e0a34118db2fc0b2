"""On the full real data: the three models trained by the service, and served to a real user."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from mangaki.models import Rating, TrainedModel
from mangaki.selectors import recommendations_for
from mangaki.services.training import model_train
from tests.training_support import full_anime_fixture, model_storage_fixture  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_balse_beats_its_parts_on_held_out_ratings_and_serves_a_heavy_user(full_anime, model_storage):
    rows = {algorithm: model_train(algorithm=algorithm) for algorithm in ("als", "lasso", "balse")}
    assert all(row.is_active and row.n_ratings == Rating.objects.count() for row in rows.values())
    assert rows["balse"].rmse < rows["als"].rmse and rows["balse"].rmse < rows["lasso"].rmse
    assert rows["balse"].metrics["rmse_cold"] < rows["als"].metrics["rmse_cold"]

    heavy = get_user_model().objects.annotate(n=Count("ratings")).filter(n__gte=200).order_by("pk").first()
    rated = set(Rating.objects.filter(user=heavy).values_list("work_id", flat=True))
    recommendations_for(heavy)  # loads the model
    with CaptureQueriesContext(connection) as queries:
        result = recommendations_for(get_user_model().objects.get(pk=heavy.pk), limit=20)
    assert not result.is_fallback and result.model_version == rows["balse"].version
    assert len(result.items) == 20 and not rated & {item.work.pk for item in result.items}
    assert len(queries) <= 7
    assert TrainedModel.objects.filter(is_active=True).count() == 3
