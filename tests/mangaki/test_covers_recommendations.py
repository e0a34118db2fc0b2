"""Covers on a personal recommendation list: works built from rows (PartialModel), on the small real data."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.models import Work
from mangaki.recommendations.training import model_train
from mangaki.services.ratings import rating_set
from tests.covers import store_cover
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_personal_list_draws_the_covers_of_its_works(client, small_anime, model_storage):
    model_train(algorithm="ease")
    user = UserFactory()
    for work in Work.objects.filter(nsfw=False).popular()[:10]:
        rating_set(user=user, work=work, choice="favorite")
    client.force_login(user)
    first = client.get(reverse("recommendations"))
    assert not first.context["is_fallback"]
    listed = [item["work"] for item in first.context["items"]]
    with CaptureQueriesContext(connection) as bare:
        client.get(reverse("recommendations"))
    covered = listed[::2]
    for work in covered:
        store_cover(work)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("recommendations"))
    html = response.content.decode()
    sources = re.findall(r'<img class="cover" src="([^"]+)" width="230" height="345"', html)
    assert sources == [f"/media/covers/{work.pk}.jpg" for work in covered]
    assert all(client.get(source).status_code == 200 for source in sources)
    assert len(queries) == len(bare)  # the cover is a column of the listed works: no query of its own
