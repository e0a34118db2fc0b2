"""Idle guest accounts are purged, and the works' counters stay exact."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mangaki.models import Rating
from mangaki.services.guests import guest_create, guests_purge
from mangaki.services.ratings import rating_set
from mangaki.tasks import purge_idle_guests
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def age(user, days: int) -> None:
    """Pretend ``user`` joined and last rated ``days`` ago."""
    then = timezone.now() - timedelta(days=days)
    get_user_model().objects.filter(pk=user.pk).update(date_joined=then)
    Rating.objects.filter(user=user).update(date=then)


def test_idle_guests_are_deleted_with_their_ratings_and_the_rest_is_kept():
    work = WorkFactory()
    idle, recent, silent_old, member = guest_create(), guest_create(), guest_create(), UserFactory()
    for user, choice in ((idle, "like"), (recent, "dislike"), (member, "favorite")):
        rating_set(user=user, work=work, choice=choice)
    age(idle, 40)
    age(silent_old, 40)  # never rated at all
    age(member, 400)  # members are never purged, however idle

    assert guests_purge(older_than_days=30) == 2

    remaining = set(get_user_model().objects.values_list("pk", flat=True))
    assert {recent.pk, member.pk} <= remaining
    assert idle.pk not in remaining and silent_old.pk not in remaining
    work.refresh_from_db()
    # Only the member's rating counts: a guest's (the remaining dislike) counts once claimed.
    assert (work.nb_likes, work.nb_dislikes, work.nb_favorites, work.nb_ratings) == (0, 0, 1, 1)
    assert Rating.objects.filter(user=recent, choice="dislike").exists()
    assert guests_purge(older_than_days=30) == 0


def test_the_nightly_task_uses_the_configured_idle_time(settings, eager_celery):
    guest = guest_create()
    age(guest, 10)
    settings.MANGAKI_GUEST_MAX_IDLE_DAYS = 30
    assert purge_idle_guests.delay().get() == 0
    settings.MANGAKI_GUEST_MAX_IDLE_DAYS = 7
    assert purge_idle_guests.delay().get() == 1
    assert not get_user_model().objects.filter(pk=guest.pk).exists()
