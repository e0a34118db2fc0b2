"""Season pages and the airing calendar in a browser, on a desktop screen and a phone.

The calendar is rendered in Japan time and moved by static/js/calendar.js to the viewer's
local time: checked in three time zones (Tokyo, Paris, Los Angeles) and without script.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from mangaki.models import Category, Rating, Work
from mangaki.seasonal import WEEKDAYS, next_broadcast
from mangaki.seasons import current_season
from tests.factories import WorkFactory

from .conftest import PHONE, fail_on_csp_refusals

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}
FRIDAY_23_JST = datetime(2026, 1, 16, 14, 0, tzinfo=UTC)  # Friday 14:00 UTC
SUNDAY_0030_JST = datetime(2026, 1, 17, 15, 30, tzinfo=UTC)  # Saturday 15:30 UTC
FRIDAY_10_JST = datetime(2026, 1, 16, 1, 0, tzinfo=UTC)  # Friday 01:00 UTC, Thursday in America


@pytest.fixture
def season_works(transactional_db):
    """The current season: airing TV shows with weekly slots, a movie, an ONA, one continuing show."""
    Category.objects.get_or_create(slug="anime", defaults={"name": "Anime"})
    Category.objects.get_or_create(slug="manga", defaults={"name": "Manga"})
    season = current_season()
    start = season.first_day
    slots = [FRIDAY_23_JST, SUNDAY_0030_JST, FRIDAY_10_JST] + [
        FRIDAY_23_JST + timedelta(days=day, hours=hour) for day, hour in ((1, -2), (3, 1), (4, -5), (5, 2))
    ]
    titles = [
        "The Apothecary's Night Shift",
        "Past Midnight Radio",
        "Morning Train Detectives",
        "Kaiju Office Workers: a very long title that has to wrap on a narrow card",
        "Bocchi Goes Camping",
        "Dungeon Cooking Club",
        "Witch Hat Workshop",
    ]
    works = [
        WorkFactory(
            title=title,
            aired_from=start + timedelta(days=index),
            status=Work.Status.RELEASING,
            broadcast_start=slot,
            broadcast_interval_days=7,
            anilist_popularity=1000 - index,
        )
        for index, (title, slot) in enumerate(zip(titles, slots, strict=True))
    ]
    WorkFactory(
        title="Starlight Express: the Movie",
        work_type="Movie",
        aired_from=start + timedelta(days=20),
        nb_episodes=1,
    )
    WorkFactory(title="Little Web Shorts", work_type="ONA", aired_from=start + timedelta(days=30))
    WorkFactory(
        title="Endless Pirate Voyage",
        aired_from=start.replace(year=start.year - 3),
        status=Work.Status.RELEASING,
        broadcast_start=FRIDAY_23_JST - timedelta(hours=14, minutes=30),
        broadcast_interval_days=7,
    )
    WorkFactory(title="Last season's show", aired_from=season.previous.first_day)
    return works


def open_in(browser, live_server, path: str, *, timezone_id: str, **options):
    context = browser.new_context(timezone_id=timezone_id, locale="en-GB", viewport=DESKTOP, **options)
    page = context.new_page()
    refused = fail_on_csp_refusals(page)
    page.goto(f"{live_server.url}{path}")
    return context, page, refused


def test_the_season_page_on_a_desktop_screen(live_server, season_works, page: Page, screenshot):
    page.set_viewport_size(DESKTOP)
    season = current_season()
    page.goto(f"{live_server.url}/anime/season/")
    expect(page).to_have_url(f"{live_server.url}/anime/season/{season.year}/{season.season.value}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(season.label)
    groups = page.locator(".season-group h2")
    expect(groups).to_have_text(
        [re.compile(r"^TV"), re.compile(r"^Movie"), re.compile(r"^ONA"), re.compile(r"^Continuing")]
    )
    tv = page.get_by_role("region", name=re.compile(r"^TV"))
    expect(tv.locator(".badge-airing")).to_have_count(len(season_works))
    expect(page.get_by_role("region", name=re.compile(r"^Movie")).locator(".badge-airing")).to_have_count(0)
    expect(page.get_by_role("region", name=re.compile("^Continuing"))).to_contain_text(
        "Endless Pirate Voyage"
    )
    expect(page.locator("body")).not_to_contain_text("Last season's show")
    # A work nobody rated yet is rated from its card (as a visitor).
    first = season_works[0]
    card = page.locator(f'article[data-work="{first.pk}"]')
    card.get_by_role("button", name="Will see").click()
    expect(card.get_by_role("button", name="Will see")).to_have_attribute("aria-pressed", "true")
    assert Rating.objects.filter(work=first, choice="willsee").exists()
    # Broadcast times at local time (the browser's zone: the machine's), not Japan's.
    expect(page.locator("[data-time-zone-note]")).to_contain_text("your local time")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    screenshot(page, "desktop-season-page")
    page.locator('.season-nav a[rel="prev"]').click()
    expect(page).to_have_url(
        re.compile(rf"/anime/season/{season.previous.year}/{season.previous.season.value}/$")
    )
    expect(page.locator(".season-group h2").first).to_contain_text("TV")
    expect(page.locator("body")).to_contain_text("Last season's show")


def test_the_season_page_on_a_phone(live_server, season_works, phone, screenshot):
    phone.goto(f"{live_server.url}/anime/season/")
    expect(phone.locator(".badge-airing").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # Two cards side by side; nothing overflows its card.
    boxes = (
        phone.locator(".card-grid")
        .first.locator(".season-item")
        .evaluate_all("items => items.map(item => item.getBoundingClientRect().width)")
    )
    assert all(120 <= width <= 190 for width in boxes), boxes
    screenshot(phone, "phone-season-page")


def local_week(timezone_id: str) -> dict[str, list[str]]:
    """{weekday: ["HH:MM", ...]} of every weekly show airing now, as Python's zoneinfo places them."""
    now, zone = datetime.now(UTC), ZoneInfo(timezone_id)
    week: dict[str, list] = {day: [] for day in WEEKDAYS}
    for work in Work.objects.filter(broadcast_interval_days=7, status=Work.Status.RELEASING):
        local = next_broadcast(work.broadcast_start, 7, now).astimezone(zone)
        week[WEEKDAYS[local.weekday()]].append(local.strftime("%H:%M"))
    return {day: sorted(times) for day, times in week.items()}


def test_the_week_in_japan_is_the_one_written_here(season_works):
    # The expectations below, by hand: Japan keeps no daylight saving time.
    assert local_week("Asia/Tokyo") == {
        "monday": [],
        "tuesday": ["00:00", "18:00"],
        "wednesday": [],
        "thursday": ["01:00"],
        "friday": ["08:30", "10:00", "23:00"],
        "saturday": ["21:00"],
        "sunday": ["00:30"],
    }


@pytest.mark.parametrize("timezone_id", ["Asia/Tokyo", "Europe/Paris", "America/Los_Angeles"])
def test_the_calendar_shows_each_show_on_its_local_weekday(live_server, season_works, browser, timezone_id):
    context, page, refused = open_in(browser, live_server, "/anime/calendar/", timezone_id=timezone_id)
    expect(page.locator("[data-time-zone-note]")).to_have_text(
        f"Days and times are your local time ({timezone_id})."
    )
    for day, times in local_week(timezone_id).items():
        section = page.locator(f"#day-{day}")
        expect(section.locator("time")).to_have_text(times)
        expect(section.locator("[data-day-count]")).to_have_text(str(len(times)))
        expect(section.locator("[data-calendar-empty]")).to_be_visible(visible=not times)
    today = page.evaluate(
        "['sunday','monday','tuesday','wednesday','thursday','friday','saturday'][new Date().getDay()]"
    )
    expect(page.locator(f"#day-{today} [data-today-tag]")).to_be_visible()
    expect(page.locator("[data-today-tag]:visible")).to_have_count(1)
    context.close()
    assert not refused


def test_the_calendar_without_script_is_in_japan_time(live_server, season_works, browser):
    context, page, refused = open_in(
        browser, live_server, "/anime/calendar/", timezone_id="America/Los_Angeles", java_script_enabled=False
    )
    expect(page.locator("[data-time-zone-note]")).to_have_text("Days and times are Japan time (JST, UTC+9).")
    expect(page.locator("#day-friday time")).to_have_text(["08:30 JST", "10:00 JST", "23:00 JST"])
    expect(page.locator("#day-sunday time")).to_have_text(["00:30 JST"])
    context.close()
    assert not refused


def test_the_calendar_on_a_desktop_screen_and_a_phone(live_server, season_works, browser, screenshot):
    context, page, refused = open_in(browser, live_server, "/anime/calendar/", timezone_id="Europe/Paris")
    expect(page.locator(".calendar-day time").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    screenshot(page, "desktop-calendar")
    context.close()
    context = browser.new_context(timezone_id="Europe/Paris", locale="en-GB", **PHONE)
    phone = context.new_page()
    refused += fail_on_csp_refusals(phone)
    phone.goto(f"{live_server.url}/anime/calendar/")
    expect(phone.locator(".calendar-day time").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The day links are big enough to tap and lead to their day.
    for link in phone.locator(".calendar-days a").all():
        box = link.bounding_box()
        assert box["height"] >= 40 and box["width"] >= 40, link.inner_text()
    phone.locator(".calendar-days a", has_text="Sun").click()
    expect(phone).to_have_url(re.compile(r"#day-sunday$"))
    screenshot(phone, "phone-calendar")
    context.close()
    assert not refused


def test_home_shows_this_season_and_the_menu_leads_to_the_calendar(
    live_server, season_works, page: Page, screenshot
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    row = page.get_by_role("region", name=re.compile(r"^This season"))
    expect(row.locator(".badge-airing").first).to_be_visible()
    expect(row.locator("time").first).not_to_contain_text("JST")  # at local time, by the script
    row.get_by_role("link", name="See the season").click()
    expect(page).to_have_url(re.compile(r"/anime/season/\d{4}/(winter|spring|summer|fall)/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page).to_have_url(re.compile(r"/anime/calendar/$"))
    page.goto(f"{live_server.url}/")
    screenshot(page, "desktop-home-this-season")
