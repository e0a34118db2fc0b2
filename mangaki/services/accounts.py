"""Accounts: signing up, the profile's settings, API tokens, and deleting an account for good."""

from __future__ import annotations

import logging

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from ..models import Profile, RatingImport, UserSession
from .ratings import ratings_bulk_delete

logger = logging.getLogger(__name__)


def account_create(*, username: str, email: str, password: str):
    """A new member (their profile comes with the user row, by the post_save signal)."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)


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
        # (the worker holds that row), so its ratings are there for the passes below; an import
        # that has not started finds its row gone and writes nothing.
        RatingImport.objects.filter(user=user).delete()
        n_ratings = ratings_bulk_delete(user=user)
        # A rating of theirs written meanwhile (another tab) would otherwise leave with the user
        # row below without leaving the counters. Locking the row waits for such a write to
        # commit, and blocks new ones; the second pass removes what committed. The row is locked
        # only after the first pass, which locks works: a rating write locks its work before the
        # user row, so taking them in the other order could deadlock with it.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        n_ratings += ratings_bulk_delete(user=user)
        token_revoke(user=user)
        UserSession.objects.filter(user_id=user.pk).delete()
        if user.get_username():
            axes_reset(username=user.get_username())
        user_id = user.pk
        user.delete()
    logger.info("account %s deleted with %d ratings", user_id, n_ratings)
    return n_ratings
