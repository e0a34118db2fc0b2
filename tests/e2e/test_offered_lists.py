"""The lists offered, in a browser: "Similar fans" (ALS ordering EASE's list) with the odds of a
like on each card, at 1366x900 and on a phone, on the small real data with models trained for real."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from mangaki.choices import Choice
from mangaki.models import Work
from mangaki.services.ratings import rating_set

from .test_import import PASSWORD, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def fan(site):
    """Someone who loved twelve of the well-known works and disliked two."""
    user = get_user_model().objects.create_user("listfan", password=PASSWORD)
    works = list(Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings", "pk")[20:34])
    for work in works[:12]:
        rating_set(user=user, work=work, choice=Choice.FAVORITE)
    for work in works[12:]:
        rating_set(user=user, work=work, choice=Choice.DISLIKE)
    return user


def open_similar_fans(page: Page, url: str):
    log_in(page, url, "listfan")
    page.goto(f"{url}/recommendations/")
    menu = page.locator("#rec-algorithm")
    labels = menu.locator("option").all_inner_texts()
    assert labels[0] == "Best for you" and "Similar fans" in labels
    page.goto(f"{url}/recommendations/?algorithm=als")
    expect(menu).to_have_value("als")


def test_similar_fans_with_the_odds_of_a_like_on_each_card(site, fan, page: Page, screenshot):
    page.set_viewport_size(DESKTOP)
    open_similar_fans(page, site.url)
    odds = page.locator(".odds")
    assert odds.count() >= 5
    expect(odds.first).to_contain_text("You would like it:")
    assert "calibrated on ratings it did not see" in odds.first.get_attribute("title")
    screenshot(page, "recommendations-similar-fans-desktop")


def test_the_same_on_a_phone(site, fan, phone: Page, screenshot):
    open_similar_fans(phone, site.url)
    expect(phone.locator(".odds").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the recommendations page scrolls sideways on a phone: {width}px"
    screenshot(phone, "recommendations-similar-fans-phone")
