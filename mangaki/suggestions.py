"""Search suggestions (the header's search-as-you-type): a selector over ``Work.objects.search``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .models import Work, WorkTitle
from .text_search import CONTAINS, normalize, rank
from .titles import proper_form

SUGGESTION_LIMIT = 8
# Fewer normalised characters than this suggest nothing (one letter matches half the catalogue);
# two are enough for a Japanese title (銀魂).
MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class Suggestion:
    work: Work
    # The work's title as shown (``titles.proper_form`` of ``work.title``).
    title: str
    # The title that matched the query, when it is another one than the title the site shows
    # ("Attack on Titan" for Shingeki no Kyojin), in its proper form; None otherwise.
    other_title: str | None
    # No title of the work holds the query: it only comes close (a typo, another word).
    close: bool = False


def work_suggestions(*, query: str, user, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    """The ``limit`` works that best match ``query`` (``Work.objects.search``), NSFW ones only
    for ``user`` if their profile allows them, each with the other title that matched.

    Two queries on PostgreSQL (the works, their other titles), four on SQLite (its typo
    tolerance reads candidate titles first).
    """
    text = normalize(query)
    if len(text) < MIN_QUERY_LENGTH:
        return []
    works = list(Work.objects.safe_for(user).search(query).select_related("category")[:limit])
    titles: dict[int, list[WorkTitle]] = defaultdict(list)
    for title in WorkTitle.objects.filter(work__in=works).order_by("work", "kind", "language", "pk"):
        titles[title.work_id].append(title)
    return [_suggestion(work, titles[work.pk], text) for work in works]


def _suggestion(work: Work, titles: list[WorkTitle], text: str) -> Suggestion:
    spellings = [work.title, *(title.title for title in titles if title.kind != WorkTitle.Kind.READING)]
    shown = proper_form(work.title, spellings)
    other = _other_title(work, titles, text)
    if other is not None:
        other = proper_form(other, spellings)
        if other == shown:
            other = None
    return Suggestion(work, shown, other, close=work.search_rank < CONTAINS)


def _other_title(work: Work, titles: list[WorkTitle], text: str) -> str | None:
    """The best matching of ``titles`` if it matches better than the work's own title.

    An automatic reading is never shown: a work found by one is shown by its own title.
    """
    titles = [title for title in titles if title.kind != WorkTitle.Kind.READING]
    if not titles:
        return None
    best = max(titles, key=lambda title: rank(title.search_text, text))  # first of equals: original
    if best.search_text == work.search_text or rank(best.search_text, text) <= rank(work.search_text, text):
        return None
    return best.title
