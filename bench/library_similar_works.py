"""Similar works: do the neighbours of well-known works share their genres, and are they known?

    python -m bench.library_similar_works [--dataset anime] [--top 300] [--shown 8] [--min-ratings 10]

Over the `--top` most-rated works, the `--shown` first neighbours each source gives (leaving
out, as the site does, works with fewer than `--min-ratings` ratings and, for ALS's raw list,
also counting how many of them it would have proposed below that): the mean genre Jaccard
index between a work and its neighbours, next to random pairs. Sources: EASE's strongest links
(B + Bᵀ, what the site shows), ALS item-factor cosine (what it showed before), and a plain
co-rating cosine. Genres only (the type columns of the tag matrix are left out).
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.sparse as sp

from recommender import ALS, EASE
from recommender.datasets import load_anime
from recommender.indexing import lookup, unique_ids


def jaccard(first: set, second: set) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="anime")
    parser.add_argument("--top", type=int, default=300)
    parser.add_argument("--shown", type=int, default=8)
    parser.add_argument("--min-ratings", type=int, default=10)
    args = parser.parse_args(argv)
    data = load_anime(args.dataset)
    genre_columns = [j for j, name in enumerate(data.tag_names) if not name.startswith("type:")]
    tags = data.item_tags.tocsr()[:, genre_columns].tocsr()

    def genres(item: int) -> set[int]:
        return set(tags[item].indices.tolist()) if item < tags.shape[0] else set()

    items, counts = np.unique(data.X[:, 1], return_counts=True)
    count_of = dict(zip(items.tolist(), counts.tolist(), strict=True))
    hidden = {j for j, name in enumerate(data.tag_names) if name == "Hentai"}
    safe = [i for i in items.tolist() if not genres(i) & hidden]
    popular = sorted(safe, key=lambda item: (-count_of[item], item))[: args.top]
    known = {i for i in safe if count_of[i] >= args.min_ratings}

    users = unique_ids(data.X[:, 0])
    rows, columns = lookup(users, data.X[:, 0]), lookup(items, data.X[:, 1])
    matrix = sp.csr_matrix((np.ones(rows.size), (rows, columns)), shape=(users.size, items.size))
    gram = (matrix.T @ matrix).toarray()
    norms = np.sqrt(np.diag(gram))
    cosine = gram / np.maximum(np.outer(norms, norms), 1e-12)

    def corating(item: int, n: int) -> list[int]:
        row = cosine[np.searchsorted(items, item)]
        return [int(items[j]) for j in np.argsort(-row, kind="stable") if items[j] != item][:n]

    ease = EASE().fit(data.X, data.y)
    als = ALS().fit(data.X, data.y)
    sources = {
        "EASE links (served)": lambda item, n: [i for i, _ in ease.similar_items(item, n)],
        "ALS factor cosine (before)": lambda item, n: [i for i, _ in als.similar_items(item, n)],
        "co-rating cosine": corating,
    }
    print(
        f"{args.dataset}: {args.top} most-rated works, {args.shown} neighbours each, "
        f"≥ {args.min_ratings} ratings"
    )
    print(f"{'source':<28} {'genre Jaccard':>13} {'raw top-8 rarely rated':>24} {'shown':>6}")
    for name, neighbours_of in sources.items():
        overlaps, rare, shown = [], 0, 0
        for item in popular:
            raw = [i for i in neighbours_of(item, 200) if i in count_of and not genres(i) & hidden]
            rare += sum(count_of[i] < args.min_ratings for i in raw[: args.shown])
            kept = [i for i in raw if i in known][: args.shown]
            shown += len(kept)
            overlaps += [jaccard(genres(item), genres(other)) for other in kept]
        share = rare / (args.shown * len(popular))
        print(f"{name:<28} {np.mean(overlaps):>13.3f} {share:>23.1%} {shown / len(popular):>6.1f}")
    rng = np.random.default_rng(0)
    pool = np.array(sorted(known))
    random_pairs = [
        jaccard(genres(item), genres(int(other))) for item in popular for other in rng.choice(pool, 8)
    ]
    print(f"{'random pairs':<28} {np.mean(random_pairs):>13.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
