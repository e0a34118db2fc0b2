"""Recommendations with their reasons, and similar works, read through ``recommendations.lists``."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from ..choices import LIKED_CHOICES, Choice
from ..models import TrainedModel, Work
from ..recommendations.algorithms import DEFAULT, OFFERED, SPECS, spec
from ..recommendations.lists import ListNotOffered, recommendations_for, similar_works
from .cards import categories as all_categories
from .cards import decorate, user_choices

Algorithm = TrainedModel.Algorithm
RECOMMENDATION_COUNT = 20
SIMILAR_COUNT = 8
# How a neighbour of a recommendation was rated, as said in its explanation: always a work the
# person liked (``choices.LIKED_CHOICES``, the rule the selector asks the models to follow).
NEIGHBOUR_VERBS = {Choice.FAVORITE: "which you loved", Choice.LIKE: "which you liked"}
assert set(NEIGHBOUR_VERBS) == set(LIKED_CHOICES)
SHOWN_TAGS = 2
SHOWN_NEIGHBOURS = 2


def similar_to(work: Work, user) -> list[Work]:
    """The works most like ``work`` (``similar_works``) that ``user`` may see."""
    similar = similar_works(work=work, user=user, limit=SIMILAR_COUNT)
    return [other for other in similar if other.pk != work.pk]


def explain(recommendation, choices: dict[int, str], slugs: dict[int, str]) -> dict:
    """The reasons shown under a recommendation: its best tags and the rated works it is close to."""
    explanation = recommendation.explanation
    tags = [tag for tag, weight in sorted(explanation.tags, key=lambda pair: -pair[1]) if weight > 0]
    neighbours = []
    for neighbour, similarity in sorted(explanation.neighbours, key=lambda pair: -pair[1]):
        verb = NEIGHBOUR_VERBS.get(choices.get(neighbour.pk, ""))
        if similarity > 0 and verb:
            url = reverse("work-detail", args=[slugs[neighbour.category_id], neighbour.pk])
            neighbours.append({"work": neighbour, "verb": verb, "url": url})
    franchise_of = None
    first_part = explanation.franchise_of
    if first_part is not None and (verb := NEIGHBOUR_VERBS.get(choices.get(first_part.pk, ""))):
        work = recommendation.work
        later = bool(work.aired_from and first_part.aired_from and work.aired_from > first_part.aired_from)
        franchise_of = {
            "work": first_part,
            "verb": verb,
            "url": reverse("work-detail", args=[slugs[first_part.category_id], first_part.pk]),
            "sequel": later,  # "Sequel of X" when it aired after X, else "Same franchise as X"
        }
    later = explanation.first_part_of
    first_part_of = None
    if later is not None:
        first_part_of = {
            "work": later,
            "url": reverse("work-detail", args=[slugs[later.category_id], later.pk]),
        }
    start = explanation.start_with
    start_with = None
    if start is not None:
        start_with = {"work": start, "url": reverse("work-detail", args=[slugs[start.category_id], start.pk])}
    return {
        "tags": tags[:SHOWN_TAGS],
        "neighbours": neighbours[:SHOWN_NEIGHBOURS],
        "popular": explanation.popular,
        "first_part_of": first_part_of,
        "start_with": start_with,
        "franchise_of": franchise_of,
        "popular_elsewhere": explanation.popular_elsewhere,
        "from_side_information": explanation.from_side_information,
    }


def odds_in_words(odds: float | None) -> dict | None:
    """``0.68`` as "about 7 in 10" and the percentage, for a card; None without odds."""
    if odds is None:
        return None
    tenths = min(max(round(odds * 10), 0), 10)
    words = "almost surely" if tenths == 10 else "hardly" if tenths == 0 else f"about {tenths} in 10"
    return {"words": words, "percent": round(odds * 100)}


def algorithm_options(offered=OFFERED) -> list[tuple[str, str]]:
    """The page's algorithm menu: ``(value, name for people)``, the default first as ``""``,
    then the other lists ``offered`` now (those that beat the most-rated list when measured).

    Model names (EASE, ALS…) stay in the model report; people choose by what a list does.
    """
    options = [("", SPECS[DEFAULT].people_label)]
    options += [
        (algorithm.value, SPECS[algorithm].people_label)
        for algorithm in OFFERED
        if algorithm != DEFAULT and algorithm in offered
    ]
    return options


def recommendations(request):
    categories = all_categories(request)
    slug = request.GET.get("category") or "anime"
    category = next((c for c in categories if c.slug == slug), None)
    if category is None:
        raise Http404(f"No category {slug!r}.")
    asked = request.GET.get("algorithm") or None
    if asked not in OFFERED:
        asked = None  # the best lists
    try:
        result = recommendations_for(
            user=request.user, category=category.slug, limit=RECOMMENDATION_COUNT, algorithm=asked
        )
    except ListNotOffered:  # left the menu since the link was made: the best lists instead
        asked = None
        result = recommendations_for(user=request.user, category=category.slug, limit=RECOMMENDATION_COUNT)
    neighbour_ids = {n.pk for r in result.items for n, _ in r.explanation.neighbours}
    neighbour_ids |= {r.explanation.franchise_of.pk for r in result.items if r.explanation.franchise_of}
    choices = user_choices(request.user, neighbour_ids)
    slugs = {c.pk: c.slug for c in categories}
    items = [
        {
            "work": r.work,
            "predicted": r.predicted,
            "odds": odds_in_words(r.odds),
            "reasons": None if result.is_fallback else explain(r, choices, slugs),
        }
        for r in result.items
    ]
    decorate([item["work"] for item in items], request)
    context = {
        "categories": categories,
        "category": category,
        "algorithm": asked or "",
        "algorithm_options": algorithm_options(result.offered),
        "algorithm_chosen": "" if asked in (None, DEFAULT) else asked,
        "algorithm_label": spec(result.algorithm).people_label,
        "items": items,
        "is_fallback": result.is_fallback,
        "fallback_reason": result.fallback_reason,
        "model_version": result.model_version,
        "category_empty": not items and not Work.objects.public().filter(category=category).exists(),
    }
    template = (
        "mangaki/_recommendation_list.html" if request.GET.get("partial") else "mangaki/recommendations.html"
    )
    return render(request, template, context)
