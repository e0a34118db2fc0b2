"""Rating and un-rating works: the single write path for ratings (pages, API, imports, datasets).

Every write locks the rating user's row first, then the rated works' rows in work-id order,
then touches the ratings and the works' counters: two writers on the same works wait for each
other instead of deadlocking, whatever order their rows came in, and an account being deleted
(``accounts.account_delete`` locks the same user row first) is either gone before a write starts
(``AccountGone``, a 403) or deleted after it commits, never in between. ``ratings_bulk_set`` and
``ratings_bulk_delete`` do the same for many works at once with a fixed number of statements
(one read, one insert, one update, one delete, and one counter UPDATE per kind of change).

What a rating is worth to others: everyone's ratings are kept and used for their own
recommendations, but they move the works' public counters (the rankings, the charts) and enter
training only once the account is *counted* (``Profile.counted_since``, ``ranking.counted``). A
guest's never are; a new member's are once the account has shown life: it is at least
``MANGAKI_MEMBER_TRUST_HOURS`` old and holds at least ``MANGAKI_MEMBER_TRUST_RATINGS`` ratings
(``member_is_due``). Then ``ratings_count_in`` adds every rating of theirs to the counters, once;
it runs when such a member rates (a cheap check on the locked user row) and from the beat task
``count_in_trusted_members``. Creating guests or accounts in bulk therefore moves no ranking.

``ratings_load`` writes a whole dataset's ratings, many people at once (``load_anime``): it
takes no row locks and recomputes every work's counters afterwards, so it is for the loader
run by an operator, not for requests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Value
from django.utils import timezone

from ..choices import COUNTER_FIELDS, Choice
from ..models import Profile, Rating, Work
from .bulk import db_value, insert_rows, update_rows
from .counters import counter_values
from .ranking import ranking_recompute


def _apply_delta(work_ids, *, removed: str | None, added: str | None) -> None:
    """Move one rating per work of ``work_ids`` from ``removed`` to ``added`` in its counters (one UPDATE)."""
    counts = {}
    for choice, field in COUNTER_FIELDS.items():
        delta = (choice == added) - (choice == removed)
        counts[choice] = ExpressionWrapper(F(field) + Value(delta), output_field=IntegerField())
    Work.objects.filter(pk__in=list(work_ids)).update(**counter_values(counts))


def lock_works(work_ids) -> set[int]:
    """Lock the rows of ``work_ids`` in id order (inside a transaction); the ids that exist."""
    return set(
        Work.objects.select_for_update()
        .filter(pk__in=list(work_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


class AccountGone(PermissionDenied):
    """The account a rating write is for no longer exists (deleted meanwhile): a 403, not a 500."""

    def __init__(self, message: str = "This account no longer exists."):
        super().__init__(message)


@dataclass(frozen=True)
class _Owner:
    """The locked user row of a write: whether their ratings count, whether they are due to."""

    pk: int
    counts: bool
    may_become_counted: bool


def lock_user(user) -> _Owner:
    """Lock ``user``'s row (inside a transaction), before any work's; AccountGone when deleted.

    The profile is read under the lock, so a member counted in meanwhile is seen as counted.
    """
    row = (
        get_user_model()
        .objects.select_for_update(of=("self",))
        .filter(pk=user.pk)
        .values_list("date_joined", "profile__is_guest", "profile__counted_since")
        .first()
    )
    if row is None:
        raise AccountGone()
    date_joined, guest, counted_since = row
    counts = guest is False and counted_since is not None
    may = guest is False and counted_since is None and date_joined <= _trust_cutoff()
    return _Owner(pk=user.pk, counts=counts, may_become_counted=may)


def _trust_cutoff():
    return timezone.now() - timedelta(hours=settings.MANGAKI_MEMBER_TRUST_HOURS)


def members_due():
    """Members not yet counted who have shown life: old enough, with enough ratings."""
    return (
        get_user_model()
        .objects.filter(profile__is_guest=False, profile__counted_since__isnull=True)  # not ``counted()``
        .filter(date_joined__lte=_trust_cutoff())
        .annotate(n_ratings=Count("ratings"))
        .filter(n_ratings__gte=settings.MANGAKI_MEMBER_TRUST_RATINGS)
    )


# Counting a member in locks every work they rated: inside a rating's own request only for a
# list this short, so that a write never waits on thousands of locks (the beat task takes the rest).
COUNT_IN_WITH_A_RATING_MAX = 500


def _count_in_if_due(owner: _Owner) -> None:
    """After a write of an uncounted member old enough: count them in if they now have enough ratings."""
    if not owner.may_become_counted:
        return
    n_ratings = Rating.objects.filter(user_id=owner.pk).count()
    if settings.MANGAKI_MEMBER_TRUST_RATINGS <= n_ratings <= COUNT_IN_WITH_A_RATING_MAX:
        _count_in_locked(owner.pk)


def _has_enough_ratings(user_id: int) -> bool:
    return Rating.objects.filter(user_id=user_id).count() >= settings.MANGAKI_MEMBER_TRUST_RATINGS


def _check_choice(choice: str) -> None:
    if choice not in Choice.values:
        raise ValidationError(
            {"choice": f"Unknown choice {choice!r}; expected one of {', '.join(Choice.values)}."}
        )


def rating_set(*, user, work: Work, choice: str) -> Rating:
    """Give ``work`` the rating ``choice`` from ``user``, replacing any previous one.

    Raises ValidationError for an unknown choice. Setting the same choice twice is a no-op.
    """
    _check_choice(choice)
    with transaction.atomic():
        owner = lock_user(user)
        lock_works([work.pk])
        rating = Rating.objects.select_for_update().filter(user=user, work=work).first()
        if rating is None:
            try:
                with transaction.atomic():
                    rating = Rating.objects.create(user=user, work=work, choice=choice)
            except IntegrityError:
                # Another request created it between our read and our insert: update that one.
                rating = Rating.objects.select_for_update().get(user=user, work=work)
            else:
                if owner.counts:
                    _apply_delta([work.pk], removed=None, added=choice)
                _count_in_if_due(owner)
                return rating
        if rating.choice == choice:
            return rating
        previous = rating.choice
        rating.choice, rating.mal_score = choice, None  # an imported score no longer says it
        rating.save(update_fields=["choice", "date", "mal_score"])
        if owner.counts:
            _apply_delta([work.pk], removed=previous, added=choice)
        return rating


def rating_delete(*, user, work: Work) -> bool:
    """Remove ``user``'s rating of ``work``; returns whether there was one."""
    with transaction.atomic():
        owner = lock_user(user)
        lock_works([work.pk])
        rating = Rating.objects.select_for_update().filter(user=user, work=work).first()
        if rating is None:
            return False
        rating.delete()
        if owner.counts:
            _apply_delta([work.pk], removed=rating.choice, added=None)
        return True


@dataclass(frozen=True)
class BulkResult:
    created: int
    changed: int
    unchanged: int
    # (work id, choice before, choice now) of every rating whose choice changed, by work id.
    moved: tuple[tuple[int, str, str], ...] = ()


def ratings_bulk_set(*, user, rows, works=None, mal_scores: dict[int, int] | None = None) -> BulkResult:
    """Give ``user``'s ratings the choices of ``rows`` ((work id, choice) pairs), all or nothing.

    ``works`` are the works this user may rate (default: every work; the API passes those the
    person may see). Raises ValidationError, with nothing written, naming every bad row at once
    (``ratings[i].choice``, ``ratings[i].work``): an unknown choice, a work rated twice in
    ``rows``, a work that is not among ``works``. Rows equal to the current rating change
    nothing (not even its date). ``mal_scores`` (an import's): the MyAnimeList score each work's
    choice came from, kept beside it (``Rating.mal_score``); without one a changed choice drops
    the score it had.
    """
    mal_scores = mal_scores or {}
    rows = [(int(work_id), choice) for work_id, choice in rows]
    known = set(
        (Work.objects.all() if works is None else works)
        .filter(pk__in={w for w, _ in rows})
        .values_list("pk", flat=True)
    )
    errors: dict[str, str] = {}
    first_row_of: dict[int, int] = {}
    for index, (work_id, choice) in enumerate(rows):
        if choice not in Choice.values:
            errors[f"ratings[{index}].choice"] = f"Unknown choice {choice!r}."
        if work_id not in known:
            errors[f"ratings[{index}].work"] = f"No work with id {work_id}."
        elif work_id in first_row_of:
            errors[f"ratings[{index}].work"] = (
                f"Work {work_id} is already rated in row {first_row_of[work_id]}."
            )
        else:
            first_row_of[work_id] = index
    if errors:
        raise ValidationError(errors)
    wanted = dict(rows)
    with transaction.atomic():
        owner = lock_user(user)
        locked = lock_works(wanted)
        if len(locked) != len(wanted):  # deleted since the check above
            gone = [index for index, (work_id, _) in enumerate(rows) if work_id not in locked]
            raise ValidationError(
                {f"ratings[{index}].work": f"No work with id {rows[index][0]}." for index in gone}
            )
        current = {
            rating.work_id: rating for rating in Rating.objects.filter(user=user, work_id__in=list(wanted))
        }
        created = [
            Rating(user=user, work_id=work_id, choice=choice, mal_score=mal_scores.get(work_id))
            for work_id, choice in wanted.items()
            if work_id not in current
        ]
        changed, moved = [], []
        moves: dict[tuple[str | None, str], list[int]] = defaultdict(list)
        now = timezone.now()
        for work_id, choice in wanted.items():
            rating = current.get(work_id)
            score = mal_scores.get(work_id)
            if rating is None:
                moves[(None, choice)].append(work_id)
            elif rating.choice != choice or (work_id in mal_scores and rating.mal_score != score):
                if rating.choice != choice:
                    moves[(rating.choice, choice)].append(work_id)
                    moved.append((work_id, rating.choice, choice))
                rating.choice, rating.date, rating.mal_score = choice, now, score
                changed.append(rating)
        Rating.objects.bulk_create(created)
        Rating.objects.bulk_update(changed, ["choice", "date", "mal_score"])
        if owner.counts:
            for (removed, added), work_ids in moves.items():
                _apply_delta(work_ids, removed=removed, added=added)
        if created:
            _count_in_if_due(owner)
    return BulkResult(
        created=len(created),
        changed=len(changed),
        unchanged=len(wanted) - len(created) - len(changed),
        moved=tuple(sorted(moved)),
    )


def ratings_bulk_delete(*, user, work_ids=None) -> int:
    """Remove ``user``'s ratings of ``work_ids`` (every rating of theirs when None); how many."""
    with transaction.atomic():
        owner = lock_user(user)
        ratings = Rating.objects.filter(user=user)
        if work_ids is not None:
            ratings = ratings.filter(work_id__in=list(work_ids))
        lock_works(ratings.values_list("work_id", flat=True))
        by_choice: dict[str, list[int]] = defaultdict(list)
        for work_id, choice in ratings.values_list("work_id", "choice"):
            by_choice[choice].append(work_id)
        deleted, _ = ratings.delete()
        if owner.counts:
            for choice, rated in by_choice.items():
                _apply_delta(rated, removed=choice, added=None)
    return deleted


def ratings_count_in(*, user) -> int:
    """Count ``user`` in: their ratings join the works' counters, and they count from now on.

    Once: a member already counted (or a guest) is left as they are and 0 is returned;
    otherwise how many ratings now count. The user row is locked first, then the works.
    """
    with transaction.atomic():
        owner = lock_user(user)
        if owner.counts or Profile.objects.filter(user_id=owner.pk, is_guest=True).exists():
            return 0
        return _count_in_locked(owner.pk)


def _count_in_locked(user_id: int) -> int:
    """``ratings_count_in`` once the user row is locked (inside its transaction)."""
    rows = list(Rating.objects.filter(user_id=user_id).values_list("work_id", "choice"))
    lock_works(work_id for work_id, _ in rows)
    by_choice: dict[str, list[int]] = defaultdict(list)
    for work_id, choice in rows:
        by_choice[choice].append(work_id)
    for choice, rated in by_choice.items():
        _apply_delta(rated, removed=None, added=choice)
    Profile.objects.filter(user_id=user_id).update(counted_since=timezone.now())
    return len(rows)


def members_count_in() -> int:
    """Count in every member who has shown life since the last pass (the beat task); how many."""
    n = 0
    for user in members_due().only("pk").iterator():
        try:
            with transaction.atomic():
                owner = lock_user(user)
                # Checked again under the lock: counted in meanwhile by a write of theirs, or
                # ratings deleted since the query.
                if owner.may_become_counted and _has_enough_ratings(owner.pk):
                    _count_in_locked(owner.pk)
                    n += 1
        except AccountGone:  # deleted since the query
            continue
    return n


def ratings_load(
    *, choices: dict[tuple[int, int], str], progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Make the ratings of a dataset those of ``choices`` ({(user id, work id): choice}).

    Creates the missing ratings, changes those whose choice differs, leaves the rest (and any
    rating of these users not in ``choices``) alone, then recomputes every work's counters if
    anything changed. One transaction; ``progress(n)`` hears of each batch written. Returns
    (created, updated).
    """
    for choice in set(choices.values()):
        _check_choice(choice)
    with transaction.atomic():
        user_ids = {user_id for user_id, _ in choices}
        current = {
            (user_id, work_id): (pk, choice)
            for pk, user_id, work_id, choice in Rating.objects.filter(user_id__in=user_ids).values_list(
                "pk", "user_id", "work_id", "choice"
            )
        }
        new, changed = [], []
        now = timezone.now()
        # Ids and choices go to the database as they are; the date is converted once.
        stamp = db_value(Rating, "date", now)
        for key, choice in choices.items():
            found = current.get(key)
            if found is None:
                new.append((int(key[0]), int(key[1]), str(choice), stamp))
            elif found[1] != choice:
                changed.append((found[0], choice, now))
        # Tuples, not model instances: 420k of them for the anime data (services.bulk).
        insert_rows(Rating, ["user", "work", "choice", "date"], new, progress=progress, prepared=True)
        update_rows(Rating, ["choice", "date"], changed)
        if progress:
            progress(len(changed))
        if new or changed:
            ranking_recompute()
    return len(new), len(changed)
