"""Search text: the one normalisation of titles and queries, and the index that serves it.

Every title is stored a second time, normalised by :func:`normalize` (``Work.search_text``,
``WorkTitle.search_text``), when it is written: by the models' ``save()``, and by the bulk
writers (the anime loader, the MyAnimeList import) that bypass it. A query is normalised the
same way, so matching is plain comparison of two normalised strings, identical on PostgreSQL
and SQLite, and PostgreSQL's trigram index on the column (:class:`TrigramIndex`) serves it.

Normalising in Python rather than with PostgreSQL's ``unaccent`` keeps one definition for both
databases and covers full-width letters (``unaccent`` does not); ``unaccent`` is not IMMUTABLE
either, so it could not build an index or a stored column.
"""

from __future__ import annotations

import math
import re
import unicodedata
from difflib import SequenceMatcher

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Case, Expression, F, FloatField, Index, Q, Value, When
from django.db.models.functions import Floor

# Latin letters that Unicode does not decompose into a base letter and an accent.
_FOLD = str.maketrans(
    {"×": " x ", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ı": "i"}
)
# Apostrophes vanish ("JoJo's" -> "jojos"); other punctuation and symbols separate words.
_APOSTROPHES = str.maketrans({"'": None, "’": None, "‘": None, "ʼ": None, "`": None, "´": None})
_SPACES = re.compile(r"\s+")


def _is_diacritic(char: str) -> bool:
    # Only the Latin combining accents: Japanese voicing marks (the dakuten of が) are letters.
    return "\u0300" <= char <= "\u036f"


def _is_separator(char: str) -> bool:
    return unicodedata.category(char)[0] in "PSZC"


def normalize(text: str) -> str:
    """``text`` as search compares it: width-folded (NFKC), lower case, without accents, its
    punctuation turned into single spaces.

    "Steins;Gate" -> "steins gate", "Ｒｅ：ＺＥＲＯ" -> "re zero", "Pokémon" -> "pokemon",
    "進撃の巨人。" -> "進撃の巨人".
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD).translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", folded)
    bare = unicodedata.normalize("NFC", "".join(char for char in decomposed if not _is_diacritic(char)))
    kept: list[str] = []
    for char in bare:
        # A mark left on no letter (NFKC turns "゜" into a space and a combining mark) goes too.
        alone = unicodedata.combining(char) and (not kept or kept[-1] == " ")
        kept.append(" " if alone or _is_separator(char) else char)
    return _SPACES.sub(" ", "".join(kept)).strip()


class TrigramIndex(GinIndex):
    """A GIN trigram index (``gin_trgm_ops``, needs the ``pg_trgm`` extension) on PostgreSQL.

    It serves ``LIKE '%…%'`` and the trigram operators (``%>``). Without ``fastupdate`` every
    write goes straight into the index: GIN's pending list, which a bulk load fills until the
    next vacuum, made each search scan it (50 ms instead of 0.1 ms on the anime data).

    Other databases have no GIN: there it is a plain index of the same name, so migrations (and
    SQLite's table rebuilds) run everywhere.
    """

    def __init__(self, *, fields, name):
        super().__init__(fields=fields, name=name, opclasses=["gin_trgm_ops"] * len(fields), fastupdate=False)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs.pop("opclasses", None)
        kwargs.pop("fastupdate", None)
        return path, args, kwargs

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return Index(fields=self.fields, name=self.name).create_sql(model, schema_editor, **kwargs)


# --- Ranking a title against a query (both normalised). Higher is better: a title equal to
# the query, then one starting with it, one with a word starting with it, one containing it;
# below those, titles that only come close (a typo, a missing word) rank by how close, from
# MIN_CLOSENESS to 1. Works tied on rank come most rated first (WorkQuerySet.search).
EXACT, PREFIX, WORD_PREFIX, CONTAINS = 5.0, 4.0, 3.0, 2.0
# PostgreSQL's own threshold of word similarity (pg_trgm.word_similarity_threshold, default
# 0.6) decides which titles come close there; this is SQLite's, on difflib's ratio.
MIN_CLOSENESS = 0.75
# A longer query looks for close titles with its first words only, a shorter one not at all
# (``fuzzy_part``).
FUZZY_MAX_LENGTH = 32
FUZZY_MIN_LENGTH = 4
# Closeness is rounded to twentieths, so that near-equal matches are ranked by popularity.
CLOSENESS_STEPS = 20


def rank_expression(column: str, query: str, *, vendor: str) -> Expression:
    """The rank of ``column`` (a normalised title) against the normalised ``query``, in SQL.

    On PostgreSQL a title that contains none of the query ranks by trigram word similarity
    (how well the query's trigrams match the closest stretch of the title); elsewhere 0, and
    :func:`close_matches` finds typos in Python.
    """
    if vendor == "postgresql":
        similarity = TrigramWordSimilarity(Value(query), F(column))
        closeness = Floor(similarity * CLOSENESS_STEPS + 0.5) / CLOSENESS_STEPS
    else:
        closeness = Value(0.0)
    return Case(
        When(**{column: query}, then=Value(EXACT)),
        When(**{f"{column}__startswith": query}, then=Value(PREFIX)),
        When(**{f"{column}__contains": f" {query}"}, then=Value(WORD_PREFIX)),
        When(**{f"{column}__contains": query}, then=Value(CONTAINS)),
        default=closeness,
        output_field=FloatField(),
    )


def match_conditions(column: str, query: str, *, vendor: str) -> list[Q]:
    """The ways ``column`` may match ``query``: it contains it, or (PostgreSQL) comes close to it.

    Each is served by the column's trigram index on PostgreSQL (``LIKE``, ``%>``) and is meant
    for a query of its own: with both in one ``WHERE``, the planner, which takes word
    similarity for a cheap function, would rather compute it for every title (100 ms) than read
    the index (1 ms). For the same reason closeness is looked for with the query's first
    FUZZY_MAX_LENGTH characters only (the rank then uses the whole query).
    """
    contains = Q(**{f"{column}__contains": query})
    fuzzy = fuzzy_part(query)
    if vendor != "postgresql" or not fuzzy:
        return [contains]
    return [contains, Q(TrigramWordSimilar(F(column), Value(fuzzy)))]


def fuzzy_part(query: str) -> str:
    """What of ``query`` looks for close titles: its first words, up to FUZZY_MAX_LENGTH
    characters; nothing for a query of fewer than FUZZY_MIN_LENGTH letters and digits (a typo
    in "no 6" is anything with "no" in it)."""
    if len(query.replace(" ", "")) < FUZZY_MIN_LENGTH:
        return ""
    words = query.split()
    kept = words[:1]
    for word in words[1:]:
        if len(" ".join([*kept, word])) > FUZZY_MAX_LENGTH:
            break
        kept.append(word)
    return " ".join(kept)[:FUZZY_MAX_LENGTH]


def rank(title: str, query: str) -> float:
    """:func:`rank_expression` in Python, with difflib's closeness for titles that only come close.

    For SQLite's typo tolerance, and to tell which of a work's titles matched best.
    """
    if title == query:
        return EXACT
    if title.startswith(query):
        return PREFIX
    if f" {query}" in title:
        return WORD_PREFIX
    if query in title:
        return CONTAINS
    return closeness(title, query)


def closeness(title: str, query: str) -> float:
    """How close ``query`` comes to the closest run of words of ``title`` (difflib ratio, 0–1),
    rounded to CLOSENESS_STEPS."""
    words, size = title.split(), len(query.split())
    runs = {title} | {
        " ".join(words[start : start + length]) for length in (size, size + 1) for start in range(len(words))
    }
    best = max(SequenceMatcher(None, query, run, autojunk=False).ratio() for run in runs)
    return math.floor(best * CLOSENESS_STEPS + 0.5) / CLOSENESS_STEPS


def candidate_fragments(query: str, *, limit: int = 12) -> list[str]:
    """Three-letter pieces of the words of ``query`` (at most ``limit``, spread over the query).

    A title with a typo still contains most of them: SQLite's search counts them in each title
    to pick the few worth comparing with difflib (a trigram index by hand).
    """
    pieces = list(dict.fromkeys(word[i : i + 3] for word in query.split() for i in range(len(word) - 2)))
    if len(pieces) > limit:
        pieces = [pieces[round(i * (len(pieces) - 1) / (limit - 1))] for i in range(limit)]
    return pieces


def close_matches(rows, query: str, *, limit: int) -> dict[int, float]:
    """``{work id: closeness}`` of the ``limit`` closest works among ``rows`` of (work id, title)
    whose closeness reaches MIN_CLOSENESS."""
    best: dict[int, float] = {}
    for work_id, title in rows:
        score = closeness(title, query)
        if score >= MIN_CLOSENESS and score > best.get(work_id, 0.0):
            best[work_id] = score
    return dict(sorted(best.items(), key=lambda item: -item[1])[:limit])
