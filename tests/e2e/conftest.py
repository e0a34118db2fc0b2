"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from mangaki.services.training import model_train
from mangaki.serving import forget_loaded_models

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


@pytest.fixture
def page(page):
    """Playwright's page, failing the test if the Content-Security-Policy refused anything."""
    refused = fail_on_csp_refusals(page)
    yield page
    assert not refused, f"the Content-Security-Policy refused: {refused}"


@pytest.fixture
def phone(browser):
    """A page on a 390×844 touch screen, failing the test if the Content-Security-Policy refused anything."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    refused = fail_on_csp_refusals(page)
    yield page
    context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


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
