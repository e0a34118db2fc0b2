"""A work's relations (sequel, prequel, adaptation…) as its page and the API show them.

Both read the rows prefetched by ``RELATIONS_PREFETCH`` (one query, whatever their number, the
related works and their categories joined) and never query on their own. A related NSFW work
is left out for people who do not see NSFW works (``querysets.nsfw_allowed``).
"""

from __future__ import annotations

from django.db.models import F, Prefetch

from .models import Work, WorkRelation
from .querysets import nsfw_allowed

# ``Work.objects.prefetch_related(RELATIONS_PREFETCH)``: each work's relations, in the order
# of the kinds' choices below, then the related works first aired first.
RELATIONS_PREFETCH = Prefetch(
    "relations",
    queryset=WorkRelation.objects.select_related("related__category").order_by(
        "kind", F("related__aired_from").asc(nulls_last=True), "related_id"
    ),
)
KIND_ORDER = list(WorkRelation.Kind.values)


def visible_relations(work: Work, user) -> list[WorkRelation]:
    """The work's relations ``user`` may see, by kind (sequel, prequel… in the model's order)."""
    allowed = nsfw_allowed(user)
    rows = [
        row
        for row in work.relations.all()
        if row.related.confirmed and (allowed or not row.related.nsfw)  # public works only
    ]
    return sorted(rows, key=lambda row: KIND_ORDER.index(row.kind))


def related_sections(work: Work, user) -> list[dict]:
    """The work page's "Related" list: ``{"kind", "label", "works"}`` for each kind it has."""
    sections: dict[str, dict] = {}
    for row in visible_relations(work, user):
        section = sections.setdefault(
            row.kind, {"kind": row.kind, "label": row.get_kind_display(), "works": []}
        )
        section["works"].append(row.related)
    return list(sections.values())
