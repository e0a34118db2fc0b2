"""Work querysets: expectations small enough to compute by hand, one SQL query each."""

import pytest

from mangaki.models import Category, Work
from tests.factories import WorkFactory


@pytest.fixture
def low_thresholds(settings):
    settings.MANGAKI_TOP_MIN_RATINGS = 3
    settings.MANGAKI_PEARLS_MIN_RATINGS = 3
    settings.MANGAKI_PEARLS_MAX_RATINGS = 10
    settings.MANGAKI_RANDOM_MIN_RATINGS = 3


def titles(queryset):
    return [work.title for work in queryset]


def test_top_orders_by_average_ranking_score_and_needs_enough_ratings(db, rate, low_thresholds):
    rate(WorkFactory(title="C"), {"like": 1, "dislike": 1, "neutral": 1})  # (2.5 - 2 - 0.1) / 3
    rate(WorkFactory(title="A"), {"favorite": 2, "like": 1})  # (5 + 5 + 2.5) / 3
    rate(WorkFactory(title="B"), {"like": 3})  # 2.5
    rate(WorkFactory(title="D"), {"favorite": 2, "willsee": 3})  # only 2 counted ratings
    assert titles(Work.objects.top()) == ["A", "B", "C"]
    top = Work.objects.top().first()
    assert top.rank_score == pytest.approx(12.5 / 3)


def test_top_chains_with_a_category_filter(db, rate, low_thresholds):
    manga = Category.objects.get(slug="manga")
    rate(WorkFactory(title="Anime"), {"like": 3})
    rate(WorkFactory(title="Manga", category=manga), {"favorite": 3})
    assert titles(Work.objects.filter(category__slug="anime").top()) == ["Anime"]
    assert titles(Work.objects.top().filter(category=manga)) == ["Manga"]


def test_pearls_are_little_known_and_almost_never_disliked(db, rate, low_thresholds):
    rate(WorkFactory(title="E"), {"like": 4})  # rate 0, 4 ratings
    rate(WorkFactory(title="L"), {"like": 3})  # rate 0, 3 ratings: after E
    rate(WorkFactory(title="G"), {"like": 9, "dislike": 1})  # 1/9 <= 5/42
    rate(WorkFactory(title="H"), {"like": 8, "dislike": 1})  # 1/8 > 5/42
    rate(WorkFactory(title="I"), {"like": 11})  # too well known
    rate(WorkFactory(title="J"), {"like": 2})  # too few ratings
    rate(WorkFactory(title="K"), {"neutral": 3})  # no like at all
    assert titles(Work.objects.pearls()) == ["E", "L", "G"]


def test_popular_and_controversial(db, rate):
    rate(WorkFactory(title="Split"), {"like": 3, "dislike": 3})  # 6 ** 1 = 6
    rate(WorkFactory(title="Leaning"), {"like": 6, "dislike": 2})  # 8 ** (1/3) = 2
    rate(WorkFactory(title="Loved"), {"like": 9})  # 0: not controversial
    rate(WorkFactory(title="Unseen"), {"willsee": 2})  # no counted rating
    # A sort hides nothing: works without a counted rating come last.
    assert titles(Work.objects.popular()) == ["Loved", "Leaning", "Split", "Unseen"]
    assert titles(Work.objects.controversial()) == ["Split", "Leaning"]
    assert Work.objects.get(title="Leaning").controversy == pytest.approx(2.0)


def test_random_only_draws_works_people_mostly_liked(db, rate, low_thresholds):
    rate(WorkFactory(title="Liked"), {"like": 3})
    rate(WorkFactory(title="Favorite"), {"favorite": 2, "dislike": 1})
    rate(WorkFactory(title="Hated"), {"dislike": 3})
    rate(WorkFactory(title="Rare"), {"like": 2})
    assert sorted(titles(Work.objects.random())) == ["Favorite", "Liked"]


@pytest.mark.parametrize("method", ["top", "pearls", "popular", "controversial", "random"])
def test_each_queryset_is_one_sql_query_and_returns_works(
    db, rate, low_thresholds, method, django_assert_num_queries
):
    rate(WorkFactory(), {"like": 4, "dislike": 1})  # controversial
    rate(WorkFactory(), {"like": 4})  # a pearl
    with django_assert_num_queries(1):
        works = list(getattr(Work.objects.filter(category__slug="anime"), method)()[:8])
    assert works and all(isinstance(work, Work) for work in works)


def test_safe_for_hides_nsfw_works_unless_the_profile_opts_in(db, user):
    WorkFactory(title="Safe")
    WorkFactory(title="Adult", nsfw=True)
    assert titles(Work.objects.order_by("title").safe_for(None)) == ["Safe"]
    assert titles(Work.objects.order_by("title").safe_for(user)) == ["Safe"]
    user.profile.nsfw_ok = True
    user.profile.save()
    assert titles(Work.objects.order_by("title").safe_for(user)) == ["Adult", "Safe"]
