"""Search as you type in the header, on the full data (issue 12, item 2).

Each target search, typed into the header's box, suggests its work first; the keyboard alone
opens a suggestion (ArrowDown, Enter), Escape closes the list, and Enter with nothing chosen
searches the catalogue, as the form does without script.

The full data (7,390 anime, 420k ratings, their titles) is loaded once for the module, and the
site served from it by a server of the module's own: pytest-django's ``live_server`` would
empty the database after every test.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from mangaki.models import Work
from tests.e2e.conftest import PHONE
from tests.mangaki.test_search_real_data import TARGETS  # (query, work first, other title matched)
from tests.training_support import full_anime_fixture  # noqa: F401

# Read-only tests: each runs in a transaction that is rolled back, under the module's data.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def search_site(browser, full_anime):
    """The site on the full data, served for the whole module.

    The browser first: Django's connections opened while Playwright's event loop runs are not
    those opened before it, and a test database set up before the browser kept a connection
    that PostgreSQL then refused to drop the database over.
    """
    server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    try:
        yield server
    finally:
        server._live_server_modified_settings.disable()
        server.stop()


def type_search(page: Page, query: str):
    """Type ``query`` in the header's box (key by key, as a person does); the suggestions' list."""
    box = page.get_by_role("combobox", name="Search titles")
    box.click()
    box.press_sequentially(query, delay=30)
    listbox = page.get_by_role("listbox", name="Suggested titles")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    return box, listbox


@pytest.mark.parametrize(("query", "title", "other_title"), TARGETS, ids=[target[0] for target in TARGETS])
def test_a_target_search_suggests_its_work_first(search_site, page: Page, query, title, other_title):
    page.goto(search_site.url)
    _, listbox = type_search(page, query)
    first = listbox.get_by_role("option").first
    expect(first.locator(".suggestion-title")).to_have_text(title)
    if other_title:  # the title that matched, under the one the site shows
        expect(first.locator(".suggestion-other")).to_have_text(other_title)
    else:
        expect(first.locator(".suggestion-other")).to_have_count(0)


def test_the_keyboard_opens_a_suggestion_and_searches_without_one(search_site, page: Page, screenshot):
    gate = Work.objects.get(title="Steins;Gate")
    page.goto(search_site.url)
    box, listbox = type_search(page, "steins gate")
    first = listbox.get_by_role("option").first
    expect(listbox.get_by_role("option").nth(2)).to_be_visible()  # the series, its movie, its OVAs…
    screenshot(page, "desktop-search-suggestions")
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(box).to_be_focused()  # the focus stays in the box; the option is only highlighted
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    box.press("ArrowDown")  # opens again on the first suggestion
    expect(first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url(f"**{gate.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Steins;Gate")

    page.goto(search_site.url)
    box, _ = type_search(page, "cowboy bebob")
    box.press("Enter")  # nothing highlighted: the form searches the catalogue
    page.wait_for_url(re.compile(r"/anime/\?q=cowboy\+bebob"))
    expect(page.locator(".card-grid article.card").first.locator(".card-title")).to_contain_text(
        "Cowboy Bebop"
    )


def test_the_suggestions_on_a_phone(search_site, phone, screenshot):
    phone.goto(search_site.url)
    _, listbox = type_search(phone, "steins gate")
    options = listbox.get_by_role("option")
    expect(options.first.locator(".suggestion-title")).to_have_text("Steins;Gate")
    box = listbox.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    for option in options.all():
        assert option.bounding_box()["height"] >= 44, option.inner_text()  # a finger's target
    screenshot(phone, "phone-search-suggestions")
    options.nth(1).tap()
    phone.wait_for_url(re.compile(r"/anime/\d+/$"))
