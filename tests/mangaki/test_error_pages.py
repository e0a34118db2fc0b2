"""Error pages are the site's own, with its header and a way back, not Django's bare text."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_the_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'class="site-header"' in page and "Back to the home page" in page


def test_a_page_refused_to_a_member_is_the_styled_403(client):
    client.force_login(UserFactory())
    response = client.get("/models/")  # the model report is for staff
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode() and 'class="site-header"' in response.content.decode()


@pytest.mark.parametrize(
    ("handler", "code", "title"),
    [(defaults.bad_request, 400, "Bad request"), (defaults.server_error, 500, "Something went wrong")],
)
def test_the_400_and_500_pages_render_without_a_request_context(handler, code, title):
    request = RequestFactory().get("/")
    response = handler(request) if code == 500 else handler(request, exception=None)
    assert response.status_code == code
    assert title in response.content.decode() and "Back to the home page" in response.content.decode()


def test_a_refused_form_is_the_styled_403_saying_what_to_do():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "someone", "password": "secret"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form has expired" in page and "reload the page" in page
    assert 'class="site-header"' in page and "<style>" not in page  # the site's page, not Django's
