"""On the full real data: the querysets agree with an independent computation from the Rating table."""

from collections import Counter, defaultdict

import pytest
from django.conf import settings

from mangaki.models import Rating, Work
from tests.training_support import full_anime_fixture  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Written out again from the specification on purpose, rather than imported from the code.
WEIGHTS = {"favorite": 5, "like": 2.5, "dislike": -2, "neutral": -0.1, "willsee": 0.5, "wontsee": -0.5}
COUNTED = {"favorite", "like", "neutral", "dislike"}


def per_work_counts() -> dict[int, Counter]:
    counts: dict[int, Counter] = defaultdict(Counter)
    for work_id, choice in Rating.objects.filter(work__category__slug="anime").values_list(
        "work_id", "choice"
    ):
        counts[work_id][choice] += 1
    return counts


def test_the_whole_dataset_is_loaded(full_anime):
    assert Rating.objects.count() == 419_943
    anime = Work.objects.filter(category__slug="anime")
    # The MyAnimeList catalogue (12,294) and what bangumi-data alone knows (3,584).
    assert anime.count() == 15_878
    assert anime.filter(nb_members__isnull=False).count() == 12_294
    assert anime.filter(nb_ratings__gt=0).count() == 7_157
    assert Rating.objects.values("user").distinct().count() == 4_714


def test_top_eight_anime_match_the_formula_computed_from_the_ratings(full_anime):
    expected = []
    for work_id, counts in per_work_counts().items():
        counted = sum(counts[c] for c in COUNTED)
        if counted >= settings.MANGAKI_TOP_MIN_RATINGS:
            score = sum(WEIGHTS[c] * n for c, n in counts.items()) / counted
            expected.append((-score, -counted, work_id))
    expected_ids = [work_id for _, _, work_id in sorted(expected)[:8]]
    top = list(Work.objects.filter(category__slug="anime").top()[:8])
    assert len(top) == 8
    assert [work.pk for work in top] == expected_ids


def test_pearls_match_the_formula_computed_from_the_ratings(full_anime):
    expected = []
    for work_id, counts in per_work_counts().items():
        counted = sum(counts[c] for c in COUNTED)
        likes, dislikes = counts["like"], counts["dislike"]
        if 30 <= counted <= 126 and likes >= 1 and dislikes / likes <= 5 / 42:
            expected.append((dislikes / likes, -counted, work_id))
    expected_ids = [work_id for _, _, work_id in sorted(expected)[:8]]
    pearls = list(Work.objects.filter(category__slug="anime").pearls()[:8])
    assert len(pearls) == 8
    assert [work.pk for work in pearls] == expected_ids
