"""Chainable Work queries, each a single SQL query.

Indexes they rely on (declared in ``Work.Meta.indexes``): ``nb_ratings`` for the range
filters of ``top``, ``pearls`` and ``random`` and the ordering of ``popular``;
``controversy`` for the ordering of ``controversial``. A category filter joins the two-row
Category table and needs no index of its own. ``search`` finds its matches through the
trigram indexes on ``Work.search_text`` and ``WorkTitle.search_text`` (PostgreSQL), and ranks
a work's other titles through the index on ``WorkTitle.work``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connections, models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Greatest

from . import text_search

# SQLite's typo tolerance looks at this many candidate titles per table, keeps this many works.
CLOSE_CANDIDATES = 200
CLOSE_MATCHES = 50


class WorkQuerySet(models.QuerySet):
    def top(self) -> WorkQuerySet:
        """Works with enough counted ratings, best average ranking score first."""
        return (
            self.filter(nb_ratings__gte=settings.MANGAKI_TOP_MIN_RATINGS)
            .annotate(rank_score=F("sum_ratings") / Cast("nb_ratings", models.FloatField()))
            .order_by("-rank_score", "-nb_ratings", "pk")
        )

    def pearls(self) -> WorkQuerySet:
        """Well-loved works that few people know: few ratings, almost no dislikes."""
        return (
            self.filter(
                nb_ratings__gte=settings.MANGAKI_PEARLS_MIN_RATINGS,
                nb_ratings__lte=settings.MANGAKI_PEARLS_MAX_RATINGS,
                nb_likes__gte=1,
            )
            .annotate(dislike_rate=Cast("nb_dislikes", models.FloatField()) / F("nb_likes"))
            .filter(dislike_rate__lte=settings.MANGAKI_PEARLS_MAX_DISLIKE_RATE)
            .order_by("dislike_rate", "-nb_ratings", "pk")
        )

    def popular(self) -> WorkQuerySet:
        """Most counted ratings first; works nobody has rated yet come last (a sort hides nothing)."""
        return self.order_by("-nb_ratings", "pk")

    def controversial(self) -> WorkQuerySet:
        """Works that split people between liking and disliking them."""
        return self.filter(controversy__gt=0).order_by("-controversy", "pk")

    def random(self) -> WorkQuerySet:
        """A random sample of works that people mostly liked."""
        return self.filter(
            Q(nb_likes__gt=F("nb_dislikes")) | Q(nb_favorites__gt=F("nb_dislikes")),
            nb_ratings__gte=settings.MANGAKI_RANDOM_MIN_RATINGS,
        ).order_by("?")

    def with_all_tags(self, tags) -> WorkQuerySet:
        """Works that carry every one of ``tags`` (Tag instances or ids).

        One subquery over the work-tag table, grouped by work, whatever the number of tags: a
        join per tag (what chaining ``filter(tags=…)`` does) made PostgreSQL's planner take
        18 s for all 43 genres.
        """
        tag_ids = {getattr(tag, "pk", tag) for tag in tags}
        if not tag_ids:
            return self
        tagged = (
            self.model.tags.through.objects.filter(tag_id__in=tag_ids)
            .values("work_id")
            .annotate(matched=Count("tag_id"))
            .filter(matched=len(tag_ids))
            .values("work_id")
        )
        return self.filter(pk__in=tagged)

    def search(self, query: str) -> WorkQuerySet:
        """Works any of whose titles (``title`` and every ``WorkTitle``) match ``query``, best first.

        Case, accents, width (full-width letters) and punctuation do not count
        (``text_search.normalize``). Each work gets ``search_rank``, its best title's rank
        (``text_search.rank_expression``: equal, starts with, a word starts with, contains,
        then close to the query), and they come best rank first, then most rated, then (for
        works nobody here rated) most MyAnimeList members, then first aired. A typo still
        finds the title: on PostgreSQL through trigram word similarity (``pg_trgm``), in
        the one query this returns; elsewhere through difflib over the titles sharing pieces of
        the query's words, read by two queries made now. A query with no letter or digit
        matches nothing.
        """
        text = text_search.normalize(query)
        if not text:
            return self.none()
        vendor = connections[self.db].vendor
        titles = self.model._meta.get_field("titles").related_model.objects
        # Ids of the works whose title or another title matches, one way of matching per query,
        # each through its table's trigram index (text_search.match_conditions says why).
        matching = []
        for condition in text_search.match_conditions("search_text", text, vendor=vendor):
            matching.append(self.model.objects.filter(condition).order_by().values("pk"))
            matching.append(titles.filter(condition).order_by().values("work_id"))
        matched = Q(pk__in=matching[0].union(*matching[1:]))
        rank = text_search.rank_expression("search_text", text, vendor=vendor)
        best_title = (
            titles.filter(work=OuterRef("pk"))
            .annotate(rank=text_search.rank_expression("search_text", text, vendor=vendor))
            .order_by("-rank")
            .values("rank")[:1]
        )
        ranks = [rank, Coalesce(Subquery(best_title), Value(0.0))]
        if vendor != "postgresql":
            close = self._close_matches(text, titles)
            if close:
                matched |= Q(pk__in=list(close))
                ranks.append(
                    models.Case(
                        *(models.When(pk=pk, then=Value(score)) for pk, score in close.items()),
                        default=Value(0.0),
                        output_field=models.FloatField(),
                    )
                )
        return (
            self.filter(matched)
            .annotate(search_rank=Greatest(*ranks))
            .order_by(
                "-search_rank",
                "-nb_ratings",
                # Works nobody here rated yet: most MyAnimeList members, then the first aired
                # (a series before its sequels).
                F("nb_members").desc(nulls_last=True),
                F("aired_from").asc(nulls_last=True),
                "pk",
            )
        )

    def _close_matches(self, text: str, titles) -> dict[int, float]:
        """SQLite's typo tolerance: {work id: closeness} of the works whose titles come close.

        The candidates are the titles holding at least half of the query's three-letter pieces,
        most first (CLOSE_CANDIDATES per table); difflib compares each with the query.
        """
        fragments = text_search.candidate_fragments(text)
        if not fragments or not text_search.fuzzy_part(text):
            return {}
        hits = sum(
            (models.Case(models.When(search_text__contains=f, then=1), default=0) for f in fragments),
            start=Value(0),
        )
        needed = (len(fragments) + 1) // 2
        rows = []
        for table, id_field in ((self.model.objects, "pk"), (titles, "work_id")):
            near = table.annotate(hits=hits).filter(hits__gte=needed).order_by("-hits")
            rows += near.values_list(id_field, "search_text")[:CLOSE_CANDIDATES]
        return text_search.close_matches(rows, text, limit=CLOSE_MATCHES)

    def public(self) -> WorkQuerySet:
        """The public catalogue: works loaded, synced or confirmed by staff, not those still
        waiting for confirmation since a member's import first brought them (``Work.confirmed``)."""
        return self.filter(confirmed=True)

    def allowed_for(self, user) -> WorkQuerySet:
        """The NSFW rule alone: NSFW works only if ``user`` may see them (``nsfw_allowed``),
        confirmed or not. What an import matches a list's entries against (a work first seen
        in anyone's import is still rated by the next importer); lists read ``safe_for``."""
        return self if nsfw_allowed(user) else self.filter(nsfw=False)

    def safe_for(self, user) -> WorkQuerySet:
        """What every list shows ``user``: public works (``public``), NSFW ones only if they may
        see them (``nsfw_allowed``). Catalogue, search, suggestions, rankings, seasons and
        recommendations read this; a work waiting for confirmation is in none of them, not even
        for the member whose import brought it (their own lists read ``visible_to``)."""
        return self.public().allowed_for(user)

    def reachable_by(self, user) -> WorkQuerySet:
        """Public works, and the unconfirmed works ``user`` brought or rated (their own, in their
        list and export until confirmed), whatever the NSFW rule: ``visible_to`` applies it.
        An ``Exists`` on their ratings, not a join: one row per work."""
        if user is None or not user.is_authenticated:
            return self.public()
        from .models import Rating  # models imports this module

        theirs = Exists(Rating.objects.filter(user_id=user.pk, work_id=OuterRef("pk")))
        return self.filter(Q(confirmed=True) | Q(added_by_id=user.pk) | theirs)

    def visible_to(self, user) -> WorkQuerySet:
        """What ``user`` may open and rate: ``safe_for``, and the unconfirmed works they brought
        or rated (``reachable_by``). The work page, the rating endpoints and their own lists."""
        return self.reachable_by(user).allowed_for(user)

    def airing_on(self, day: date) -> WorkQuerySet:
        """Works airing on ``day`` (``airing_condition``: the one rule, also ``Work.is_airing``).

        Season pages filter by ``aired_from`` within a category: index ``work_category_aired``.
        """
        return self.filter(airing_condition(day))

    def weekly(self) -> WorkQuerySet:
        """Works with a weekly broadcast slot (what the airing calendar can place on a weekday)."""
        return self.filter(broadcast_start__isnull=False, broadcast_interval_days=WEEKLY_INTERVAL_DAYS)

    def franchise_of(self, work) -> WorkQuerySet:
        """The works of ``work``'s franchise (``services.franchises``), first aired first; ``work``
        alone when it has none. One query through the ``work_franchise`` index."""
        if work.franchise_id is None:
            return self.filter(pk=work.pk)
        return self.filter(franchise_id=work.franchise_id).order_by(
            F("aired_from").asc(nulls_last=True), "pk"
        )


@dataclass(frozen=True)
class WorkOrdering:
    """One way to order a list of works, as the catalogue page and the API's ``ordering`` offer it."""

    label: str  # what the page's menu says
    help: str  # what the API's documentation says
    apply: Callable[[WorkQuerySet], WorkQuerySet]
    needs_search: bool = False  # means something only for the results of a search


# The one list of work orderings: the catalogue page (``?sort=``), the home page's "See all"
# links and the API (``?ordering=``) all read it, so the same key gives the same order. ``top``,
# ``pearls`` and ``controversial`` keep only the works that have such a rank.
WORK_ORDERINGS: dict[str, WorkOrdering] = {
    "relevance": WorkOrdering(
        "Best match",
        "best match first, then most rated (with `search` only)",
        lambda works: works,  # ``search()`` has ordered them already
        needs_search=True,
    ),
    "popular": WorkOrdering(
        "Most popular", "most rated first, works nobody rated yet last", lambda works: works.popular()
    ),
    "top": WorkOrdering(
        "Top rated", "best average, among works with enough ratings", lambda works: works.top()
    ),
    "pearls": WorkOrdering(
        "Pearls", "loved by the few who know them, almost never disliked", lambda works: works.pearls()
    ),
    "controversial": WorkOrdering(
        "Most controversial",
        "works that split people between liking and disliking them",
        lambda works: works.controversial(),
    ),
    "title": WorkOrdering("Title", "alphabetical", lambda works: works.order_by("title", "pk")),
}


def ordering_or_default(name: str | None, *, searching: bool) -> str:
    """The ordering to apply when ``name`` is asked for (or nothing, or one that means nothing here).

    A search is ordered best match first unless another ordering is asked for; a list without
    a search, most popular first.
    """
    default = "relevance" if searching else "popular"
    if not name or name not in WORK_ORDERINGS or (WORK_ORDERINGS[name].needs_search and not searching):
        return default
    return name


def ordered_works(works: WorkQuerySet, name: str | None, *, searching: bool) -> WorkQuerySet:
    """``works`` in the ordering ``name`` (see ``ordering_or_default``); pages and API call this."""
    return WORK_ORDERINGS[ordering_or_default(name, searching=searching)].apply(works)


def nsfw_allowed(user) -> bool:
    """Whether ``user`` may see works marked NSFW: signed in, and opted in on their profile.

    The one NSFW rule: querysets (``safe_for``), pages, recommendations and the API ask this.
    """
    if user is None or not user.is_authenticated:
        return False
    profile = getattr(user, "profile", None)
    return bool(profile and profile.nsfw_ok)


def profile_visible_to(owner, viewer) -> bool:
    """Whether ``viewer`` (any user, or anonymous) may see ``owner``'s profile and ratings.

    Their own always; anyone else's only if it is shared, not a guest's and the account is
    active. The profile pages and the API both ask this.
    """
    if viewer is not None and viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    profile = getattr(owner, "profile", None)
    return bool(profile and profile.is_shared and not profile.is_guest and owner.is_active)


def model_report_visible_to(viewer) -> bool:
    """Whether ``viewer`` may read the model registry (its versions, figures, failures).

    Staff, or everyone when MANGAKI_PUBLIC_MODEL_REPORT is on: the report page and the API.
    """
    if settings.MANGAKI_PUBLIC_MODEL_REPORT:
        return True
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_staff)


# A weekly broadcast slot repeats every this many days (``Work.broadcast_interval_days``).
WEEKLY_INTERVAL_DAYS = 7
# A weekly show whose end nobody recorded (bangumi-data leaves ``end`` empty while a show airs,
# and for some old ones) is taken to air for one cour, 13 weeks, from its first broadcast, and
# no longer: without this, a show whose data stopped being updated would stay "airing now"
# for ever. The catalogue sync's status (AniList's RELEASING, FINISHED) replaces the guess.
UNKNOWN_END_RUN_DAYS = 13 * 7


def airing_condition(day: date) -> Q:
    """The airing rule, as SQL: AniList says it is releasing; or, with no status known, it has a
    weekly slot and its run covers ``day``: first aired on or before it, and either not ended
    before it or, with no end date, first aired at most UNKNOWN_END_RUN_DAYS before it.

    ``is_airing_on`` is the same rule in Python, for a work already loaded; a test checks that
    the two agree case by case.
    """
    from .models import Work  # models imports this module

    return Q(status=Work.Status.RELEASING) | Q(
        Q(aired_to__gte=day)
        | Q(aired_to__isnull=True, aired_from__gte=day - timedelta(days=UNKNOWN_END_RUN_DAYS)),
        status="",
        aired_from__lte=day,
        broadcast_start__isnull=False,
        broadcast_interval_days=WEEKLY_INTERVAL_DAYS,
    )


def is_airing_on(work, day: date) -> bool:
    """``airing_condition`` for one loaded work (no query)."""
    if work.status == type(work).Status.RELEASING:
        return True
    if work.aired_to is not None:
        runs = work.aired_to >= day
    else:
        runs = work.aired_from is not None and (day - work.aired_from).days <= UNKNOWN_END_RUN_DAYS
    return (
        work.status == ""
        and work.aired_from is not None
        and work.aired_from <= day
        and runs
        and work.broadcast_start is not None
        and work.broadcast_interval_days == WEEKLY_INTERVAL_DAYS
    )
