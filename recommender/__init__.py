"""Rating models for the site: Baseline, ALS, per-user LASSO over tags, and their BALSE blend.

Plain numpy/scipy/numba: arrays in, arrays out; no Django, no settings, no database.
Every model is fitted on X = (user_id, item_id) rows and ratings y, predicts finite values for
any ids, folds in a user's current ratings without refitting, and saves to a pickle-free `.npz`.
"""

from recommender.als import ALS
from recommender.balse import BALSE
from recommender.baseline import Baseline
from recommender.lasso import LASSO

__all__ = ["ALS", "BALSE", "LASSO", "Baseline"]
