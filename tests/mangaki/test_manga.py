"""Manga, honestly: an empty category says how to fill it; once manga has ratings, anime taste informs it."""

import pytest
from django.urls import reverse

from mangaki.choices import Choice
from mangaki.models import Category, Rating, Work
from mangaki.recommendations.lists import recommendations_for
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set, ratings_bulk_set
from tests.factories import UserFactory, WorkFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_empty_category_says_how_to_fill_it_instead_of_promising_picks(client, user):
    WorkFactory()  # some anime, no manga
    listing = client.get(reverse("work-list", args=["manga"])).content.decode()
    assert "No manga here yet" in listing and reverse("import") in listing
    assert "No work matches" not in listing
    client.force_login(user)
    picks = client.get(reverse("recommendations") + "?category=manga").content.decode()
    assert "No manga here yet" in picks and reverse("import") in picks
    assert "Nothing more to recommend" not in picks and "Not personal yet" not in picks
    # A search that matches nothing in a category that has works is a different message.
    assert "No work matches" in client.get(reverse("work-list", args=["anime"]) + "?q=zzzz").content.decode()


def test_a_manga_page_shows_volumes_chapters_and_its_myanimelist_link(client):
    monster = WorkFactory(
        category=Category.objects.get(slug="manga"),
        work_type="",
        nb_episodes=None,
        nb_volumes=18,
        nb_chapters=162,
        external_source="myanimelist",
        external_id="1",
    )
    page = client.get(monster.get_absolute_url()).content.decode()
    assert "18 volumes" in page and "162 chapters" in page and "episode" not in page
    assert 'href="https://myanimelist.net/manga/1"' in page


def fans_of(work: Work, count: int) -> list[int]:
    """Ids of ``count`` members who loved ``work``."""
    return list(
        Rating.objects.filter(work=work, choice__in=[Choice.FAVORITE, Choice.LIKE])
        .order_by("user_id")
        .values_list("user_id", flat=True)[:count]
    )


def test_anime_taste_informs_the_manga_list(small_anime, model_storage):
    """Fans of one anime read one manga, fans of another a second: a newcomer who loved the first
    anime is told the first manga, because of that anime, once the models learned the manga."""
    from django.contrib.auth import get_user_model

    manga = Category.objects.get(slug="manga")
    anime = list(Work.objects.filter(category__slug="anime").order_by("-nb_ratings")[:40])
    # Two popular anime whose fans overlap least.
    first = anime[0]
    first_fans = set(fans_of(first, 400))
    second = min(anime[1:], key=lambda work: len(first_fans & set(fans_of(work, 400))))
    second_fans = set(fans_of(second, 400)) - first_fans
    first_fans -= set(fans_of(second, 400))
    first_manga = WorkFactory(
        category=manga, title="Read by fans of the first", work_type="", nb_episodes=None
    )
    second_manga = WorkFactory(
        category=manga, title="Read by fans of the second", work_type="", nb_episodes=None
    )
    User = get_user_model()
    for fans, book in ((first_fans, first_manga), (second_fans, second_manga)):
        for reader in User.objects.filter(pk__in=sorted(fans)[:25]):
            ratings_bulk_set(user=reader, rows=[(book.pk, Choice.LIKE)])

    newcomer = UserFactory()
    rating_set(user=newcomer, work=first, choice=Choice.FAVORITE)
    model_train(algorithm="ease")  # the manga learned
    picks = recommendations_for(user=newcomer, category="manga", limit=2)
    assert not picks.is_fallback and picks.algorithm == "ease"
    assert [item.work.pk for item in picks.items][0] == first_manga.pk
    assert [work.pk for work, _ in picks.items[0].explanation.neighbours] == [first.pk]
    # Someone who loved the other anime is told the other manga first.
    other = UserFactory()
    rating_set(user=other, work=second, choice=Choice.FAVORITE)
    assert recommendations_for(user=other, category="manga", limit=2).items[0].work.pk == second_manga.pk


def test_manga_the_models_have_not_learned_yet_come_as_the_most_rated_saying_why(small_anime, model_storage):
    model_train(algorithm="ease")
    manga = Category.objects.get(slug="manga")
    book = WorkFactory(category=manga, title="Imported after the training", work_type="", nb_episodes=None)
    reader = UserFactory()
    rating_set(user=UserFactory(), work=book, choice=Choice.LIKE)
    rating_set(user=reader, work=Work.objects.filter(category__slug="anime").first(), choice=Choice.LIKE)
    picks = recommendations_for(user=reader, category="manga", limit=5)
    assert picks.is_fallback and [item.work.pk for item in picks.items] == [book.pk]
    assert "not learned these works yet" in picks.fallback_reason
