"""A member's profile (ratings by choice, watchlist) and their settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from ..choices import Choice
from ..forms import AccountDeleteForm, ProfileSettingsForm
from ..models import Rating
from ..selectors import profile_ratings
from ..services.accounts import profile_update
from .cards import decorate


@login_required
def my_profile(request):
    return redirect("profile", username=request.user.username)


def profile(request, username: str):
    owner = get_object_or_404(get_user_model().objects.select_related("profile"), username=username)
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    ratings = profile_ratings(owner=owner, viewer=request.user)
    if ratings is None:
        raise Http404("This profile is private.")
    ratings = list(ratings)
    works = [rating.work for rating in ratings]
    for work in works:  # only the owner's own list holds these (``selectors.profile_ratings``)
        work.waiting = not work.confirmed
    # Cards show the *viewer's* own rating on each work, so a visitor can rate from here too.
    decorate(works, request)
    groups = {choice: [] for choice in Choice.values}
    for rating in ratings:
        groups[rating.choice].append(rating.work)
    sections = [
        {"value": choice, "label": label, "works": groups[choice]}
        for choice, label in Choice.choices
        if choice != Choice.WILLSEE
    ]
    return render(
        request,
        "mangaki/profile.html",
        {
            "owner": owner,
            "is_owner": is_owner,
            "total": len(ratings),
            "counts": [(label, len(groups[choice]), choice) for choice, label in Choice.choices],
            "watchlist": groups[Choice.WILLSEE],
            "sections": sections,
        },
    )


@login_required
def profile_settings(request):
    form = ProfileSettingsForm(request.POST or None, instance=request.user.profile)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("settings")
    return settings_page(request, form=form)


def settings_page(request, *, form=None, delete_form=None):
    """The settings page, with the "Delete my account" form (posted to ``account-delete``)."""
    return render(
        request,
        "mangaki/settings.html",
        {
            "form": form or ProfileSettingsForm(instance=request.user.profile),
            "delete_form": delete_form or AccountDeleteForm(user=request.user, request=request),
            "n_ratings": Rating.objects.filter(user=request.user).count(),
        },
    )
