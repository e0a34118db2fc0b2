"""The requesting user's ratings: list, PUT (idempotent), DELETE, bulk upsert (all or nothing)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Category, Rating, Work
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory

from .conftest import error_fields

COUNTERS = ["nb_favorites", "nb_likes", "nb_neutrals", "nb_dislikes", "nb_willsees", "nb_wontsees"]


def counters(work: Work) -> dict:
    work.refresh_from_db()
    return {field: getattr(work, field) for field in [*COUNTERS, "nb_ratings", "sum_ratings", "controversy"]}


def test_put_creates_then_replaces_and_keeps_counters_exact(db, me, user, work):
    response = me.put(f"/api/ratings/{work.pk}/", {"choice": "like"})
    assert response.status_code == 201
    assert response.json()["choice"] == "like" and response.json()["work"]["id"] == work.pk
    assert counters(work)["nb_likes"] == 1

    response = me.put(f"/api/ratings/{work.pk}/", {"choice": "dislike"})
    assert response.status_code == 200
    state = counters(work)
    assert (state["nb_likes"], state["nb_dislikes"], state["nb_ratings"]) == (0, 1, 1)
    assert Rating.objects.get(user=user, work=work).choice == "dislike"


def test_put_is_idempotent(db, me, user, work):
    first = me.put(f"/api/ratings/{work.pk}/", {"choice": "favorite"})
    after_first = counters(work)
    second = me.put(f"/api/ratings/{work.pk}/", {"choice": "favorite"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert counters(work) == after_first
    assert Rating.objects.filter(user=user, work=work).count() == 1
    assert second.json()["choice"] == first.json()["choice"] == "favorite"


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"choice": "superb"}, "choice", "invalid_choice"),
        ({}, "choice", "required"),
        ({"choice": ["like"]}, "choice", "invalid_choice"),
        ({"choice": None}, "choice", "null"),
    ],
)
def test_put_refuses_bad_choices_naming_the_field(db, me, work, body, field, code):
    response = me.put(f"/api/ratings/{work.pk}/", body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {field: code}
    assert counters(work)["nb_ratings"] == 0 and not Rating.objects.exists()


@pytest.mark.parametrize("work_id", ["999999", "abc", str(2**70), "0"])
def test_put_on_an_unknown_work_is_404_naming_the_work(db, me, work_id):
    response = me.put(f"/api/ratings/{work_id}/", {"choice": "like"})
    assert response.status_code == 404
    assert error_fields(response) == {"work": "not_found"}


def test_malformed_json_is_400_naming_the_body(db, me, work):
    response = me.generic(
        "PUT", f"/api/ratings/{work.pk}/", '{"choice": "like"', content_type="application/json"
    )
    assert response.status_code == 400
    assert error_fields(response) == {"body": "parse_error"}


def test_a_body_that_is_neither_json_nor_a_form_is_415(db, me, work):
    response = me.generic("PUT", f"/api/ratings/{work.pk}/", "choice=like", content_type="text/plain")
    assert response.status_code == 415
    assert error_fields(response) == {None: "unsupported_media_type"}


def test_delete_removes_my_rating_and_its_count(db, me, user, work):
    me.put(f"/api/ratings/{work.pk}/", {"choice": "like"})
    assert me.delete(f"/api/ratings/{work.pk}/").status_code == 204
    assert not Rating.objects.filter(user=user).exists()
    assert counters(work)["nb_likes"] == 0
    again = me.delete(f"/api/ratings/{work.pk}/")
    assert again.status_code == 404 and error_fields(again) == {"work": "not_found"}
    assert me.delete("/api/ratings/999999/").status_code == 404


def test_get_my_rating_of_a_work(db, me, user, work):
    assert me.get(f"/api/ratings/{work.pk}/").status_code == 404
    rating_set(user=user, work=work, choice="willsee")
    assert me.get(f"/api/ratings/{work.pk}/").json()["choice"] == "willsee"


def test_list_shows_only_my_ratings_newest_first_with_filters(db, me, user):
    manga = Category.objects.get(slug="manga")
    first, second, third = (
        WorkFactory(title="First"),
        WorkFactory(title="Second"),
        WorkFactory(category=manga),
    )
    rating_set(user=user, work=first, choice="like")
    rating_set(user=user, work=second, choice="dislike")
    rating_set(user=user, work=third, choice="like")
    rating_set(user=UserFactory(), work=first, choice="favorite")

    def listed(params=None):
        response = me.get("/api/ratings/", params or {})
        assert response.status_code == 200
        return [(rating["work"]["id"], rating["choice"]) for rating in response.json()["results"]]

    assert listed() == [(third.pk, "like"), (second.pk, "dislike"), (first.pk, "like")]
    assert listed({"choice": "like"}) == [(third.pk, "like"), (first.pk, "like")]
    assert listed({"choice": "like", "category": "anime"}) == [(first.pk, "like")]
    assert me.get("/api/ratings/?choice=like&choice=dislike").json()["count"] == 3
    bad = me.get("/api/ratings/", {"choice": "superb"})
    assert bad.status_code == 400 and error_fields(bad) == {"choice": "invalid_choice"}


def test_rating_list_queries_do_not_grow_with_the_page_size(db, me, user):
    for _ in range(10):
        rating_set(user=user, work=WorkFactory(), choice="like")
    sizes = []
    for page_size in (2, 10):
        with CaptureQueriesContext(connection) as captured:
            assert len(me.get("/api/ratings/", {"page_size": page_size}).json()["results"]) == page_size
        sizes.append(len(captured))
    assert sizes[0] == sizes[1] <= 3


# --- Bulk upsert


def test_bulk_upsert_creates_changes_and_counts(db, me, user):
    works = [WorkFactory() for _ in range(4)]
    rating_set(user=user, work=works[0], choice="like")
    rating_set(user=user, work=works[1], choice="dislike")
    rows = [
        {"work": works[0].pk, "choice": "like"},
        {"work": works[1].pk, "choice": "favorite"},
        {"work": works[2].pk, "choice": "willsee"},
        {"work": works[3].pk, "choice": "neutral"},
    ]
    response = me.post("/api/ratings/bulk/", {"ratings": rows})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "changed": 1, "unchanged": 1}
    mine = dict(Rating.objects.filter(user=user).values_list("work_id", "choice"))
    assert mine == {row["work"]: row["choice"] for row in rows}
    assert counters(works[1])["nb_favorites"] == 1 and counters(works[1])["nb_dislikes"] == 0


def test_bulk_is_all_or_nothing_and_names_every_bad_row(db, me, user):
    good, other = WorkFactory(), WorkFactory()
    rows = [
        {"work": good.pk, "choice": "like"},
        {"work": 999999, "choice": "like"},
        {"work": other.pk, "choice": "meh"},
        {"work": good.pk, "choice": "dislike"},
    ]
    response = me.post("/api/ratings/bulk/", {"ratings": rows})
    assert response.status_code == 400
    assert error_fields(response) == {"ratings[2].choice": "invalid_choice"}
    assert not Rating.objects.exists()

    rows[2]["choice"] = "like"
    response = me.post("/api/ratings/bulk/", {"ratings": rows})
    assert response.status_code == 400
    assert error_fields(response) == {"ratings[1].work": "invalid", "ratings[3].work": "invalid"}
    messages = [error["message"] for error in response.json()["errors"]]
    assert "999999" in messages[0] and "row 0" in messages[1]
    assert not Rating.objects.exists() and counters(good)["nb_ratings"] == 0


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"ratings": []}, "ratings", "empty"),
        ({}, "ratings", "required"),
        ({"ratings": "like"}, "ratings", "not_a_list"),
        ({"ratings": [{"work": "one", "choice": "like"}]}, "ratings[0].work", "invalid"),
        ({"ratings": [{"choice": "like"}]}, "ratings[0].work", "required"),
    ],
)
def test_bulk_refuses_malformed_bodies(db, me, body, field, code):
    response = me.post("/api/ratings/bulk/", body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {field: code}


def test_bulk_refuses_more_than_a_thousand_rows(db, me, work):
    rows = [{"work": work.pk, "choice": "like"}] * 1001
    response = me.post("/api/ratings/bulk/", {"ratings": rows})
    assert response.status_code == 400
    assert error_fields(response) == {"ratings": "max_length"}
    assert not Rating.objects.exists()


def test_bulk_accepts_a_thousand_rows(db, me, user):
    Work.objects.bulk_create(
        [Work(title=f"Bulk {index}", category=Category.objects.get(slug="anime")) for index in range(1000)]
    )
    rows = [{"work": work_id, "choice": "like"} for work_id in Work.objects.values_list("pk", flat=True)]
    response = me.post("/api/ratings/bulk/", {"ratings": rows})
    assert response.status_code == 200
    assert response.json()["created"] == 1000
    assert Rating.objects.filter(user=user).count() == 1000
    assert Work.objects.filter(nb_likes=1).count() == 1000


def test_an_nsfw_work_cannot_be_rated_without_the_opt_in(db, me, user):
    hidden = WorkFactory(title="Hidden title", nsfw=True)
    shown = WorkFactory()
    response = me.put(f"/api/ratings/{hidden.pk}/", {"choice": "like"})
    assert response.status_code == 404 and "Hidden title" not in response.content.decode()
    bulk = me.post(
        "/api/ratings/bulk/",
        {"ratings": [{"work": shown.pk, "choice": "like"}, {"work": hidden.pk, "choice": "like"}]},
    )
    assert bulk.status_code == 400 and "ratings[1].work" in error_fields(bulk)
    assert not Rating.objects.filter(user=user).exists()  # all or nothing

    user.profile.nsfw_ok = True
    user.profile.save()
    assert me.put(f"/api/ratings/{hidden.pk}/", {"choice": "like"}).status_code == 201
