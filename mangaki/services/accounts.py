"""Accounts: signing up, the profile's settings, API tokens, and deleting an account for good."""

from __future__ import annotations

import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from ..clients import hourly_share_spent
from ..models import Profile, RatingImport, UserSession
from .ratings import ratings_bulk_delete

logger = logging.getLogger(__name__)


class TooManySignups(Exception):
    """This client address signed up its hourly share of accounts."""

    retry_after = 3600


def signup_count(*, address: str) -> None:
    """Count one more sign-up (a new account or a guest's) for ``address`` this hour.

    TooManySignups past ``MANGAKI_SIGNUPS_PER_ADDRESS_PER_HOUR``. Kept in the cache; if the cache
    is unreachable the sign-up is allowed (a new member's ratings count only once the account
    has shown life, ``services.ratings``).
    """
    if hourly_share_spent("signups", address, limit=settings.MANGAKI_SIGNUPS_PER_ADDRESS_PER_HOUR):
        raise TooManySignups(
            "Too many accounts were created from your address this hour: try again in an hour."
        )


def account_create(*, username: str, email: str, password: str):
    """A new member, not counted yet (``services.ratings``: counted in once it has shown life).

    Their profile comes with the user row, by the post_save signal.
    """
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=email, password=password)
        Profile.objects.filter(user=user).update(counted_since=None)
    user.refresh_from_db()
    return user


def profile_update(*, user, nsfw_ok: bool, is_shared: bool) -> Profile:
    """Save ``user``'s profile settings: whether NSFW works show, whether others see the profile."""
    profile = user.profile
    profile.nsfw_ok, profile.is_shared = nsfw_ok, is_shared
    profile.save(update_fields=["nsfw_ok", "is_shared"])
    return profile


def token_issue(*, user) -> Token:
    """``user``'s API token: the one they have, or a new one."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user) -> None:
    """Revoke ``user``'s API token (nothing happens when they have none)."""
    Token.objects.filter(user=user).delete()


def account_password_confirms(*, request, user, password: str) -> bool:
    """Whether ``password`` is ``user``'s: the confirmation asked before deleting the account.

    Checked through ``authenticate`` so a wrong password counts toward the sign-in lockout
    (django-axes) like one typed on the login page; once locked, even the right one is refused
    and axes marks ``request`` (a Django HttpRequest) for its middleware to answer 429.
    """
    if not password:
        return False
    confirmed = authenticate(request, username=user.get_username(), password=password)
    return confirmed is not None and confirmed.pk == user.pk


def account_delete(*, user) -> int:
    """Delete ``user`` and everything of theirs, in one transaction; how many ratings went.

    Their ratings go through the rating service, so the works' counters stay exact; then their
    API token, every session where they are logged in (any browser), their failed sign-in
    records (the username is free for someone else), and the user row, which takes the profile
    and the rating imports with it. Cannot be undone.
    """
    User = get_user_model()
    with transaction.atomic():
        # First their imports: deleting an import's row waits for a worker writing it to commit
        # (the worker holds that row, then the user row, as it writes), so its ratings are there
        # for the pass below; an import that has not started finds its row gone and writes
        # nothing. Then the user row, before any work's, as every rating write locks it
        # (``services.ratings``): a write of theirs in flight (another tab) commits before this
        # goes on, and one that comes later finds the account gone (AccountGone, a 403) instead
        # of failing at commit. Import row, user row, works: the order every writer takes.
        RatingImport.objects.filter(user=user).delete()
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        n_ratings = ratings_bulk_delete(user=user)
        token_revoke(user=user)
        UserSession.objects.filter(user_id=user.pk).delete()
        if user.get_username():
            axes_reset(username=user.get_username())
        user_id = user.pk
        user.delete()
    logger.info("account %s deleted with %d ratings", user_id, n_ratings)
    return n_ratings
