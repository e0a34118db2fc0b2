"""Franchises inferred from a catalogue with no relations: titles, official sites, air dates.

Where the upstream gives no relations (the shipped anime data has none; the catalogue sync
brings AniList's), two works are taken for one franchise when

- a title of one, its season, part, film or OVA markers removed ("2nd Season", "Movie",
  "第2期", "劇場版"…), is a title of the other or the other's title before its subtitle
  ("Gintama°" and "Gintama: The Movie", "夏目友人帳 陸" and "夏目友人帳"), in any language the
  catalogue gives (original, romaji, English, Chinese; machine readings are left out); or
- they give the same official site, down to the page of the series ("kiminona.com",
  "tv-tokyo.co.jp/anime/gintama"), and their titles share a piece (two kanji, or four other
  characters: "化物語" and "偽物語"), so that a catalogue's wrong link joins nothing; a site
  shared by the works of more than ``MAX_SITE_GROUPS`` distinct titles (a studio's or a
  broadcaster's pages) joins nothing either.

Works joined so, read transitively, form a franchise; a title key that would join more than
``MAX_KEY_WORKS`` works is too generic and joins nothing. The first part is the first series
aired, else the first ONA or film, OVA, special (``first_part_key``: type, air date, id).

This is an inference with a measured error, never presented as the upstream's fact: the
relations it writes are of the kind "franchise" (same franchise), checked against a
hand-labelled sample of 250 pairs (tests/recommender/data/franchise_pairs.csv; precision 0.96
and recall 0.75, asserted by tests/recommender/test_franchises.py).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

# Title kinds read: machine readings ("reading") are guesses themselves and are left out.
TITLE_KINDS = ("main", "original", "translation", "romaji")
# A key shared by more works than this is not one franchise's (a generic word).
MAX_KEY_WORKS = 80
# Where to start a franchise: its first series, else its first film… (then by air date).
FIRST_PART_TYPES = {"TV": 0, "ONA": 1, "Movie": 1, "OVA": 2, "Special": 3, "Music": 4}
# A site shared by works of more distinct titles than this is a studio's or broadcaster's.
MAX_SITE_GROUPS = 6
MIN_LATIN_KEY = 3  # characters of a key in Latin letters and digits
MIN_CJK_KEY = 2  # characters of a key with a Chinese or Japanese character

_NUMBER = r"(?:\d+|i{1,3}|iv|vi{0,3}|ix|x|[一二三四五六七八九十]+|[壱弐参肆伍陸漆捌玖拾])"
# Markers of a part, removed from the end of a title (repeatedly; case folded first), and
# from its start (_LEADING). Removed wherever they stand: a bracketed tail ("(TV)", "(2011)",
# "(第2期)"), trailing punctuation ("Gintama°", "Gintama'", "K-On!!").
_LOOSE = [
    r"\((?:[^()]*)\)",
    r"\[(?:[^\[\]]*)\]",
    r"(?<=\w)[^\w]+",
]
# Removed after a space or a separator: "Season 2", "2nd", "Movie", "R", "第2期"…
_TRAILING = [
    rf"(?:the\s+)?(?:final\s+)?(?:season|series|part|cour|stage|phase|chapter|act|arc)\s*{_NUMBER}",
    r"(?:the\s+)?final\s+(?:season|series|part|chapter|stage)",
    r"\d+(?:st|nd|rd|th)(?:\s+(?:season|series|stage|part|cour))?",
    r"(?:second|third|fourth|fifth|sixth|final|last)\s+(?:season|series|stage|part|cour)",
    r"(?:s|season|ep|vol)\.?\s*\d+",
    # One letter or a word that marks a new part: "Dragon Ball Z", "Toumei Ningen R", "Kai".
    r"[a-z]|r\d|kai|ex|gt|next|neo|plus|returns|again|zwei|alternative|ω",
    rf"{_NUMBER}",
    r"(?:the\s+)?(?:movie|movies|film|films|gekijouban|ova|oad|ona|oav|specials?|recap|tv|"
    r"the\s+animation|picture\s+drama|music\s+video|pv|cm|shorts?|mini|episode\s+0|prologue|"
    r"epilogue|kanketsu-?hen|soushuuhen|tokubetsu-?hen|sp|bd|dvd|web|animation|anime)",
    _CJK_PART := rf"第?{_NUMBER}\s*(?:期|季|部|章|弾|話|シリーズ|クール|シーズン|作)",
    _CJK_FORM
    := r"(?:劇場版|剧场版|映画|電影|电影|特別編|特别篇|特別篇|総集編|总集篇|完結編|前編|後編|前篇|后篇|"
    r"续集|續集|新作|短片|特典|番外編|番外篇|ミニ|アニメ|动画|動畫|シーズン\s*\d+)",
]
_LEADING = [
    r"(?:劇場版|剧场版|映画|电影|電影|続|續|续)\s*",
    r"(?:gekijouban|zoku|shin|(?:the\s+)?movie)(?:\s*:\s*|\s+)",
]
_TRAILING_RE = re.compile(
    r"(?:(?:^|[\s:\-_~・･])(?:" + "|".join(_TRAILING) + r")|" + "|".join(_LOOSE) + r")\s*$"
)
# Markers glued to Japanese or Chinese text: "夏目友人帳第2期", "進撃の巨人2", "劇場版".
_TRAILING_TIGHT_RE = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u9fff])(?:" + "|".join([r"\d+", _CJK_PART, _CJK_FORM]) + r")\s*$"
)
_LEADING_RE = re.compile(r"^(?:" + "|".join(_LEADING) + r")")
# A subtitle starts at one of these: "Gintama: The Movie", "ARIA The ORIGINATION" does not.
_SUBTITLE = re.compile(r"\s*(?::\s|：|\s-\s|\s–\s|\s—\s|～|〜|~|「|『|\s/\s)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_KEY = re.compile(r"[\W_]+")

# Official-site hosts so general (sharing services, social networks) that no path under
# them is a series' own site.
_SHARED_HOSTS = {"youtube.com", "twitter.com", "x.com", "facebook.com", "instagram.com", "t.co"}
# Path segments that name no series ("tv-tokyo.co.jp/anime/gintama": "anime" is not the series).
_GENERIC_SEGMENTS = {
    "anime", "tv", "program", "programs", "lineup", "works", "title", "titles", "series", "sp",
    "special", "movie", "movies", "film", "index.html", "index.php", "index.htm", "top", "www",
    "contents", "site", "official", "drama", "kids", "animation", "ja", "jp", "en", "html",
    "archive", "archives", "product", "products", "history", "library", "catalog", "news",
}  # fmt: skip


@dataclass
class CatalogueWork:
    """What the inference reads of one work; ``key`` is any hashable id the caller uses."""

    key: Hashable
    titles: list[str]
    start: date | None = None
    official_sites: list[str] = field(default_factory=list)
    type: str = ""  # TV, Movie, OVA, ONA, Special, Music (MyAnimeList's types)
    order: int = 0  # the tie-breaker for the first part when air dates say nothing


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _strip_markers(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_RE.sub("", text).strip()
        stripped = _TRAILING_RE.sub("", text).strip()
        if stripped == text and _CJK.search(text):
            stripped = _TRAILING_TIGHT_RE.sub("", text).strip()
        text = stripped
    return text


def _key(text: str) -> str | None:
    key = _NON_KEY.sub("", text)
    if _CJK.search(key):
        return key if len(key) >= MIN_CJK_KEY else None
    return key if len(key) >= MIN_LATIN_KEY and not key.isdigit() else None


def title_keys(title: str) -> tuple[set[str], set[str]]:
    """(keys of the whole title, keys of the title before its subtitle), markers removed."""
    folded = _fold(title)
    whole = {_key(_strip_markers(folded))}
    head = {_key(_strip_markers(part)) for part in [_SUBTITLE.split(folded, maxsplit=1)[0]]}
    return {key for key in whole if key}, {key for key in head if key} - whole


def site_key(url: str) -> str | None:
    """An official site's host and the first path segment that names a series, if any."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    if not host or host in _SHARED_HOSTS:
        return None
    segments = [segment for segment in parts.path.lower().split("/") if segment]
    specific = [segment for segment in segments if segment not in _GENERIC_SEGMENTS and "." not in segment]
    return f"{host}/{specific[0]}" if specific else host


def _share_a_piece(left: list[str], right: list[str]) -> bool:
    """Whether a title of each shares a run of characters: 2 with a kanji, else 4 (kana too)."""
    for a in left:
        a = _NON_KEY.sub("", _fold(a))
        for b in right:
            b = _NON_KEY.sub("", _fold(b))
            match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match()
            piece = a[match.a : match.a + match.size]
            if _KANJI.search(piece) and len(piece) >= 2 or len(piece) >= 4:
                return True
    return False


class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, node: int) -> int:
        root = node
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def infer_franchises(works: Iterable[CatalogueWork]) -> list[list[Hashable]]:
    """The franchises of ``works``: lists of two works or more, the first part first.

    The first part is where a person starts: the first series aired (else the first ONA or
    film, OVA, special), then the others by type and air date.
    """
    works = list(works)
    by_key: dict[str, set[int]] = defaultdict(set)  # a whole title's key -> works
    heads: dict[str, set[int]] = defaultdict(set)  # a title's head key -> works
    by_site: dict[str, set[int]] = defaultdict(set)
    for index, work in enumerate(works):
        for title in work.titles:
            whole, head = title_keys(title)
            for key in whole:
                by_key[key].add(index)
            for key in head:
                heads[key].add(index)
        for url in work.official_sites:
            key = site_key(url)
            if key:
                by_site[key].add(index)

    groups = _UnionFind()
    for key, members in by_key.items():
        joined = members | heads.get(key, set())
        if 1 < len(joined) <= MAX_KEY_WORKS:
            first, *rest = sorted(joined)
            for other in rest:
                groups.union(first, other)
    title_groups = {index: groups.find(index) for index in range(len(works))}
    for members in by_site.values():
        if not 1 < len(members) <= MAX_KEY_WORKS:
            continue
        # A site joins title groups that share a piece of title ("化物語" and "偽物語" share
        # "物語"): a site given by mistake (a catalogue's wrong link) joins nothing.
        first_of = {}
        for index in sorted(members):
            first_of.setdefault(title_groups[index], index)
        if len(first_of) > MAX_SITE_GROUPS:  # a studio's or a broadcaster's pages
            continue
        for a, b in pairwise(sorted(first_of.values())):
            if _share_a_piece(works[a].titles, works[b].titles):
                groups.union(a, b)

    components: dict[int, list[int]] = defaultdict(list)
    for index in range(len(works)):
        components[groups.find(index)].append(index)
    return [
        [works[i].key for i in sorted(members, key=lambda i: (first_part_key(works[i]), i))]
        for members in components.values()
        if len(members) > 1
    ]


def first_part_key(work: CatalogueWork) -> tuple:
    """Where a person starts a franchise: the smallest key is its first part (see above)."""
    return (FIRST_PART_TYPES.get(work.type, len(FIRST_PART_TYPES)), work.start or date.max, work.order)


# --- The dataset folder (fixtures/anime's format) -------------------------------------------------

# A work is named by the first of these columns filled, as in works.csv; a relation names the
# related work by the same columns with the prefix "related_".
ID_COLUMNS = ("mal_id", "anilist_id", "anidb_id", "bangumi_id")
RELATION_COLUMNS = (*ID_COLUMNS, "kind", *(f"related_{column}" for column in ID_COLUMNS))
INFERRED_KIND = "franchise"  # the relation kind this inference writes: "same franchise"
# Relation kinds that do not make two works one franchise (AniList's "character", "other").
NOT_JOINING = ("character", "other")
FolderKey = tuple[str, str]  # (id column, id): ("mal_id", "5114")


def folder_key(row: dict[str, str], prefix: str = "") -> FolderKey | None:
    for column in ID_COLUMNS:
        value = (row.get(prefix + column) or "").strip()
        if value:
            return column, value
    return None


def _csv_rows(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _optional(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (directory / name).exists():
            return directory / name
    return None


def catalogue_of_folder(directory: Path) -> list[CatalogueWork]:
    """The works of a dataset folder as the inference reads them (rows without an id skipped:
    ``manage.py load_anime`` reports those)."""
    directory = Path(directory)
    works: dict[FolderKey, CatalogueWork] = {}
    works_path = _optional(directory, "works")
    if works_path is None:
        return []
    for row in _csv_rows(works_path):
        key = folder_key(row)
        if key is not None:
            order = int(key[1]) if key[0] == "mal_id" and key[1].isdigit() else 2**31
            works[key] = CatalogueWork(key, [row.get("title") or ""], type=row.get("type") or "", order=order)
    if path := _optional(directory, "titles"):
        for row in _csv_rows(path):
            work = works.get(folder_key(row))
            if work is not None and row.get("kind") in TITLE_KINDS and row.get("title"):
                work.titles.append(row["title"])
    if path := _optional(directory, "airing"):
        for row in _csv_rows(path):
            work = works.get(folder_key(row))
            try:
                start = date.fromisoformat(row.get("start") or "")
            except ValueError:
                continue
            if work is not None:
                work.start = start
    if path := _optional(directory, "links"):
        for row in _csv_rows(path):
            work = works.get(folder_key(row))
            if work is not None and row.get("kind") == "official" and row.get("url"):
                work.official_sites.append(row["url"])
    return list(works.values())


def relation_rows(franchises: list[list[FolderKey]]) -> list[dict[str, str]]:
    """Each franchise as relations of the kind "franchise" between its first part and each other
    part, both ways (as the relations table holds them: each side's rows read from that side)."""
    rows = []
    for first, *others in franchises:
        for other in others:
            for work, related in ((first, other), (other, first)):
                row = dict.fromkeys(RELATION_COLUMNS, "")
                row[work[0]] = work[1]
                row[f"related_{related[0]}"] = related[1]
                row["kind"] = INFERRED_KIND
                rows.append(row)
    return rows


def write_relations(directory: Path) -> tuple[Path, int, int]:
    """Infer the folder's franchises and write them to its relations.csv.gz (replacing it).

    Returns (path, franchises, relations). Written to a temporary file first, then moved.
    """
    directory = Path(directory)
    franchises = infer_franchises(catalogue_of_folder(directory))
    rows = relation_rows(franchises)
    path = directory / "relations.csv.gz"
    partial = path.with_suffix(".partial")
    # mtime=0: the same relations give the same bytes (a rebuilt fixture shows no change).
    with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="")
        writer = csv.DictWriter(text, fieldnames=RELATION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text.flush()
        text.detach()
    partial.replace(path)
    return path, len(franchises), len(rows)


def franchises_of_folder(directory: Path) -> list[list[FolderKey]]:
    """The folder's franchises, each first part first: from its relations.csv(.gz) when it has
    one (every kind but "character" and "other" joins), else inferred from its titles, sites
    and air dates."""
    directory = Path(directory)
    path = _optional(directory, "relations")
    catalogue = catalogue_of_folder(directory)
    if path is None:
        return infer_franchises(catalogue)
    numbers: dict[FolderKey, int] = {}
    groups = _UnionFind()
    for row in _csv_rows(path):
        work, related = folder_key(row), folder_key(row, "related_")
        if work is None or related is None or row.get("kind") in NOT_JOINING:
            continue
        groups.union(numbers.setdefault(work, len(numbers)), numbers.setdefault(related, len(numbers)))
    members: dict[int, list[FolderKey]] = defaultdict(list)
    for key, number in numbers.items():
        members[groups.find(number)].append(key)
    known = {work.key: first_part_key(work) for work in catalogue}
    unknown = (len(FIRST_PART_TYPES) + 1, date.max, 2**31)
    return [
        sorted(keys, key=lambda key: (known.get(key, unknown), key))
        for keys in members.values()
        if len(keys) > 1
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m recommender.franchises",
        description="Infer a dataset folder's franchises and write its relations.csv.gz.",
    )
    parser.add_argument("folder", type=Path, help="a folder in fixtures/anime's format")
    folder = parser.parse_args(argv).folder
    if not (folder / "works.csv.gz").exists() and not (folder / "works.csv").exists():
        parser.error(f"{folder}: no works.csv.gz or works.csv")
    path, franchises, relations = write_relations(folder)
    print(f"{path}: {franchises} franchises, {relations} relations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
