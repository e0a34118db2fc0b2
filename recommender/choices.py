"""The rating value of each Mangaki choice: the one place where these numbers are written.

They are the scale every model learns on, the values `recommender.datasets.load_anime` gives
the choices of the shipped ratings files, and the values the web application stores and serves
(``mangaki.choices.RATING_VALUES`` is built from this dict: the site imports the library, never
the reverse). Plain Python, so that importing it costs nothing.
"""

from __future__ import annotations

CHOICE_VALUES: dict[str, float] = {
    "favorite": 4.0,
    "like": 2.0,
    "neutral": 0.1,
    "willsee": 0.5,
    "wontsee": -0.5,
    "dislike": -2.0,
}
