"""Readers for the rating data the project ships or benchmarks on, into arrays.

`load_anime` reads the fixture CSVs (`fixtures/anime`, `fixtures/anime-small`, or any folder
with the same `works.csv.gz` and `ratings.csv.gz`); `load_movielens` reads a MovieLens
"latest-small" folder, in stars (for RMSE) or mapped to Mangaki choice values
(`movielens_choice_values`, for the top-N list protocol). Both return X = (user_id, item_id)
rows, ratings y and an item×tag CSR matrix whose row index is the raw item id, as the models
expect. No Django here: the web application builds the same arrays from its database.
Choice names become values through `recommender.choices.CHOICE_VALUES`.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recommender.choices import CHOICE_VALUES
from recommender.franchises import CatalogueWork, franchises_of_folder, infer_franchises

FIXTURES_DIRECTORY = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass
class RatingData:
    """Ratings plus item side information, ready for `fit`."""

    X: np.ndarray  # (n, 2) int64: raw user id, raw item id
    y: np.ndarray  # (n,) float64 ratings
    item_tags: sp.csr_matrix  # row = raw item id, column = tag, value = weight
    tag_names: list[str]
    item_titles: dict[int, str] = field(default_factory=dict)
    # Values known of an item before anyone rates it here, by name (anime: "members" and
    # "mal_score", MyAnimeList's, as the upstream gives them): the priors a new work has.
    item_priors: dict[str, dict[int, float]] = field(default_factory=dict)
    # The franchise of each raw item id (a number shared by its parts), -1 for none: the
    # dataset's relations (anime: relations.csv.gz, inferred; recommender/franchises.py), or
    # inferred from the titles alone (MovieLens, unchecked there). None where nothing says.
    item_franchise: np.ndarray | None = None
    # Each franchise's first part (its first series aired), by franchise number.
    item_first_parts: dict[int, int] = field(default_factory=dict)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _tag_matrix(item_tag_pairs: list[tuple[int, int]], n_items: int, n_tags: int) -> sp.csr_matrix:
    if item_tag_pairs:
        rows, columns = np.array(item_tag_pairs, dtype=np.int64).T
    else:
        rows = columns = np.empty(0, dtype=np.int64)
    matrix = sp.csr_matrix((np.ones(rows.size), (rows, columns)), shape=(n_items, n_tags))
    matrix.data[:] = 1.0  # a tag listed twice for an item is still one tag
    return matrix


def resolve_anime_directory(name_or_path: str | Path) -> Path:
    """`anime` and `anime-small` name the shipped fixtures; anything else is a folder path."""
    if str(name_or_path) in {"anime", "anime-small"}:
        return FIXTURES_DIRECTORY / str(name_or_path)
    return Path(name_or_path)


def load_anime(name_or_path: str | Path = "anime") -> RatingData:
    """Anime ratings with Mangaki values; item tags are the genres plus one-hot work types."""
    directory = resolve_anime_directory(name_or_path)
    works_path, ratings_path = directory / "works.csv.gz", directory / "ratings.csv.gz"
    for path in (works_path, ratings_path):
        if not path.exists():
            raise FileNotFoundError(
                f"{path} not found: expected works.csv.gz and ratings.csv.gz in {directory}"
            )
    with _open_text(works_path) as handle:
        # Works MyAnimeList does not list (named by another id) have no rating: not items here.
        works = [work for work in csv.DictReader(handle) if work["mal_id"]]
    genres = sorted({genre for work in works for genre in work["genres"].split("|") if genre})
    types = sorted({work["type"] for work in works if work["type"]})
    tag_names = genres + [f"type:{work_type}" for work_type in types]
    tag_column = {name: column for column, name in enumerate(tag_names)}
    pairs, titles = [], {}
    priors: dict[str, dict[int, float]] = {"members": {}, "mal_score": {}}
    for work in works:
        item_id = int(work["mal_id"])
        titles[item_id] = work["title"]
        for name in priors:
            if work.get(name):  # empty when MyAnimeList gives none
                priors[name][item_id] = float(work[name])
        pairs.extend((item_id, tag_column[genre]) for genre in work["genres"].split("|") if genre)
        if work["type"]:
            pairs.append((item_id, tag_column[f"type:{work['type']}"]))
    n_items = max(titles) + 1 if titles else 0

    with _open_text(ratings_path) as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != ["user", "mal_id", "choice"]:
            raise ValueError(f"{ratings_path}: expected header user,mal_id,choice; got {','.join(header)}")
        users, items, values = [], [], []
        for line_number, (user, item, choice) in enumerate(reader, start=2):
            if choice not in CHOICE_VALUES:
                raise ValueError(f"{ratings_path} line {line_number}: unknown choice {choice!r}")
            users.append(int(user))
            items.append(int(item))
            values.append(CHOICE_VALUES[choice])
    X = np.column_stack([np.array(users, dtype=np.int64), np.array(items, dtype=np.int64)])
    n_items = max(n_items, int(X[:, 1].max()) + 1 if X.size else 0)
    franchise = np.full(n_items, -1, dtype=np.int64)
    firsts: dict[int, int] = {}
    for number, members in enumerate(franchises_of_folder(directory)):
        items = [int(value) for column, value in members if column == "mal_id" and int(value) < n_items]
        franchise[items] = number
        if items:
            firsts[number] = items[0]  # the first part of those the ratings can name
    return RatingData(
        X,
        np.array(values),
        _tag_matrix(pairs, n_items, len(tag_names)),
        tag_names,
        titles,
        priors,
        franchise,
        firsts,
    )


def _franchises_of_titles(titles: dict[int, str], n_items: int) -> tuple[np.ndarray, dict[int, int]]:
    franchise = np.full(n_items, -1, dtype=np.int64)
    catalogue = [CatalogueWork(item, [title], order=item) for item, title in titles.items()]
    firsts = {}
    for number, members in enumerate(infer_franchises(catalogue)):
        franchise[members] = number
        firsts[number] = members[0]
    return franchise, firsts


def movielens_choice_values(stars: np.ndarray) -> np.ndarray:
    """MovieLens stars (0.5..5, half steps) as the values of the Mangaki choice they stand for.

    5 is a favorite (4.0); 4 and 4.5 a like (2.0); 3 and 3.5 neutral (0.1); 2.5 and below a
    dislike (−2.0). This puts MovieLens on the scale of the top-N list protocol, where a
    held-out rating is relevant at like or above (stars ≥ 4). MovieLens has no will-see or
    won't-see. RMSE benchmarks keep the raw stars.
    """
    stars = np.asarray(stars, dtype=np.float64)
    outside = ~((stars >= 0.5) & (stars <= 5.0))
    if outside.any():
        raise ValueError(f"MovieLens stars must be in [0.5, 5]; got {stars[outside][0]!r}")
    return np.select(
        [stars >= 5.0, stars >= 4.0, stars >= 3.0],
        [CHOICE_VALUES["favorite"], CHOICE_VALUES["like"], CHOICE_VALUES["neutral"]],
        default=CHOICE_VALUES["dislike"],
    )


def load_movielens(directory: str | Path, as_choices: bool = False) -> RatingData:
    """MovieLens latest-small: ratings 0.5..5 (or, with ``as_choices``, Mangaki choice values from
    `movielens_choice_values`); item tags are the genres plus the free-text tags."""
    directory = Path(directory)
    for name in ("ratings.csv", "movies.csv", "tags.csv"):
        if not (directory / name).exists():
            raise FileNotFoundError(f"{directory / name} not found: expected a MovieLens latest-small folder")
    ratings = np.loadtxt(directory / "ratings.csv", delimiter=",", skiprows=1, usecols=(0, 1, 2))
    X = ratings[:, :2].astype(np.int64)
    y = ratings[:, 2].astype(np.float64)
    if as_choices:
        y = movielens_choice_values(y)
    movie_genres: dict[int, list[str]] = {}
    titles: dict[int, str] = {}
    with open(directory / "movies.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            movie_id = int(row["movieId"])
            titles[movie_id] = row["title"]
            movie_genres[movie_id] = [g for g in row["genres"].split("|") if g and g != "(no genres listed)"]
    movie_tags: dict[int, set[str]] = {}
    with open(directory / "tags.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            tag = row["tag"].strip().lower()
            if tag:
                movie_tags.setdefault(int(row["movieId"]), set()).add(tag)
    genres = sorted({genre for names in movie_genres.values() for genre in names})
    free_tags = sorted({tag for tags in movie_tags.values() for tag in tags})
    tag_names = [f"genre:{genre}" for genre in genres] + [f"tag:{tag}" for tag in free_tags]
    tag_column = {name: column for column, name in enumerate(tag_names)}
    pairs = [
        (movie, tag_column[f"genre:{genre}"]) for movie, names in movie_genres.items() for genre in names
    ]
    pairs += [(movie, tag_column[f"tag:{tag}"]) for movie, tags in movie_tags.items() for tag in tags]
    n_items = max(max(titles, default=0), int(X[:, 1].max())) + 1
    franchise, firsts = _franchises_of_titles(titles, n_items)
    return RatingData(
        X,
        y,
        _tag_matrix(pairs, n_items, len(tag_names)),
        tag_names,
        titles,
        item_franchise=franchise,
        item_first_parts=firsts,
    )
