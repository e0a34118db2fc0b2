"""Seasons in the API: works filtered by season and year, and the weekly airing calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Category, Work
from mangaki.seasons import today_in_japan
from tests.factories import WorkFactory

from .conftest import error_fields

FRIDAY_SLOT = datetime(2026, 1, 16, 14, 0, tzinfo=UTC)
SATURDAY_LATE_SLOT = datetime(2026, 1, 17, 15, 30, tzinfo=UTC)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(work["title"] for work in response.json()["results"])


@pytest.fixture
def dated(db):
    WorkFactory(title="Winter 2026", aired_from=date(2026, 3, 24))
    WorkFactory(title="Spring 2026 first day", aired_from=date(2026, 3, 25))
    WorkFactory(title="Spring 2026 last day", aired_from=date(2026, 6, 24))
    WorkFactory(title="Summer 2026", aired_from=date(2026, 6, 25))
    WorkFactory(title="Spring 2013", aired_from=date(2013, 5, 5))
    WorkFactory(title="Fall 2025", aired_from=date(2025, 12, 24))
    WorkFactory(title="Undated")


def test_works_filter_by_season_and_year(dated, anon):
    spring_2026 = ["Spring 2026 first day", "Spring 2026 last day"]
    assert titles(anon.get("/api/works/", {"season": "spring", "year": 2026})) == spring_2026
    assert titles(anon.get("/api/works/", {"season": "spring"})) == ["Spring 2013", *spring_2026]
    assert titles(anon.get("/api/works/", {"year": 2026})) == sorted(
        ["Winter 2026", *spring_2026, "Summer 2026"]
    )
    assert titles(anon.get("/api/works/", {"season": "fall", "year": 2025})) == ["Fall 2025"]
    assert titles(anon.get("/api/works/", {"season": "winter", "year": 2026})) == ["Winter 2026"]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"season": "autumn"}, "season", "invalid_choice"),
        ({"year": "abc"}, "year", "invalid"),
        ({"year": "2026.5"}, "year", "invalid"),
        ({"year": "99999"}, "year", "max_value"),
        ({"season": "autumn", "year": "abc"}, None, None),
    ],
)
def test_bad_season_filters_are_400_naming_the_parameter(db, anon, params, field, code):
    response = anon.get("/api/works/", params)
    assert response.status_code == 400
    fields = error_fields(response)
    if field is None:
        assert set(fields) == {"season", "year"}
    else:
        assert fields == {field: code}


def test_the_calendar_lists_weekly_shows_airing_now_with_their_next_broadcast(db, anon):
    today = today_in_japan()
    friday = WorkFactory(
        title="Friday night show",
        aired_from=date(2026, 1, 16),
        aired_to=date(2100, 1, 1),  # a recorded end, after today: airing without a status
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    late = WorkFactory(
        title="Past midnight show",
        work_type="ONA",
        status=Work.Status.RELEASING,
        broadcast_start=SATURDAY_LATE_SLOT,
        broadcast_interval_days=7,
    )
    WorkFactory(
        title="Ended",
        aired_from=date(2026, 1, 1),
        aired_to=today - timedelta(days=1),
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    WorkFactory(title="No slot", status=Work.Status.RELEASING)
    WorkFactory(
        title="Lewd",
        nsfw=True,
        status=Work.Status.RELEASING,
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    manga = Category.objects.get(slug="manga")
    WorkFactory(
        title="Weekly manga",
        category=manga,
        status="releasing",
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )

    before = datetime.now(UTC)
    response = anon.get("/api/calendar/")
    assert response.status_code == 200, response.content
    results = {entry["title"]: entry for entry in response.json()["results"]}
    assert set(results) == {"Friday night show", "Past midnight show"}
    entry = results["Friday night show"]
    assert set(entry) == {
        "id", "title", "category", "type", "next_broadcast", "weekday_utc", "weekday_japan", "time_japan"
    }  # fmt: skip
    assert (entry["id"], entry["category"], entry["type"]) == (friday.pk, "anime", "TV")
    assert (entry["weekday_utc"], entry["weekday_japan"], entry["time_japan"]) == (
        "friday",
        "friday",
        "23:00",
    )
    assert entry["next_broadcast"].endswith("T14:00:00Z")
    upcoming = datetime.fromisoformat(entry["next_broadcast"])
    assert upcoming.tzinfo is not None and upcoming.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= upcoming <= before + timedelta(days=7)
    assert upcoming.weekday() == 4
    entry = results["Past midnight show"]
    assert (entry["id"], entry["type"]) == (late.pk, "ONA")
    assert (entry["weekday_utc"], entry["weekday_japan"], entry["time_japan"]) == (
        "saturday",
        "sunday",
        "00:30",
    )
    assert entry["next_broadcast"].endswith("T15:30:00Z")
    # Next broadcast first.
    order = [entry["next_broadcast"] for entry in response.json()["results"]]
    assert order == sorted(order)

    manga_titles = [
        entry["title"] for entry in anon.get("/api/calendar/", {"category": "manga"}).json()["results"]
    ]
    assert manga_titles == ["Weekly manga"]


def test_the_calendar_shows_nsfw_works_to_who_opted_in(db, me, user):
    WorkFactory(
        title="Lewd",
        nsfw=True,
        status=Work.Status.RELEASING,
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    assert me.get("/api/calendar/").json()["results"] == []
    user.profile.nsfw_ok = True
    user.profile.save(update_fields=["nsfw_ok"])
    assert [entry["title"] for entry in me.get("/api/calendar/").json()["results"]] == ["Lewd"]


def test_the_calendar_refuses_an_unknown_category(db, anon):
    response = anon.get("/api/calendar/", {"category": "comics"})
    assert response.status_code == 400
    assert error_fields(response) == {"category": "does_not_exist"}


def test_the_calendar_is_a_fixed_number_of_queries(db, anon):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert anon.get("/api/calendar/").status_code == 200
        return len(context.captured_queries)

    WorkFactory(status=Work.Status.RELEASING, broadcast_start=FRIDAY_SLOT, broadcast_interval_days=7)
    few = queries()
    for index in range(20):
        WorkFactory(
            status=Work.Status.RELEASING,
            broadcast_start=FRIDAY_SLOT + timedelta(hours=index),
            broadcast_interval_days=7,
        )
    assert queries() == few <= 2


def test_the_calendar_gives_a_seasons_weekly_slots(db, anon):
    WorkFactory(
        title="Spring show",
        aired_from=date(2026, 4, 3),
        broadcast_start=datetime(2026, 4, 3, 14, 0, tzinfo=UTC),
        broadcast_interval_days=7,
    )
    WorkFactory(title="Spring movie", aired_from=date(2026, 4, 24), work_type="Movie")
    assert anon.get("/api/calendar/").json()["results"] == []  # began long ago, no end recorded
    response = anon.get("/api/calendar/", {"season": "spring", "year": 2026})
    assert response.status_code == 200, response.content
    [entry] = response.json()["results"]
    assert (entry["title"], entry["next_broadcast"], entry["weekday_japan"], entry["time_japan"]) == (
        "Spring show",
        "2026-04-03T14:00:00Z",
        "friday",
        "23:00",
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"season": "spring"}, "year"),
        ({"year": 2026}, "season"),
        ({"season": "autumn", "year": 2026}, "season"),
    ],
)
def test_the_calendar_wants_season_and_year_together(db, anon, query, field):
    response = anon.get("/api/calendar/", query)
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}
