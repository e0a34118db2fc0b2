"""What a search on a category's catalogue page found, as the page tells it.

``WorkQuerySet.search`` ranks each work by its best title (``search_rank``): at least
``text_search.CONTAINS`` when a title holds the query (equal, starts with, a word starts with,
contains), below it when a title only comes close (a typo, another word). The page says which:
a close match is shown as one ("No work called 'chainsaw man'; close: Chainsaw Maid"), never as
"1 work matching"; and a query that finds nothing here but finds works of another category
leads there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Category, Work
from .querysets import WorkQuerySet
from .text_search import CONTAINS

# How many close matches the page names.
CLOSE_NAMED = 3


@dataclass(frozen=True)
class OtherCategory:
    category: Category
    nb_works: int  # how many of its works the query finds there
    close_only: bool  # whether they only come close (no title holds the query)


@dataclass(frozen=True)
class SearchOutcome:
    # Some title of a work found holds the query; False when every work found only comes close.
    has_match: bool
    # When ``has_match`` is False: the closest works found, best first (at most CLOSE_NAMED).
    close: list[Work] = field(default_factory=list)
    # When nothing here holds the query: the other categories where the query finds works.
    elsewhere: list[OtherCategory] = field(default_factory=list)


def holds_query(works: WorkQuerySet) -> WorkQuerySet:
    """Those of ``works`` (a ``search``) that have a title holding the query, not only close to it."""
    return works.filter(search_rank__gte=CONTAINS)


def search_outcome(
    *, found: WorkQuerySet, nb_found: int, query: str, category: Category, categories: list[Category], user
) -> SearchOutcome:
    """How the search ``query`` in ``category`` went: ``found`` is the page's searched works
    (filters applied), ``nb_found`` how many there are.

    One query when something here holds the query; else one more for the close works named,
    and per other category one or two (more on SQLite, whose typo tolerance reads candidate
    titles first).
    """
    if nb_found and holds_query(found).exists():
        return SearchOutcome(has_match=True)
    close = list(found.order_by("-search_rank", "-nb_ratings", "pk")[:CLOSE_NAMED]) if nb_found else []
    elsewhere = []
    for other in categories:
        if other.pk == category.pk:
            continue
        searched = Work.objects.filter(category=other).safe_for(user).search(query)
        matching = holds_query(searched).count()
        if matching:
            elsewhere.append(OtherCategory(other, matching, close_only=False))
        elif not nb_found and (nb_close := searched.count()):
            elsewhere.append(OtherCategory(other, nb_close, close_only=True))
    return SearchOutcome(has_match=False, close=close, elsewhere=elsewhere)
