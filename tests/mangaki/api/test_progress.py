"""The requesting person's list through the API: PUT, PATCH, step, DELETE, list; own data only."""

import pytest

from mangaki.models import Progress, Rating
from mangaki.services.progress import progress_set
from tests.factories import UserFactory, WorkFactory

from .conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    return WorkFactory(title="Twelve episodes", nb_episodes=12)


def test_put_patch_step_and_delete_an_entry(me, user, series):
    response = me.put(f"/api/progress/{series.pk}/", {"status": "watching", "episodes": 10}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["status_label"], body["episodes"], body["work"]["id"]) == (
        "watching", "Watching", 10, series.pk,
    )  # fmt: skip
    response = me.patch(f"/api/progress/{series.pk}/", {"started": "2026-11-01"}, format="json")
    assert response.status_code == 200 and response.json()["episodes"] == 10
    assert response.json()["started"] == "2026-11-01"
    step = me.post(f"/api/progress/{series.pk}/step/")
    assert step.status_code == 200 and step.json()["progress"]["episodes"] == 11
    assert step.json()["reached_the_end"] is False
    last = me.post(f"/api/progress/{series.pk}/step/").json()
    assert last["reached_the_end"] is True and last["progress"]["episodes"] == 12
    assert error_fields(me.post(f"/api/progress/{series.pk}/step/")) == {"episodes": "invalid"}
    # PUT replaces the whole entry: what it leaves out takes its default.
    replaced = me.put(f"/api/progress/{series.pk}/", {"status": "on_hold"}, format="json").json()
    assert (replaced["episodes"], replaced["started"]) == (0, None)
    assert [item["work"]["id"] for item in me.get("/api/progress/").json()["results"]] == [series.pk]
    assert me.delete(f"/api/progress/{series.pk}/").status_code == 204
    assert me.get(f"/api/progress/{series.pk}/").status_code == 404
    assert not Rating.objects.filter(user=user).exists()


def test_bad_input_names_its_fields_and_writes_nothing(me, user, series):
    assert error_fields(me.put(f"/api/progress/{series.pk}/", {"episodes": 2}, format="json")) == {
        "status": "invalid"
    }
    answer = me.put(
        f"/api/progress/{series.pk}/",
        {"status": "watching", "episodes": 99, "finished": "yesterday", "rewatches": -2},
        format="json",
    )
    assert set(error_fields(answer)) == {"finished", "rewatches"}  # the serializer's checks first
    assert set(
        error_fields(me.put(f"/api/progress/{series.pk}/", {"status": "watching", "episodes": 99}))
    ) == {"episodes"}
    assert me.patch(f"/api/progress/{series.pk}/", {"episodes": 1}, format="json").status_code == 404
    assert me.put("/api/progress/0/", {"status": "watching"}, format="json").status_code == 404
    assert not Progress.objects.filter(user=user).exists()


def test_only_the_owner_reads_or_writes_their_list_and_hidden_works_stay_unknown(anon, me, series):
    stranger = UserFactory()
    progress_set(user=stranger, work=series, status="dropped")
    assert anon.get("/api/progress/").status_code == 401
    assert anon.put(f"/api/progress/{series.pk}/", {"status": "watching"}, format="json").status_code == 401
    assert me.get("/api/progress/").json()["results"] == []
    assert me.get(f"/api/progress/{series.pk}/").status_code == 404
    assert me.delete(f"/api/progress/{series.pk}/").status_code == 404
    assert Progress.objects.get(user=stranger).status == "dropped"
    nsfw = WorkFactory(nsfw=True)
    assert me.put(f"/api/progress/{nsfw.pk}/", {"status": "watching"}, format="json").status_code == 404
    assert me.post(f"/api/progress/{nsfw.pk}/step/").status_code == 404


def test_the_list_filters_by_status(me, user):
    works = [WorkFactory() for _ in range(3)]
    for work, status in zip(works, ["watching", "completed", "planned"], strict=True):
        progress_set(user=user, work=work, status=status)
    listed = me.get("/api/progress/", {"status": ["watching", "planned"]}).json()["results"]
    assert {item["work"]["id"] for item in listed} == {works[0].pk, works[2].pk}
    assert error_fields(me.get("/api/progress/", {"status": "binged"})) == {"status": "invalid_choice"}
