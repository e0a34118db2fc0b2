"""Franchises: connected components of the relation graph, named by their smallest work id."""

from datetime import date

import pytest

from mangaki.models import Work, WorkRelation
from mangaki.services.franchises import _components, franchises_recompute
from tests.factories import WorkFactory


def relate(work, kind, related):
    WorkRelation.objects.create(work=work, kind=kind, related=related)


@pytest.mark.django_db
def test_a_chain_of_sequels_is_one_franchise_and_a_lone_work_none():
    a = WorkFactory(aired_from=date(2013, 4, 7))
    b = WorkFactory(aired_from=date(2017, 4, 1))
    c = WorkFactory(aired_from=date(2018, 7, 23))
    d = WorkFactory()
    relate(a, "sequel", b)
    relate(b, "sequel", c)
    assert franchises_recompute() == 3
    for work in (a, b, c, d):
        work.refresh_from_db()
    assert (a.franchise_id, b.franchise_id, c.franchise_id, d.franchise_id) == (a.pk, a.pk, a.pk, None)
    assert list(Work.objects.franchise_of(c)) == [a, b, c]  # first aired first
    assert list(Work.objects.franchise_of(d)) == [d]
    assert franchises_recompute() == 0  # idempotent


@pytest.mark.django_db
def test_two_groups_join_and_split_and_loose_relations_do_not_join():
    a, b, c, d, e = (WorkFactory() for _ in range(5))
    relate(b, "prequel", a)  # read both ways: b's prequel a
    relate(d, "adaptation", c)
    relate(e, "character", a)  # shares characters: not a franchise
    relate(e, "other", c)
    franchises_recompute()
    groups = dict(Work.objects.values_list("pk", "franchise_id"))
    assert groups == {a.pk: a.pk, b.pk: a.pk, c.pk: c.pk, d.pk: c.pk, e.pk: None}
    relate(b, "side_story", d)  # joins the two groups under the smallest id
    franchises_recompute()
    assert set(Work.objects.filter(franchise_id=a.pk).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
        c.pk,
        d.pk,
    }
    WorkRelation.objects.filter(work=b, kind="side_story").delete()
    WorkRelation.objects.filter(work=b, kind="prequel").delete()
    franchises_recompute()
    groups = dict(Work.objects.values_list("pk", "franchise_id"))
    assert groups == {a.pk: None, b.pk: None, c.pk: c.pk, d.pk: c.pk, e.pk: None}


def test_components_by_hand():
    """1-2-3 and 7-5 (5 is 7's), 9 alone is not listed: {1: 1, 2: 1, 3: 1, 5: 5, 7: 5}."""
    assert _components([(3, 2), (2, 1), (7, 5)]) == {1: 1, 2: 1, 3: 1, 5: 5, 7: 5}
    assert _components([(10, 4), (6, 10), (4, 6), (8, 6)]) == {4: 4, 6: 4, 8: 4, 10: 4}


@pytest.mark.django_db
def test_franchise_of_is_one_query(django_assert_num_queries):
    a, b = WorkFactory(), WorkFactory()
    relate(a, "sequel", b)
    franchises_recompute()
    a.refresh_from_db()
    with django_assert_num_queries(1):
        assert len(list(Work.objects.franchise_of(a))) == 2
