"""The algorithms the site trains and serves, in one table.

``TrainedModel.Algorithm`` (the registry's column) names them; ``SPECS`` says what each one is:
its class in ``recommender`` (which also says what the model can do: ``predicts_ratings``,
``uses_tags``), the fewest ratings for which its list is better than the most-rated list, and
the name people see. Listed best lists first: with no algorithm asked for, the first one
trained serves (``SERVING_ORDER``), and ``DEFAULT`` is the one the pages offer first.
"""

from __future__ import annotations

from dataclasses import dataclass

import recommender
from recommender.base import RatingModel

from ..models import TrainedModel

Algorithm = TrainedModel.Algorithm


@dataclass(frozen=True)
class AlgorithmSpec:
    model: str  # the name of its class in ``recommender`` (imported on use: numba compiles on import)
    # Fewest ratings that get a personal list from this algorithm rather than the most-rated
    # list. EASE's popularity prior makes its list for one rating better than the most-rated
    # list (NDCG@10 0.455 against 0.433 for newcomers on the anime data); the rating models
    # need a few ratings before their list means anything.
    min_ratings: int
    people_label: str  # what it does for a person, not its model name
    # Offered as a list of its own (the page's menu, the API's ``algorithm``); SideRanker is
    # not: it ranks the works the others cannot (nobody rated them yet). An offered list stays
    # in the menu only while its active version's list beat the most-rated list when measured
    # (``serving.active_models_and_lists``).
    offered: bool = True
    # The ranker whose list a rating model orders (``recommender.reranking``): ranked by
    # predicted rating alone, the rating models list works nobody picks (NDCG@10 below the
    # most-rated list's); ordering EASE's list window by window, they beat it. Measured so too.
    # Without an active EASE (none trained yet), they list in their own order.
    lists_from: Algorithm | None = None

    @property
    def model_class(self) -> type[RatingModel]:
        return getattr(recommender, self.model)

    @property
    def predicts_ratings(self) -> bool:
        return self.model_class.predicts_ratings

    @property
    def uses_tags(self) -> bool:
        return self.model_class.uses_tags

    @property
    def uses_side_information(self) -> bool:
        """Whether it is fitted with the works' priors and franchises (``arrays.side_information``)."""
        return bool(getattr(self.model_class, "side_information", ()))


SPECS: dict[Algorithm, AlgorithmSpec] = {
    Algorithm.EASE: AlgorithmSpec("EASE", min_ratings=1, people_label="Best for you"),
    Algorithm.BALSE: AlgorithmSpec(
        "BALSE", min_ratings=3, people_label="Genres and fans mixed", lists_from=Algorithm.EASE
    ),
    Algorithm.ALS: AlgorithmSpec(
        "ALS", min_ratings=3, people_label="Similar fans", lists_from=Algorithm.EASE
    ),
    Algorithm.LASSO: AlgorithmSpec(
        "LASSO", min_ratings=3, people_label="Your favourite genres", lists_from=Algorithm.EASE
    ),
    Algorithm.SIDE: AlgorithmSpec(
        "SideRanker", min_ratings=1, people_label="New works for you", offered=False
    ),
}
DEFAULT = Algorithm.EASE
# The lists offered, in the enum's order (best lists first); with no algorithm asked for, the
# first one trained serves.
OFFERED = tuple(algorithm for algorithm in Algorithm if SPECS[algorithm].offered)
SERVING_ORDER = OFFERED


def spec(algorithm: str) -> AlgorithmSpec:
    """The spec of ``algorithm`` (a value of ``Algorithm``); ValueError for an unknown one."""
    return SPECS[Algorithm(algorithm)]
