"""The rating widget's endpoint: JSON for the page's script, a redirect for a plain form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from ..choices import Choice
from ..models import Work
from ..services.franchises import TooManyHiddenFranchises, franchise_hide, franchise_show
from ..services.guests import TooManyGuests, guest_login
from ..services.ratings import rating_delete, rating_set
from .cards import CHOICE_LABELS


def wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@require_POST
def rate(request, pk: int):
    """Set (``choice=like``) or remove (``choice=``) the rating of the requesting user, only theirs.

    A visitor's first rating creates a guest account logged into their session.
    """
    # Theirs too: a work their import brought, waiting for confirmation, they may rate again.
    work = get_object_or_404(Work.objects.visible_to(request.user), pk=pk)
    choice = request.POST.get("choice", "")
    if choice and choice not in Choice.values:
        error = f"Unknown choice {choice!r}; expected one of {', '.join(Choice.values)} or nothing."
        if wants_json(request):
            return JsonResponse({"error": error}, status=400)
        messages.error(request, error)
        return redirect_back(request, work)
    if choice:
        try:
            owner = guest_login(request=request)
        except TooManyGuests as refused:
            if wants_json(request):
                return JsonResponse({"error": str(refused)}, status=429)
            messages.error(request, str(refused))
            return redirect_back(request, work)
        rating_set(user=owner, work=work, choice=choice)
    elif request.user.is_authenticated:
        rating_delete(user=request.user, work=work)
    # else: a visitor without a guest account has no rating to remove, and needs no account for that.
    if wants_json(request):
        work.refresh_from_db()
        return JsonResponse(
            {
                "work": work.pk,
                "choice": choice or None,
                "label": CHOICE_LABELS.get(choice, ""),
                "counts": work.choice_counts,
            }
        )
    if choice:
        messages.success(request, f"You rated {work.title}: {CHOICE_LABELS[choice]}.")
    else:
        messages.success(request, f"Your rating of {work.title} was removed.")
    return redirect_back(request, work)


def redirect_back(request, work: Work):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = work.get_absolute_url()
    return HttpResponseRedirect(target)


@require_POST
def franchise_hidden(request, pk: int):
    """ "Not interested in this franchise" (``hide=1``), or show it again (``hide=0``): every part
    leaves (or comes back to) the requesting member's lists. Members only: a visitor is asked to
    sign in."""
    work = get_object_or_404(Work.objects.visible_to(request.user), pk=pk)
    if not request.user.is_authenticated:
        messages.error(request, "Sign in to hide a franchise from your lists.")
        return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': work.get_absolute_url()})}")
    hide = request.POST.get("hide", "1")
    if hide not in ("0", "1"):
        messages.error(request, "hide must be 1 (hide the franchise) or 0 (show it again).")
        return redirect_back(request, work)
    if hide == "1":
        try:
            franchise_hide(user=request.user, work=work)
        except TooManyHiddenFranchises as refused:
            messages.error(request, f"{refused}.")
            return redirect_back(request, work)
        messages.success(request, f"Nothing of {work.title}'s franchise will be recommended to you.")
    else:
        franchise_show(user=request.user, work=work)
        messages.success(request, f"{work.title}'s franchise may be recommended to you again.")
    return redirect_back(request, work)
