"""Year and season of a work (``mangaki.seasons``): on every card, in the card's name, cheaply."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.models import Work
from mangaki.precompiled import PartialModel
from mangaki.recommendations.lists import LISTED_WORK_FIELDS, works_by_pk
from mangaki.seasons import Season, season_label, season_of
from mangaki.services.ratings import rating_set
from tests.factories import WorkFactory, code_geass

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("month", "season"),
    [(1, "winter"), (2, "winter"), (3, "winter"), (4, "spring"), (5, "spring"), (6, "spring"),
     (7, "summer"), (8, "summer"), (9, "summer"), (10, "fall"), (11, "fall"), (12, "fall")],
)  # fmt: skip
def test_every_month_has_its_anime_season(month, season):
    first, last = date(2013, month, 1), date(2013, month, 24)
    assert season_of(first) == season_of(last) == Season(season)
    assert season_label(last) == f"2013 · {Season(season).label}"


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2023, 9, 29), "2023 · Fall"),  # Frieren's first broadcast: a Fall 2023 show
        (date(2023, 9, 24), "2023 · Summer"),
        (date(2023, 9, 25), "2023 · Fall"),
        (date(2025, 12, 28), "2026 · Winter"),  # and of the next year
        (date(2026, 3, 25), "2026 · Spring"),
        (date(2026, 6, 30), "2026 · Summer"),
        (date(2026, 5, 31), "2026 · Spring"),  # only a season's last month starts early
    ],
)
def test_a_first_broadcast_in_the_last_days_of_a_season_belongs_to_the_next(day, label):
    assert season_label(day) == label


def test_without_a_date_there_is_no_year_nor_season(db):
    assert season_of(None) is None and season_label(None) == ""
    work = WorkFactory(aired_from=None)
    assert (work.year, work.season, work.season_label) == (None, None, "")
    work = WorkFactory(aired_from=date(2006, 10, 5))
    assert (work.year, work.season, work.season_label) == (2006, Season.FALL, "2006 · Fall")


@pytest.mark.parametrize("where", ["catalogue", "home", "recommendations", "profile"])
def test_cards_show_the_year_and_the_full_title(client, rate, user, settings, where):
    settings.MANGAKI_TOP_MIN_RATINGS = 1
    first, second = code_geass()
    for work in (first, second):
        rate(work, {"like": 3})
    if where == "profile":
        for work in (first, second):
            rating_set(user=user, work=work, choice="like")
        client.force_login(user)
    url = {
        "catalogue": reverse("work-list", args=["anime"]),
        "home": reverse("home"),
        "recommendations": reverse("recommendations"),
        "profile": reverse("profile", args=[user.username]),
    }[where]
    content = client.get(url).content.decode()
    for work, label in ((first, "2006 · Fall"), (second, "2008 · Spring")):
        assert f'title="{work.title}">{work.title}</a></h3>' in content
        card = re.search(rf'aria-labelledby="(\w+)-title-{work.pk}([-\w]*) (\w+)-year-{work.pk}\2"', content)
        assert card, f"the card of {work.title} is not named by its title and year"
        assert f'id="{card[3]}-year-{work.pk}{card[2]}">{label}</span>' in content


def test_recommended_works_bring_their_date_without_another_query(db):
    first, second = code_geass()
    assert "aired_from" in LISTED_WORK_FIELDS
    works = works_by_pk({first.pk, second.pk})
    with CaptureQueriesContext(connection) as captured:
        labels = {works[pk].season_label for pk in (first.pk, second.pk)}
    assert labels == {"2006 · Fall", "2008 · Spring"} and len(captured) == 0
    assert works[first.pk].aired_from == date(2006, 10, 5)


def test_partial_models_make_dates_of_text_dates(db):
    work = WorkFactory(aired_from=date(2011, 4, 6))
    partial = PartialModel(type(work), ("aired_from", "aired_to"))
    instance = partial.instance("default", (work.pk, "2011-04-06", None))
    assert instance.aired_from == date(2011, 4, 6) and instance.aired_to is None


def test_partial_models_refuse_a_field_they_do_not_convert(db):
    """A datetime comes back from SQLite as text: refused rather than given as a string."""
    with pytest.raises(TypeError, match=r"Work\.date_added \(DateTimeField\)"):
        PartialModel(Work, ("title", "date_added"))
    with pytest.raises(TypeError, match="synced_at"):
        PartialModel(Work, ("synced_at",))


def test_partial_models_decode_json_as_the_orm_does(db):
    """A JSON column read by a raw query (text on both drivers) equals the ORM's value."""
    from django.contrib.auth import get_user_model

    from mangaki.models import Profile

    user = get_user_model().objects.create(username="json-reader")
    Profile.objects.filter(user=user).update(hidden_franchises=[3, 1, 2])
    partial = PartialModel(Profile, ("user", "hidden_franchises"))
    row = Profile.objects.filter(user=user).values_list(*partial.lookups())
    from mangaki.precompiled import PrecompiledQuery

    raw = PrecompiledQuery(lambda pk: Profile.objects.filter(user_id=pk).values_list(*partial.lookups()))
    for found in (list(row)[0], raw.rows(user.pk)[0], raw.rows(user.pk)[0]):
        assert partial.instance("default", found).hidden_franchises == [3, 1, 2]
