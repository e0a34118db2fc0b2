"""The site's icon: linked from every page, and ``/favicon.ico`` answers for browsers that ask."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_links_the_svg_favicon(client):
    page = client.get(reverse("home")).content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in page


def test_favicon_ico_leads_to_the_icon_under_the_content_security_policy(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    svg = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert svg.startswith(b"<svg") and b"<script" not in svg
    # Same origin: the pages' policy lets them load it.
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "img-src 'self'" in policy
    assert client.post("/favicon.ico").status_code == 405
