"""What people do in the browser: rate as a visitor, sign up, get explained recommendations."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from mangaki.models import Rating, Work

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase 42"
XSS = "<script>alert(1)</script>"


def no_dialogs(page: Page) -> list:
    """Fail on any alert(): the rating widget only alerts on errors, and markup must never run."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def rate_card(card, choice: str):
    card.locator(f'form.rate button[data-choice="{choice}"]').click()
    expect(card.locator(f'form.rate button[data-choice="{choice}"]')).to_have_attribute(
        "aria-pressed", "true"
    )


def sign_up(page: Page, base: str, username: str):
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/recommendations/"))


def recommended_ids(page: Page) -> list[int]:
    return [
        int(pk)
        for pk in page.locator("#recommendations li.rec").evaluate_all("els => els.map(e => e.dataset.work)")
    ]


def test_a_visitor_rates_three_works_signs_up_and_keeps_them(site, page: Page, screenshot):
    dialogs = no_dialogs(page)
    page.goto(site.url)
    screenshot(page, "home")
    page.goto(f"{site.url}/anime/?sort=popular")
    cards = page.locator(".card-grid article.card")
    titles = [cards.nth(index).locator(".card-title").inner_text() for index in range(3)]
    for index, choice in enumerate(("favorite", "like", "willsee")):
        rate_card(cards.nth(index), choice)
    sign_up(page, site.url, "visitor")
    user = get_user_model().objects.get(username="visitor")
    assert not user.profile.is_guest
    assert sorted(Rating.objects.filter(user=user).values_list("work__title", flat=True)) == sorted(titles)
    page.goto(f"{site.url}/profile/")
    for title in titles:
        expect(page.get_by_role("heading", name=title).first).to_be_visible()
    assert dialogs == []


def test_a_new_user_rates_ten_works_and_gets_explained_recommendations(site, page: Page, screenshot):
    dialogs = no_dialogs(page)
    sign_up(page, site.url, "newcomer")
    page.goto(f"{site.url}/anime/?sort=popular")
    cards = page.locator(".card-grid article.card")
    rated = []
    for index in range(10):
        card = cards.nth(index)
        rated.append(int(card.get_attribute("data-work")))
        if index % 2:
            rate_card(card, "favorite" if index < 6 else "like")
        else:  # keyboard only: focus the card, press 2 (like) or 1 (favorite)
            card.focus()
            page.keyboard.press("1" if index < 6 else "2")
            choice = "favorite" if index < 6 else "like"
            expect(card.locator(f'button[data-choice="{choice}"]')).to_have_attribute("aria-pressed", "true")
    user = get_user_model().objects.get(username="newcomer")
    assert Rating.objects.filter(user=user).count() == 10

    page.goto(f"{site.url}/recommendations/")
    expect(page.locator('[data-fallback="false"]')).to_be_visible()
    items = page.locator("#recommendations li.rec")
    expect(items.first).to_be_visible()
    shown = recommended_ids(page)
    assert shown and not set(shown) & set(rated)
    for index in range(items.count()):
        expect(items.nth(index).locator(".reason").first).to_be_visible()
    screenshot(page, "recommendations")

    # "Not interested" removes the card without reloading the page, and the list refills.
    first = items.first
    gone = int(first.get_attribute("data-work"))
    first.get_by_role("button", name=re.compile("Not interested")).click()
    expect(page.locator(f'#recommendations li.rec[data-work="{gone}"]')).to_have_count(0)
    expect(items.first).to_be_visible()
    assert Rating.objects.get(user=user, work_id=gone).choice == "wontsee"
    before = recommended_ids(page)
    assert gone not in before

    # Changing a rating (a favorite becomes a dislike) changes the list.
    changed = Work.objects.get(pk=rated[1])
    page.goto(f"{site.url}{changed.get_absolute_url()}")
    page.locator('.work-widget button[data-choice="dislike"]').click()
    expect(page.locator('.work-widget button[data-choice="dislike"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Rating.objects.get(user=user, work=changed).choice == "dislike"
    page.goto(f"{site.url}/recommendations/")
    expect(items.first).to_be_visible()
    after = recommended_ids(page)
    assert after != before and not set(after) & (set(rated) | {gone})
    assert dialogs == []


def test_the_widget_toggles_and_the_work_page_chart_follows(site, page: Page, screenshot):
    dialogs = no_dialogs(page)
    work = Work.objects.filter(nsfw=False).popular().first()
    page.goto(f"{site.url}{work.get_absolute_url()}")
    expect(page.get_by_role("heading", name=work.title, exact=True)).to_be_visible()
    similar = page.locator('section[aria-labelledby="similar-title"] article.card')
    expect(similar.first).to_be_visible()
    screenshot(page, "work")
    like = page.locator('.work-widget button[data-choice="like"]')
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".work-widget .rate-status")).to_have_text("Like")
    like.click()  # a second click on the current choice removes it
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".work-widget .rate-status")).to_have_text("Not rated")
    assert not Rating.objects.filter(work=work, user__profile__is_guest=True).exists()
    assert dialogs == []


def test_the_model_report_shows_the_registry_and_its_plots(site, page: Page, screenshot):
    page.goto(f"{site.url}/models/")
    expect(page.locator("table.versions tbody tr")).to_have_count(3)  # EASE, BALSE and ALS, one version each
    for name in ("lists", "rmse", "gate", "map"):
        image = page.locator(f"#plot-{name} img")
        image.scroll_into_view_if_needed()
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    screenshot(page, "model-report")


def test_markup_in_a_title_is_shown_as_text_and_never_runs(site, page: Page):
    dialogs = no_dialogs(page)
    work = Work.objects.filter(nsfw=False).popular().first()
    work.title, work.synopsis = XSS, f"About {XSS}"
    work.save(update_fields=["title", "synopsis"])  # and its search text, for the search below
    for url in (
        "/",
        "/anime/?q=script",
        Work.objects.get(pk=work.pk).get_absolute_url(),
        "/recommendations/",
    ):
        page.goto(f"{site.url}{url}")
        expect(page.get_by_text(XSS).first).to_be_visible()
    page.goto(f"{site.url}/anime/?q=script")
    rate_card(page.locator(".card-grid article.card").first, "like")
    assert dialogs == []


def test_the_api_docs_render_from_this_site_under_the_content_security_policy(live_server, page: Page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() > 10  # every operation of the schema is listed
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested), requested
