"""Browsing: the home page, the catalogue of a category, a work's page."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Exists, F, OuterRef, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from ..choices import COUNTER_FIELDS, WatchStatus, status_label
from ..forms import CatalogueForm
from ..models import Category, Progress, Tag, TaggedWork, Work
from ..querysets import WORK_ORDERINGS, nsfw_allowed, ordered_works
from ..recommendations.lists import odds_for
from ..search_results import search_outcome
from ..seasonal import season_row
from ..services.guests import is_guest
from ..work_details import (
    WORK_DETAIL_PREFETCH,
    has_bangumi_data,
    links_by_kind,
    shown_title,
    work_links,
    work_titles,
)
from ..work_relations import RELATIONS_PREFETCH, related_sections
from .cards import CHOICE_LABELS, categories, decorate
from .recommendations import odds_in_words, similar_to
from .seasons import personal_season

HOME_ROW_SIZE = 12
# The category whose home section opens with "This season" (broadcast seasons are the anime's).
SEASONAL_CATEGORY = "anime"
# Rows of the home page: (ordering in WORK_ORDERINGS, heading, blurb); "See all" opens the
# catalogue in the same ordering.
HOME_ROWS = [
    ("top", "Top rated", "The best loved, among works many people rated."),
    ("pearls", "Pearls", "Little known, almost never disliked."),
    ("popular", "Popular", "What most people have seen."),
    ("controversial", "Controversial", "Some love them, some hate them."),
]


def home(request):
    categories = Category.objects.annotate(
        has_works=Exists(Work.objects.public().filter(category=OuterRef("pk")))
    )
    sections, shown = [], []
    going_on_by_category = continue_rows(request.user, HOME_ROW_SIZE)
    for category in categories:
        if not category.has_works:
            continue
        works = Work.objects.filter(category=category).safe_for(request.user).select_related("category")
        rows = []
        if going_on := going_on_by_category.get(category.pk):
            shown.extend(going_on)
            reading = category.slug == "manga"
            rows.append(
                {
                    "ordering": "continue",
                    "title": "Continue reading" if reading else "Continue watching",
                    "blurb": f"What you are {'reading' if reading else 'watching'}, last changed first, "
                    f"then what you plan to {'read' if reading else 'watch'}.",
                    # A visitor's list has no page of its own (guests have no profile).
                    "list_url": None
                    if is_guest(request.user)
                    else reverse("profile", args=[request.user.username]) + "#list",
                    "works": going_on,
                }
            )
        if category.slug == SEASONAL_CATEGORY:
            season, row, is_current = season_row(category=category, user=request.user, limit=HOME_ROW_SIZE)
            shown.extend(row)
            title = "This season" if is_current else season.label
            rows.append(
                {
                    "ordering": "season",
                    "title": title,
                    "season": season,
                    "is_current": is_current,
                    "works": row,
                }
            )
            order, reasons = personal_season(request, category, season, HOME_ROW_SIZE)
            if order:
                found = Work.objects.filter(pk__in=order).select_related("category").in_bulk()
                mine = [found[pk] for pk in order if pk in found]
                for work in mine:
                    work.reasons = reasons[work.pk]
                shown.extend(mine)
                title = "New this season for you" if is_current else f"New in {season.label} for you"
                rows.append(
                    {
                        "ordering": "season-for-you",
                        "title": title,
                        "season": season,
                        "is_current": is_current,
                        "for_you": True,
                        "works": mine,
                    }
                )
        for ordering, title, blurb in HOME_ROWS:
            row = list(WORK_ORDERINGS[ordering].apply(works)[:HOME_ROW_SIZE])
            shown.extend(row)
            rows.append({"ordering": ordering, "title": title, "blurb": blurb, "works": row})
        sections.append({"category": category, "rows": rows})
    decorate(shown, request)
    return render(request, "mangaki/home.html", {"sections": sections})


def continue_rows(user, limit: int) -> dict[int, list[Work]]:
    """The home's "Continue watching" of ``user``, by category id: the works they are watching
    (reading), last changed first, then those they plan to, ``limit`` per category; one query
    for every category (none for a visitor). NSFW works only for a person who allows them, as
    on their profile."""
    if not user.is_authenticated:
        return {}
    entries = Progress.objects.filter(user=user, status__in=[WatchStatus.WATCHING, WatchStatus.PLANNED])
    if not nsfw_allowed(user):
        entries = entries.filter(work__nsfw=False)
    first = Case(When(status=WatchStatus.WATCHING, then=Value(0)), default=Value(1))
    ranked = entries.annotate(
        rank=first,
        row=Window(
            RowNumber(),
            partition_by=[F("work__category_id")],
            order_by=[first.asc(), F("updated").desc(), F("pk").desc()],
        ),
    )
    rows: dict[int, list[Work]] = defaultdict(list)
    listed = (
        ranked.filter(row__lte=limit).select_related("work__category").order_by("rank", "-updated", "-pk")
    )
    for entry in listed:
        rows[entry.work.category_id].append(entry.work)
    return rows


def franchise_is_hidden(user, work: Work) -> bool:
    """Whether ``user`` said "not interested in this franchise" of this work or another part
    (read from the profile the request already holds, and one query for a work of a franchise)."""
    hidden = (
        getattr(getattr(user, "profile", None), "hidden_franchises", None) if user.is_authenticated else None
    )
    if not hidden:
        return False
    if work.pk in hidden:
        return True
    return (
        work.franchise_id is not None
        and Work.objects.filter(pk__in=hidden, franchise_id=work.franchise_id).exists()
    )


def work_list(request, category: str):
    category = next((c for c in categories(request) if c.slug == category), None)
    if category is None:
        raise Http404("No such category.")
    works = Work.objects.filter(category=category).safe_for(request.user)
    tagged = TaggedWork.objects.filter(tag=OuterRef("pk"), work__category=category, work__confirmed=True)
    if not nsfw_allowed(request.user):
        tagged = tagged.filter(work__nsfw=False)
    genres = list(Tag.objects.filter(Exists(tagged)).order_by("title").values_list("slug", "title"))
    types = list(
        works.exclude(work_type="").order_by("work_type").values_list("work_type", flat=True).distinct()
    )
    form = CatalogueForm(request.GET or None, genres=genres, types=types)
    query = form.cleaned()
    if query["q"]:
        works = works.search(query["q"])
    if query["genre"]:
        works = works.filter(tagged__tag__slug=query["genre"])
    if query["type"]:
        works = works.filter(work_type=query["type"])
    works = ordered_works(works.select_related("category"), query["sort"], searching=bool(query["q"]))
    page = Paginator(works, settings.MANGAKI_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = decorate(page.object_list, request)
    # Whether a title holds the query or only comes close, and where else it finds works.
    search = None
    if query["q"]:
        search = search_outcome(
            found=works,
            nb_found=page.paginator.count,
            query=query["q"],
            category=category,
            categories=categories(request),
            user=request.user,
        )
    return render(
        request,
        "mangaki/work_list.html",
        {
            "category": category,
            "query": query,
            "search": search,
            "page": page,
            "sorts": [
                (name, ordering.label)
                for name, ordering in WORK_ORDERINGS.items()
                if query["q"] or not ordering.needs_search
            ],
            "genres": genres,
            "types": types,
            "sort_label": WORK_ORDERINGS[query["sort"]].label,
            # No work at all (not just none matching): say how the category fills up.
            "category_empty": not page.object_list
            and not Work.objects.public().filter(category=category).exists(),
        },
    )


def work_detail(request, category: str, pk: int):
    # A work waiting for confirmation opens only for the member who brought or rated it.
    works = (
        Work.objects.reachable_by(request.user)
        .select_related("category")
        .prefetch_related(*WORK_DETAIL_PREFETCH, RELATIONS_PREFETCH)
    )
    work = get_object_or_404(works, pk=pk, category__slug=category)
    if work.nsfw and not nsfw_allowed(request.user):
        return render(request, "mangaki/work_hidden.html", {"category": work.category}, status=403)
    decorate([work], request, max_genres=1000)
    counts = work.choice_counts
    total = sum(counts.values())
    biggest = max(counts.values(), default=0) or 1
    distribution = [
        {
            "value": choice,
            "label": CHOICE_LABELS[choice],
            "count": counts[choice],
            "percent": round(100 * counts[choice] / total) if total else 0,
            "width": round(100 * counts[choice] / biggest),
        }
        for choice in COUNTER_FIELDS
    ]
    similar = decorate(similar_to(work, request.user), request)
    original_title, other_titles = work_titles(work)
    return render(
        request,
        "mangaki/work_detail.html",
        {
            "work": work,
            "title": shown_title(work),
            "distribution": distribution,
            "total": total,
            "similar": similar,
            "original_title": original_title,
            "other_titles": other_titles,
            "link_sections": links_by_kind(work_links(work)),
            "shows_bangumi_data": has_bangumi_data(work),
            "related_sections": related_sections(work, request.user),
            "franchise_hidden": franchise_is_hidden(request.user, work),
            "odds": odds_in_words(odds_for(user=request.user, work=work)),
            "statuses": [(value, status_label(value, work.category.slug)) for value in WatchStatus.values],
        },
    )
