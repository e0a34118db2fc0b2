"""Public profiles: shared ratings are readable by anyone; private and guest profiles are 404."""

import pytest

from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory

from .conftest import error_fields


@pytest.fixture
def owner(db):
    owner = UserFactory(username="alice")
    rating_set(user=owner, work=WorkFactory(title="Seen"), choice="like")
    rating_set(user=owner, work=WorkFactory(title="Adult", nsfw=True), choice="favorite")
    return owner


def listed(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(rating["work"]["title"], rating["choice"]) for rating in response.json()["results"]]


def test_shared_ratings_are_public_without_nsfw_for_readers_who_did_not_opt_in(db, anon, me, user, owner):
    assert listed(anon.get("/api/users/alice/ratings/")) == [("Seen", "like")]
    assert listed(me.get("/api/users/alice/ratings/")) == [("Seen", "like")]
    user.profile.nsfw_ok = True
    user.profile.save()
    assert listed(me.get("/api/users/alice/ratings/")) == [("Adult", "favorite"), ("Seen", "like")]
    assert listed(me.get("/api/users/alice/ratings/", {"choice": "favorite"})) == [("Adult", "favorite")]


@pytest.mark.parametrize("hide", ["private", "guest", "inactive"])
def test_private_guest_and_inactive_profiles_are_404_like_nobody(db, anon, me, owner, hide):
    if hide == "inactive":
        owner.is_active = False
        owner.save()
    else:
        setattr(owner.profile, "is_shared" if hide == "private" else "is_guest", hide == "guest")
        owner.profile.save()
    for client in (anon, me):
        response = client.get("/api/users/alice/ratings/")
        assert response.status_code == 404
        assert error_fields(response) == {"username": "not_found"}
        nobody = client.get("/api/users/nobody/ratings/")
        assert (nobody.status_code, error_fields(nobody)) == (404, {"username": "not_found"})


def test_a_private_profile_is_readable_by_its_owner(db, client_of, owner):
    owner.profile.is_shared = False
    owner.profile.save()
    assert listed(client_of(owner).get("/api/users/alice/ratings/")) == [("Seen", "like")]


def test_a_nul_character_in_the_username_is_404(db, anon):
    assert anon.get("/api/users/a%00b/ratings/").status_code == 404
