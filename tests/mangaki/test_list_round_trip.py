"""A MyAnimeList export imported and exported again is the same list: scores, statuses, progress,
dates and rewatches, for anime and manga (through the import service and the export API)."""

import pytest

from mangaki.mal import read_list
from mangaki.models import Progress
from tests.factories import UserFactory
from tests.mal_files import mal_export
from tests.mangaki.api.conftest import token_client
from tests.mangaki.test_rating_imports import run_import

pytestmark = pytest.mark.django_db

ANIME_ENTRIES = [
    {"id": 1, "title": "Watching it", "episodes": 26, "score": 8, "status": "Watching", "watched": 7,
     "started": "2026-10-03"},
    {"id": 5, "title": "Done twice", "episodes": 12, "score": 10, "status": "Completed", "watched": 12,
     "started": "2025-01-02", "finished": "2025-02-01", "times": 2},
    {"id": 6, "title": "Paused", "episodes": 24, "score": 0, "status": "On-Hold", "watched": 9,
     "started": "2024-05-06"},
    {"id": 7, "title": "Given up", "episodes": 50, "score": 3, "status": "Dropped", "watched": 4,
     "started": "2023-03-01", "finished": "2023-03-20"},
    {"id": 8, "title": "Some day", "episodes": 13, "score": 0, "status": "Plan to Watch"},
    {"id": 9, "title": "Again now", "episodes": 11, "score": 5, "status": "Completed", "watched": 11,
     "times": 1, "rewatching": True, "finished": "2022-12-31"},
]  # fmt: skip
MANGA_ENTRIES = [
    {"id": 2, "title": "Reading it", "volumes": 20, "chapters": 180, "score": 7, "status": "Reading",
     "watched": 64, "volumes_read": 7, "started": "2026-01-15"},
    {"id": 11, "title": "Read through", "volumes": 3, "chapters": 24, "score": 0, "status": "Completed",
     "watched": 24, "volumes_read": 3, "finished": "2021-08-08", "times": 3, "rewatching": True},
    {"id": 12, "title": "Paused manga", "volumes": 10, "chapters": 90, "score": 1, "status": "On-Hold",
     "watched": 30, "volumes_read": 3},
    {"id": 13, "title": "Dropped manga", "volumes": 0, "chapters": 0, "score": 0, "status": "Dropped",
     "watched": 2},
    {"id": 14, "title": "Plan to read", "volumes": 5, "chapters": 40, "score": 0, "status": "Plan to Read"},
]  # fmt: skip
KEPT = (
    "mal_id",
    "title",
    "score",
    "status",
    "watched",
    "volumes_read",
    "started",
    "finished",
    "times",
    "rewatching",
)


def as_read(kind: str, document: bytes) -> dict[int, dict]:
    entries = read_list(document, max_bytes=10_000_000, max_entries=1000).entries
    return {entry.mal_id: {field: getattr(entry, field) for field in KEPT} for entry in entries}


@pytest.mark.parametrize(("kind", "entries"), [("anime", ANIME_ENTRIES), ("manga", MANGA_ENTRIES)])
def test_an_export_imported_and_exported_again_is_the_same_list(kind, entries):
    person = UserFactory()
    document = mal_export(kind, entries)
    done = run_import(person, document, name=f"{kind}list.xml")
    assert done.status == "done", done.reason
    assert Progress.objects.filter(user=person).count() == len(entries)
    statuses = set(Progress.objects.filter(user=person).values_list("status", flat=True))
    assert statuses == {"watching", "completed", "on_hold", "dropped", "planned"}
    answer = token_client(person).get("/api/ratings/export/", {"format": "mal", "category": kind})
    assert answer.status_code == 200
    exported = b"".join(answer.streaming_content)
    assert as_read(kind, exported) == as_read(kind, document)
    assert b"<update_on_import>0</update_on_import>" in exported
    assert b"<update_on_import>1</update_on_import>" not in exported
    # And once more: the export of the export's import is the export.
    again = UserFactory()
    assert run_import(again, exported, name=f"{kind}list.xml").status == "done"
    second = token_client(again).get("/api/ratings/export/", {"format": "mal", "category": kind})
    assert as_read(kind, b"".join(second.streaming_content)) == as_read(kind, exported)


def test_progress_made_here_is_exported_with_no_score_when_there_is_no_rating():
    from mangaki.services.progress import progress_set
    from tests.factories import WorkFactory

    person = UserFactory()
    work = WorkFactory(external_source="myanimelist", external_id="77", nb_episodes=10, title="Tracked")
    progress_set(user=person, work=work, status="watching", episodes=3)
    answer = token_client(person).get("/api/ratings/export/", {"format": "mal", "category": "anime"})
    exported = b"".join(answer.streaming_content)
    (entry,) = read_list(exported, max_bytes=10_000_000, max_entries=10).entries
    assert (entry.mal_id, entry.status, entry.watched) == (77, "watching", 3)
    assert b"<my_score>0</my_score>" in exported
    assert b"<user_total_watching>1</user_total_watching>" in exported


def test_a_choice_changed_here_drops_the_imported_score_and_exports_the_choices_own():
    from mangaki.models import Rating, Work
    from mangaki.services.ratings import rating_set

    person = UserFactory()
    run_import(person, mal_export("anime", [{"id": 5, "title": "Scored", "score": 9, "status": "Completed"}]))
    rating = Rating.objects.get(user=person)
    assert (rating.choice, rating.mal_score) == ("like", 9)
    rating_set(user=person, work=Work.objects.get(external_id="5"), choice="favorite")
    assert Rating.objects.get(user=person).mal_score is None
    answer = token_client(person).get("/api/ratings/export/", {"format": "mal", "category": "anime"})
    (entry,) = read_list(b"".join(answer.streaming_content), max_bytes=10_000_000, max_entries=10).entries
    assert (entry.score, entry.choice) == (10, "favorite")
