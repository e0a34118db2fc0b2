"""What a search says in the browser (issue 19, item 2): a close match as one, works of another
category leading there, a manga suggestion opening the manga; at 1366×900 and 390×844."""

import re

import pytest
from playwright.sync_api import expect

from mangaki.models import Category, WorkTitle
from tests.e2e.conftest import PHONE, fail_on_csp_refusals, fail_on_failed_images
from tests.factories import WorkFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def catalogue(live_server):
    WorkFactory(title="Cowboy Bebop")
    WorkFactory(title="Chainsaw Maid", work_type="OVA")
    WorkFactory(title="Chainsaw Maiden <b>", work_type="Movie")
    manga = Category.objects.get(slug="manga")
    berserk = WorkFactory(title="Berserk", category=manga, work_type="Manga", nb_episodes=None)
    titan = WorkFactory(title="Shingeki no Kyojin")
    WorkTitle.objects.create(work=titan, title="attack on titan", language="en", kind="translation")
    WorkTitle.objects.create(work=titan, title="Attack on Titan", language="en-US", kind="translation")
    return live_server, berserk


@pytest.fixture(params=["desktop", "phone"])
def screen(request, browser):
    """A page at 1366×900 or 390×844, failing on a CSP refusal or a failed image request."""
    context = browser.new_context(**(DESKTOP if request.param == "desktop" else PHONE))
    page = context.new_page()
    refused, failed_images = fail_on_csp_refusals(page), fail_on_failed_images(page)
    yield request.param, page
    context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"
    assert not failed_images, f"image requests failed: {failed_images}"


def test_a_close_match_is_said_to_be_close(catalogue, screen, screenshot):
    live_server, _ = catalogue
    name, page = screen
    page.goto(f"{live_server.url}/anime/?q=chainsaw+man")
    close = page.locator(".search-close")
    expect(close).to_have_text("No work called “chainsaw man”; close: Chainsaw Maid, Chainsaw Maiden <b>")
    expect(close.get_by_role("link")).to_have_count(2)
    expect(page.locator(".page-header .muted")).to_have_text("2 close matches · Best match")
    expect(page.get_by_text(re.compile("matching"))).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"search-{name}-close-match")


def test_the_header_search_for_a_manga_leads_to_the_manga(catalogue, screen, screenshot):
    live_server, berserk = catalogue
    name, page = screen
    page.goto(live_server.url)
    box = page.get_by_role("combobox", name="Search titles")
    box.click()
    box.press_sequentially("berserk", delay=30)
    option = page.get_by_role("listbox", name="Suggested titles").get_by_role("option").first
    expect(option.locator(".suggestion-meta")).to_have_text("Manga")
    box.press("Escape")
    box.press("Enter")  # nothing chosen: the header searches the anime, as without script
    page.wait_for_url(re.compile(r"/anime/\?q=berserk$"))
    elsewhere = page.get_by_role("link", name="Manga: 1 work matching “berserk”")
    expect(elsewhere).to_be_visible()
    expect(page.locator("p.empty")).to_have_text("No work matches in Anime.")
    screenshot(page, f"search-{name}-elsewhere")
    elsewhere.click()
    page.wait_for_url(re.compile(r"/manga/\?q=berserk$"))
    expect(page.get_by_role("article", name="Berserk")).to_be_visible()
    # The suggestion itself opens the manga's own page.
    box = page.get_by_role("combobox", name="Search titles")
    box.fill("")
    box.press_sequentially("berser", delay=30)
    page.get_by_role("listbox", name="Suggested titles").get_by_role("option").first.click()
    page.wait_for_url(re.compile(rf"/manga/{berserk.pk}/$"))


def test_a_close_suggestion_says_so_and_titles_show_their_proper_form(catalogue, screen):
    live_server, _ = catalogue
    _, page = screen
    page.goto(live_server.url)
    box = page.get_by_role("combobox", name="Search titles")
    box.click()
    box.press_sequentially("chainsaw man", delay=30)
    options = page.get_by_role("listbox", name="Suggested titles").get_by_role("option")
    expect(options.first.locator(".suggestion-meta")).to_contain_text("close match")
    box.fill("")
    box.press_sequentially("attack on", delay=30)
    expect(options.first.locator(".suggestion-other")).to_have_text("Attack on Titan")
