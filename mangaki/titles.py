"""How a stored title is shown: in the proper form the data has, never one we made up."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def clean_title(title: str | None) -> str:
    """``title`` as the site stores it: without Unicode format characters, spaces collapsed.

    Format characters (general category Cf) draw nothing themselves but change what is around
    them: a right-to-left override (U+202E) shows "evil.exe" as "exe.live", zero-width spaces
    and joiners (U+200B-U+200D, U+2060, U+FEFF) make two titles that look the same differ, and
    hide words from search. Every way a title enters (the MyAnimeList reader, the dataset
    loader, the catalogue sync, the admin) passes it through here; "" (a title made only of
    them) is a missing title.
    """
    if not title:
        return ""
    kept = "".join(char for char in title if unicodedata.category(char) != "Cf")
    return " ".join(kept.split())


def is_all_lower_case(title: str) -> bool:
    """Whether ``title`` has letters with a case and all of them are small ("attack on titan");
    a Japanese title has no case, so is not."""
    return title == title.lower() and title != title.upper()


def proper_form(title: str, others: Iterable[str]) -> str:
    """``title`` as pages show it.

    A title stored all in lower case ("attack on titan", as some of bangumi-data's translations
    are) is shown as another title of the same work that equals it but for case ("Attack on
    Titan"), the first with small letters too (not "ATTACK ON TITAN") if there is one, else the
    first; with no such title it is shown as stored: a title-caser would get "tamayura
    hitotose" (the official styling) or an Italian title wrong.
    """
    if not is_all_lower_case(title):
        return title
    folded = title.casefold()
    twins = [other for other in others if other != title and other.casefold() == folded]
    if not twins:
        return title
    return next((twin for twin in twins if twin != twin.upper()), twins[0])
