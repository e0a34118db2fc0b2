"""What an AniList ``Media`` object says, in the catalogue's terms (pure functions, no writes).

Missing or null values are left out rather than guessed: an answer that does not state a field
(a query that did not ask for it, a value AniList does not know) never erases what we have.
"""

from __future__ import annotations

import html
import re
from datetime import date
from html.parser import HTMLParser

from django.utils.text import slugify

from ..models import Work, WorkRelation, WorkTitle
from ..titles import clean_title

CATEGORY_OF_TYPE = {"ANIME": "anime", "MANGA": "manga"}
TYPE_OF_CATEGORY = {slug: kind for kind, slug in CATEGORY_OF_TYPE.items()}
# AniList's MediaFormat, as the catalogue names types (a TV short is a TV series, as on MyAnimeList).
WORK_TYPES = {
    "TV": "TV",
    "TV_SHORT": "TV",
    "MOVIE": "Movie",
    "SPECIAL": "Special",
    "OVA": "OVA",
    "ONA": "ONA",
    "MUSIC": "Music",
    "MANGA": "Manga",
    "NOVEL": "Novel",
    "ONE_SHOT": "One-shot",
}
STATUSES = {
    "FINISHED": Work.Status.FINISHED,
    "RELEASING": Work.Status.RELEASING,
    "NOT_YET_RELEASED": Work.Status.NOT_YET_RELEASED,
    "CANCELLED": Work.Status.CANCELLED,
    "HIATUS": Work.Status.HIATUS,
}
# SEQUEL -> Kind.SEQUEL, ...; "franchise" is the inference's, never AniList's.
RELATION_KINDS = {kind.name: kind for kind in WorkRelation.Kind if kind != WorkRelation.Kind.FRANCHISE}
# The language of the original title, by AniList's countryOfOrigin.
LANGUAGES = {"JP": "ja", "KR": "ko", "CN": "zh", "TW": "zh"}
# AniList tags (besides genres) kept: not spoilers, and ranked at least this relevant (0-100).
MIN_TAG_RANK = 60


class _PlainText(HTMLParser):
    """AniList's description HTML (``<br>``, ``<i>``, ``<b>``…) as plain text, entities unescaped."""

    BREAKS = {"br", "p", "div", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in {"p", "div"}:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(description: str) -> str:
    """Safe plain text of an AniList description: no markup, entities unescaped, tidy lines."""
    parser = _PlainText()
    parser.feed(description)
    parser.close()
    text = html.unescape("".join(parser.parts))  # entities inside markup-free text, e.g. &amp;amp;
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def full_date(fuzzy: dict | None) -> date | None:
    """A FuzzyDate as a date, only when AniList gives its year, month and day."""
    if not isinstance(fuzzy, dict) or not all(
        isinstance(fuzzy.get(part), int) for part in ("year", "month", "day")
    ):
        return None
    try:
        return date(fuzzy["year"], fuzzy["month"], fuzzy["day"])
    except ValueError:
        return None


# AniList's MediaSeason, as our seasons name them.
SEASONS = {"WINTER": "winter", "SPRING": "spring", "SUMMER": "summer", "FALL": "fall"}


def work_values(media: dict) -> dict:
    """The Work fields AniList's answer states (absent or null values are left out)."""
    values = {"anilist_id": media["id"]}
    if media.get("format") in WORK_TYPES:
        values["work_type"] = WORK_TYPES[media["format"]]
    for key, field in (("episodes", "nb_episodes"), ("chapters", "nb_chapters"), ("volumes", "nb_volumes")):
        if isinstance(media.get(key), int) and media[key] >= 0:
            values[field] = media[key]
    if media.get("status") in STATUSES:
        values["status"] = STATUSES[media["status"]]
    if isinstance(media.get("description"), str):
        values["synopsis"] = plain_text(media["description"])
    if isinstance(media.get("isAdult"), bool):
        values["nsfw"] = media["isAdult"]
    if isinstance(media.get("averageScore"), int) and 0 <= media["averageScore"] <= 100:
        values["anilist_score"] = media["averageScore"]
    if isinstance(media.get("popularity"), int) and media["popularity"] >= 0:
        values["anilist_popularity"] = media["popularity"]
    if (
        media.get("season") in SEASONS
        and isinstance(media.get("seasonYear"), int)
        and media["seasonYear"] > 0
    ):
        values["upstream_season"] = SEASONS[media["season"]]
        values["upstream_season_year"] = media["seasonYear"]
    for key, field in (("startDate", "aired_from"), ("endDate", "aired_to")):
        day = full_date(media.get(key))
        if day is not None:
            values[field] = day
    return values


def media_titles(media: dict) -> list[tuple[str, str, str]]:
    """(kind, language, title) of the romaji, English and native titles AniList gives."""
    title = media.get("title") if isinstance(media.get("title"), dict) else {}
    original = LANGUAGES.get(media.get("countryOfOrigin"), "ja")
    rows = []
    for key, kind, language in (
        ("romaji", WorkTitle.Kind.ROMAJI, f"{original}-Latn"),
        ("english", WorkTitle.Kind.TRANSLATION, "en"),
        ("native", WorkTitle.Kind.ORIGINAL, original),
    ):
        value = clean_title(title.get(key)) if isinstance(title.get(key), str) else ""
        if value:  # a title of format characters only is no title
            rows.append((kind, language, value[:255]))
    return rows


def media_tags(media: dict) -> dict[str, tuple[str, float]]:
    """slug -> (name, weight): genres at 1.0, relevant non-spoiler tags at their rank / 100."""
    wanted: dict[str, tuple[str, float]] = {}
    for tag in media.get("tags") or []:
        if not isinstance(tag, dict) or tag.get("isGeneralSpoiler") or tag.get("isMediaSpoiler"):
            continue
        name, rank = tag.get("name"), tag.get("rank")
        if isinstance(name, str) and isinstance(rank, int) and rank >= MIN_TAG_RANK and slugify(name):
            wanted[slugify(name)[:64]] = (name[:64], rank / 100)
    for genre in media.get("genres") or []:
        if isinstance(genre, str) and slugify(genre):
            wanted[slugify(genre)[:64]] = (genre[:64], 1.0)  # a genre wins over a tag of the same name
    return wanted


def cover_url(media: dict) -> str:
    cover = media.get("coverImage") if isinstance(media.get("coverImage"), dict) else {}
    for key in ("large", "extraLarge"):
        if isinstance(cover.get(key), str) and cover[key]:
            return cover[key][:500]
    return ""


def category_slug(media: dict, asked_type: str | None = None) -> str | None:
    """The category of an answer: its ``type``, else the type the query asked for."""
    return CATEGORY_OF_TYPE.get(media.get("type") or asked_type)
