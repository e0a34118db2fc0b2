"""Chainable Work queries, each a single SQL query.

Indexes they rely on (declared in ``Work.Meta.indexes``): ``nb_ratings`` for the range
filters of ``top``, ``pearls`` and ``random`` and the ordering of ``popular``;
``controversy`` for the ordering of ``controversial``. A category filter joins the two-row
Category table and needs no index of its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Cast


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
        """Most counted ratings first."""
        return self.filter(nb_ratings__gt=0).order_by("-nb_ratings", "pk")

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

    def safe_for(self, user) -> WorkQuerySet:
        """Hide NSFW works unless ``user`` is signed in and opted in on their profile."""
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "profile", None)
            and user.profile.nsfw_ok
        ):
            return self
        return self.filter(nsfw=False)


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
