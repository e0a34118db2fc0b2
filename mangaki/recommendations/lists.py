"""The lists people are served: their recommendations and a work's similar works.

``recommendations_for`` hands the person's current ratings and the works they may be shown to
the active model (``recommend``: a rating made a second ago changes the next answer), then asks
it, and the rating model beside it, why each listed work suits them (``explain``). It reads as
its steps: which models serve (``_serving``), the ranked ids (``_ranked``), the works shown of
them (``_visible_works``), the neighbours that explain them (``_Neighbours``), predictions and
genres (``_predictions_and_tags``), and the assembly (``_assemble``). This module only maps
ids to Works and applies the site's rules (category, NSFW, what was rated); it never reads a
model's learned arrays. Queries per call are constant in the number of ratings: the active
version checks, the profile (unless loaded with the user), the person's ratings, the listed
works and their neighbours (the rated works that explain them) with their category in one, and
the chosen works' tags in one. The works and tags queries run on every answer: they are
compiled to SQL once per process and their rows built into objects directly
(``mangaki.precompiled``), as the ORM's compiling and row handling cost more CPU than the
database took to answer them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import ngettext

from recommender.base import Explanation, Recommendations, UserState
from recommender.franchise_rules import start_with_first_parts
from recommender.reranking import rerank, windowed_length

from ..choices import COUNTED_CHOICES, LIKED_MIN_VALUE, RATING_VALUES
from ..models import Category, Rating, Tag, TaggedWork, Work
from ..precompiled import PartialModel, PrecompiledQuery
from ..querysets import nsfw_allowed
from ..seasons import FIRST_YEAR, LAST_YEAR, Season, YearSeason, season_condition
from .algorithms import DEFAULT, OFFERED, SERVING_ORDER, Algorithm, spec
from .arrays import ratings_and_list, user_ratings
from .serving import LoadedModel, active_models_and_lists, failed_to_load, first_active_model

N_TAGS = 3
N_NEIGHBOURS = 3
# Candidates asked for beyond ``limit``, in case some turn out hidden or deleted since the snapshot.
CANDIDATE_MARGIN = 10


@dataclass(frozen=True)
class Reasons:
    """Why a listed work suits the person, as the site shows it (the library's ``Explanation``
    mapped to Tags and Works)."""

    tags: list[tuple[Tag, float]]  # the work's genres that raise the prediction most, with their share
    neighbours: list[tuple[Work, float]]  # the works the person liked (LIKED_CHOICES) that pull it up most
    popular: bool = False  # listed partly because many people here like it
    # Listed by the ranker of works nobody has rated yet (SideRanker): a work of the same
    # franchise the person liked, and whether its upstream popularity (MyAnimeList members)
    # raised it: nobody here rated it, so "many people here" would not be true.
    franchise_of: Work | None = None
    popular_elsewhere: bool = False
    from_side_information: bool = False  # listed by SideRanker: nobody here rated it
    # The franchise's first part listed in place of a later part the model ranked (the person
    # rated nothing of the franchise): "start with this one: <later part> follows it".
    first_part_of: Work | None = None
    # A later part listed where its first part cannot be (a season's list): "start with <first>".
    start_with: Work | None = None

    def __bool__(self) -> bool:
        return any(
            (
                self.tags,
                self.neighbours,
                self.popular,
                self.franchise_of,
                self.popular_elsewhere,
                self.first_part_of,
                self.start_with,
                self.from_side_information,
            )
        )


@dataclass(frozen=True)
class Recommendation:
    work: Work
    predicted: float | None  # the rating model's predicted value; None without a rating model
    explanation: Reasons
    # The chance the person likes or loves it, if they watch it: the prediction calibrated on
    # held-out ratings. None without a calibrated rating model, or for a work nobody here rated
    # (calibrated on rated works only, its odds would be a guess).
    odds: float | None = None


@dataclass(frozen=True)
class RecommendationList:
    items: list[Recommendation]
    algorithm: str
    model_version: int | None
    is_fallback: bool
    fallback_reason: str  # "" when personal
    # The lists that may be asked for now (the page's menu): every offered one whose active
    # version beat the most-rated list when measured.
    offered: tuple[str, ...] = OFFERED


class ListNotOffered(ValueError):
    """A list asked for that is not offered now: its active version's list, measured, did not
    beat the most-rated list (it would list works nobody picks)."""


NO_REASONS = Reasons(tags=[], neighbours=[])
NOT_LEARNED_YET = "Our models have not learned these works yet; they will at their next training."
CANNOT_READ_MODEL = (
    "The recommendation model cannot be read right now; here are the most rated works meanwhile."
)
NO_MODEL_YET = "No recommendation model is trained yet."


# --- The fallback: the most rated works, for whoever the models cannot serve yet.


def _crowd_value(work: Work) -> float:
    """The mean value of the work's counted ratings, from its counters (no query)."""
    counts = work.choice_counts
    total = sum(counts[choice] for choice in COUNTED_CHOICES)
    if not total:
        return 0.0
    return sum(counts[choice] * RATING_VALUES[choice] for choice in COUNTED_CHOICES) / total


def _too_few_ratings_reason(algorithm: str, *, signed_in: bool = True) -> str:
    """Why a list is not personal yet: the ratings ``algorithm`` needs (its ``min_ratings``)."""
    minimum = spec(algorithm).min_ratings
    start = "Rate" if signed_in else "Sign in and rate"
    return ngettext(
        "%(start)s at least %(count)d work for personal picks.",
        "%(start)s at least %(count)d works for personal picks.",
        minimum,
    ) % {"start": start, "count": minimum}


def _fallback(
    user, category: str | None, limit: int, algorithm: str, reason: str, season: YearSeason | None = None
) -> RecommendationList:
    """The list of someone the models cannot serve yet: the most rated works of the category.

    Not ``top()`` (the best average among well-known works): for people whose held-out
    ratings were measured, the most-rated list scored NDCG@10 0.43 with one rating on the
    anime data where ``top()`` scored 0.15 (bench/site_lists.py). A season's works, mostly
    rated by nobody yet, come by their upstream popularity (MyAnimeList members), the order
    that ranks works nobody has rated best of the fixed ones (bench.library_freeze).
    """
    works = Work.objects.safe_for(user).select_related("category").prefetch_related("tags")
    if category:
        works = works.filter(category__slug=category)
    if season is not None:
        works = works.filter(season_condition(season))
    if user is not None and user.is_authenticated:
        works = works.exclude(pk__in=Rating.objects.filter(user=user).values("work_id"))
    if season is not None:
        by_members = works.order_by(F("nb_members").desc(nulls_last=True), "-nb_ratings", "pk")
        chosen = list(by_members[:limit])
    else:
        # Works nobody has rated yet are nobody's pick: only rated works, most rated first.
        chosen = list(works.filter(nb_ratings__gt=0).popular()[:limit])
    items = [Recommendation(work, _crowd_value(work), NO_REASONS) for work in chosen]
    return RecommendationList(items, algorithm, None, True, reason)


# --- Listed works, built from precompiled rows.

# What a recommendation list shows of a work (its card with its year and season, its summary in
# the API, a neighbour's title and link). Its other columns (synopsis, counters, other dates)
# are left to the work's page (they load on access, as after ``only()``): converting them cost
# most of the time spent building these works.
LISTED_WORK_FIELDS = (
    "title", "category", "work_type", "nb_episodes", "cover", "nsfw", "nb_ratings", "aired_from",
    "upstream_season", "upstream_season_year",  # the season of a work with no first air date
)  # fmt: skip
_LISTED = PartialModel(Work, LISTED_WORK_FIELDS)


def _listed_works(*pks: int):
    return (
        Work.objects.filter(pk__in=pks)
        .order_by()
        .values_list(*_LISTED.columns, "category__slug", "category__name")
    )


# Run on every recommendation: compiled once per number of works (see mangaki.precompiled).
_listed_works_sql = PrecompiledQuery(_listed_works)


def works_by_pk(pks) -> dict[int, Work]:
    """The works of ``pks`` that still exist, with their category, by id (one query).

    Built from plain rows: the same Works as ``select_related("category").only(...)`` gives
    (one Category object per category), in about half the time.
    """
    alias = Work.objects.db
    categories: dict[int, Category] = {}
    works: dict[int, Work] = {}
    if not pks:
        return works
    for *row, slug, name in _listed_works_sql.rows(*{int(pk) for pk in pks}):
        work = _LISTED.instance(alias, row)
        category = categories.get(work.category_id)
        if category is None:
            category = Category.from_db(alias, ("id", "slug", "name"), (work.category_id, slug, name))
            categories[work.category_id] = category
        work.category = category
        works[work.pk] = work
    return works


def _tags_of_works(*work_ids: int):
    return (
        TaggedWork.objects.filter(work_id__in=work_ids)
        .order_by("tag__title", "tag_id")
        .values_list("work_id", "tag_id", "tag__slug", "tag__title")
    )


# Run on every recommendation: compiled once per number of works (see mangaki.precompiled).
_tags_of_works_sql = PrecompiledQuery(_tags_of_works)


def _tags_by_work(works: list[Work]) -> dict[int, list[Tag]]:
    """The tags of each of ``works`` in Tag's order, in one query, each Tag built once."""
    by_work: dict[int, list[Tag]] = {work.pk: [] for work in works}
    if not works:
        return by_work
    tags: dict[int, Tag] = {}
    for work_id, tag_id, slug, title in _tags_of_works_sql.rows(*by_work):
        tag = tags.get(tag_id)
        if tag is None:
            tag = tags[tag_id] = Tag.from_db(
                TaggedWork.objects.db, ("id", "slug", "title"), (tag_id, slug, title)
            )
        by_work[work_id].append(tag)
    return by_work


# --- The steps of ``recommendations_for``.


@dataclass(frozen=True)
class _Serving:
    """The algorithm served, its model, the rating model beside it (None without one), and the
    model that lists what the ranker cannot (works nobody rated when it was trained): the
    SideRanker when one is active, else the rating model."""

    algorithm: str
    ranker: LoadedModel | None
    rating: LoadedModel | None
    filler: LoadedModel | None = None
    # The ranker whose list a rating model orders (``spec(...).lists_from``: EASE), when active.
    lister: LoadedModel | None = None
    offered: tuple[str, ...] = OFFERED  # the lists that may be asked for now


def _serving(algorithm: str | None) -> _Serving:
    """Which models serve, read with one query.

    The served model is the one asked for, or the first trained in ``SERVING_ORDER``. The
    rating model predicts the listed works' ratings and names their tags: the served model
    itself when it predicts ratings, else (a ranker) the active BALSE.
    """
    wanted = [Algorithm(algorithm)] if algorithm is not None else list(SERVING_ORDER)
    needed = [*wanted, Algorithm.BALSE, Algorithm.SIDE, *(spec(a).lists_from for a in wanted)]
    models, offered = active_models_and_lists([a for a in dict.fromkeys(needed) if a], OFFERED)
    ranker = next((models[a] for a in wanted if a in models), None)
    if ranker is None:
        return _Serving(algorithm or DEFAULT.value, None, None, offered=offered)
    rating = ranker if spec(ranker.algorithm).predicts_ratings else models.get(Algorithm.BALSE)
    lister = spec(ranker.algorithm).lists_from
    return _Serving(
        ranker.algorithm,
        ranker,
        rating,
        models.get(Algorithm.SIDE) or rating,
        lister=models.get(lister) if lister else None,
        offered=offered,
    )


@dataclass(frozen=True)
class _Ranked:
    """The ranked ids, best first, each with the model that listed it and the person's state in it."""

    order: list[int]
    listed_by: dict[int, tuple[LoadedModel, UserState]]
    rating_state: UserState | None  # the person in the rating model, when there is one
    stands_for: dict[int, int] = dataclasses.field(default_factory=dict)  # first part -> later part
    start_with: dict[int, int] = dataclasses.field(default_factory=dict)  # later part -> first part


def _ranked(serving: _Serving, item_ids, values, candidates: np.ndarray, wanted: int) -> _Ranked:
    """The ranker's ``wanted`` best candidates (a rating model with a lister: its order over the
    lister's list, ``recommender.reranking``), then the filler's for what it could not list
    (works nobody had rated when it was trained: a new season's)."""
    ranker, rating, filler = serving.ranker, serving.rating, serving.filler
    if serving.lister is not None:
        pool = serving.lister.model.recommend(
            item_ids, values, n=windowed_length(wanted), candidates=candidates
        )
        state = ranker.model.user_state(item_ids, values)
        listed = rerank(pool, ranker.model, state, wanted)
        if listed.item_ids.size < wanted:
            # Works the lister cannot list (added since its training, a new category's): the
            # rating model's own order, as it scores them from their genres.
            rest = candidates[~np.isin(candidates, listed.item_ids)]
            more = ranker.model.recommend(item_ids, values, n=wanted - listed.item_ids.size, candidates=rest)
            listed = Recommendations(
                np.concatenate([listed.item_ids, more.item_ids]),
                np.concatenate([listed.scores, more.scores]),
                state,
            )
    else:
        listed = ranker.model.recommend(item_ids, values, n=wanted, candidates=candidates)
    rating_state = None
    if rating is not None:
        rating_state = listed.state if rating is ranker else rating.model.user_state(item_ids, values)
    lists = [(ranker, listed.state, listed.item_ids)]
    if filler is not None and filler is not ranker and listed.item_ids.size < wanted:
        rest = candidates[~np.isin(candidates, listed.item_ids)]
        more = filler.model.recommend(item_ids, values, n=wanted - listed.item_ids.size, candidates=rest)
        lists.append((filler, rating_state if filler is rating else more.state, more.item_ids))
    return _Ranked(
        order=[pk for _, _, ids in lists for pk in ids.tolist()],
        listed_by={pk: (source, state) for source, state, ids in lists for pk in ids.tolist()},
        rating_state=rating_state,
    )


def _member_of(sorted_ids: np.ndarray) -> Callable[[int], bool]:
    """Membership in an ascending array of ids (the catalogue's candidates are), without a set."""

    def member(pk) -> bool:
        at = int(np.searchsorted(sorted_ids, pk))
        return at < sorted_ids.size and int(sorted_ids[at]) == pk

    return member


def _first_parts_first(
    ranked: _Ranked,
    catalogue,
    item_ids,
    candidates: np.ndarray,
    shown_elsewhere: np.ndarray,
    shown: Callable[[int], bool] | None = None,
) -> _Ranked:
    """The ranked list with a later part of a franchise the person rated nothing of replaced by
    the franchise's first part, when it may be listed (``recommender.franchise_rules``); the
    first part is explained by the model that ranked the later part. A later part whose first
    part this list may not hold but the person may see (a season list: the first part aired
    before) stays, noted "start with" its first part. With ``shown`` (whether the person may
    see a work as it is now, not as the snapshot says), the works it hides leave first, and a
    first part it hides stands in for nothing and is not named where to start: the list a fresh
    snapshot would give."""
    rated = set(np.asarray(item_ids).tolist())
    in_list, anywhere = _member_of(candidates), _member_of(shown_elsewhere)

    def allowed(pk: int) -> bool:
        return pk not in rated and in_list(pk) and (shown is None or shown(pk))

    visible = ranked.order if shown is None else [pk for pk in ranked.order if shown(pk)]
    order, stands_for = start_with_first_parts(
        visible, catalogue.franchises_of, catalogue.first_parts, item_ids, allowed
    )
    rated_franchises = set(catalogue.franchises_of(np.asarray(item_ids, dtype=np.int64)).tolist())
    start_with = {}
    for pk, franchise in zip(
        order, catalogue.franchises_of(np.asarray(order, dtype=np.int64)).tolist(), strict=True
    ):
        first = catalogue.first_parts.get(franchise)
        unstarted = franchise >= 0 and franchise not in rated_franchises and first not in (None, pk)
        if not unstarted or allowed(first) or first in rated:
            continue
        if anywhere(first) and (shown is None or shown(first)):  # one the person may see
            start_with[pk] = first
    if order == ranked.order and not start_with:  # no part replaced, none left out
        return ranked
    listed_by = dict(ranked.listed_by)
    for first, later in stands_for.items():
        listed_by.setdefault(first, ranked.listed_by[later])
    return dataclasses.replace(
        ranked, order=order, listed_by=listed_by, stands_for=stands_for, start_with=start_with
    )


class _Neighbours:
    """Which of the person's ratings pull each listed work up, asked of the model that listed it
    (each work once)."""

    def __init__(self, ranked: _Ranked) -> None:
        self.ranked = ranked
        self.of: dict[int, Explanation] = {}

    def explain(self, pks) -> set[int]:
        """Explain ``pks``; the ids of their neighbours (works the person rated)."""
        for pk in pks:
            if pk not in self.of:
                source, state = self.ranked.listed_by[pk]
                self.of[pk] = source.model.explain(
                    state, pk, n_tags=0, n_neighbours=N_NEIGHBOURS, min_value=LIKED_MIN_VALUE
                )
        return {neighbour for pk in pks for neighbour, _ in self.of[pk].neighbours}


def _visible_works(
    ranked: _Ranked,
    neighbours: _Neighbours,
    limit: int,
    nsfw_ok: bool,
    rearrange: Callable[[Callable[[int], bool]], _Ranked],
    first_parts: Callable[[], set[int]],
):
    """The first ``limit`` ranked works the person may see, and every Work read, by id.

    The works most likely shown are explained first, so that their neighbours come in the same
    query as the works themselves (with the later parts their first parts stand for); the next
    ranked ones, and their franchises' ``first_parts``, are read only when some of those are
    hidden (NSFW for this profile) or deleted since the snapshot, and the list is then
    ``rearrange``d as a fresh snapshot would. A work beyond the first ``limit`` cannot change
    them: a first part standing in takes the place of its first later part in the order.
    """
    first = ranked.order[:limit]
    parts = {ranked.stands_for[pk] for pk in first if pk in ranked.stands_for}
    parts |= {ranked.start_with[pk] for pk in first if pk in ranked.start_with}
    by_pk = works_by_pk({*first, *neighbours.explain(first), *parts})

    def shown(pk: int) -> bool:
        work = by_pk.get(pk)
        return work is not None and (nsfw_ok or not work.nsfw)

    if not all(shown(pk) for pk in {*first, *parts}):
        by_pk.update(works_by_pk({*ranked.order, *ranked.listed_by, *first_parts()} - by_pk.keys()))
        ranked = neighbours.ranked = rearrange(shown)
        parts = {*ranked.stands_for.values(), *ranked.start_with.values()} - by_pk.keys()
        if parts:
            by_pk.update(works_by_pk(parts))
    chosen = [by_pk[pk] for pk in ranked.order if shown(pk)][:limit]
    missing = neighbours.explain([work.pk for work in chosen]) - by_pk.keys()
    if missing:  # only when a replacement brought neighbours of its own
        by_pk.update(works_by_pk(missing))
    return chosen, by_pk


def _predictions_and_tags(
    rating: LoadedModel | None, state: UserState | None, chosen: list[Work]
) -> tuple[dict[int, float], dict[int, Explanation]]:
    """The rating model's predicted value of each chosen work and the genres it credits."""
    if rating is None or not chosen:
        return {}, {}
    chosen_ids = np.array([work.pk for work in chosen], dtype=np.int64)
    predicted = dict(zip(chosen_ids.tolist(), rating.model.score(state, chosen_ids).tolist(), strict=True))
    tag_reasons = {pk: rating.model.explain(state, pk, n_tags=N_TAGS, n_neighbours=0) for pk in predicted}
    return predicted, tag_reasons


def _listed_tags(chosen: list[Work], with_tags: bool) -> dict[int, list[Tag]]:
    """The chosen works' tags (one query); with ``with_tags``, also as ``work.tags.all()`` for the
    pages. A neighbour is a title and a link: no tags."""
    tags = _tags_by_work(chosen)
    if with_tags:
        for work in chosen:
            _as_prefetched(work, "tags", tags[work.pk])
    return tags


def _as_prefetched(instance, relation: str, objects: list) -> None:
    """``instance.<relation>.all()`` answers ``objects`` without a query, as after
    ``prefetch_related_objects`` (which stores the read queryset the same way; building Tags
    from plain rows takes about half its time)."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = {
        **getattr(instance, "_prefetched_objects_cache", {}),
        relation: queryset,
    }


def _credited_tags(
    loaded: LoadedModel, explanation: Explanation, work_tags: list[Tag]
) -> list[tuple[Tag, float]]:
    """The work's tags the model credits (its tag columns mapped to Tags), positive shares only."""
    tags = {tag.pk: tag for tag in work_tags}
    found = [(tags.get(loaded.tag_of_column.get(column)), weight) for column, weight in explanation.tags]
    return [(tag, weight) for tag, weight in found if tag is not None and weight > 0][:N_TAGS]


def _assemble(
    chosen: list[Work],
    by_pk: dict[int, Work],
    neighbours: _Neighbours,
    rating: LoadedModel | None,
    predicted: dict[int, float],
    tag_reasons: dict[int, Explanation],
    tags_by_work: dict[int, list[Tag]],
) -> list[Recommendation]:
    def reasons(work: Work) -> Reasons:
        found = _reasons(work)
        later = neighbours.ranked.stands_for.get(work.pk)
        if later is not None and later in by_pk:
            found = dataclasses.replace(found, first_part_of=by_pk[later])
        first = neighbours.ranked.start_with.get(work.pk)
        if first is not None and first in by_pk:
            found = dataclasses.replace(found, start_with=by_pk[first])
        return found

    def _reasons(work: Work) -> Reasons:
        listed = neighbours.of[work.pk]
        if neighbours.ranked.listed_by[work.pk][0].algorithm == Algorithm.SIDE:
            franchise_of = next(
                (by_pk[pk] for pk, weight in listed.neighbours if pk in by_pk and weight > 0), None
            )
            return Reasons(
                tags=_credited_tags(rating, tag_reasons[work.pk], tags_by_work[work.pk])
                if work.pk in tag_reasons
                else [],
                neighbours=[],
                franchise_of=franchise_of,
                popular_elsewhere=listed.popularity > 0,
                from_side_information=True,
            )
        return Reasons(
            tags=_credited_tags(rating, tag_reasons[work.pk], tags_by_work[work.pk])
            if work.pk in tag_reasons
            else [],
            neighbours=[
                (by_pk[pk], weight) for pk, weight in listed.neighbours if pk in by_pk and weight > 0
            ],
            popular=listed.popularity > 0,
        )

    calibrator = rating.calibrator if rating is not None else None
    # The chance of a like, for the works people here have rated (all at once).
    rated = [work.pk for work in chosen if work.pk in predicted and work.nb_ratings]
    odds: dict[int, float] = {}
    if calibrator is not None and rated:
        chances = calibrator.predict(np.array([predicted[pk] for pk in rated]))
        odds = {pk: float(chance) for pk, chance in zip(rated, chances, strict=True) if np.isfinite(chance)}

    return [Recommendation(work, predicted.get(work.pk), reasons(work), odds.get(work.pk)) for work in chosen]


def _season_of(season) -> YearSeason:
    """``(2026, "spring")`` as a YearSeason; ValueError for anything else."""
    try:
        year, name = season
        if isinstance(year, bool) or not isinstance(year, int) or name not in Season.values:
            raise ValueError
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            f"season must be (year from {FIRST_YEAR} to {LAST_YEAR}, one of {', '.join(Season.values)}), "
            f"not {season!r}"
        ) from None
    return YearSeason(year, Season(name))


def _in_season(candidates: np.ndarray, season: YearSeason) -> np.ndarray:
    """The candidates of ``season`` (one query)."""
    ids = Work.objects.filter(season_condition(season)).order_by().values_list("pk", flat=True)
    return candidates[np.isin(candidates, np.fromiter(ids, dtype=np.int64))]


def _for_a_season(serving: _Serving) -> _Serving:
    """A season's works are mostly new: ranked by the SideRanker when it is the filler."""
    filler = serving.filler
    if filler is None or filler.algorithm != Algorithm.SIDE:
        return serving
    return _Serving(Algorithm.SIDE.value, filler, serving.rating, filler, offered=serving.offered)


def _candidates(
    catalogue, user, category, season: YearSeason | None, nsfw_ok: bool, item_ids, values, on_list
) -> tuple[np.ndarray, np.ndarray] | None:
    """The works this list may hold (of the category and season, less the franchises the person
    turned down and the works on their list: being watched, planned, dropped... none is new to
    them) and the works the person may see anywhere; None for an unknown category."""
    category_id = None
    if category:
        category_id = catalogue.category_by_slug.get(category)
        if category_id is None:
            return None
    candidates = everywhere = catalogue.candidates(category_id, nsfw_ok)
    if season is not None:
        candidates = _in_season(candidates, season)
    hidden = getattr(getattr(user, "profile", None), "hidden_franchises", None) or ()
    candidates = catalogue.without_turned_down_franchises(candidates, item_ids, values, hidden)
    if on_list.size:
        candidates = candidates[~np.isin(candidates, on_list)]
    return candidates, everywhere


def _ranked_by_the_rules(serving: _Serving, item_ids, values, candidates, everywhere, limit: int):
    """The ranked list with the franchise rules applied as the snapshot says; how to apply them
    again to the works the person may see now (``rearrange(shown)``); and the first parts of
    the ranked works' franchises (read only then)."""
    catalogue = serving.ranker.catalogue
    # Twice the list: a first part standing in for a later one may take the place of two.
    raw = _ranked(serving, item_ids, values, candidates, 2 * limit + CANDIDATE_MARGIN)

    def rearrange(shown=None) -> _Ranked:
        return _first_parts_first(raw, catalogue, item_ids, candidates, everywhere, shown)

    def first_parts() -> set[int]:
        franchises = set(catalogue.franchises_of(np.asarray(raw.order, dtype=np.int64)).tolist()) - {-1}
        return {catalogue.first_parts[f] for f in franchises if f in catalogue.first_parts}

    return rearrange(), rearrange, first_parts


def recommendations_for(
    *,
    user,
    category: str | None = None,
    season: tuple[int, str] | None = None,
    limit: int = 20,
    algorithm: str | None = None,
    with_tags: bool = True,
    personal_only: bool = False,
) -> RecommendationList:
    """The ``limit`` works ``user`` should like most, with why; the fallback list when it cannot
    (``personal_only``: an empty list marked as the fallback, read with no query more, for a
    page that shows something else then).

    ``algorithm`` None serves the best lists (EASE, or the best model trained). ``user`` may be
    None or anonymous. Works the user rated with any choice are excluded, NSFW works hidden
    unless their profile allows them; ``category`` is a Category slug. ``season``, a year and
    one of winter, spring, summer, fall (``(2026, "spring")``), keeps one season's works, in
    the order of the ranker of works nobody has rated yet (SideRanker) when one is active: a
    season's works are mostly new. The listed works come with their tags
    (``work.tags.all()`` without a query, as pages show them) unless ``with_tags`` is false,
    for a caller that never reads them (the API).
    """
    if algorithm is not None and algorithm not in OFFERED:
        raise ValueError(f"Unknown algorithm {algorithm!r}; expected one of {', '.join(OFFERED)}.")
    wanted_season = _season_of(season) if season is not None else None
    limit = max(int(limit), 0)

    offered = OFFERED

    def fallback(who, shown: str, reason: str) -> RecommendationList:
        if personal_only:
            return RecommendationList([], shown, None, True, reason, offered)
        return dataclasses.replace(
            _fallback(who, category, limit, shown, reason, wanted_season), offered=offered
        )

    if user is None or not user.is_authenticated:
        shown = algorithm or DEFAULT
        return fallback(None, shown, _too_few_ratings_reason(shown, signed_in=False))
    serving = _serving(algorithm)
    offered = serving.offered
    if algorithm is not None and str(algorithm) not in offered:
        raise ListNotOffered(
            f"The {spec(algorithm).people_label} list is not offered now: measured on held-out "
            "ratings, it did not beat the list of the most rated works."
        )
    if serving.ranker is None:
        if personal_only:
            return fallback(user, serving.algorithm, NO_MODEL_YET)
        wanted = [serving.algorithm] if algorithm is not None else list(SERVING_ORDER)
        reason = CANNOT_READ_MODEL if failed_to_load(wanted) else NO_MODEL_YET
        return fallback(user, serving.algorithm, reason)
    item_ids, values, on_list = ratings_and_list(user.pk)
    if item_ids.size < spec(serving.algorithm).min_ratings:
        return fallback(user, serving.algorithm, _too_few_ratings_reason(serving.algorithm))

    nsfw_ok = nsfw_allowed(user)
    if wanted_season is not None:
        serving = _for_a_season(serving)
    catalogue = serving.ranker.catalogue
    found = _candidates(catalogue, user, category, wanted_season, nsfw_ok, item_ids, values, on_list)
    if found is None:  # a category the models do not know
        return RecommendationList([], serving.algorithm, serving.ranker.version, False, "", offered)
    candidates, everywhere = found
    ranked, rearrange, first_parts = _ranked_by_the_rules(
        serving, item_ids, values, candidates, everywhere, limit
    )
    neighbours = _Neighbours(ranked)
    chosen, by_pk = _visible_works(ranked, neighbours, limit, nsfw_ok, rearrange, first_parts)
    ranked = neighbours.ranked
    if not chosen and limit:
        # Nothing here the models know (works added since their training: a first manga
        # import, say): the most rated of the category until the next training learns them.
        waiting = fallback(user, serving.algorithm, NOT_LEARNED_YET)
        if waiting.items or personal_only:
            return waiting
    predicted, tag_reasons = _predictions_and_tags(serving.rating, ranked.rating_state, chosen)
    items = _assemble(
        chosen, by_pk, neighbours, serving.rating, predicted, tag_reasons, _listed_tags(chosen, with_tags)
    )
    return RecommendationList(items, serving.algorithm, serving.ranker.version, False, "", offered)


def _hidden_for(user) -> Q:
    """The works of the franchises ``user`` hid ("not interested in this franchise"), as SQL."""
    hidden = getattr(getattr(user, "profile", None), "hidden_franchises", None) if user is not None else None
    if not hidden:
        return Q(pk__in=[])
    franchises = Work.objects.filter(pk__in=hidden, franchise_id__isnull=False).values("franchise_id")
    return Q(pk__in=hidden) | Q(franchise_id__in=franchises)


def similar_works(*, work: Work, user=None, limit: int = 8) -> list[Work]:
    """Works most like ``work``: EASE's strongest item-item links (or ALS's, without EASE).

    Works come with their category and tags. NSFW works are left out unless ``user``'s
    profile allows them, and so are works with fewer than ``MANGAKI_SIMILAR_MIN_RATINGS``
    ratings: a link to a work rated once or twice says little.
    """
    if limit <= 0:
        return []
    loaded = first_active_model(SERVING_ORDER)
    if loaded is None:
        return []
    nearest = [pk for pk, _ in loaded.model.similar_items(work.pk, n=4 * limit + CANDIDATE_MARGIN)]
    if not nearest:
        return []
    found = (
        Work.objects.safe_for(user)
        .filter(pk__in=nearest, nb_ratings__gte=settings.MANGAKI_SIMILAR_MIN_RATINGS)
        .exclude(pk=work.pk)
        .exclude(_hidden_for(user))
        .select_related("category")
        .prefetch_related("tags")
    )
    by_pk = {candidate.pk: candidate for candidate in found}
    return [by_pk[pk] for pk in nearest if pk in by_pk][:limit]


def odds_for(*, user, work: Work) -> float | None:
    """The chance ``user`` likes or loves ``work`` if they watch it (the rating model's
    prediction, calibrated), for the work's page; None for a visitor, a work they rated or
    nobody here rated, or without a calibrated rating model. Two queries: the active models and
    the person's ratings."""
    if user is None or not user.is_authenticated or not work.nb_ratings:
        return None
    serving = _serving(None)
    rating = serving.rating
    if rating is None or rating.calibrator is None:
        return None
    item_ids, values = user_ratings(user.pk)
    if work.pk in set(item_ids.tolist()) or item_ids.size < spec(rating.algorithm).min_ratings:
        return None
    state = rating.model.user_state(item_ids, values)
    chance = float(rating.calibrator.predict(rating.model.score(state, np.array([work.pk])))[0])
    return chance if np.isfinite(chance) else None
