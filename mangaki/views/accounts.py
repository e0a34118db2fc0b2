"""Sign up (keeping a visitor's ratings), log in (merging them), delete the account; the rest is
django.contrib.auth."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from ..clients import client_address
from ..forms import AccountDeleteForm, SignupForm
from ..services.accounts import TooManySignups, account_create, account_delete, signup_count
from ..services.guests import BACKEND, guest_convert, guest_merge, is_guest
from .cards import CHOICE_LABELS
from .profiles import settings_page

MAX_CLASHES_NAMED = 5  # works named in the sign-in message; the rest are counted


@sensitive_post_parameters("password1", "password2")
def signup(request):
    guest = request.user if is_guest(request.user) else None
    if request.user.is_authenticated and guest is None:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signup_count(address=client_address(request))  # a guest signing up counts too
        except TooManySignups as refused:
            answer = render(
                request, "registration/signup.html", {"form": form, "refused": str(refused)}, status=429
            )
            answer["Retry-After"] = str(TooManySignups.retry_after)
            return answer
        if guest is not None:
            user = guest_convert(
                user=guest,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        else:
            user = account_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        login(request, user, backend=BACKEND)
        messages.success(request, f"Welcome, {user.username}! Your ratings are saved to your account.")
        return redirect("recommendations")
    return render(request, "registration/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Logging in from a guest session moves the guest's ratings onto the account."""

    redirect_authenticated_user = False

    def form_valid(self, form):
        guest = self.request.user if is_guest(self.request.user) else None
        moved, clashes = 0, []
        # The merge and the login succeed together or not at all: if the merge fails, the
        # visitor is still the guest with every rating, and can try again.
        with transaction.atomic():
            if guest is not None and guest.pk != form.get_user().pk:
                merged = guest_merge(guest=guest, into=form.get_user())
                moved, clashes = merged.moved, merged.clashes
            response = super().form_valid(form)
        if moved:
            messages.success(
                self.request,
                ngettext(
                    "%(count)d rating from this visit was added to your account.",
                    "%(count)d ratings from this visit were added to your account.",
                    moved,
                )
                % {"count": moved},
            )
        if clashes:
            named = "; ".join(
                f"{clash.title} ({CHOICE_LABELS[clash.kept]}, not {CHOICE_LABELS[clash.dropped]})"
                for clash in clashes[:MAX_CLASHES_NAMED]
            )
            more = len(clashes) - MAX_CLASHES_NAMED
            messages.info(
                self.request,
                f"Your account's ratings were kept where this visit rated differently: {named}"
                + (f", and {more} more." if more > 0 else "."),
            )
        return response


@sensitive_post_parameters("password")
@login_required
def delete_account(request):
    """The settings page's "Delete my account" form: checks the password, deletes, logs out."""
    if request.method != "POST":
        return redirect(reverse("settings") + "#delete-account")
    form = AccountDeleteForm(request.POST, user=request.user, request=request)
    if not form.is_valid():
        return settings_page(request, delete_form=form)
    n_ratings = account_delete(user=request.user)
    logout(request)
    messages.success(
        request,
        ngettext(
            "Your account and your %(count)d rating were deleted.",
            "Your account and your %(count)d ratings were deleted.",
            n_ratings,
        )
        % {"count": n_ratings},
    )
    return redirect("home")


def locked_out(request, response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username is locked for this client: 429 with Retry-After.

    JSON in the API's error shape under /api/, the sign-in page's message elsewhere.
    """
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "Too many failed sign-ins for this account from your address: try again in %(count)d minute.",
        "Too many failed sign-ins for this account from your address: try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}
    if request.path.startswith("/api/"):
        answer = JsonResponse(
            {"detail": message, "errors": [{"field": None, "code": "locked_out", "message": message}]},
            status=429,
        )
    else:
        answer = render(request, "registration/locked_out.html", {"message": message}, status=429)
    answer["Retry-After"] = str(seconds)
    return answer
