"""Visitors who rate before signing up.

A visitor's first rating creates a *guest* user (``Profile.is_guest``) logged into their
session, so every rating has an owner and goes through the one rating service. Signing up
turns that same user into a member, so nothing has to be copied (a new member, counted in the
rankings once the account has shown life, like any other); logging into an existing account
instead moves the guest's ratings onto it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from ..clients import client_address, hourly_share_spent
from ..models import Profile, Progress, Rating, Work
from .ratings import ratings_bulk_delete, ratings_bulk_set

logger = logging.getLogger(__name__)
GUEST_PREFIX = "guest-"
BACKEND = "mangaki.backends.ProfileModelBackend"


def is_guest(user) -> bool:
    """Whether ``user`` is a visitor's guest account (False for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return False
    profile = getattr(user, "profile", None)
    return bool(profile and profile.is_guest)


def guest_create() -> object:
    """A new guest user with no usable password and a guest profile."""
    User = get_user_model()
    with transaction.atomic():
        user = User(username=f"{GUEST_PREFIX}{secrets.token_hex(8)}")
        user.set_unusable_password()
        user.save()
        Profile.objects.update_or_create(user=user, defaults={"is_guest": True, "counted_since": None})
    user.refresh_from_db()
    return user


class TooManyGuests(Exception):
    """This client address created its hourly share of guest accounts."""


def _count_new_guest(address: str) -> None:
    """Count one more guest for ``address`` this hour; TooManyGuests past the limit.

    Kept in the cache; if the cache is unreachable the guest is allowed (its ratings do not
    move the rankings anyway until the account is claimed).
    """
    if hourly_share_spent("new-guests", address, limit=settings.MANGAKI_GUESTS_PER_ADDRESS_PER_HOUR):
        raise TooManyGuests(
            "Too many new visitors from your address this hour: sign up or log in to keep rating."
        )


def guest_login(*, request) -> object:
    """The user who owns this request's ratings: the signed-in user, or a new guest logged in.

    Raises TooManyGuests when the client's address already created its hourly share of guests.
    """
    if request.user.is_authenticated:
        return request.user
    _count_new_guest(client_address(request))
    user = guest_create()
    login(request, user, backend=BACKEND)
    return user


def guest_convert(*, user, username: str, email: str, password: str) -> object:
    """Turn guest ``user`` into a member with these credentials; their ratings stay theirs.

    The member joins now and is not counted yet, like any new account: their ratings count in
    the rankings once the account has shown life (``services.ratings``).
    """
    with transaction.atomic():
        user.username = username
        user.email = email
        user.set_password(password)
        user.date_joined = timezone.now()
        user.save(update_fields=["username", "email", "password", "date_joined"])
        Profile.objects.filter(user=user).update(is_guest=False, counted_since=None)
        user.profile.refresh_from_db()
    return user


@dataclass(frozen=True)
class Clash:
    """A work the visit and the account rated differently: the account's choice was kept."""

    work_id: int
    title: str
    kept: str  # the account's choice
    dropped: str  # the visit's


@dataclass(frozen=True)
class MergeResult:
    moved: int  # the visit's ratings added to the account
    clashes: list[Clash]  # by title; the visit's choice of these was not kept


def guest_merge(*, guest, into) -> MergeResult:
    """Move ``guest``'s ratings and progress onto member ``into`` (keeping theirs where both have
    one), delete the guest.

    Returns how many ratings were moved, and the works both rated differently (the account's
    choice kept), so that the person can be told. Set-based through the rating service (the
    works' counters stay exact, the works locked in id order), so a guest with thousands of
    ratings merges in a fixed number of statements; all or nothing.
    """
    with transaction.atomic():
        theirs = dict(Rating.objects.filter(user=guest).values_list("work_id", "choice"))
        mine = dict(
            Rating.objects.filter(user=into, work_id__in=list(theirs)).values_list("work_id", "choice")
        )
        rows = [(work_id, choice) for work_id, choice in theirs.items() if work_id not in mine]
        moved = ratings_bulk_set(user=into, rows=rows)  # locks the member's row first
        differ = [work_id for work_id, choice in mine.items() if theirs[work_id] != choice]
        titles = dict(Work.objects.filter(pk__in=differ).values_list("pk", "title")) if differ else {}
        clashes = sorted(
            (Clash(work_id, titles.get(work_id, ""), mine[work_id], theirs[work_id]) for work_id in differ),
            key=lambda clash: (clash.title.casefold(), clash.work_id),
        )
        # Where the visitor was with each work goes along, where the member has no entry yet.
        Progress.objects.filter(user=guest).exclude(
            work_id__in=Progress.objects.filter(user=into).values("work_id")
        ).update(user=into)
        ratings_bulk_delete(user=guest)
        guest.delete()
    return MergeResult(moved=moved.created, clashes=clashes)


def guests_purge(*, older_than_days: int) -> int:
    """Delete guest accounts idle for ``older_than_days`` (no rating since, or none at all).

    Their ratings go through the rating service first, so the works' counters stay exact.
    Returns how many guests were deleted.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    idle = (
        get_user_model()
        .objects.filter(profile__is_guest=True)
        .annotate(last_rating=Max("ratings__date"))
        .filter(Q(last_rating__lt=cutoff) | Q(last_rating__isnull=True, date_joined__lt=cutoff))
    )
    deleted = 0
    for guest in idle.iterator():
        with transaction.atomic():
            ratings_bulk_delete(user=guest)
            guest.delete()
        deleted += 1
    return deleted
