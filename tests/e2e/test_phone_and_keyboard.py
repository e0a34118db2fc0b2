"""Rating on a phone by tap and with the keyboard alone (issue 12, item 4).

On a 390×844 touch screen every rating button is at least 44×44 px and a tap rates; on the
home page a keyboard user rates three works in five key presses once on the first card (each
card is one Tab stop); on a work page keys 1–6 rate without first reaching the widget.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from mangaki.models import Rating, Work

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
TARGET_PIXELS = 44
CHOICE_KEYS = {"favorite": "1", "like": "2", "neutral": "3", "dislike": "4", "willsee": "5", "wontsee": "6"}
BUTTON_BOXES = """buttons => buttons.map(button => {
    const box = button.getBoundingClientRect();
    const card = button.closest("[data-rate-scope]").getBoundingClientRect();
    const word = button.querySelector(".rate-word").getBoundingClientRect();
    const inCard = box.left >= card.left - 0.5 && box.right <= card.right + 0.5;
    const wordInside = word.left >= box.left - 0.5 && word.right <= box.right + 0.5 && word.height > 0;
    return {width: box.width, height: box.height, inCard, wordInside};
})"""


def guest_choice(work_id: int) -> str | None:
    """The visitor's rating of a work in the database (the browser rates as a guest)."""
    rating = Rating.objects.filter(work_id=work_id, user__profile__is_guest=True).first()
    return rating.choice if rating else None


def watch_problems(page: Page) -> list:
    """Alerts (the widget alerts only on errors) and refusals by the Content-Security-Policy."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
    return problems


def assert_tap_targets(page: Page, selector: str) -> list[dict]:
    """Every rating button under ``selector`` is at least 44×44 px, inside its card, its word inside it."""
    boxes = page.locator(selector).evaluate_all(BUTTON_BOXES)
    assert boxes, selector
    small = [box for box in boxes if box["width"] < TARGET_PIXELS or box["height"] < TARGET_PIXELS]
    assert not small, f"{len(small)} of {len(boxes)} buttons under {TARGET_PIXELS} px: {small[:3]}"
    assert all(box["inCard"] for box in boxes), "a rating button sticks out of its card"
    assert all(box["wordInside"] for box in boxes), "a button's word is hidden or spills out of it"
    return boxes


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
        const row = e.closest("section.row");
        return {tag: e.tagName, work: e.dataset.work || null, text: e.textContent.trim().slice(0, 40),
                choice: e.dataset.choice || null, row: row ? row.getAttribute("aria-labelledby") : null}; }"""
    )


def has_focus(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def test_on_a_phone_a_tap_rates_and_every_button_is_a_44px_target(site, browser, screenshot):
    context = browser.new_context(base_url=site.url, **PHONE)
    page = context.new_page()
    problems = watch_problems(page)
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    boxes = assert_tap_targets(page, ".card form.rate button[data-choice]")
    first, second = (
        page.locator(".card-row article.card").nth(0),
        page.locator(".card-row article.card").nth(1),
    )
    first_id, second_id = int(first.get_attribute("data-work")), int(second.get_attribute("data-work"))
    expect(first.get_by_role("button", name="Like", exact=True)).to_be_visible()  # the word is shown

    like = first.locator('button[data-choice="like"]')
    like.tap()
    expect(like).to_have_attribute("aria-pressed", "true")
    assert guest_choice(first_id) == "like"
    like.tap()  # a tap on the current choice removes it
    expect(like).to_have_attribute("aria-pressed", "false")
    assert guest_choice(first_id) is None
    second.locator('button[data-choice="willsee"]').tap()
    expect(second.locator('button[data-choice="willsee"]')).to_have_attribute("aria-pressed", "true")
    assert guest_choice(second_id) == "willsee"
    screenshot(page, "phone-home")

    work = Work.objects.filter(nsfw=False).popular().first()
    page.goto(work.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    assert_tap_targets(page, ".work-widget button[data-choice]")
    page.locator('.work-widget button[data-choice="favorite"]').tap()
    expect(page.locator(".work-widget .rate-status")).to_have_text("Favorite")
    assert guest_choice(work.pk) == "favorite"
    screenshot(page, "phone-work-rating")

    page.goto("/recommendations/")
    expect(page.locator("#recommendations li.rec").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    assert_tap_targets(page, "#recommendations form.rate button[data-choice]")
    not_interested = page.locator("#recommendations button.not-interested").first.bounding_box()
    assert not_interested["height"] >= TARGET_PIXELS and not_interested["width"] >= TARGET_PIXELS
    screenshot(page, "phone-recommendations")
    context.close()
    assert problems == []
    print(
        f"\nphone: {len(boxes)} card buttons, smallest {min(b['width'] for b in boxes):.1f}×"
        f"{min(b['height'] for b in boxes):.1f} px"
    )


def test_the_keyboard_alone_rates_three_works_on_the_home_page_in_five_keys(site, page: Page, screenshot):
    problems = watch_problems(page)
    page.goto(site.url)
    # The "Popular" row: full on the small data (its "Top rated" row holds the few works over 80 ratings).
    row = page.locator('section.row[aria-labelledby="row-anime-popular"]')
    next_row = row.locator("xpath=following-sibling::section[1]")
    cards = row.locator("article.card")
    ids = [int(pk) for pk in cards.evaluate_all("cards => cards.map(card => card.dataset.work)")]
    assert len(ids) >= 4
    tabs_to_first_card = 0
    while not has_focus(cards.first):  # (a work can be in several rows: the element, not its id)
        page.keyboard.press("Tab")
        tabs_to_first_card += 1
        assert tabs_to_first_card < 60, focused(page)
    ring = cards.first.evaluate(
        "card => { const s = getComputedStyle(card); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring == ["solid", "3px"]  # the focused card's ring

    # Favorite, next card, Like, next card, Will see. Each rating is awaited before the next key
    # (the live server's SQLite test database takes one write at a time).
    presses = []
    for key, choice in (("1", "favorite"), ("Tab", None), ("2", "like"), ("Tab", None), ("5", "willsee")):
        page.keyboard.press(key)
        presses.append(key)
        if choice:
            rated = cards.nth(presses.count("Tab")).locator(f'button[data-choice="{choice}"]')
            expect(rated).to_have_attribute("aria-pressed", "true")
    assert len(presses) == 5 < 15
    assert [guest_choice(pk) for pk in ids[:3]] == ["favorite", "like", "willsee"]
    assert has_focus(cards.nth(2))
    page.evaluate("window.scrollTo(0, 0)")  # the full-page picture, with the header on top
    screenshot(page, "desktop-home")

    # One Tab stop per card: from the third card, one Tab per card to the next row's "See all".
    tabs = 0
    while focused(page)["text"] != "See all":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs <= len(ids), focused(page)
    assert tabs == len(ids) - 3 + 1
    assert focused(page)["row"] == next_row.get_attribute("aria-labelledby")
    print(
        f"\nkeyboard: {tabs_to_first_card} Tabs from the top to the Popular row's first card, "
        f"{len(presses)} keys to rate three, {tabs_to_first_card + len(ids)} Tabs from the top to the "
        f"next row's See all ({len(ids)} cards in the row)"
    )

    # The buttons stay reachable: arrows go in, move, Enter presses, Escape comes back to the card.
    page.keyboard.press("Shift+Tab")
    card = cards.nth(len(ids) - 1)
    assert has_focus(card)
    page.keyboard.press("ArrowRight")
    assert focused(page)["choice"] == "favorite" and has_focus(card.locator('button[data-choice="favorite"]'))
    for key in ("ArrowRight", "ArrowDown"):
        page.keyboard.press(key)
    assert focused(page)["choice"] == "willsee"  # Like, then the row below: Will see
    page.keyboard.press("Enter")
    expect(card.locator('button[data-choice="willsee"]')).to_have_attribute("aria-pressed", "true")
    assert guest_choice(ids[-1]) == "willsee"
    page.keyboard.press("Escape")
    assert has_focus(card)
    page.keyboard.press("Enter")  # opens the work
    page.wait_for_url(re.compile(rf"/{ids[-1]}/$"))
    assert problems == []


def test_on_a_work_page_keys_rate_without_reaching_the_widget(site, page: Page, screenshot):
    problems = watch_problems(page)
    work = Work.objects.filter(nsfw=False).popular().first()
    page.goto(f"{site.url}{work.get_absolute_url()}")
    widget = page.locator(".work-widget")
    assert page.evaluate("document.activeElement === document.body")
    for choice in ("like", "dislike"):
        page.keyboard.press(CHOICE_KEYS[choice])
        expect(widget.locator(f'button[data-choice="{choice}"]')).to_have_attribute("aria-pressed", "true")
        assert guest_choice(work.pk) == choice
    page.keyboard.press(CHOICE_KEYS["dislike"])  # the current choice again removes it
    expect(widget.locator(".rate-status")).to_have_text("Not rated")
    assert guest_choice(work.pk) is None

    page.locator(".breadcrumbs a").focus()  # focus on a link elsewhere on the page: keys still rate
    page.keyboard.press(CHOICE_KEYS["willsee"])
    expect(widget.locator('button[data-choice="willsee"]')).to_have_attribute("aria-pressed", "true")
    assert guest_choice(work.pk) == "willsee"
    page.locator("#site-search").press_sequentially("12")  # typing in a text field never rates
    assert guest_choice(work.pk) == "willsee"

    # The widget is one Tab stop (roving tabindex) and its buttons say their words.
    assert widget.locator('button[tabindex="0"]').count() == 1
    assert widget.locator('button[tabindex="0"]').get_attribute("data-choice") == "willsee"
    for word in ("Favorite", "Like", "Neutral", "Dislike", "Will see", "Won't see"):
        expect(widget.get_by_role("button", name=word, exact=True)).to_be_visible()
    page.locator("#site-search").fill("")
    page.evaluate("document.activeElement.blur()")
    screenshot(page, "desktop-work-rating")
    assert problems == []


def test_the_recommendations_page_in_plain_words(site, page: Page, screenshot):
    problems = watch_problems(page)
    page.goto(f"{site.url}/anime/?sort=popularity")
    cards = page.locator(".card-grid article.card")
    for index, choice in enumerate(("favorite", "favorite", "like")):
        cards.nth(index).locator(f'button[data-choice="{choice}"]').click()
        expect(cards.nth(index).locator(f'button[data-choice="{choice}"]')).to_have_attribute(
            "aria-pressed", "true"
        )
    page.goto(f"{site.url}/recommendations/")
    expect(page.locator('[data-fallback="false"]')).to_have_text("Best for you · best matches first")
    expect(page.locator("#rec-algorithm option")).to_have_text(
        ["Best for you", "Genres and fans mixed", "Similar fans", "Your favourite genres"]
    )
    expect(page.locator("#recommendations li.rec").first).to_be_visible()
    screenshot(page, "desktop-recommendations")
    assert problems == []
