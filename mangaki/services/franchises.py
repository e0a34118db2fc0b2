"""Franchises: the works joined by relations (sequel, prequel, adaptation…) form one group.

``Work.franchise_id`` is the smallest work id of each connected component of the relation
graph (relations read both ways; "shares characters" and "other" do not join works), and NULL
for a work with no such relation. Recomputed whole after a catalogue sync (and by whoever adds
relations), writing only the works whose group changed.
"""

from __future__ import annotations

from django.db import transaction

from ..models import Work, WorkRelation

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
