"""The recommendations page on the small real data, with models trained for real."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.models import Rating, Work
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


@pytest.fixture
def trained(small_anime, model_storage):
    return {algorithm: model_train(algorithm=algorithm) for algorithm in ("ease", "als", "balse")}


def rate_popular(user, count, choice="favorite", offset=0):
    works = list(Work.objects.filter(nsfw=False).popular()[offset : offset + count])
    for work in works:
        rating_set(user=user, work=work, choice=choice)
    return works


def page(client, **params):
    return client.get(reverse("recommendations"), params)


def test_a_visitor_gets_a_clearly_labelled_fallback(client, small_anime, model_storage):
    response = page(client)
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["is_fallback"]
    assert 'data-fallback="true"' in content and "Not personal yet" in content
    assert len(response.context["items"]) == 20
    assert all(not item["work"].nsfw for item in response.context["items"])


def test_a_member_with_ratings_gets_explained_recommendations_without_rated_works(client, trained):
    user = UserFactory()
    rated = {work.pk for work in rate_popular(user, 10)}
    client.force_login(user)
    response = page(client)
    assert not response.context["is_fallback"]
    assert 'data-fallback="false"' in response.content.decode()
    items = response.context["items"]
    assert items and not rated & {item["work"].pk for item in items}
    for item in items:
        reasons = item["reasons"]
        assert reasons["tags"] or reasons["neighbours"] or reasons["popular"], item["work"].title
    content = response.content.decode()
    assert content.count('class="reason ') >= len(items)
    assert content.count("Not interested</button>") == len(items)


def test_neighbour_reasons_name_a_work_the_user_loved(client, trained):
    user = UserFactory()
    loved = {work.title for work in rate_popular(user, 10, "favorite")}
    client.force_login(user)
    neighbours = [n for item in page(client).context["items"] for n in item["reasons"]["neighbours"]]
    assert neighbours
    assert all(n["work"].title in loved and n["verb"] == "which you loved" for n in neighbours)


def test_not_interested_removes_the_work_from_the_next_list(client, trained):
    user = UserFactory()
    rate_popular(user, 10)
    client.force_login(user)
    first = page(client, partial=1).context["items"][0]["work"]
    rating_set(user=user, work=first, choice="wontsee")
    assert first.pk not in {item["work"].pk for item in page(client, partial=1).context["items"]}


def test_the_algorithm_can_be_chosen(client, trained):
    user = UserFactory()
    rate_popular(user, 10)
    client.force_login(user)
    response = page(client, algorithm="als")
    assert response.context["algorithm"] == "als"
    assert response.context["model_version"] == trained["als"].version
    assert "Similar fans · best matches first" in response.content.decode()
    # LASSO was not trained: its page falls back, labelled, without an error.
    lasso = page(client, algorithm="lasso")
    assert lasso.status_code == 200 and lasso.context["is_fallback"]
    best = page(client, algorithm="nonsense")
    assert best.context["algorithm"] == "" and best.context["model_version"] == trained["ease"].version
    assert "Best for you · best matches first" in best.content.decode()


def test_the_partial_list_is_a_fragment(client, trained):
    response = page(client, partial=1)
    content = response.content.decode()
    assert "<html" not in content and 'class="rec-list"' in content


def test_recommendation_queries_do_not_grow_with_the_number_of_ratings(client, trained):
    few, many = UserFactory(), UserFactory()
    rate_popular(few, 3)
    rate_popular(many, 60)
    client.force_login(few)
    page(client)  # the first personal list of the process loads the model from storage
    counts = []
    for user in (few, many):
        client.force_login(user)
        with CaptureQueriesContext(connection) as context:
            response = page(client)
        assert not response.context["is_fallback"]
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1] <= 20


def test_titles_with_markup_are_escaped_in_recommendations(client, trained):
    user = UserFactory()
    rate_popular(user, 10)
    client.force_login(user)
    first = page(client).context["items"][0]["work"]
    Work.objects.filter(pk=first.pk).update(title=XSS)
    content = page(client).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content and XSS not in content


def test_rated_works_in_the_fallback_are_left_out(client, small_anime, model_storage):
    user = UserFactory()
    client.force_login(user)
    top = page(client).context["items"][0]["work"]
    rating_set(user=user, work=top, choice="like")
    assert top.pk not in {item["work"].pk for item in page(client).context["items"]}
    assert Rating.objects.filter(user=user).count() == 1
