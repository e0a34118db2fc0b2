"""Plain words on the pages: algorithms named for what they do, one minimum number of ratings,
counts that agree with their nouns."""

import dataclasses
import re

import pytest
from django.test import Client
from django.urls import reverse

from mangaki.models import TrainedModel, Work
from mangaki.recommendations.algorithms import DEFAULT, SPECS
from mangaki.recommendations.lists import recommendations_for
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
Algorithm = TrainedModel.Algorithm
MODEL_NAMES = re.compile(r"\b(EASE|BALSE|ALS|LASSO)\b|model v\d")
PASSWORD = "a long enough passphrase 42"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def trained(small_anime, model_storage):
    return {algorithm: model_train(algorithm=algorithm) for algorithm in ("ease", "als", "balse")}


def rate_popular(user, count: int) -> None:
    for work in Work.objects.filter(nsfw=False).popular()[:count]:
        rating_set(user=user, work=work, choice="favorite")


def visible_text(html: str) -> str:
    """The page without its tags, attributes and the icons' markup: what a person reads."""
    return re.sub(r"<[^>]+>", " ", html)


# --- Algorithms named for people


def test_every_algorithm_has_a_name_for_people_without_jargon():
    assert set(SPECS) == set(Algorithm)
    labels = [SPECS[algorithm].people_label for algorithm in Algorithm]
    assert len(set(labels)) == len(labels)
    assert SPECS[DEFAULT].people_label == "Best for you"
    assert SPECS[Algorithm.ALS].people_label == "Similar fans"
    assert SPECS[Algorithm.LASSO].people_label == "Your favourite genres"
    for label in labels:
        assert not MODEL_NAMES.search(label)


@pytest.mark.parametrize("asked", ["", "als", "balse"])
def test_the_recommendations_page_names_algorithms_for_people(client, trained, asked):
    user = UserFactory()
    rate_popular(user, 10)
    client.force_login(user)
    response = client.get(reverse("recommendations"), {"algorithm": asked})
    page = response.content.decode()
    assert not response.context["is_fallback"]
    served = Algorithm(asked or DEFAULT)
    assert f"{SPECS[served].people_label} · best matches first" in page
    options = re.findall(
        r'<option value="(\w*)"( selected)?>([^<]+)</option>', page.split('id="rec-algorithm"')[1]
    )
    assert [(value, label) for value, _, label in options] == [
        ("", "Best for you"),
        ("balse", "Genres and fans mixed"),
        ("als", "Similar fans"),
        ("lasso", "Your favourite genres"),
    ]
    assert [value for value, selected, _ in options if selected] == ["" if served == DEFAULT else asked]
    assert not MODEL_NAMES.search(visible_text(page))


def test_the_model_report_keeps_the_model_names(client, trained, settings):
    settings.MANGAKI_PUBLIC_MODEL_REPORT = True
    page = client.get(reverse("model-report")).content.decode()
    assert "EASE v1" in page and "BALSE v1" in page and "ALS v1" in page


# --- One minimum number of ratings


def fallback_note(html: str) -> str:
    return " ".join(visible_text(html.split('data-fallback="true"')[1].split("</div>")[0]).split())


@pytest.mark.parametrize("minimum", [1, 4])
def test_every_minimum_ratings_message_says_the_default_algorithms_number(
    client, trained, monkeypatch, minimum
):
    monkeypatch.setitem(SPECS, DEFAULT, dataclasses.replace(SPECS[DEFAULT], min_ratings=minimum))
    works = "work" if minimum == 1 else "works"
    home = " ".join(visible_text(client.get(reverse("home")).content.decode()).split())
    assert (
        f"rate at least {minimum} {works} you have seen and your recommendations explain themselves" in home
    )
    assert not re.search(r"\bafter (ten|\d+)\b", home)

    visitor = client.get(reverse("recommendations")).content.decode()
    assert f"Sign in and rate at least {minimum} {works} for personal picks." in fallback_note(visitor)

    if minimum > 1:
        user = UserFactory()
        rate_popular(user, minimum - 1)
        client.force_login(user)
        member = client.get(reverse("recommendations")).content.decode()
        assert f"Rate at least {minimum} works for personal picks." in fallback_note(member)
        rate_popular(user, minimum)
        assert not client.get(reverse("recommendations")).context["is_fallback"]


def test_the_real_minimum_is_the_one_the_selector_applies(trained):
    minimum = SPECS[DEFAULT].min_ratings
    user = UserFactory()
    rate_popular(user, minimum - 1)
    assert recommendations_for(user=user).is_fallback
    rate_popular(user, minimum)
    assert not recommendations_for(user=user).is_fallback
    home = " ".join(visible_text(Client().get(reverse("home")).content.decode()).split())
    assert f"rate at least {minimum} work" in home


# --- Counts agree with their nouns


@pytest.mark.parametrize(
    ("count", "message"),
    [(1, "1 rating from this visit was added"), (2, "2 ratings from this visit were added")],
)
def test_the_login_message_counts_the_visit_ratings(count, message):
    member = UserFactory(username="returning")
    member.set_password(PASSWORD)
    member.save()
    visitor = Client()
    for work in WorkFactory.create_batch(count):
        visitor.post(reverse("rate", args=[work.pk]), {"choice": "like"}, **JSON)
    page = visitor.post(reverse("login"), {"username": "returning", "password": PASSWORD}, follow=True)
    assert f"{message} to your account." in page.content.decode()


@pytest.mark.parametrize(
    ("count", "settings_text", "deleted"),
    [
        (1, "Your 1 rating is yours to take anywhere", "Your account and your 1 rating were deleted."),
        (2, "Your 2 ratings are yours to take anywhere", "Your account and your 2 ratings were deleted."),
    ],
)
def test_the_settings_page_and_the_deletion_message_count_ratings(count, settings_text, deleted):
    user = UserFactory()
    user.set_password(PASSWORD)
    user.save()
    for work in WorkFactory.create_batch(count):
        rating_set(user=user, work=work, choice="like")
    client = Client()
    client.force_login(user)
    assert settings_text in client.get(reverse("settings")).content.decode()
    response = client.post(reverse("account-delete"), {"password": PASSWORD}, follow=True)
    assert deleted in response.content.decode()
