"""Write MovieLens ml-latest-small in the format of fixtures/anime, for `manage.py load_anime FOLDER`.

    python -m bench.movielens_as_anime FOLDER [--movielens DIR]

Writes FOLDER/works.csv.gz (mal_id = movieId, title, type "Movie", episodes 1, genres separated
by "|" as in fixtures/anime, "(no genres listed)" → none) and FOLDER/ratings.csv.gz (user =
userId, mal_id = movieId, choice from the stars through `recommender.datasets.
movielens_choice_values`: 5 favorite, 4–4.5 like, 3–3.5 neutral, ≤ 2.5 dislike). MovieLens has
no will-see or won't-see. The free-text tags of tags.csv are not carried over (the fixture
format has genres only).

The importer files everything under the "anime" category, as MyAnimeList works with users named
``mal-<user>``: load this folder into its own database, not next to the anime data, or movie
ids would overwrite anime works of the same MyAnimeList id.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

import numpy as np

from bench.setup import movielens_or_say
from recommender.choices import CHOICE_VALUES
from recommender.datasets import movielens_choice_values

WORK_COLUMNS = ["mal_id", "title", "type", "episodes", "genres"]
RATING_COLUMNS = ["user", "mal_id", "choice"]
NO_GENRES = "(no genres listed)"
CHOICE_OF_VALUE = {value: choice for choice, value in CHOICE_VALUES.items()}


def _gzip_text(path: Path) -> io.TextIOWrapper:
    # mtime=0: the same input gives the same bytes.
    return io.TextIOWrapper(gzip.GzipFile(path, mode="wb", mtime=0), encoding="utf-8", newline="")


def read_works(directory: Path) -> list[dict[str, str]]:
    """movies.csv as fixture rows."""
    works = []
    with open(directory / "movies.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            genres = [genre.strip() for genre in row["genres"].split("|")]
            genres = [genre for genre in genres if genre and genre != NO_GENRES]
            works.append(
                {
                    "mal_id": row["movieId"],
                    "title": row["title"].strip(),
                    "type": "Movie",
                    "episodes": "1",
                    "genres": "|".join(genres),
                }
            )
    return works


def read_ratings(directory: Path) -> list[tuple[int, int, str]]:
    """ratings.csv as (user, movie, choice), in the file's order (by user, then movie)."""
    table = np.loadtxt(directory / "ratings.csv", delimiter=",", skiprows=1, usecols=(0, 1, 2))
    values = movielens_choice_values(table[:, 2])
    choices = [CHOICE_OF_VALUE[value] for value in values.tolist()]
    users, movies = table[:, 0].astype(np.int64).tolist(), table[:, 1].astype(np.int64).tolist()
    return list(zip(users, movies, choices, strict=True))


def write(target: Path, works: list[dict[str, str]], ratings: list[tuple[int, int, str]]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with _gzip_text(target / "works.csv.gz") as handle:
        writer = csv.DictWriter(handle, fieldnames=WORK_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(works)
    with _gzip_text(target / "ratings.csv.gz") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(RATING_COLUMNS)
        writer.writerows(ratings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="where to write works.csv.gz and ratings.csv.gz")
    parser.add_argument("--movielens", default=None, help="folder of ml-latest-small")
    args = parser.parse_args(argv)
    directory = movielens_or_say(args.movielens, then="nothing written")
    if directory is None:
        return 2
    works, ratings = read_works(directory), read_ratings(directory)
    write(Path(args.folder), works, ratings)
    counts = {choice: 0 for choice in CHOICE_VALUES}
    for _, _, choice in ratings:
        counts[choice] += 1
    n_genres = len({genre for work in works for genre in work["genres"].split("|") if genre})
    print(
        f"{args.folder}: {len(works)} works ({n_genres} genres, "
        f"{sum(not work['genres'] for work in works)} without any), "
        f"{len(ratings)} ratings by {len({user for user, _, _ in ratings})} users "
        f"({', '.join(f'{choice} {count}' for choice, count in counts.items() if count)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
