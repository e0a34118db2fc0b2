"""Models for the site: the EASE ranker that makes the lists, and the rating models (Baseline,
ALS, per-user LASSO over tags, their BALSE blend) that predict ratings and explain them.

Plain numpy/scipy/numba: arrays in, arrays out; no Django, no settings, no database.
Every model is fitted on X = (user_id, item_id) rows and values y, folds in a person's current
ratings without refitting (`recommend`, `explain`: see `recommender.base`), and saves to a
pickle-free `.npz`. `recommender.list_evaluation` measures the lists, `recommender.evaluation`
the predicted ratings.
"""

from recommender.als import ALS
from recommender.balse import BALSE
from recommender.baseline import Baseline
from recommender.ease import EASE
from recommender.lasso import LASSO
from recommender.popularity import MostRated

__all__ = ["ALS", "BALSE", "EASE", "LASSO", "Baseline", "MostRated"]
