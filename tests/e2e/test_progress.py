"""Progress in the browser: "+1 episode" up to the last one, the one-click "completed" offer,
a card's "+1", the profile's list by status and the home's "Continue watching", on a desktop and
on a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from mangaki.models import Progress
from mangaki.services.progress import progress_set
from mangaki.services.ratings import rating_set
from tests.e2e.conftest import PHONE, fail_on_csp_refusals
from tests.factories import UserFactory, WorkFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def watcher(live_server, settings, tmp_path):
    """A member with a list in every status, a 12-episode anime not on it yet."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = UserFactory(username="watcher")
    mushishi = WorkFactory(title="Mushishi", nb_episodes=12, synopsis="Ginko travels to study the mushi.")
    rating_set(user=user, work=mushishi, choice="like")
    lists = {
        "watching": [("Frieren: Beyond Journey's End", 28, 9), ("Dungeon Meshi", 24, 23)],
        "completed": [("Cowboy Bebop", 26, None), ("Haibane Renmei", 13, None)],
        "on_hold": [("Monogatari Series Second Season: a very long title that has to wrap", 26, 5)],
        "dropped": [("Boruto", 293, 40)],
        "planned": [("Legend of the Galactic Heroes", 110, 0), ("Odd Taxi", 13, 0)],
    }
    for status, works in lists.items():
        for title, episodes, watched in works:
            work = WorkFactory(title=title, nb_episodes=episodes)
            changes = {} if watched is None else {"episodes": watched}
            progress_set(user=user, work=work, status=status, **changes)
            rating_set(user=user, work=work, choice="like" if status != "dropped" else "dislike")
    return live_server, mushishi


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "watcher")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def open_page(browser, options: dict):
    """A new page in a context of ``options``, and the list of what went wrong on it: refusals
    of the Content-Security-Policy, script errors."""
    context = browser.new_context(**options)
    page = context.new_page()
    failures = fail_on_csp_refusals(page)
    page.on("pageerror", lambda error: failures.append(str(error)))
    return context, page, failures


def test_the_last_episode_offers_completed_and_the_profile_lists_by_status(watcher, browser, screenshot):
    live_server, mushishi = watcher
    context, page, failures = open_page(browser, DESKTOP)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{mushishi.get_absolute_url()}")
    control = page.locator(".work-progress")
    live = page.locator("#live")
    expect(control.locator("[data-progress-save]")).to_be_hidden()  # with script the status saves itself

    control.get_by_label("Status of Mushishi").select_option("watching")
    expect(live).to_have_text("Mushishi: Watching.")
    control.get_by_text("Set the episodes").click()
    control.get_by_label("Episodes").fill("11")
    control.locator(".progress-counts button").click()
    expect(control.locator("[data-progress-summary]")).to_have_text("Episode 11 of 12")
    expect(control.locator("[data-progress-offer]")).to_be_hidden()

    control.get_by_role("button", name="+1 episode").click()
    expect(control.locator("[data-progress-summary]")).to_have_text("Episode 12 of 12")
    offer = control.get_by_role("button", name="Mark completed")
    expect(offer).to_be_visible()
    expect(offer).to_be_focused()  # the +1 is spent: focus goes to what comes next
    expect(control.get_by_role("button", name="+1 episode")).to_be_disabled()
    expect(live).to_have_text("Mushishi: Episode 12 of 12, the last one. Mark it completed?")
    expect(control.locator("progress")).to_have_attribute("aria-label", "Episode 12 of 12")
    control.get_by_text("Set the episodes").click()  # closed again for the picture
    screenshot(page, "progress-work-page-desktop")

    offer.click()
    expect(live).to_have_text("Mushishi: Completed.")
    expect(offer).to_be_hidden()
    page.reload()  # what the server says, not only what the script showed
    expect(control.get_by_label("Status of Mushishi")).to_have_value("completed")
    expect(control.locator("[data-progress-summary]")).to_have_text("Episode 12 of 12")
    entry = Progress.objects.get(user__username="watcher", work=mushishi)
    assert (entry.status, entry.episodes) == ("completed", 12)

    page.goto(f"{live_server.url}{reverse('profile', args=['watcher'])}")
    expect(page.locator(".status-group h3")).to_have_text(
        ["Watching 2", "Completed 3", "On hold 1", "Dropped 1", "Plan to watch 2"]
    )
    expect(page.locator(".status-counts")).to_contain_text("3 Completed")
    frieren = page.locator("article.card", has_text="Frieren").locator(".card-progress")
    expect(frieren.locator("[data-progress-short]")).to_have_text("ep 9/28")
    frieren.get_by_role("button", name="+1 episode of Frieren: Beyond Journey's End").click()
    expect(frieren.locator("[data-progress-short]")).to_have_text("ep 10/28")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the picture
    screenshot(page, "profile-by-status-desktop")
    assert not failures, failures
    context.close()


def test_the_progress_control_and_the_profile_on_a_phone(watcher, browser, screenshot):
    live_server, _ = watcher
    context, page, failures = open_page(browser, PHONE)
    log_in(page, live_server.url)
    meshi = Progress.objects.get(work__title="Dungeon Meshi").work
    page.goto(f"{live_server.url}{meshi.get_absolute_url()}")
    control = page.locator(".work-progress")
    control.get_by_role("button", name="+1 episode").tap()
    expect(control.locator("[data-progress-summary]")).to_have_text("Episode 24 of 24")
    expect(control.get_by_role("button", name="Mark completed")).to_be_visible()
    box = control.get_by_role("button", name="Mark completed").bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "progress-work-page-phone")

    page.goto(f"{live_server.url}{reverse('profile', args=['watcher'])}")
    expect(page.locator(".status-group")).to_have_count(5)
    expect(page.locator(".status-watching .progress-row")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "profile-by-status-phone")

    page.goto(f"{live_server.url}/")
    row = page.locator("section.row", has=page.get_by_role("heading", name="Continue watching"))
    # What was watched last first (Dungeon Meshi, stepped above), then the plans.
    expect(row.locator(".card-title")).to_have_text(
        ["Dungeon Meshi", "Frieren: Beyond Journey's End", "Odd Taxi", "Legend of the Galactic Heroes"]
    )
    expect(row.locator("article.card").first.locator(".badge-status")).to_have_text("Watching")
    frieren = row.locator("article.card", has_text="Frieren").locator(".card-progress")
    frieren.get_by_role("button", name="+1 episode of Frieren: Beyond Journey's End").tap()
    expect(frieren.locator("[data-progress-short]")).to_have_text("ep 10/28")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row.scroll_into_view_if_needed()
    screenshot(page, "home-continue-watching-phone")
    assert not failures, failures
    context.close()
