"""A work's page and cards in the browser: the year that tells a sequel apart, titles, where to watch."""

import re

import pytest
from playwright.sync_api import Page, expect

from mangaki.models import Work

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SERIES = "Code Geass: Hangyaku no Lelouch"
SEQUEL = "Code Geass: Hangyaku no Lelouch R2"


def test_cards_tell_a_sequel_apart_and_its_page_says_where_to_watch_it(site, page: Page, screenshot):
    page.goto(f"{site.url}/anime/?q=Hangyaku+no+Lelouch")
    # Each card is named by its full title and its year: the series and R2 are two names.
    series = page.get_by_role("article", name=f"{SERIES} 2006 · Fall", exact=True)
    sequel = page.get_by_role("article", name=f"{SEQUEL} 2008 · Spring", exact=True)
    expect(series).to_be_visible()
    expect(sequel).to_be_visible()
    expect(sequel.locator(".card-year")).to_have_text("2008 · Spring")
    expect(sequel.get_by_role("link", name=SEQUEL, exact=True)).to_have_attribute("title", SEQUEL)

    sequel.get_by_role("link", name=SEQUEL, exact=True).click()
    page.wait_for_url(re.compile(rf"/anime/{Work.objects.get(title=SEQUEL).pk}/$"))
    expect(page).to_have_title(f"{SEQUEL} (2008) · Mangaki")
    expect(page.locator('.original-title [lang="ja"]')).to_have_text("コードギアス 反逆のルルーシュR2")
    expect(page.locator(".work-season")).to_have_text("2008 · Spring")
    expect(page.locator(".work-aired")).to_have_text("Aired 6 April 2008 to 28 September 2008")
    watch = page.get_by_role("region", name="Where to watch")
    expect(watch.get_by_role("heading", name="Where to watch")).to_be_visible()
    unext = watch.get_by_role("link", name="U-NEXT (JP)")
    expect(unext).to_have_attribute("href", "https://video.unext.jp/title/SID0013601")
    expect(unext).to_have_attribute("rel", "noopener noreferrer")
    about = page.get_by_role("region", name="About it")
    expect(about.get_by_role("link")).to_have_text(["AniDB", "AniList", "MyAnimeList"])
    expect(page.locator('.work-titles dd[lang="en"]')).to_have_text("Code Geass: Lelouch of the Rebellion R2")
    credit = page.locator("main .data-credit")
    expect(credit).to_contain_text("Titles, dates and links from bangumi-data (CC BY 4.0)")
    expect(credit.get_by_role("link", name="CC BY 4.0")).to_have_attribute(
        "href", "https://creativecommons.org/licenses/by/4.0/"
    )
    screenshot(page, "desktop-work-page")


def test_the_work_page_on_a_phone(site, phone, screenshot):
    sequel = Work.objects.get(title=SEQUEL)
    phone.goto(f"{site.url}{sequel.get_absolute_url()}")
    expect(phone.get_by_role("heading", name="Where to watch")).to_be_visible()
    # Nothing wider than the screen: long titles and link lists wrap.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for link in phone.locator(".work-links a").all():
        assert link.bounding_box()["height"] >= 44, link.inner_text()
    screenshot(phone, "phone-work-page")
