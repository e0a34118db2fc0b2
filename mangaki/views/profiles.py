"""A member's profile (ratings by choice, watchlist) and their settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from ..choices import Choice, WatchStatus
from ..forms import AccountDeleteForm, ProfileSettingsForm
from ..models import Progress, Rating
from ..querysets import nsfw_allowed
from ..selectors import profile_ratings
from ..services.accounts import profile_update
from .cards import decorate, shown_progress

# Works per section of a profile (each choice, the watchlist): a page of the catalogue's size.
PROFILE_PAGE_SIZE = 24


@login_required
def my_profile(request):
    return redirect("profile", username=request.user.username)


def profile(request, username: str):
    """A member's ratings, one section per choice (the watchlist first), each paginated alone.

    A section shows ``PROFILE_PAGE_SIZE`` works; its page is ``?<choice>_page=N`` (``like_page``),
    and its links keep the other sections' pages. A page past the last is the last one, and a
    page that is not a number the first (``Paginator.get_page``). The page's size and its
    queries do not grow with the number of ratings: one query counts the choices, one numbers
    the ratings within their choice (a window) to find each section's page, one reads them.
    """
    owner = get_object_or_404(get_user_model().objects.select_related("profile"), username=username)
    is_owner = request.user.is_authenticated and request.user.pk == owner.pk
    ratings = profile_ratings(owner=owner, viewer=request.user)
    if ratings is None:
        raise Http404("This profile is private.")
    counted = dict(
        ratings.order_by().values_list("choice").annotate(n=Count("pk")).values_list("choice", "n")
    )
    pages = {}
    for choice in Choice.values:
        paginator = Paginator(range(counted.get(choice, 0)), PROFILE_PAGE_SIZE)
        pages[choice] = paginator.get_page(request.GET.get(f"{choice}_page"))
    works_by_choice = _section_works(ratings, pages)
    for works in works_by_choice.values():
        for work in works:  # only the owner's own list holds these (``selectors.profile_ratings``)
            work.waiting = not work.confirmed
    # Cards show the *viewer's* own rating on each work, so a visitor can rate from here too.
    decorate([work for works in works_by_choice.values() for work in works], request)
    for choice, page in pages.items():
        page.object_list = works_by_choice[choice]
        page.previous_url = _page_url(
            request, choice, page.previous_page_number() if page.has_previous() else None
        )
        page.next_url = _page_url(request, choice, page.next_page_number() if page.has_next() else None)
    sections = [
        {"value": choice, "label": label, "works": pages[choice].object_list, "page": pages[choice],
         "count": counted.get(choice, 0)}
        for choice, label in Choice.choices
        if choice != Choice.WILLSEE
    ]  # fmt: skip
    return render(
        request,
        "mangaki/profile.html",
        {
            "owner": owner,
            "is_owner": is_owner,
            "total": sum(counted.values()),
            "counts": [(label, counted.get(choice, 0), choice) for choice, label in Choice.choices],
            "watchlist": pages[Choice.WILLSEE].object_list,
            "watchlist_page": pages[Choice.WILLSEE],
            "sections": sections,
            "progress_sections": _progress_sections(owner=owner, viewer=request.user, is_owner=is_owner),
        },
    )


def _progress_sections(*, owner, viewer, is_owner: bool) -> list[dict]:
    """``owner``'s list by status (watching first), each with its count and its
    ``PROFILE_PAGE_SIZE`` last changed works with their progress: three queries (the counts, the
    shown ids, their works) whatever its size.

    Seen under the ratings' rule (the caller has checked ``profile_visible_to``), with the same
    filters as ``selectors.profile_ratings``: NSFW works only for a viewer who may see them,
    works waiting for confirmation only for the owner.
    """
    entries = Progress.objects.filter(user=owner)
    if not nsfw_allowed(viewer):
        entries = entries.filter(work__nsfw=False)
    if not is_owner:
        entries = entries.filter(work__confirmed=True)
    counted = dict(
        entries.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    if not counted:
        return []
    # Numbered within their status on the narrow rows, then the shown ones read with their works.
    numbered = entries.annotate(
        row=Window(RowNumber(), partition_by=[F("status")], order_by=[F("updated").desc(), F("pk").desc()])
    )
    ids = numbered.filter(row__lte=PROFILE_PAGE_SIZE).values_list("pk", flat=True)
    shown: dict[str, list] = {status: [] for status in WatchStatus.values}
    for entry in (
        entries.filter(pk__in=list(ids)).select_related("work__category").order_by("-updated", "-pk")
    ):
        work = entry.work
        work.shown_progress = shown_progress(
            work, work.category.slug, (entry.status, entry.episodes, entry.chapters)
        )
        shown[entry.status].append(work)
    return [
        {"value": status, "label": label, "count": counted.get(status, 0), "works": shown[status],
         "more": counted.get(status, 0) - len(shown[status])}
        for status, label in WatchStatus.choices
    ]  # fmt: skip


def _page_url(request, choice: str, number: int | None) -> str | None:
    """This page with ``choice``'s section at page ``number``, the other parameters kept."""
    if number is None:
        return None
    query = request.GET.copy()
    query[f"{choice}_page"] = str(number)
    return f"?{query.urlencode()}#{choice}"


def _section_works(ratings, pages) -> dict[str, list]:
    """The works of each section's page, in one query: ratings numbered within their choice."""
    wanted = Q()
    for choice, page in pages.items():
        if page.paginator.count:
            wanted |= Q(choice=choice, row__gt=page.start_index() - 1, row__lte=page.end_index())
    works = {choice: [] for choice in pages}
    if not wanted:
        return works
    # Numbered on the narrow rows (their ids), then the page's ratings read with their works:
    # numbering 20,000 ratings with every column of their works took most of the page's time.
    numbered = ratings.annotate(
        row=Window(RowNumber(), partition_by=[F("choice")], order_by=[F("date").desc(), F("pk").desc()])
    )
    ids = list(numbered.filter(wanted).values_list("pk", flat=True))
    for rating in ratings.filter(pk__in=ids).order_by("choice", "-date", "-pk"):
        works[rating.choice].append(rating.work)
    return works


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
