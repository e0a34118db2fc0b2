"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from mangaki.recommendations.serving import forget_loaded_models
from mangaki.recommendations.training import model_train

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
# check the database are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}


def fail_on_csp_refusals(page):
    """Collect what the Content-Security-Policy refuses on ``page``; the list it fills."""
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


def fail_on_failed_images(page):
    """Collect the image requests that fail on ``page`` (an error status, or no answer), with
    their address; the list it fills. Pages draw a placeholder instead, but it is still a bug."""
    failed = []

    def on_response(response):
        if response.request.resource_type == "image" and response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        # A request the browser cancels (the page left before a lazy image came) is no failure.
        if request.resource_type == "image" and "ERR_ABORTED" not in (request.failure or ""):
            failed.append(f"{request.failure} {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    return failed


@pytest.fixture
def page(page):
    """Playwright's page, failing the test if the Content-Security-Policy refused anything or an
    image failed to load."""
    refused = fail_on_csp_refusals(page)
    failed_images = fail_on_failed_images(page)
    yield page
    assert not refused, f"the Content-Security-Policy refused: {refused}"
    assert not failed_images, f"image requests failed: {failed_images}"


@pytest.fixture
def phone(browser):
    """A page on a 390×844 touch screen, failing the test if the Content-Security-Policy refused
    anything or an image failed to load."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    refused = fail_on_csp_refusals(page)
    failed_images = fail_on_failed_images(page)
    yield page
    context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"
    assert not failed_images, f"image requests failed: {failed_images}"


@pytest.fixture
def site(live_server, settings, tmp_path):
    """The live site on the small real anime data, with EASE, BALSE and ALS trained for real."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MANGAKI_PUBLIC_MODEL_REPORT = True
    forget_loaded_models()
    call_command("load_anime", small=True, stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    for algorithm in ("ease", "balse", "als"):
        model_train(algorithm=algorithm)
    yield live_server
    forget_loaded_models()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"
        return path

    return take
