"""'Not interested in this franchise': the service's bound and idempotence, the API's answers."""

import pytest

from mangaki.models import Profile, Work
from mangaki.services.franchises import (
    MAX_HIDDEN_FRANCHISES,
    TooManyHiddenFranchises,
    franchise_hide,
    franchise_show,
)
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def test_hiding_is_idempotent_and_showing_any_part_undoes_it():
    user, first = UserFactory(), WorkFactory()
    second = WorkFactory(franchise_id=first.pk)
    Work.objects.filter(pk=first.pk).update(franchise_id=first.pk)
    assert franchise_hide(user=user, work=second) is True
    assert franchise_hide(user=user, work=second) is False
    assert Profile.objects.get(user=user).hidden_franchises == [second.pk]
    first.refresh_from_db()
    assert franchise_show(user=user, work=first) is True  # another part of the same franchise
    assert franchise_show(user=user, work=first) is False
    assert Profile.objects.get(user=user).hidden_franchises == []


def test_the_number_hidden_is_bounded_with_a_clear_answer(client):
    user, work = UserFactory(), WorkFactory()
    Profile.objects.filter(user=user).update(
        hidden_franchises=list(range(10**6, 10**6 + MAX_HIDDEN_FRANCHISES))
    )
    with pytest.raises(TooManyHiddenFranchises):
        franchise_hide(user=user, work=work)
    client.force_login(user)
    answer = client.put(f"/api/franchises/hidden/{work.pk}/")
    assert answer.status_code == 400
    assert [error["field"] for error in answer.json()["errors"]] == ["work"]
    assert work.pk not in Profile.objects.get(user=user).hidden_franchises
