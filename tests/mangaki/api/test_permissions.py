"""The permission matrix: who may call what, and the answer everyone else gets."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from mangaki.models import Rating, TrainedModel
from tests.factories import UserFactory

from .conftest import error_fields

ANON, USER, STAFF = "anonymous", "user", "staff"


@pytest.fixture
def clients(db, anon, client_of, staff):
    return {ANON: anon, USER: client_of(UserFactory()), STAFF: client_of(staff)}


@pytest.fixture
def ready_model(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("models/als-1.npz", ContentFile(b"artifact"))
    return TrainedModel.objects.create(algorithm="als", version=1, status="ready", artifact_name=name)


# (method, path, body) -> expected status for anonymous, user, staff.
READS = [
    ("get", "/api/works/", None),
    ("get", "/api/categories/", None),
    ("get", "/api/tags/", None),
    ("get", "/api/health/", None),
    ("get", "/api/schema/", None),
]


@pytest.mark.parametrize("method, path, body", READS)
def test_anyone_reads_the_catalogue(clients, method, path, body):
    for who, client in clients.items():
        assert getattr(client, method)(path).status_code == 200, (who, path)


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/ratings/", None),
        ("put", "/api/ratings/{work}/", {"choice": "like"}),
        ("delete", "/api/ratings/{work}/", None),
        ("post", "/api/ratings/bulk/", {"ratings": [{"work": "{work}", "choice": "like"}]}),
        ("get", "/api/recommendations/", None),
        ("get", "/api/models/", None),
        ("get", "/api/models/{model}/", None),
        ("delete", "/api/auth/token/", None),
        ("post", "/api/models/retrain/", {"algorithm": "als"}),
        ("post", "/api/models/{model}/activate/", {}),
    ],
)
def test_anonymous_writes_and_private_reads_are_401(clients, work, ready_model, method, path, body):
    path = path.format(work=work.pk, model=ready_model.pk)
    if body and "ratings" in body:
        body = {"ratings": [{"work": work.pk, "choice": "like"}]}
    response = getattr(clients[ANON], method)(path, body, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_fields(response) == {None: "not_authenticated"}
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/models/", None),
        ("post", "/api/models/retrain/", {"algorithm": "als"}),
        ("post", "/api/models/{model}/activate/", {}),
    ],
)
def test_staff_actions_are_403_for_other_users(clients, ready_model, method, path, body):
    ready_model.is_active = False
    ready_model.save()
    response = getattr(clients[USER], method)(path.format(model=ready_model.pk), body, format="json")
    assert response.status_code == 403
    assert error_fields(response) == {None: "permission_denied"}
    ready_model.refresh_from_db()
    assert not ready_model.is_active
    assert TrainedModel.objects.count() == 1


def test_a_user_never_reaches_another_users_ratings(db, clients, work):
    owner = UserFactory(username="owner")
    owner.profile.is_shared = False
    owner.profile.save()
    Rating.objects.create(user=owner, work=work, choice="dislike")
    intruder = clients[USER]
    assert intruder.get("/api/ratings/").json()["count"] == 0
    assert intruder.get(f"/api/ratings/{work.pk}/").status_code == 404
    assert intruder.delete(f"/api/ratings/{work.pk}/").status_code == 404
    assert intruder.get("/api/users/owner/ratings/").status_code == 404
    # Rating the same work only touches the intruder's own rating.
    assert intruder.put(f"/api/ratings/{work.pk}/", {"choice": "like"}).status_code == 201
    assert Rating.objects.get(user=owner).choice == "dislike"


def test_an_invalid_token_is_401_even_on_public_reads(db, anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = anon.get("/api/works/")
    assert response.status_code == 401
    assert error_fields(response) == {None: "authentication_failed"}


def test_unknown_api_paths_are_json_404_and_unknown_methods_405(db, anon, me):
    for path in ["/api/nothing/here/", "/api/works/1/%0A/", "/api/users/a%0A/b/ratings/"]:
        response = anon.get(path)
        assert response.status_code == 404, path
        assert error_fields(response) == {None: "not_found"}
    response = me.post("/api/works/", {})
    assert response.status_code == 405
    assert error_fields(response) == {None: "method_not_allowed"}
