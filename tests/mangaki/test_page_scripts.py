"""Each page loads the scripts of the behaviours it has, as modules from this site, and no other.

static/js/ holds one module per behaviour: rating.js (the widget, its keys, the live list),
progress.js (a work page's progress control, a card's +1), covers.js, search.js (the header's
suggestions), imports.js (an import's progress), calendar.js (broadcast times at local time)
and live.js (the live region they speak through).
The browser tests run the behaviours; these check the wiring: which page asks for which
module, that every module asked for exists and that its imports resolve.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from mangaki.models import Category, RatingImport
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

JS = Path(settings.BASE_DIR) / "static" / "js"
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([\w-]+\.js)";', re.M)
CARD_PAGE = {"search.js", "rating.js", "progress.js", "covers.js"}
SEASON_PAGE = CARD_PAGE | {"calendar.js"}


def scripts_of(content: str) -> set[str]:
    """The modules a page loads; fails on an inline or a classic script."""
    names = set()
    for attributes, body in SCRIPT.findall(content):
        assert not body.strip(), f"inline script: {body[:80]!r}"
        assert 'type="module"' in attributes, f"not a module: {attributes}"
        source = re.search(r'src="/static/js/([\w-]+\.js)"', attributes)
        assert source, f"a script from outside static/js: {attributes}"
        names.add(source.group(1))
    return names


@pytest.fixture
def pages(client, rate):
    """A member who has rated a work, and the name → URL of each page."""
    member = UserFactory(username="reader")
    work = WorkFactory(title="Mushishi")
    rate(work, {"like": 3})
    client.force_login(member)
    anime = Category.objects.get(slug="anime")
    rating_import = RatingImport.objects.create(user=member, category=anime, file_name="list.xml")
    return {
        "home": reverse("home"),
        "work list": reverse("work-list", args=["anime"]),
        "work": reverse("work-detail", args=["anime", work.pk]),
        "recommendations": reverse("recommendations"),
        "season": reverse("season", args=["anime", 2026, "spring"]),
        "calendar": reverse("calendar", args=["anime"]),
        "profile": reverse("profile", args=["reader"]),
        "settings": reverse("settings"),
        "imports": reverse("import"),
        "an import": reverse("import-detail", args=[rating_import.pk]),
    }


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("home", SEASON_PAGE),
        ("work list", CARD_PAGE),
        ("work", CARD_PAGE),
        ("recommendations", CARD_PAGE),
        ("season", SEASON_PAGE),
        ("calendar", SEASON_PAGE),
        ("profile", CARD_PAGE),
        ("settings", {"search.js"}),
        ("imports", {"search.js"}),
        ("an import", {"search.js", "imports.js"}),
    ],
)
def test_each_page_loads_the_modules_of_its_behaviours(client, pages, page, expected):
    response = client.get(pages[page])
    assert response.status_code == 200
    assert scripts_of(response.content.decode()) == expected


def test_a_page_with_a_rating_widget_loads_the_rating_module(client, pages):
    with_widgets = 0
    for url in pages.values():
        content = client.get(url).content.decode()
        if '<form class="rate' in content:
            with_widgets += 1
            assert "rating.js" in scripts_of(content), url
    assert with_widgets >= 3  # the work page, the list, the profile at least


def test_the_login_page_loads_search_alone(client):
    assert scripts_of(client.get(reverse("login")).content.decode()) == {"search.js"}


def test_every_module_a_template_names_exists_and_its_imports_resolve():
    named = set()
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        named |= set(re.findall(r"static 'js/([\w-]+\.js)'", template.read_text()))
    assert {"search.js", "rating.js", "covers.js", "imports.js", "calendar.js"} <= named
    on_disk = {path.name for path in JS.glob("*.js")}
    assert named <= on_disk
    assert on_disk - named == {"live.js"}  # imported by modules, not by pages
    for path in JS.glob("*.js"):
        for names, target in IMPORT.findall(path.read_text()):
            exported = (JS / target).read_text()
            for name in (part.strip() for part in names.split(",")):
                assert re.search(rf"^export (function|const) {name}\b", exported, re.M), (path.name, name)


def test_the_script_policy_is_this_site_alone(client):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
