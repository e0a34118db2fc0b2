"""A work's titles and links as its page and the API show them (from ``work.titles`` and ``work.links``).

Both read the prefetched rows (``WORK_DETAIL_PREFETCH``: one query each, whatever their number)
and never query on their own. Titles, air dates and links come from bangumi-data (CC BY 4.0): a
page showing them credits it (``has_bangumi_data``; ``templates/mangaki/_bangumi_credit.html``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.db.models import Prefetch
from django.utils.translation import get_language_info

from .mal import MYANIMELIST
from .models import Work, WorkLink, WorkTitle
from .titles import proper_form

# What ``work_titles`` and ``work_links`` read: ``Work.objects.prefetch_related(*WORK_DETAIL_PREFETCH)``.
# Ordered by their own columns: the models' default ordering starts with ``work``, which would
# join the works to order by title.
WORK_DETAIL_PREFETCH = (
    Prefetch("titles", queryset=WorkTitle.objects.order_by("kind", "language", "pk")),
    Prefetch("links", queryset=WorkLink.objects.order_by("kind", "name", "pk")),
)

# Where MyAnimeList shows a work, by our category slug (they are the same words).
MYANIMELIST_CATEGORIES = {"anime", "manga"}
WEB_SCHEMES = {"http", "https"}


@dataclass(frozen=True)
class Title:
    title: str
    language: str  # a BCP 47 tag for the ``lang`` attribute: ja, en, zh-Hans…
    language_name: str  # for people: Japanese, English, Simplified Chinese…


@dataclass(frozen=True)
class Link:
    name: str  # as shown: MyAnimeList, Netflix, U-NEXT (JP)…
    kind: str  # WorkLink.Kind: info, official or streaming
    url: str

    @property
    def host(self) -> str:
        """``"kiminona.com"``: what names an official site's link."""
        host = urlsplit(self.url).hostname or self.url
        return host.removeprefix("www.")


def language_name(code: str) -> str:
    """``"Japanese"`` for ``"ja"``, ``"Simplified Chinese"`` for ``"zh-Hans"``; the code itself if unknown."""
    try:
        return get_language_info(code.lower())["name"]
    except KeyError:
        return code


def shown_title(work: Work) -> str:
    """The work's title as its page shows it: ``work.title`` in the proper form its titles have
    (``titles.proper_form``: "Attack on Titan" rather than a stored "attack on titan")."""
    return proper_form(
        work.title, [row.title for row in work.titles.all() if row.kind != WorkTitle.Kind.READING]
    )


def work_titles(work: Work) -> tuple[Title | None, list[Title]]:
    """``(original title, other titles)``: English titles first, then the other languages in order.

    A title equal to the one the site shows is left out, as is the original among the others, and
    automatic readings (``WorkTitle.Kind.READING``) are never shown.
    Titles are shown as the sources give them, capitals included: 21 of bangumi-data's 944
    English titles are all lower case, but some of those are the official styling ("tamayura
    hitotose") and some are not English ("il sole penetra le illusioni"), so a title-caser would
    get them wrong; only where another title of the work spells the same words with capitals is
    that one shown instead (``titles.proper_form``), once.
    """
    # An automatic reading is for search only: never shown as one of the work's titles.
    rows = [row for row in work.titles.all() if row.kind != WorkTitle.Kind.READING]
    spellings = [work.title, *(row.title for row in rows)]

    def proper(row: WorkTitle) -> Title:
        return Title(proper_form(row.title, spellings), row.language, language_name(row.language))

    original = next((row for row in rows if row.kind == WorkTitle.Kind.ORIGINAL), None)
    title = proper_form(work.title, spellings)
    original_title = proper(original) if original is not None else None
    if original_title is not None and original_title.title == title:
        original_title = None
    shown = {title, original_title.title if original_title is not None else None}
    others, seen = [], set()
    for row in sorted(
        (row for row in rows if row.kind != WorkTitle.Kind.ORIGINAL),
        key=lambda row: (row.language != "en", row.language, row.pk or 0),
    ):
        other = proper(row)
        if other.title in shown or (other.language, other.title) in seen:
            continue
        seen.add((other.language, other.title))
        others.append(other)
    return original_title, others


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL: the only links a page or answer may carry."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def myanimelist_url(work: Work) -> str | None:
    """The work's MyAnimeList page, from its external id; None for works from elsewhere."""
    if work.external_source != MYANIMELIST or not work.external_id:
        return None
    category = work.category.slug
    if category not in MYANIMELIST_CATEGORIES:
        return None
    return f"https://myanimelist.net/{category}/{quote(work.external_id, safe='')}"


def work_links(work: Work) -> list[Link]:
    """Its http(s) links by kind (about it, official site, where to watch), then by name.

    A work with a MyAnimeList id always has its MyAnimeList link, bangumi-data or not
    (an imported manga, say).
    """
    links = [
        Link(row.name, row.kind, row.url)
        for row in work.links.all()
        if is_web_url(row.url) and row.kind in WorkLink.Kind.values
    ]
    mal = myanimelist_url(work)
    if mal is not None:  # ours, from the id the site knows the work by, replaces bangumi-data's
        links = [link for link in links if not _is_myanimelist(link)]
        links.append(Link("MyAnimeList", WorkLink.Kind.INFO, mal))
    kinds = list(WorkLink.Kind.values)
    return sorted(links, key=lambda link: (kinds.index(link.kind), link.name.casefold()))


def _is_myanimelist(link: Link) -> bool:
    host = urlsplit(link.url).hostname or ""
    return host == "myanimelist.net" or host.endswith(".myanimelist.net")


def links_by_kind(links: list[Link]) -> list[dict]:
    """The work page's link sections: ``{"kind", "label", "links"}`` for each kind it has, in order."""
    return [
        {"kind": kind, "label": label, "links": [link for link in links if link.kind == kind]}
        for kind, label in WorkLink.Kind.choices
        if any(link.kind == kind for link in links)
    ]


def has_bangumi_data(work: Work) -> bool:
    """Whether the page shows anything from bangumi-data (so must credit it)."""
    return bool(work.aired_from or work.aired_to or work.titles.all() or work.links.all())
