"""Browsing pages: what they show, how many SQL queries they cost, and that they escape titles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.models import Category, Tag
from mangaki.services.ratings import rating_set
from tests.factories import TagFactory, TaggedWorkFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


@pytest.fixture
def low_thresholds(settings):
    settings.MANGAKI_TOP_MIN_RATINGS = 2
    settings.MANGAKI_PEARLS_MIN_RATINGS = 2
    settings.MANGAKI_PEARLS_MAX_RATINGS = 10


def rated_works(rate, count, prefix="Work", genres=("Action", "Drama")):
    """``count`` works that appear in every home row (top, pearls, popular, controversial)."""
    tags = [TagFactory(title=genre) for genre in genres]
    works = []
    for index in range(count):
        work = WorkFactory(title=f"{prefix} {index}")
        for tag in tags:
            TaggedWorkFactory(work=work, tag=tag)
        rate(work, {"like": 8, "dislike": 1, "favorite": 1})
        works.append(work)
    return works


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_home_shows_each_row_with_cards_and_genres(client, rate, low_thresholds):
    rated_works(rate, 3)
    response = client.get(reverse("home"))
    content = response.content.decode()
    for row in ("Top rated", "Pearls", "Popular", "Controversial"):
        assert row in content
    assert content.count('class="card') >= 4 * 3
    assert "Work 0" in content and ">Action<" in content and ">Drama<" in content
    assert 'aria-label="Your rating of Work 0"' in content


def test_home_queries_do_not_grow_with_the_number_of_works(client, rate, low_thresholds, user):
    rated_works(rate, 2, prefix="Few")
    client.force_login(user)
    few = count_queries(client, reverse("home"))
    rated_works(rate, 9, prefix="More", genres=("Mecha", "Space"))
    many = count_queries(client, reverse("home"))
    assert many == few
    # One query per row; "This season" is a row of its own, and when the current season is empty one
    # more finds the latest season known (and one more reads its row); one more asks for the
    # active models, for "New this season for you" (none is trained here); one reads the signed-in
    # person's "Continue watching" of every category.
    assert few <= 15


def test_home_hides_nsfw_works_unless_the_profile_opts_in(client, rate, low_thresholds, user):
    rated_works(rate, 1, prefix="Safe")
    rate(WorkFactory(title="Lewd thing", nsfw=True), {"like": 8, "favorite": 1})
    client.force_login(user)
    assert "Lewd thing" not in client.get(reverse("home")).content.decode()
    user.profile.nsfw_ok = True
    user.profile.save()
    assert "Lewd thing" in client.get(reverse("home")).content.decode()


def catalogue(client, **params):
    return client.get(reverse("work-list", args=["anime"]), params)


def titles_on(response) -> list[str]:
    return [work.title for work in response.context["page"].object_list]


def test_search_ignores_case_and_accents(client):
    WorkFactory(title="Pokémon: The Origin")
    WorkFactory(title="POKEMON")
    WorkFactory(title="Digimon")
    for query in ("pokemon", "POKÉMON", "Pokémon", "okem"):
        assert sorted(titles_on(catalogue(client, q=query, sort="title"))) == [
            "POKEMON",
            "Pokémon: The Origin",
        ]
    assert titles_on(catalogue(client, q="100%", sort="title")) == []


def test_filters_by_genre_and_type_and_sorts_by_title(client):
    mecha = TagFactory(title="Mecha")
    for title, work_type in (("Gundam", "TV"), ("Evangelion", "TV"), ("Macross Plus", "OVA")):
        TaggedWorkFactory(work=WorkFactory(title=title, work_type=work_type), tag=mecha)
    WorkFactory(title="Clannad", work_type="TV")
    assert titles_on(catalogue(client, genre="mecha", sort="title")) == [
        "Evangelion",
        "Gundam",
        "Macross Plus",
    ]
    assert titles_on(catalogue(client, genre="mecha", type="TV", sort="title")) == ["Evangelion", "Gundam"]
    assert titles_on(catalogue(client, sort="title")) == ["Clannad", "Evangelion", "Gundam", "Macross Plus"]


def test_sorts_by_popularity_and_controversy(client, rate):
    rate(WorkFactory(title="Split"), {"like": 3, "dislike": 3})
    rate(WorkFactory(title="Loved"), {"like": 9})
    rate(WorkFactory(title="Leaning"), {"like": 6, "dislike": 2})
    assert titles_on(catalogue(client, sort="popular")) == ["Loved", "Leaning", "Split"]
    assert titles_on(catalogue(client, sort="controversial")) == ["Split", "Leaning"]


def test_invalid_filters_fall_back_to_defaults(client):
    WorkFactory(title="Only")
    response = catalogue(client, sort="nonsense", genre="no-such-genre", type="<b>")
    assert response.status_code == 200
    assert response.context["query"]["sort"] == "popular"
    assert titles_on(response) == ["Only"]


def test_pagination_keeps_the_filters(client, settings):
    settings.MANGAKI_PAGE_SIZE = 3
    for index in range(7):
        WorkFactory(title=f"Show {index}")
    first = catalogue(client, q="show", sort="title")
    assert titles_on(first) == ["Show 0", "Show 1", "Show 2"]
    assert "?q=show&amp;sort=title&amp;page=2" in first.content.decode()
    assert titles_on(catalogue(client, q="show", sort="title", page=3)) == ["Show 6"]
    assert titles_on(catalogue(client, q="show", sort="title", page=99)) == ["Show 6"]


def test_catalogue_queries_do_not_grow_with_the_page_size(client, settings, user):
    client.force_login(user)
    tag = TagFactory(title="Drama")
    for index in range(30):
        work = WorkFactory(title=f"Work {index}")
        TaggedWorkFactory(work=work, tag=tag)
        rating_set(user=user, work=work, choice="like")
    settings.MANGAKI_PAGE_SIZE = 2
    small = count_queries(client, reverse("work-list", args=["anime"]))
    settings.MANGAKI_PAGE_SIZE = 30
    large = count_queries(client, reverse("work-list", args=["anime"]))
    assert small == large <= 10


def test_catalogue_of_an_unknown_category_is_404(client):
    assert client.get("/nonsense/").status_code == 404


def test_work_page_shows_details_tags_and_the_choice_distribution(client, rate):
    work = WorkFactory(title="Cowboy Bebop", work_type="TV", nb_episodes=26, synopsis="Space bounty hunters.")
    TaggedWorkFactory(work=work, tag=TagFactory(title="Space"))
    rate(work, {"favorite": 3, "like": 1, "wontsee": 2})
    response = client.get(work.get_absolute_url())
    content = response.content.decode()
    assert "Cowboy Bebop" in content and "26 episodes" in content and "Space bounty hunters." in content
    assert ">Space</a>" in content
    bars = {bar["value"]: (bar["count"], bar["percent"]) for bar in response.context["distribution"]}
    assert bars == {
        "favorite": (3, 50),
        "like": (1, 17),
        "neutral": (0, 0),
        "dislike": (0, 0),
        "willsee": (0, 0),
        "wontsee": (2, 33),
    }
    assert '<span class="count">3</span> <span class="muted">(50%)</span>' in content


def test_work_page_query_count(client, user, django_assert_max_num_queries):
    work = WorkFactory()
    for index in range(5):
        TaggedWorkFactory(work=work, tag=TagFactory(title=f"Genre {index}"))
    client.force_login(user)
    # Work, its titles, its links, its relations, its tags, session, user, their rating, their
    # progress, models, categories.
    with django_assert_max_num_queries(11):
        assert client.get(work.get_absolute_url()).status_code == 200


def test_nsfw_work_page_is_masked_unless_opted_in(client, user):
    work = WorkFactory(title="Very lewd title", nsfw=True, synopsis="explicit")
    response = client.get(work.get_absolute_url())
    assert response.status_code == 403
    assert "Very lewd title" not in response.content.decode()
    assert "explicit" not in response.content.decode()
    client.force_login(user)
    user.profile.nsfw_ok = True
    user.profile.save()
    assert "Very lewd title" in client.get(work.get_absolute_url()).content.decode()


def test_work_page_of_the_wrong_category_is_404(client):
    work = WorkFactory()
    assert client.get(reverse("work-detail", args=["manga", work.pk])).status_code == 404


@pytest.mark.parametrize("where", ["home", "list", "detail", "search"])
def test_markup_in_titles_and_synopses_is_shown_as_text(client, rate, low_thresholds, where):
    work = WorkFactory(title=XSS, synopsis=f"Synopsis {XSS}")
    tag = Tag.objects.create(slug="xss", title=XSS)
    TaggedWorkFactory(work=work, tag=tag)
    rate(work, {"like": 8, "dislike": 1, "favorite": 1})
    url = {
        "home": reverse("home"),
        "list": reverse("work-list", args=["anime"]),
        "detail": work.get_absolute_url(),
        "search": reverse("work-list", args=["anime"]) + "?q=" + XSS,
    }[where]
    content = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert XSS not in content


def test_manga_category_page_is_empty_but_fine(client):
    WorkFactory(title="An anime")
    response = client.get(reverse("work-list", args=["manga"]))
    assert response.status_code == 200 and titles_on(response) == []
    assert Category.objects.filter(slug="manga").exists()


def test_other_users_see_their_own_choice_on_cards(client, rate):
    work = WorkFactory(title="Shared")
    alice, bob = UserFactory(), UserFactory()
    rating_set(user=alice, work=work, choice="favorite")
    client.force_login(bob)
    assert catalogue(client).context["page"].object_list[0].my_choice == ""
    client.force_login(alice)
    response = catalogue(client)
    assert response.context["page"].object_list[0].my_choice == "favorite"
    assert (
        'data-choice="favorite" class="rate-button rate-favorite" aria-pressed="true"'
        in response.content.decode()
    )
