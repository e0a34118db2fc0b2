"""GET /api/recommendations/: the selector's answer on the small real data, with real trained models."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Rating, TrainedModel, Work
from mangaki.services.ratings import rating_set
from mangaki.services.training import model_train
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

from .conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def balse(small_anime, model_storage):
    return model_train(algorithm="balse")


def rate_popular(user, count: int, choices=("favorite",)) -> list[Work]:
    works = list(Work.objects.filter(nsfw=False).popular()[:count])
    for index, work in enumerate(works):
        rating_set(user=user, work=work, choice=choices[index % len(choices)])
    return works


def test_with_a_trained_model_the_picks_are_personal_and_explained(balse, user, me):
    rated = rate_popular(user, 30, choices=("favorite", "dislike", "like"))
    response = me.get("/api/recommendations/", {"limit": 7})
    assert response.status_code == 200, response.content
    body = response.json()
    active = TrainedModel.objects.get(algorithm="balse", is_active=True)
    assert (body["algorithm"], body["model_version"], body["is_fallback"]) == ("balse", active.version, False)
    assert body["fallback_reason"] == ""
    results = body["results"]
    assert len(results) == 7
    assert not {item["work"]["id"] for item in results} & {work.pk for work in rated}
    predicted = [item["predicted"] for item in results]
    assert predicted == sorted(predicted, reverse=True)
    assert any(item["explanation"]["tags"] for item in results)
    neighbours = {n["work"]["id"] for item in results for n in item["explanation"]["neighbours"]}
    assert neighbours and neighbours <= {work.pk for work in rated}
    for item in results:
        for tag in item["explanation"]["tags"]:
            assert set(tag) == {"tag", "weight"} and tag["weight"] > 0


def test_too_few_ratings_get_the_marked_fallback(small_anime, model_storage, user, me):
    rated = rate_popular(user, 1)
    body = me.get("/api/recommendations/", {"limit": 5, "algorithm": "als"}).json()
    assert body["is_fallback"] is True and body["model_version"] is None
    assert body["fallback_reason"] and body["algorithm"] == "als"
    assert len(body["results"]) == 5
    assert rated[0].pk not in {item["work"]["id"] for item in body["results"]}


def test_the_category_filter_is_applied(balse, user, me):
    rate_popular(user, 5)
    results = me.get("/api/recommendations/", {"category": "anime", "limit": 5}).json()["results"]
    assert len(results) == 5 and {item["work"]["category"] for item in results} == {"anime"}
    assert me.get("/api/recommendations/", {"category": "manga"}).json()["results"] == []


@pytest.mark.parametrize(
    "params, field, code",
    [
        ({"limit": 0}, "limit", "min_value"),
        ({"limit": 101}, "limit", "max_value"),
        ({"limit": "many"}, "limit", "invalid"),
        ({"algorithm": "magic"}, "algorithm", "invalid_choice"),
        ({"category": "novels"}, "category", "does_not_exist"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(db, me, params, field, code):
    response = me.get("/api/recommendations/", params)
    assert response.status_code == 400
    assert error_fields(response) == {field: code}


def test_anonymous_clients_must_authenticate(db, anon):
    assert anon.get("/api/recommendations/").status_code == 401


def test_queries_do_not_grow_with_the_limit(balse, user, me):
    rate_popular(user, 5)
    me.get("/api/recommendations/", {"limit": 1})  # loads the model into this process
    counts = []
    for limit in (3, 30):
        with CaptureQueriesContext(connection) as captured:
            assert len(me.get("/api/recommendations/", {"limit": limit}).json()["results"]) == limit
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert Rating.objects.filter(user=user).count() == 5
