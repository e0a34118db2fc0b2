"""A signed-in person's season, in their order with reasons, and home's "New this season for
you", in a browser at 1366x900 and on a phone, on the small real data with EASE, BALSE, ALS
and SideRanker trained for real."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from mangaki.choices import Choice
from mangaki.models import Category, TaggedWork, TrainedModel, Work
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.factories import WorkFactory

from .test_import import PASSWORD, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def fan(site):
    """A person who loved the most rated work heading a franchise; two spring 2026 works nobody
    rated, as followed as each other upstream: a later part of that franchise, and another."""
    anime = Category.objects.get(slug="anime")
    first = Work.objects.filter(franchise_id__isnull=False, nb_ratings__gt=0).order_by("-nb_ratings")[0]
    for title, franchise, day in (
        ("Its new season", first.franchise_id, 8),
        ("Something else entirely", None, 9),
    ):
        work = WorkFactory(
            title=title, category=anime, aired_from=date(2026, 4, day), nb_members=80_000,
            work_type="TV", franchise_id=franchise,
        )  # fmt: skip
        TaggedWork.objects.bulk_create([TaggedWork(work=work, tag=tag) for tag in first.tags.all()[:2]])
    assert model_train(algorithm="side").status == TrainedModel.Status.READY
    user = get_user_model().objects.create_user("seasonfan", password=PASSWORD)
    rating_set(user=user, work=first, choice=Choice.FAVORITE)
    return first


def test_the_season_for_a_signed_in_person_and_new_this_season_for_you(site, fan, page: Page, screenshot):
    page.set_viewport_size(DESKTOP)
    log_in(page, site.url, "seasonfan")
    page.goto(f"{site.url}/anime/season/2026/spring/")
    expect(page.locator("#id_sort")).to_have_value("for_you")
    tv = page.locator(".season-group").first
    titles = tv.locator(".card-title").all_inner_texts()
    assert titles.index("Its new season") < titles.index("Something else entirely")
    reason = tv.locator(".season-item", has_text="Its new season").locator(".card-reason")
    expect(reason).to_contain_text(
        re.compile(rf"(Sequel of|Same franchise as) {re.escape(fan.title)}, which you loved")
    )
    # A reason only where there is one to say.
    assert tv.locator(".card-reason").count() == tv.locator(".card-reason:not(:empty)").count() >= 1
    screenshot(page, "season-for-you-desktop")
    page.goto(f"{site.url}/")
    row = page.locator("section.row", has=page.locator("#row-anime-season-for-you"))
    expect(row.locator("h2")).to_contain_text("for you")
    expect(row.locator(".card-title").first).to_have_text("Its new season")
    screenshot(page, "home-new-this-season-for-you-desktop")


def test_the_same_on_a_phone(site, fan, phone: Page, screenshot):
    log_in(phone, site.url, "seasonfan")
    phone.goto(f"{site.url}/anime/season/2026/spring/")
    expect(phone.locator(".card-reason").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the season page scrolls sideways on a phone: {width}px"
    screenshot(phone, "season-for-you-phone")
    phone.goto(f"{site.url}/")
    expect(phone.locator("#row-anime-season-for-you")).to_be_visible()
    screenshot(phone, "home-new-this-season-for-you-phone")
