"""Covers in the browser: in their boxes, lazy, never broken, NSFW ones blurred; at 1366×900 and 390×844.

Every test fails on a Content-Security-Policy refusal and on any image request that fails,
except the one a test makes fail on purpose (a cover whose file is gone from storage).
"""

from __future__ import annotations

import colorsys
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from playwright.sync_api import Page, expect

from mangaki.models import Work
from tests.covers import store_cover
from tests.e2e.conftest import PHONE, fail_on_csp_refusals, fail_on_failed_images
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
NB_COVERS = 20
SYNOPSIS = (
    "A bounty hunter and his crew drift across the solar system in 2071, <chasing> whoever pays.\n\n"
    "Their pasts catch up with them, one job at a time."
)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def catalogue(live_server, settings, tmp_path):
    """The small real anime data; the most popular works with covers (real JPEGs in a tmp MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_anime", small=True, stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    popular = list(Work.objects.filter(nsfw=False).popular()[:NB_COVERS])
    for index, work in enumerate(popular):
        red, green, blue = colorsys.hsv_to_rgb(index / NB_COVERS, 0.55, 0.75)
        store_cover(work, (int(red * 255), int(green * 255), int(blue * 255)), label=work.title[:28])
    Work.objects.filter(pk=popular[0].pk).update(synopsis=SYNOPSIS)
    return live_server, popular


class Watched:
    """A page that records CSP refusals and failed image requests (as the conftest's fixtures do)."""

    def __init__(self, page: Page):
        self.page = page
        self.refused = fail_on_csp_refusals(page)
        self.failed_images = fail_on_failed_images(page)

    def check(self, *, expected_failures: tuple[str, ...] = ()):
        assert not self.refused, f"the Content-Security-Policy refused: {self.refused}"
        unexpected = [
            failure for failure in self.failed_images if not failure.endswith(expected_failures or ("\0",))
        ]
        assert not unexpected, f"image requests failed: {unexpected}"


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**DESKTOP)
    watched = Watched(context.new_page())
    yield watched
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(**PHONE)
    watched = Watched(context.new_page())
    yield watched
    context.close()


def load_every_cover(page: Page) -> int:
    """Scroll through the page so lazy covers load, then wait until each has loaded; how many."""
    height = page.evaluate("document.documentElement.scrollHeight")
    step = page.viewport_size["height"] // 2
    for top in range(0, height + step, step):
        page.evaluate(f"window.scrollTo(0, {top})")
        page.wait_for_timeout(40)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('img[data-cover]'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.evaluate("window.scrollTo(0, 0)")
    return page.locator("img[data-cover]").count()


def covers_fill_their_boxes(page: Page):
    """Each cover covers its poster box exactly (no layout shift, no gap)."""
    boxes = page.locator("img[data-cover]").evaluate_all(
        """imgs => imgs.map(img => {
            const a = img.getBoundingClientRect(), b = img.parentElement.getBoundingClientRect();
            return [Math.round(a.width - b.width), Math.round(a.height - b.height), img.getAttribute('width'),
                    img.getAttribute('height'), img.naturalWidth];
        })"""
    )
    assert boxes and all(box[:2] == [0, 0] for box in boxes), boxes
    assert all(box[2:4] == ["230", "345"] and box[4] == 230 for box in boxes), boxes


def test_the_catalogue_shows_covers_at_1366x900(catalogue, desktop, screenshot):
    live_server, popular = catalogue
    page = desktop.page
    page.goto(f"{live_server.url}/anime/?sort=popular")
    first = page.locator(".card-grid article.card").first
    expect(first.locator("img.cover")).to_have_attribute("alt", f"Cover of {popular[0].title}")
    shown = load_every_cover(page)
    assert shown == min(NB_COVERS, page.locator(".card-grid article.card").count())
    covers_fill_their_boxes(page)
    # A card past the covered ones keeps its placeholder, and nothing is broken.
    assert page.locator(".card-grid article.card .poster-placeholder:not([aria-hidden])").count() >= 1
    screenshot(page, "covers-desktop-catalogue")
    desktop.check()


def test_a_work_page_shows_its_cover_and_synopsis_at_1366x900(catalogue, desktop, screenshot):
    live_server, popular = catalogue
    page = desktop.page
    page.goto(f"{live_server.url}{popular[0].get_absolute_url()}")
    cover = page.locator(".work-poster img.cover")
    expect(cover).to_be_visible()
    assert cover.evaluate("img => img.complete && img.naturalWidth") == 230
    box = cover.bounding_box()
    assert round(box["height"] / box["width"], 2) == 1.5
    expect(page.locator(".synopsis p")).to_have_text(
        [
            "A bounty hunter and his crew drift across the solar system in 2071, <chasing> whoever pays.",
            "Their pasts catch up with them, one job at a time.",
        ]
    )
    load_every_cover(page)  # the similar works' row
    screenshot(page, "covers-desktop-work-page")
    desktop.check()


def test_the_catalogue_and_a_work_page_on_a_phone(catalogue, phone_page, screenshot):
    live_server, popular = catalogue
    page = phone_page.page
    page.goto(f"{live_server.url}/anime/?sort=popular")
    assert load_every_cover(page) >= 10
    covers_fill_their_boxes(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "covers-phone-catalogue")
    page.goto(f"{live_server.url}{popular[0].get_absolute_url()}")
    expect(page.locator(".work-poster img.cover")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    load_every_cover(page)
    screenshot(page, "covers-phone-work-page")
    phone_page.check()


def test_a_cover_missing_from_storage_leaves_the_placeholder(catalogue, desktop):
    live_server, popular = catalogue
    gone = popular[1]
    default_storage.delete(gone.cover.name)
    page = desktop.page
    page.goto(f"{live_server.url}/anime/?sort=popular")
    card = page.locator(f'article.card[data-work="{gone.pk}"]')
    expect(card.locator("img")).to_have_count(0)
    expect(card.locator(".poster-placeholder .monogram")).to_be_visible()
    assert card.locator(".poster-placeholder").get_attribute("aria-hidden") is None
    page.goto(f"{live_server.url}{gone.get_absolute_url()}")
    expect(page.locator(".work-poster img")).to_have_count(0)
    expect(page.locator(".work-poster .poster-placeholder")).to_be_visible()
    desktop.check(expected_failures=(gone.cover.url,))
    assert desktop.failed_images, "the missing cover was asked for"


def test_an_nsfw_cover_is_blurred_until_revealed_for_who_opted_in(catalogue, desktop, screenshot):
    live_server, popular = catalogue
    adult = popular[2]
    Work.objects.filter(pk=adult.pk).update(nsfw=True)
    page = desktop.page
    # Not opted in: the work is hidden, and so its cover.
    page.goto(f"{live_server.url}/anime/?sort=popular")
    expect(page.locator(f'article.card[data-work="{adult.pk}"]')).to_have_count(0)
    user = UserFactory(username="grown-up")
    user.profile.nsfw_ok = True
    user.profile.save(update_fields=["nsfw_ok"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "grown-up")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/anime/?sort=popular")
    card_cover = page.locator(f'article.card[data-work="{adult.pk}"] img.cover')
    expect(card_cover).to_have_class("cover is-masked")
    assert "blur" in card_cover.evaluate("img => getComputedStyle(img).filter")
    page.goto(f"{live_server.url}{adult.get_absolute_url()}")
    cover = page.locator(".work-poster img.cover")
    expect(cover).to_have_class("cover is-masked")
    screenshot(page, "covers-desktop-nsfw-masked")
    page.get_by_role("button", name="Show the NSFW cover").click()
    expect(cover).to_have_class("cover")
    assert cover.evaluate("img => getComputedStyle(img).filter") == "none"
    expect(page.get_by_role("button", name="Show the NSFW cover")).to_have_count(0)
    desktop.check()


def test_the_recommendation_list_shows_covers(catalogue, desktop, screenshot):
    live_server, _ = catalogue
    page = desktop.page
    page.goto(f"{live_server.url}/recommendations/")
    expect(page.locator("li.rec img.cover").first).to_be_visible()
    load_every_cover(page)
    covers_fill_their_boxes(page)
    screenshot(page, "covers-desktop-recommendations")
    desktop.check()
