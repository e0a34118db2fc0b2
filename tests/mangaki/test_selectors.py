"""recommendations_for and similar_works on the small real data, with models trained for real."""

import io

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.choices import RATING_VALUES, Choice
from mangaki.models import Category, Rating, Tag, TaggedWork, TrainedModel, Work
from mangaki.recommendations.lists import recommendations_for, similar_works
from mangaki.recommendations.registry import load_model, model_activate
from mangaki.recommendations.serving import active_models
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from recommender.franchise_rules import start_with_first_parts
from tests.factories import UserFactory, WorkFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(small_anime, model_storage):
    return {algorithm: model_train(algorithm=algorithm) for algorithm in ("ease", "als", "balse")}


def popular_works(count, offset=0):
    return list(Work.objects.filter(nsfw=False).popular()[offset : offset + count])


def rate(user, works, choice="favorite"):
    for work in works:
        rating_set(user=user, work=work, choice=choice)


def test_a_visitor_gets_the_marked_fallback_without_error(small_anime, model_storage):
    for visitor in (None, AnonymousUser()):
        result = recommendations_for(user=visitor, category="anime", limit=5)
        assert result.is_fallback and result.fallback_reason and result.model_version is None
        assert len(result.items) == 5
        assert all(not item.work.nsfw for item in result.items)
        # The most rated works: the measured best list for someone the models know nothing of.
        assert [item.work.pk for item in result.items] == [w.pk for w in popular_works(5)]


def test_without_a_trained_model_a_user_gets_the_fallback_minus_rated_works(small_anime, model_storage):
    user = UserFactory()
    rated = popular_works(3)
    rate(user, rated)
    result = recommendations_for(user=user, category="anime", limit=10)
    assert result.is_fallback and "No recommendation model" in result.fallback_reason
    assert not {w.pk for w in rated} & {item.work.pk for item in result.items}


def test_three_ratings_give_personal_recommendations_with_explanations(trained):
    user = UserFactory()
    rated = popular_works(3)
    rate(user, rated)
    result = recommendations_for(user=user, category="anime", limit=10, algorithm="balse")
    assert not result.is_fallback and result.fallback_reason == ""
    assert (result.algorithm, result.model_version) == ("balse", trained["balse"].version)
    assert len(result.items) == 10
    # By predicted rating, but where a franchise's first part stands in for a later part.
    predicted = [item.predicted for item in result.items if item.explanation.first_part_of is None]
    assert predicted == sorted(predicted, reverse=True)
    assert not {w.pk for w in rated} & {item.work.pk for item in result.items}
    rated_pks = {w.pk for w in rated}
    assert any(item.explanation.neighbours for item in result.items)
    for item in result.items:
        for neighbour, similarity in item.explanation.neighbours:
            # Only works the person liked explain (their share of the prediction is positive).
            assert neighbour.pk in rated_pks and similarity > 0
        for tag, contribution in item.explanation.tags:
            assert contribution > 0 and tag in item.work.tags.all()


def test_the_default_list_comes_from_the_ranker_and_every_work_is_explained(trained):
    user = UserFactory()
    loved = popular_works(6, offset=10)
    rate(user, loved)
    result = recommendations_for(user=user)
    assert not result.is_fallback
    assert (result.algorithm, result.model_version) == ("ease", trained["ease"].version)
    assert len(result.items) == 20 and not {w.pk for w in loved} & {i.work.pk for i in result.items}
    # The ranker's own order: what EASE lists for these ratings, site rules applied (NSFW left
    # out, a franchise's first part in place of a later part: recommender.franchise_rules).
    values = np.full(len(loved), RATING_VALUES[Choice.FAVORITE])
    rated = [w.pk for w in loved]
    safe = set(Work.objects.filter(nsfw=False).values_list("pk", flat=True))
    expected = load_model(trained["ease"]).recommend(rated, values, n=50, candidates=sorted(safe))
    catalogue = active_models(["ease"])["ease"].catalogue
    order, _ = start_with_first_parts(
        expected.item_ids.tolist(),
        catalogue.franchises_of,
        catalogue.first_parts,
        rated,
        lambda pk: pk in safe and pk not in rated,
    )
    assert [i.work.pk for i in result.items] == order[:20]
    loved_pks = {w.pk for w in loved}
    for item in result.items:
        assert item.explanation, f"{item.work} is listed without a reason"
        assert all(n.pk in loved_pks and weight > 0 for n, weight in item.explanation.neighbours)
        assert all(tag in item.work.tags.all() and weight > 0 for tag, weight in item.explanation.tags)
        assert item.predicted is not None  # BALSE predicts the rating of what EASE lists
    assert sum(bool(i.explanation.neighbours) for i in result.items) >= 15


def test_one_rating_gets_a_personal_list_from_the_ranker(trained):
    user = UserFactory()
    rate(user, popular_works(1, offset=30))
    assert not recommendations_for(user=user).is_fallback
    balse = recommendations_for(user=user, algorithm="balse")
    assert balse.is_fallback and "Rate at least 3 works" in balse.fallback_reason


def test_one_new_rating_changes_the_next_answer_without_retraining(trained):
    user = UserFactory()
    rate(user, popular_works(5))
    before = recommendations_for(user=user, limit=10)
    models = TrainedModel.objects.count()
    rate(user, [before.items[0].work], choice=Choice.DISLIKE)
    rate(user, popular_works(1, offset=40), choice=Choice.FAVORITE)
    after = recommendations_for(user=user, limit=10)
    assert TrainedModel.objects.count() == models
    assert [i.work.pk for i in after.items] != [i.work.pk for i in before.items]
    assert before.items[0].work.pk not in {i.work.pk for i in after.items}


def test_every_rated_work_is_excluded_whatever_the_choice(trained):
    user = UserFactory()
    rate(user, popular_works(4))
    first = recommendations_for(user=user, limit=6, algorithm="als")
    for item, choice in zip(first.items[:3], (Choice.WONTSEE, Choice.WILLSEE, Choice.NEUTRAL), strict=True):
        rating_set(user=user, work=item.work, choice=choice)
    after = recommendations_for(user=user, limit=20, algorithm="als")
    assert not {i.work.pk for i in first.items[:3]} & {i.work.pk for i in after.items}


def test_nsfw_works_are_hidden_unless_the_profile_allows_them(trained):
    user = UserFactory()
    rate(user, popular_works(5))
    shown = recommendations_for(user=user, limit=5)
    Work.objects.filter(pk=shown.items[0].work.pk).update(nsfw=True)
    hidden = recommendations_for(user=user, limit=5)
    assert shown.items[0].work.pk not in {i.work.pk for i in hidden.items}
    assert len(hidden.items) == 5
    user.profile.nsfw_ok = True
    user.profile.save()
    user.refresh_from_db()
    allowed = recommendations_for(user=user, limit=5)
    assert allowed.items[0].work.pk == shown.items[0].work.pk


def test_category_filter_and_new_works_scored_by_their_tags(trained):
    """A manga added after the training is recommended from its genres (BALSE), not ALS."""
    user = UserFactory()
    anime_loved = popular_works(8)
    rate(user, anime_loved)
    # The genres this user's LASSO likes most: those of what they loved, and not of what they
    # disliked (with favorites only, every genre would be equally liked and none would explain).
    genres = list(Tag.objects.filter(works__in=anime_loved).distinct()[:4])
    disliked = [w for w in popular_works(60, offset=8) if not set(w.tags.all()) & set(genres)][:6]
    rate(user, disliked, choice=Choice.DISLIKE)
    manga = Category.objects.get(slug="manga")
    new_work = WorkFactory(category=manga, work_type="")
    for tag in genres:
        TaggedWork.objects.create(work=new_work, tag=tag)
    balse = recommendations_for(user=user, category="manga", limit=5, algorithm="balse")
    assert [item.work.pk for item in balse.items] == [new_work.pk]
    assert balse.items[0].work.category.slug == "manga"
    assert not balse.is_fallback
    # The default ranker never saw it; BALSE fills the list the ranker cannot, and explains it.
    default = recommendations_for(user=user, category="manga", limit=5)
    assert default.algorithm == "ease" and [item.work.pk for item in default.items] == [new_work.pk]
    assert default.items[0].explanation.tags
    assert {tag for tag, _ in default.items[0].explanation.tags} <= set(genres)
    # ALS never saw it and cannot score it from tags; nobody rated it, so no list has it.
    als = recommendations_for(user=user, category="manga", limit=5, algorithm="als")
    assert als.items == []
    assert recommendations_for(user=user, category="no-such-category").items == []


def test_queries_per_call_do_not_grow_with_the_number_of_ratings(trained):
    few, many = UserFactory(), UserFactory()
    rate(few, popular_works(3))
    rate(many, popular_works(60), choice=Choice.LIKE)
    counts = []
    for user in (few, many):
        user = type(user).objects.get(pk=user.pk)  # no cached profile
        recommendations_for(user=user, limit=10)
        with CaptureQueriesContext(connection) as queries:
            result = recommendations_for(user=user, limit=10)
            for item in result.items:  # pages and the API read these: no query may follow
                item.work.category.slug, list(item.work.tags.all())
                for neighbour, _ in item.explanation.neighbours:  # shown as a linked title
                    neighbour.title, neighbour.get_absolute_url()
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 7


def test_the_new_active_version_is_served_at_once(trained):
    user = UserFactory()
    rate(user, popular_works(5))
    assert recommendations_for(user=user, algorithm="als").model_version == 1
    second = model_train(algorithm="als")
    assert recommendations_for(user=user, algorithm="als").model_version == second.version == 2
    model_activate(trained_model=trained["als"])
    assert recommendations_for(user=user, algorithm="als").model_version == 1


def test_an_unreadable_artifact_is_retried_and_the_person_told_why(trained, model_storage, monkeypatch):
    from django.core.files.storage import default_storage

    from mangaki.recommendations import serving

    user = UserFactory()
    rate(user, popular_works(5))
    artifact = trained["ease"].artifact_name
    with default_storage.open(artifact, "rb") as handle:
        good = handle.read()
    serving.forget_loaded_models()
    default_storage.delete(artifact)  # storage lost it (a failed mount, a half-synced volume)

    served = recommendations_for(user=user, algorithm="ease")
    assert served.is_fallback and "cannot be read right now" in served.fallback_reason
    default_storage.save(artifact, io.BytesIO(good))
    # Within the back-off the process does not hammer storage: still the fallback.
    assert recommendations_for(user=user, algorithm="ease").is_fallback
    monkeypatch.setattr(serving, "RETRY_FIRST_SECONDS", 0.0)  # the back-off has elapsed
    serving.forget_loaded_models()
    default_storage.delete(artifact)
    assert recommendations_for(user=user, algorithm="ease").is_fallback  # fails once more, retry due at once
    default_storage.save(artifact, io.BytesIO(good))
    served = recommendations_for(user=user, algorithm="ease")
    assert not served.is_fallback and served.model_version == trained["ease"].version


def test_similar_works_come_from_the_rankers_links_when_it_is_trained(small_anime, model_storage):
    work = popular_works(1)[0]
    model_train(algorithm="als")
    from_als = similar_works(work=work, limit=5)
    ease = model_train(algorithm="ease")
    similar = similar_works(work=work, limit=5)
    expected = [pk for pk, _ in load_model(ease).similar_items(work.pk, n=60)]
    shown = [w.pk for w in similar]
    assert len(shown) == 5 and work.pk not in shown and shown != [w.pk for w in from_als]
    assert shown == [pk for pk in expected if pk in set(shown)]  # EASE's order, filtered


def test_similar_works_come_from_the_als_space(small_anime, model_storage):
    work = popular_works(1)[0]
    assert similar_works(work=work) == []
    model_train(algorithm="als")
    similar = similar_works(work=work, limit=5)
    assert len(similar) == 5 and work not in similar
    assert all(not w.nsfw for w in similar)
    # A work that shares many raters with it is closer than a random rarely rated one.
    assert len({w.pk for w in similar}) == 5


def test_similar_works_leave_out_rarely_rated_works(small_anime, model_storage, settings):
    work = popular_works(1)[0]
    model_train(algorithm="als")
    settings.MANGAKI_SIMILAR_MIN_RATINGS = 0
    everything = similar_works(work=work, limit=8)
    rarest = min(everything, key=lambda w: w.nb_ratings)
    settings.MANGAKI_SIMILAR_MIN_RATINGS = rarest.nb_ratings + 1
    filtered = similar_works(work=work, limit=8)
    assert filtered and rarest not in filtered
    assert all(w.nb_ratings > rarest.nb_ratings for w in filtered)
    # The works that pass the filter keep their order of similarity.
    kept = [w for w in everything if w.nb_ratings > rarest.nb_ratings]
    assert filtered[: len(kept)] == kept


def test_similar_nsfw_works_only_for_profiles_that_opt_in(small_anime, model_storage):
    work = popular_works(1)[0]
    model_train(algorithm="als")
    nearest = similar_works(work=work, limit=5)[0]
    Work.objects.filter(pk=nearest.pk).update(nsfw=True)
    viewer = UserFactory()
    assert nearest not in similar_works(work=work, limit=5)
    assert nearest not in similar_works(work=work, limit=5, user=viewer)
    viewer.profile.nsfw_ok = True
    viewer.profile.save()
    assert similar_works(work=work, limit=5, user=viewer)[0] == nearest


def test_rated_works_never_come_back_from_the_fallback(small_anime, model_storage):
    user = UserFactory()
    top = popular_works(2)
    rate(user, top[:1], choice=Choice.WONTSEE)
    result = recommendations_for(user=user, limit=5)
    assert result.is_fallback and top[0].pk not in {i.work.pk for i in result.items}
    assert Rating.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("algorithm", ["ease", "als", "balse"])
def test_only_liked_works_explain_a_recommendation_on_the_page_and_the_api(trained, client, algorithm):
    """Only a work rated favorite or like (``LIKED_CHOICES``) is named as "because you liked", by every model.

    The models' own rules disagreed (ALS kept ratings above the person's mean, EASE any rating
    that raised the score, the page then dropped some): the selector now asks every model for
    the site's one rule, and page and API show what it gives.
    """
    from rest_framework.test import APIClient

    from mangaki.choices import LIKED_CHOICES

    user = UserFactory()
    works = popular_works(40)
    by_choice = {
        Choice.FAVORITE: works[0:3],
        Choice.LIKE: works[3:6],
        Choice.NEUTRAL: works[6:16],
        Choice.WILLSEE: works[16:24],
        Choice.DISLIKE: works[24:32],
    }
    for choice, rated in by_choice.items():
        rate(user, rated, choice=choice)
    liked = {work.pk for choice in LIKED_CHOICES for work in by_choice[choice]}

    result = recommendations_for(user=user, limit=10, algorithm=algorithm)
    named = {neighbour.pk for item in result.items for neighbour, _ in item.explanation.neighbours}
    assert named and named <= liked

    api = APIClient()
    api.force_authenticate(user)
    body = api.get("/api/recommendations/", {"limit": 10, "algorithm": algorithm}).json()
    from_api = {n["work"]["id"] for item in body["results"] for n in item["explanation"]["neighbours"]}
    assert from_api == named

    client.force_login(user)
    page = client.get("/recommendations/", {"algorithm": algorithm})
    shown = {n["work"].pk for item in page.context["items"] for n in item["reasons"]["neighbours"]}
    assert shown and shown <= named
