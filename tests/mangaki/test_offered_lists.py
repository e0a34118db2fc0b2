"""No list worse than a chart: the rating models' lists order EASE's list (``recommender.reranking``),
are measured so, and leave the menu (page and API) while their measured list does not beat the
most-rated list; on the small real data with models trained for real."""

import pytest

from mangaki.choices import Choice
from mangaki.models import Rating, Work
from mangaki.recommendations.lists import ListNotOffered, recommendations_for
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def fan(n: int = 12):
    """Someone who loved the n most rated works after the first 30 (so lists have room)."""
    person = UserFactory()
    for work in Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings", "pk")[30 : 30 + n]:
        rating_set(user=person, work=work, choice=Choice.FAVORITE)
    return person


@pytest.fixture
def trained(small_anime, model_storage):
    return {algorithm: model_train(algorithm=algorithm) for algorithm in ("ease", "als", "lasso")}


def test_a_rating_models_list_is_measured_as_served_and_beats_the_most_rated_list(trained):
    for algorithm in ("als", "lasso"):
        metrics = trained[algorithm].metrics
        assert metrics["lists_from"] == "ease"
        assert trained[algorithm].ndcg > metrics["most_rated_ndcg"], (algorithm, trained[algorithm].ndcg)


def test_the_fans_list_is_eases_list_in_the_fans_order(trained):
    person = fan()
    fans = recommendations_for(user=person, algorithm="als", limit=10)
    best = recommendations_for(user=person, limit=60)
    assert not fans.is_fallback and fans.algorithm == "als" and len(fans.items) == 10
    listed = [r.work.pk for r in fans.items]
    # The fans' ten come from EASE's fifteen best: all of them in EASE's list.
    assert set(listed) <= {r.work.pk for r in best.items[:30]}
    # In the fans' order: ALS's predictions, best first (a first part standing in for a later
    # one takes the later one's place).
    predicted = [r.predicted for r in fans.items if r.explanation.first_part_of is None]
    assert len(predicted) >= 5
    assert predicted == sorted(predicted, reverse=True)
    assert listed != [r.work.pk for r in best.items[:10]]
    assert fans.offered == ("ease", "balse", "als", "lasso")


def test_a_list_that_does_not_beat_the_most_rated_list_leaves_the_menu_and_the_api(
    small_anime, model_storage, settings, client
):
    model_train(algorithm="ease")
    settings.MANGAKI_EASE_MAX_WORKS = 10  # too small a lister: ALS is measured on its own order
    als = model_train(algorithm="als")
    assert als.metrics["lists_from"] is None and als.is_active
    assert als.ndcg <= als.metrics["most_rated_ndcg"], "ALS's own order beat the most-rated list here"
    person = fan()
    assert Rating.objects.filter(user=person).count() == 12
    with pytest.raises(ListNotOffered):
        recommendations_for(user=person, algorithm="als", limit=10)
    assert "als" not in recommendations_for(user=person, limit=10).offered

    client.force_login(person)
    page = client.get("/recommendations/", {"algorithm": "als"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="als"' not in html and "Similar fans" not in html
    assert 'value="lasso"' in html  # not trained yet: still offered
    assert page.context["algorithm_chosen"] == ""  # the best lists instead

    answer = client.get("/api/recommendations/", {"algorithm": "als"})
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["field"] == "algorithm"
    assert "did not beat the list of the most rated works" in error["message"]
    assert client.get("/api/recommendations/", {"algorithm": "lasso"}).status_code == 200
