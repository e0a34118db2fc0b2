"""Franchises: the works joined by relations (sequel, prequel, adaptation…) form one group.

``Work.franchise_id`` is the smallest work id of each connected component of the relation
graph (relations read both ways; "shares characters" and "other" do not join works), and NULL
for a work with no such relation. Recomputed whole after a catalogue sync (and by whoever adds
relations), writing only the works whose group changed.
"""

from __future__ import annotations

from django.db import transaction

from ..models import Profile, Work, WorkRelation

# Relations too loose to make two works one franchise.
NOT_JOINING = (WorkRelation.Kind.CHARACTER, WorkRelation.Kind.OTHER)
BATCH_SIZE = 1000


def _components(edges) -> dict[int, int]:
    """Union-find over ``edges``: each work id mapped to the smallest id of its component."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    for left, right in edges:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the smaller id is the root, so roots are minima
    return {node: find(node) for node in parent}


def franchises_recompute() -> int:
    """Set every work's ``franchise_id`` from the relations; the number of works changed."""
    with transaction.atomic():
        edges = WorkRelation.objects.exclude(kind__in=NOT_JOINING).values_list("work_id", "related_id")
        wanted = _components(edges.iterator())
        current = dict(Work.objects.values_list("pk", "franchise_id"))
        changed = [
            Work(pk=pk, franchise_id=wanted.get(pk))
            for pk, franchise in current.items()
            if wanted.get(pk) != franchise
        ]
        Work.objects.bulk_update(changed, ["franchise_id"], batch_size=BATCH_SIZE)
        return len(changed)


# Works a person may hide the franchise of: enough for anyone, bounded for the profile's row.
MAX_HIDDEN_FRANCHISES = 1000


class TooManyHiddenFranchises(Exception):
    """The person already hid ``MAX_HIDDEN_FRANCHISES`` franchises."""


def franchise_hide(*, user, work: Work) -> bool:
    """Hide ``work``'s franchise (every part, as the relations join them) from ``user``'s lists;
    False when it already was. A work of no franchise is hidden alone."""
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
        hidden = set(profile.hidden_franchises)
        if work.pk in hidden:
            return False
        if len(hidden) >= MAX_HIDDEN_FRANCHISES:
            raise TooManyHiddenFranchises(f"at most {MAX_HIDDEN_FRANCHISES} franchises can be hidden")
        profile.hidden_franchises = sorted(hidden | {work.pk})
        profile.save(update_fields=["hidden_franchises"])
    if hasattr(user, "_state") and "profile" in user._state.fields_cache:
        user.profile.hidden_franchises = profile.hidden_franchises  # the caller's copy too
    return True


def franchise_show(*, user, work: Work) -> bool:
    """Undo ``franchise_hide`` for ``work`` (and for any other part it was said of); False when
    nothing was hidden."""
    parts = {work.pk}
    if work.franchise_id is not None:
        parts |= set(Work.objects.filter(franchise_id=work.franchise_id).values_list("pk", flat=True))
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
        kept = [pk for pk in profile.hidden_franchises if pk not in parts]
        if len(kept) == len(profile.hidden_franchises):
            return False
        profile.hidden_franchises = kept
        profile.save(update_fields=["hidden_franchises"])
    if hasattr(user, "_state") and "profile" in user._state.fields_cache:
        user.profile.hidden_franchises = kept
    return True
