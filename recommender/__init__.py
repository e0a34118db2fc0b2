"""Models for the site: the EASE ranker that makes the lists, and the rating models (Baseline,
ALS, per-user LASSO over tags, their BALSE blend) that predict ratings and explain them.

Plain numpy/scipy/numba: arrays in, arrays out; no Django, no settings, no database.
Every model is fitted on X = (user_id, item_id) rows and values y, folds in a person's current
ratings without refitting (`recommend`, `explain`: see `recommender.base`), and saves to a
pickle-free `.npz`. `recommender.list_evaluation` measures the lists, `recommender.evaluation`
the predicted ratings; `python -m recommender` evaluates a model from the command line.

The models are imported on first use (``from recommender import EASE`` works as usual), so that
a light module such as `recommender.choices` can be imported without numba and scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recommender.als import ALS
    from recommender.balse import BALSE
    from recommender.baseline import Baseline
    from recommender.ease import EASE
    from recommender.lasso import LASSO
    from recommender.popularity import MostRated
    from recommender.unrated import SideRanker

_MODULE_OF = {
    "ALS": "recommender.als",
    "BALSE": "recommender.balse",
    "Baseline": "recommender.baseline",
    "EASE": "recommender.ease",
    "LASSO": "recommender.lasso",
    "MostRated": "recommender.popularity",
    "SideRanker": "recommender.unrated",
}

__all__ = ["ALS", "BALSE", "EASE", "LASSO", "Baseline", "MostRated", "SideRanker"]


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'recommender' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
