"""The admin stays usable on the real data's size: bounded queries, deletes keep counters exact."""

import pytest
from django.urls import reverse

from mangaki.models import Rating
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory


@pytest.fixture
def staff_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def ratings(db):
    works = [WorkFactory() for _ in range(5)]
    for index in range(12):
        user = UserFactory()
        for work in works[: 1 + index % 5]:
            rating_set(user=user, work=work, choice="like" if index % 2 else "dislike")
    return works


@pytest.mark.parametrize(
    "name",
    [
        "mangaki_rating_changelist",
        "mangaki_work_changelist",
        "auth_user_changelist",
        "mangaki_tag_changelist",
    ],
)
def test_changelists_render_with_a_bounded_number_of_queries(
    staff_client, ratings, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse(f"admin:{name}"), {"q": ""})
    assert response.status_code == 200


def test_rating_search_and_filters_work(staff_client, ratings):
    title = ratings[0].title
    response = staff_client.get(
        reverse("admin:mangaki_rating_changelist"), {"q": title, "choice__exact": "like"}
    )
    assert response.status_code == 200
    shown = response.context["cl"].result_list
    assert shown and all(r.work.title == title and r.choice == "like" for r in shown)


def test_deleting_ratings_in_the_admin_keeps_the_counters_exact(staff_client, ratings):
    work = ratings[0]
    work.refresh_from_db()
    before = work.nb_ratings
    doomed = list(Rating.objects.filter(work=work).values_list("pk", flat=True)[:3])
    response = staff_client.post(
        reverse("admin:mangaki_rating_changelist"),
        {"action": "delete_selected", "_selected_action": doomed, "post": "yes"},
    )
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.nb_ratings == before - 3 == Rating.objects.filter(work=work).count()
