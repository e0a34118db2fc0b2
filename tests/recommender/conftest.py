"""Shared fixtures of the recommender tests: the shipped 150-user anime sample, split once."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.datasets import RatingData, load_anime
from recommender.evaluation import train_mask


@pytest.fixture(scope="session")
def anime_small() -> RatingData:
    return load_anime("anime-small")


@pytest.fixture(scope="session")
def anime_small_split(anime_small: RatingData):
    mask = train_mask(anime_small.y.size)
    return anime_small.X[mask], anime_small.y[mask], anime_small.X[~mask], anime_small.y[~mask]


@pytest.fixture(scope="session")
def fitted_balse(anime_small: RatingData):
    from recommender import BALSE

    return BALSE().fit(anime_small.X, anime_small.y, item_tags=anime_small.item_tags)


@pytest.fixture(scope="session")
def heavy_user(anime_small: RatingData) -> int:
    """The user with the most ratings (lowest id among ties)."""
    users, counts = np.unique(anime_small.X[:, 0], return_counts=True)
    return int(users[np.argmax(counts)])
