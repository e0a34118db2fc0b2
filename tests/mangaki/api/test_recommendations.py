"""GET /api/recommendations/: the selector's answer on the small real data, with real trained models."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.api.recommendations import RecommendationListSerializer, render_recommendation_list
from mangaki.api.serializers import WorkSummarySerializer
from mangaki.models import Profile, Rating, TrainedModel, Work
from mangaki.recommendations.lists import recommendations_for
from mangaki.recommendations.serving import forget_loaded_models
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

from .conftest import error_fields

pytestmark = pytest.mark.django_db


# Token with user and profile, the active versions, the ratings, the listed works with their
# neighbours, the chosen works' tags.
QUERIES_PER_ANSWER = 5


@pytest.fixture
def balse(small_anime, model_storage):
    return model_train(algorithm="balse")


@pytest.fixture
def ease_and_balse(small_anime, model_storage):
    """What the site serves by default: EASE's list, with BALSE's predictions and tags."""
    return {algorithm: model_train(algorithm=algorithm) for algorithm in ("ease", "balse")}


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
    # By predicted rating, but where a franchise's first part stands in for a later part.
    predicted = [item["predicted"] for item in results if item["explanation"]["first_part_of"] is None]
    assert predicted == sorted(predicted, reverse=True)
    assert any(item["explanation"]["tags"] for item in results)
    neighbours = {n["work"]["id"] for item in results for n in item["explanation"]["neighbours"]}
    assert neighbours and neighbours <= {work.pk for work in rated}
    for item in results:
        for tag in item["explanation"]["tags"]:
            assert set(tag) == {"tag", "weight"} and tag["weight"] > 0
        for neighbour in item["explanation"]["neighbours"]:
            assert set(neighbour) == {"work", "weight"} and neighbour["weight"] > 0


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
    assert counts[0] == counts[1] == QUERIES_PER_ANSWER
    assert Rating.objects.filter(user=user).count() == 5


def test_the_default_list_is_the_rankers_with_predictions_in_constant_queries(ease_and_balse, client_of):
    few, many = UserFactory(), UserFactory()
    rate_popular(few, 3)
    rate_popular(many, 60, choices=("favorite", "like", "dislike"))
    counts = []
    for user in (few, many):
        client = client_of(user)
        client.get("/api/recommendations/")  # loads the models into this process
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/recommendations/").json()
        counts.append(len(captured))
        assert (body["algorithm"], body["is_fallback"]) == ("ease", False)
        assert len(body["results"]) == 20
        assert all(item["predicted"] is not None for item in body["results"])
    assert counts == [QUERIES_PER_ANSWER, QUERIES_PER_ANSWER]


def test_the_answer_renders_each_work_once_with_the_summary_shape(ease_and_balse, user, settings):
    rate_popular(user, 30, choices=("favorite", "dislike", "like"))
    result = recommendations_for(user=user, limit=20)
    assert result.items and any(item.explanation.tags for item in result.items)
    assert any(item.explanation.neighbours for item in result.items)
    # The shapes a work can take: a cover or none, a number of episodes or none.
    result.items[0].work.cover = "covers/1.jpg"
    result.items[1].work.nb_episodes = None
    data = render_recommendation_list(result)
    # The answer is what REST framework renders from the declared serializer, field by field.
    assert data == RecommendationListSerializer(result, context={"rendered_works": {}}).data
    first, second = data["results"][0]["work"], data["results"][1]["work"]
    assert first["cover_url"] == f"{settings.MEDIA_URL}covers/1.jpg" and second["nb_episodes"] is None
    assert first == WorkSummarySerializer(result.items[0].work).data
    # A neighbour named by several listed works is one rendering, shared.
    neighbours = [n["work"] for item in data["results"] for n in item["explanation"]["neighbours"]]
    by_id = {}
    for rendered in neighbours:
        assert by_id.setdefault(rendered["id"], rendered) is rendered
    assert len(by_id) < len(neighbours)
    fallback_list = recommendations_for(user=None, limit=3)
    fallback = render_recommendation_list(fallback_list)
    assert fallback == RecommendationListSerializer(fallback_list).data
    assert fallback["is_fallback"] and len(fallback["results"]) == 3
    assert all(
        item["explanation"]
        == {
            "tags": [],
            "neighbours": [],
            "popular": False,
            "franchise_of": None,
            "first_part_of": None,
            "start_with": None,
            "popular_elsewhere": False,
        }
        for item in fallback["results"]
    )


def test_works_hidden_since_the_snapshot_are_replaced_as_a_fresh_snapshot_would(ease_and_balse, user, me):
    rate_popular(user, 40, choices=("favorite", "like", "dislike"))
    first = me.get("/api/recommendations/", {"limit": 10}).json()["results"]
    hidden = [item["work"]["id"] for item in first[::2]]
    Work.objects.filter(pk__in=hidden).update(nsfw=True)  # no work added: the snapshot is kept
    stale = me.get("/api/recommendations/", {"limit": 10}).json()
    forget_loaded_models()
    fresh = me.get("/api/recommendations/", {"limit": 10}).json()
    assert not {item["work"]["id"] for item in stale["results"]} & set(hidden)
    assert len(stale["results"]) == 10
    assert stale == fresh


def test_the_token_brings_its_user_and_profile_and_is_refused_when_it_should_be(
    ease_and_balse, anon, client_of
):
    user = UserFactory()
    rate_popular(user, 5)
    user.profile.nsfw_ok = True
    user.profile.save()
    listed = [item.work.pk for item in recommendations_for(user=user, limit=3).items]
    Work.objects.filter(pk__in=listed).update(nsfw=True)
    client = client_of(user)
    shown = {
        item["work"]["id"] for item in client.get("/api/recommendations/", {"limit": 3}).json()["results"]
    }
    assert Work.objects.filter(pk__in=shown, nsfw=True).exists()  # the profile was read: NSFW allowed
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anon.get("/api/recommendations/").status_code == 401
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/recommendations/").status_code == 401
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    Profile.objects.filter(user=user).delete()  # a user without a profile: NSFW hidden, no error
    body = client.get("/api/recommendations/", {"limit": 3}).json()
    assert body["results"] and not Work.objects.filter(
        pk__in=[i["work"]["id"] for i in body["results"]], nsfw=True
    )
