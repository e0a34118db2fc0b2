"""Seasons and the week: season arithmetic, the airing rule, weekly slots, season page, calendar."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mangaki.models import Category, Work
from mangaki.querysets import airing_condition, is_airing_on
from mangaki.seasonal import (
    airing_calendar,
    broadcast_slot,
    latest_season,
    next_broadcast,
    season_row,
    season_works,
)
from mangaki.seasons import Season, YearSeason, current_season, season_months, today_in_japan
from mangaki.services.ratings import rating_set
from tests.factories import WorkFactory

FRIDAY_SLOT = datetime(2026, 1, 16, 14, 0, tzinfo=UTC)  # Friday 23:00 in Japan
SATURDAY_LATE_SLOT = datetime(2026, 1, 17, 15, 30, tzinfo=UTC)  # Saturday in UTC, Sunday 00:30 in Japan


# Season arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("season", "previous", "next_"),
    [
        (YearSeason(2026, Season.WINTER), YearSeason(2025, Season.FALL), YearSeason(2026, Season.SPRING)),
        (YearSeason(2026, Season.SPRING), YearSeason(2026, Season.WINTER), YearSeason(2026, Season.SUMMER)),
        (YearSeason(2026, Season.SUMMER), YearSeason(2026, Season.SPRING), YearSeason(2026, Season.FALL)),
        (YearSeason(2025, Season.FALL), YearSeason(2025, Season.SUMMER), YearSeason(2026, Season.WINTER)),
    ],
)
def test_previous_and_next_seasons_cross_years(season, previous, next_):
    assert season.previous == previous
    assert season.next == next_
    assert previous < season < next_ and sorted([next_, season, previous]) == [previous, season, next_]
    assert season.next.previous == season == season.previous.next


def test_a_season_covers_its_three_months_from_the_25th_of_the_month_before():
    spring = YearSeason(2026, Season.SPRING)
    assert (spring.first_day, spring.last_day) == (date(2026, 3, 25), date(2026, 6, 24))
    assert YearSeason(2024, Season.WINTER).first_day == date(2023, 12, 25)
    assert YearSeason(2024, Season.WINTER).last_day == date(2024, 3, 24)
    assert YearSeason(2025, Season.FALL).last_day == date(2025, 12, 24)
    assert season_months(Season.SPRING) == (4, 5, 6)
    assert spring.contains(date(2026, 3, 25)) and spring.contains(date(2026, 6, 24))
    assert not spring.contains(date(2026, 3, 24)) and not spring.contains(date(2026, 6, 25))
    assert not spring.contains(None)
    assert spring.label == "Spring 2026"
    assert YearSeason.of(date(2026, 6, 24)) == spring
    assert YearSeason.of(date(2026, 6, 25)) == spring.next


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 14:59 UTC on 24 March is 23:59 in Tokyo: still winter; a minute later it is the 25th
        # there, when spring's first broadcasts begin.
        (datetime(2026, 3, 24, 14, 59, tzinfo=UTC), YearSeason(2026, Season.WINTER)),
        (datetime(2026, 3, 24, 15, 0, tzinfo=UTC), YearSeason(2026, Season.SPRING)),
        # 24 December in UTC is already the 25th, the next year's winter, in Japan.
        (datetime(2025, 12, 24, 15, 30, tzinfo=UTC), YearSeason(2026, Season.WINTER)),
        (datetime(2025, 12, 24, 14, 30, tzinfo=UTC), YearSeason(2025, Season.FALL)),
    ],
)
def test_the_current_season_is_read_on_japans_clock(now, expected):
    assert current_season(now) == expected


# The airing rule ---------------------------------------------------------------------------

TODAY = date(2026, 2, 1)
AIRING_CASES = {
    # name: (fields, airing on TODAY)
    "releasing, no dates": ({"status": "releasing"}, True),
    "releasing, no slot, ended dates": ({"status": "releasing", "aired_to": date(2020, 1, 1)}, True),
    "finished, dates cover today": (
        {
            "status": "finished",
            "aired_from": date(2026, 1, 10),
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        False,
    ),
    "no status, running, weekly": (
        {"aired_from": date(2026, 1, 16), "broadcast_start": FRIDAY_SLOT, "broadcast_interval_days": 7},
        True,
    ),
    "no status, ends today, weekly": (
        {
            "aired_from": date(2026, 1, 16),
            "aired_to": TODAY,
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        True,
    ),
    "no status, ended yesterday": (
        {
            "aired_from": date(2026, 1, 16),
            "aired_to": TODAY - timedelta(days=1),
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        False,
    ),
    "no status, starts tomorrow": (
        {
            "aired_from": TODAY + timedelta(days=1),
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        False,
    ),
    "no status, running, no slot": ({"aired_from": date(2026, 1, 16)}, False),
    "no status, running, single broadcast": (
        {"aired_from": date(2026, 1, 16), "broadcast_start": FRIDAY_SLOT, "broadcast_interval_days": 0},
        False,
    ),
    "no status, no dates, weekly slot": (
        {"broadcast_start": FRIDAY_SLOT, "broadcast_interval_days": 7},
        False,
    ),
    # No end date: one cour (13 weeks) from the first broadcast, then no longer.
    "no status, no end, began 13 weeks ago": (
        {
            "aired_from": TODAY - timedelta(weeks=13),
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        True,
    ),
    "no status, no end, began 13 weeks and a day ago": (
        {
            "aired_from": TODAY - timedelta(weeks=13, days=1),
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        False,
    ),
    "no status, ends in a year, began two years ago": (
        {
            "aired_from": TODAY - timedelta(days=730),
            "aired_to": TODAY + timedelta(days=365),
            "broadcast_start": FRIDAY_SLOT,
            "broadcast_interval_days": 7,
        },
        True,
    ),
}


@pytest.mark.django_db
def test_the_airing_rule_in_sql_and_in_python_agree_case_by_case():
    works = {name: WorkFactory(title=name, **fields) for name, (fields, _) in AIRING_CASES.items()}
    in_sql = set(Work.objects.airing_on(TODAY).values_list("title", flat=True))
    assert set(Work.objects.filter(airing_condition(TODAY)).values_list("title", flat=True)) == in_sql
    for name, (_, expected) in AIRING_CASES.items():
        assert (name in in_sql) is expected, name
        assert is_airing_on(works[name], TODAY) is expected, name


@pytest.mark.django_db
def test_the_work_property_reads_today_in_japan():
    today = today_in_japan()
    assert WorkFactory(aired_from=today, broadcast_start=FRIDAY_SLOT, broadcast_interval_days=7).is_airing
    assert not WorkFactory(aired_from=today + timedelta(days=1), broadcast_start=FRIDAY_SLOT).is_airing
    assert WorkFactory(status=Work.Status.RELEASING).is_airing


# Weekly slots -------------------------------------------------------------------------------


def test_a_friday_14h_utc_slot_is_friday_23h_in_japan():
    work = Work(broadcast_start=FRIDAY_SLOT, broadcast_interval_days=7)
    slot = broadcast_slot(work, now=FRIDAY_SLOT - timedelta(days=3))
    assert slot.next_broadcast == FRIDAY_SLOT
    assert (slot.weekday_utc, slot.weekday_japan, slot.japan_time) == ("friday", "friday", "23:00")
    assert slot.iso_utc == "2026-01-16T14:00:00Z"
    assert slot.japan_label == "Fri 23:00"


def test_a_saturday_15h30_utc_slot_is_sunday_00h30_in_japan():
    work = Work(broadcast_start=SATURDAY_LATE_SLOT, broadcast_interval_days=7)
    slot = broadcast_slot(work, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert slot.next_broadcast == datetime(2026, 3, 7, 15, 30, tzinfo=UTC)
    assert (slot.weekday_utc, slot.weekday_japan, slot.japan_time) == ("saturday", "sunday", "00:30")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (FRIDAY_SLOT - timedelta(seconds=1), FRIDAY_SLOT),
        (FRIDAY_SLOT, FRIDAY_SLOT),
        (FRIDAY_SLOT + timedelta(seconds=1), FRIDAY_SLOT + timedelta(days=7)),
        # Across Europe's and America's daylight saving changes (29 and 8 March 2026) the slot
        # stays at 14:00 UTC, 23:00 in Japan: whole weeks in UTC.
        (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 3, 14, 0, tzinfo=UTC)),
        (datetime(2026, 11, 20, 14, 0, tzinfo=UTC), datetime(2026, 11, 20, 14, 0, tzinfo=UTC)),
    ],
)
def test_the_next_broadcast_keeps_the_weekday_and_time(now, expected):
    found = next_broadcast(FRIDAY_SLOT, 7, now)
    assert found == expected
    assert found.weekday() == 4 and (found.hour, found.minute) == (14, 0)


def test_a_slot_given_in_another_offset_is_read_as_its_utc_instant():
    start = datetime(2026, 1, 16, 23, 0, tzinfo=timezone.get_fixed_timezone(9 * 60))
    assert next_broadcast(start, 7, datetime(2026, 1, 20, tzinfo=UTC)) == datetime(
        2026, 1, 23, 14, tzinfo=UTC
    )


# Pages ------------------------------------------------------------------------------------


def spring_2026(**fields):
    fields.setdefault("aired_from", date(2026, 4, 10))
    return WorkFactory(**fields)


def season_url(year=2026, season="spring", **query):
    url = reverse("season", args=["anime", year, season])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def count_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries), response.content.decode()


def sections(content: str) -> dict[str, str]:
    """{heading text: the section's HTML} of a season page's groups, in page order."""
    found = {}
    for match in re.finditer(r'<section class="season-group"[^>]*>\s*<h2 id="[^"]+">([^<]+?) <', content):
        end = content.find("</section>", match.end())
        found[match.group(1).strip()] = content[match.end() : end]
    return found


@pytest.mark.django_db
def test_the_season_page_lists_new_works_by_type_and_continuing_ones(client):
    spring_2026(title="Spring TV", work_type="TV")
    spring_2026(title="Spring Movie", work_type="Movie", aired_from=date(2026, 6, 24))
    spring_2026(title="Spring ONA", work_type="ONA", aired_from=date(2026, 3, 25))
    spring_2026(title="Spring untyped", work_type="")
    WorkFactory(title="Winter show", aired_from=date(2026, 3, 24))
    WorkFactory(title="Summer show", aired_from=date(2026, 6, 25))
    WorkFactory(title="Long runner", aired_from=date(2025, 10, 1), aired_to=date(2026, 6, 20))
    WorkFactory(title="Ended in winter", aired_from=date(2025, 10, 1), aired_to=date(2026, 3, 20))
    manga = WorkFactory(
        title="Spring manga", category=Category.objects.get(slug="manga"), aired_from=date(2026, 4, 2)
    )

    content = client.get(season_url()).content.decode()
    groups = sections(content)
    assert list(groups) == ["TV", "Movie", "ONA", "Other", "Continuing"]
    assert "Spring TV" in groups["TV"] and "Spring Movie" in groups["Movie"] and "Spring ONA" in groups["ONA"]
    assert "Spring untyped" in groups["Other"]
    assert "Long runner" in groups["Continuing"]
    for absent in ("Winter show", "Summer show", "Ended in winter", manga.title):
        assert absent not in content
    assert "<h1>Spring 2026" in content
    assert f'href="{season_url(2026, "winter")}" rel="prev"' in content
    assert f'href="{season_url(2026, "summer")}" rel="next"' in content


@pytest.mark.django_db
def test_season_links_cross_the_year(client):
    content = client.get(season_url(2026, "winter")).content.decode()
    assert f'href="{season_url(2025, "fall")}" rel="prev"' in content
    assert f'href="{season_url(2026, "spring")}" rel="next"' in content


@pytest.mark.django_db
def test_the_current_season_is_a_redirect_to_its_page(client):
    season = current_season()
    response = client.get(reverse("this-season", args=["anime"]))
    assert response.status_code == 302
    assert response["Location"] == season_url(season.year, season.season.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/anime/season/2026/autumn/",
        "/anime/season/1800/spring/",
        "/nope/season/2026/spring/",
        "/nope/calendar/",
    ],
)
def test_unknown_seasons_and_categories_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_the_season_page_marks_what_airs_now_and_the_broadcast_day(client):
    spring_2026(
        title="Airing one",
        status=Work.Status.RELEASING,
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    spring_2026(
        title="Finished one",
        status=Work.Status.FINISHED,
        broadcast_start=SATURDAY_LATE_SLOT,
        broadcast_interval_days=7,
    )
    content = client.get(season_url()).content.decode()
    airing = content[content.index('<div class="season-item is-airing"') :]
    assert airing.index("Airing now") < airing.index("Airing one")
    assert content.count("Airing now") == 1
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT14:00:00Z" data-slot="weekday"[^>]*>Fri 23:00 JST</time>', content
    )
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT15:30:00Z" data-slot="weekday"[^>]*>Sun 00:30 JST</time>', content
    )
    assert "Japan time (JST, UTC+9)" in content


@pytest.mark.django_db
def test_the_season_page_sorts(client, rate):
    known = spring_2026(title="B known upstream", anilist_popularity=5000, aired_from=date(2026, 5, 1))
    rated = spring_2026(title="C rated here", aired_from=date(2026, 4, 20))
    spring_2026(title="A obscure", aired_from=date(2026, 4, 5))
    rate(rated, {"like": 2})

    def order(**query):
        content = client.get(season_url(**query)).content.decode()
        return list(dict.fromkeys(re.findall(r'title="([ABC] [^"]+)"', content)))

    assert order() == ["C rated here", "B known upstream", "A obscure"]  # here, then upstream
    assert order(sort="popular") == order()
    assert order(sort="title") == ["A obscure", "B known upstream", "C rated here"]
    assert order(sort="aired") == ["A obscure", "C rated here", "B known upstream"]
    assert order(sort="nonsense") == order()
    assert known.nb_ratings == 0


@pytest.mark.django_db
def test_the_season_page_marks_the_viewers_ratings_and_hides_nsfw(client, user):
    seen = spring_2026(title="Seen it")
    spring_2026(title="Not yet")
    spring_2026(title="Lewd thing", nsfw=True)
    rating_set(user=user, work=seen, choice="like")
    assert "Lewd thing" not in client.get(season_url()).content.decode()
    client.force_login(user)
    content = client.get(season_url()).content.decode()
    assert "Lewd thing" not in content
    card = content[content.index(f'data-work="{seen.pk}"') :]
    card = card[: card.index("</article>")]
    assert 'data-choice="like" class="rate-button rate-like" aria-pressed="true"' in card
    assert content.count('aria-pressed="true"') == 1
    user.profile.nsfw_ok = True
    user.profile.save(update_fields=["nsfw_ok"])
    assert "Lewd thing" in client.get(season_url()).content.decode()


@pytest.mark.django_db
def test_works_nobody_rated_can_be_rated_from_the_season_page(client, user):
    new = spring_2026(title="Brand new")
    client.force_login(user)
    content = client.get(season_url()).content.decode()
    assert f'action="{reverse("rate", args=[new.pk])}"' in content
    response = client.post(reverse("rate", args=[new.pk]), {"choice": "willsee"})
    assert response.status_code in (200, 302)
    assert 'aria-pressed="true"' in client.get(season_url()).content.decode()


def many_works(prefix: str, count: int, **fields):
    for index in range(count):
        work = spring_2026(
            title=f"{prefix} {index}",
            work_type=("TV", "Movie", "ONA")[index % 3],
            status=Work.Status.RELEASING,
            broadcast_start=FRIDAY_SLOT + timedelta(hours=index),
            broadcast_interval_days=7,
            **fields,
        )
        WorkFactory(
            title=f"{prefix} continuing {index}", aired_from=date(2025, 1, 1), aired_to=date(2026, 5, 1)
        )
        yield work


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["season", "calendar"])
def test_page_queries_do_not_grow_with_the_number_of_works(
    client, user, which, django_assert_max_num_queries
):
    url = season_url() if which == "season" else reverse("calendar", args=["anime"])
    for work in many_works("Few", 2):
        rating_set(user=user, work=work, choice="like")
    client.force_login(user)
    few, _ = count_queries(client, url)
    for work in many_works("More", 30):
        rating_set(user=user, work=work, choice="dislike")
    many, content = count_queries(client, url)
    assert many == few
    assert content.count('aria-pressed="true"') == 32
    # Session, user, categories, works, tags, ratings, progress, and the active models (for the
    # person's order of the season: none is trained here).
    with django_assert_max_num_queries(8):
        client.get(url)


@pytest.mark.django_db
def test_the_calendar_puts_each_weekly_show_on_its_japanese_weekday(client):
    today = today_in_japan()
    WorkFactory(
        title="Friday night show",
        aired_from=date(2026, 1, 16),
        aired_to=date(2100, 1, 1),  # a recorded end, after today: airing without a status
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    WorkFactory(
        title="Past midnight show",
        status=Work.Status.RELEASING,
        aired_from=date(2026, 1, 17),
        broadcast_start=SATURDAY_LATE_SLOT,
        broadcast_interval_days=7,
    )
    WorkFactory(
        title="Ended show",
        aired_from=date(2026, 1, 1),
        aired_to=today - timedelta(days=1),
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    WorkFactory(
        title="Daily show",
        status=Work.Status.RELEASING,
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=1,
    )
    WorkFactory(
        title="Movie",
        status=Work.Status.RELEASING,
        work_type="Movie",
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=0,
    )
    WorkFactory(
        title="Lewd weekly",
        nsfw=True,
        status=Work.Status.RELEASING,
        broadcast_start=FRIDAY_SLOT,
        broadcast_interval_days=7,
    )
    content = client.get(reverse("calendar", args=["anime"])).content.decode()

    def day(name):
        start = content.index(f'id="day-{name}"')
        return content[start : content.index("</section>", start)]

    assert "Friday night show" in day("friday") and "Friday night show" not in day("saturday")
    assert "Past midnight show" in day("sunday") and "Past midnight show" not in day("saturday")
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT14:00:00Z" data-slot="time"[^>]*>23:00 JST</time>', day("friday")
    )
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT15:30:00Z" data-slot="time"[^>]*>00:30 JST</time>', day("sunday")
    )
    for absent in ("Ended show", "Daily show", "Movie", "Lewd weekly"):
        assert absent not in content
    assert "Days and times are Japan time (JST, UTC+9)" in content
    assert 'src="/static/js/calendar.js"' in content and "<script>" not in content
    assert "Nothing airs on Monday." in day("monday")


def test_the_calendar_week_starts_on_monday_and_knows_today_in_japan(db):
    anime = Category.objects.get(slug="anime")
    # Thursday 15:00 UTC is Friday midnight in Japan.
    days = airing_calendar(category=anime, user=None, now=datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    assert [day.weekday for day in days][:2] == ["monday", "tuesday"]
    assert [day.weekday for day in days if day.is_today] == ["friday"]


@pytest.mark.django_db
def test_home_shows_this_season_with_links_to_it_and_the_calendar(client):
    season = current_season()
    WorkFactory(
        title="Still airing",
        aired_from=season.previous.first_day,
        status=Work.Status.RELEASING,
        anilist_popularity=9,
    )
    WorkFactory(title="New this season", aired_from=season.first_day, status=Work.Status.RELEASING)
    WorkFactory(title="New, not airing yet", aired_from=season.last_day, status=Work.Status.NOT_YET_RELEASED)
    WorkFactory(title="Last season's", aired_from=season.previous.first_day, status=Work.Status.FINISHED)
    content = client.get(reverse("home")).content.decode()
    row = content[content.index(">This season <") :]
    row = row[: row.index("</section>")]
    shown = list(
        dict.fromkeys(re.findall(r'<h3 class="card-title"[^>]*><a href="[^"]+" title="([^"]+)"', row))
    )
    # New works first (most popular first), then older ones still airing.
    assert shown == ["New this season", "New, not airing yet", "Still airing"], shown
    assert row.count("Airing now") == 2 and "Last season&#x27;s" not in row
    assert f'href="{season_url(season.year, season.season.value)}"' in row
    assert f'href="{reverse("calendar", args=["anime"])}"' in content  # the site's menu and the row


@pytest.mark.django_db
def test_season_works_selector_splits_new_and_continuing():
    anime = Category.objects.get(slug="anime")
    spring_2026(title="New")
    WorkFactory(title="Still on, no end", aired_from=date(2025, 1, 1), status=Work.Status.RELEASING)
    WorkFactory(title="Over, no end", aired_from=date(2025, 1, 1), status=Work.Status.FINISHED)
    found = season_works(category=anime, season=YearSeason(2026, Season.SPRING), user=None)
    assert [(group.title, group.key, group.is_continuing) for group in found.groups] == [
        ("TV", "TV", False),
        ("Continuing", "continuing", True),
    ]
    assert [[work.title for work in group.works] for group in found.groups] == [["New"], ["Still on, no end"]]
    assert (found.nb_new, found.nb_continuing) == (1, 1)


@pytest.mark.django_db
def test_a_big_season_shows_each_group_cut_with_a_link_to_all_of_it(client, settings):
    from mangaki.views.seasons import SEASON_GROUP_SIZE

    for index in range(SEASON_GROUP_SIZE + 3):
        spring_2026(title=f"Show {index:02d}", anilist_popularity=1000 - index)
    spring_2026(title="The one movie", work_type="Movie")
    content = client.get(season_url()).content.decode()
    groups = sections(content)
    assert groups["TV"].count('class="season-item') == SEASON_GROUP_SIZE
    assert "Show 00" in groups["TV"] and f"Show {SEASON_GROUP_SIZE:02d}" not in groups["TV"]
    assert f'href="?show=TV&amp;sort=popular">All {SEASON_GROUP_SIZE + 3} TV' in groups["TV"]
    assert "All 1 Movie" not in groups["Movie"] and "The one movie" in groups["Movie"]
    assert f"{SEASON_GROUP_SIZE + 4} new works" in content

    content = client.get(season_url(show="TV")).content.decode()
    groups = sections(content)
    assert list(groups) == ["TV"]
    assert groups["TV"].count('class="season-item') == SEASON_GROUP_SIZE + 3
    assert "Every type of Spring 2026" in content
    assert list(sections(client.get(season_url(show="Nonsense")).content.decode())) == ["TV", "Movie"]


# When the catalogue's data ends before today (no sync ran) ---------------------------------


def _spring_2026_show(title, **fields):
    # Friday 14:00 UTC, 23:00 in Japan; bangumi-data recorded no end, and it began long before
    # today (the shipped data ends with spring 2026): not taken for airing now.
    return WorkFactory(
        title=title,
        aired_from=date(2026, 4, 3),
        broadcast_start=datetime(2026, 4, 3, 14, 0, tzinfo=UTC),
        broadcast_interval_days=7,
        **fields,
    )


@pytest.mark.django_db
def test_home_shows_the_latest_season_known_when_the_current_one_is_empty(client):
    _spring_2026_show("Spring show")
    WorkFactory(title="Winter show", aired_from=date(2026, 1, 9))
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    anime = Category.objects.get(slug="anime")
    assert latest_season(category=anime, now=now) == YearSeason(2026, Season.SPRING)
    season, works, is_current = season_row(category=anime, user=None, limit=12, now=now)
    assert (season, [w.title for w in works], is_current) == (
        YearSeason(2026, Season.SPRING),
        ["Spring show"],
        False,
    )
    # The page reads today's clock, past spring 2026: the latest season known is the one shown.
    assert current_season() > YearSeason(2026, Season.SPRING)
    content = client.get(reverse("home")).content.decode()
    assert ">This season <" not in content and ">Spring 2026 <" in content
    assert "The latest season the catalogue knows" in content


@pytest.mark.django_db
def test_the_calendar_says_nothing_is_known_to_air_and_offers_the_last_seasons_slots(client):
    _spring_2026_show("Spring show")
    _spring_2026_show("Spring sequel", status=Work.Status.FINISHED)
    WorkFactory(title="Spring movie", aired_from=date(2026, 4, 24), work_type="Movie")
    url = reverse("calendar", args=["anime"])
    content = client.get(url).content.decode()
    assert "Spring show" not in content
    assert "No show in the catalogue is known to be airing now" in content
    assert f'href="{url}?season=2026-spring"' in content

    content = client.get(url, {"season": "2026-spring"}).content.decode()
    friday = content[content.index('id="day-friday"') :]
    friday = friday[: friday.index("</section>")]
    assert "Spring show" in friday and "Spring sequel" in friday and "Spring movie" not in content
    assert re.search(r'<time datetime="2026-04-03T14:00:00Z" data-slot="time"[^>]*>23:00 JST</time>', friday)
    assert "Spring 2026: the weekly slots" in content and "No show in the catalogue" not in content
    assert "Airing now" not in friday  # began in April, no end recorded: not airing in December


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2026", "2026-autumn", "spring-2026", "1800-spring", "2026-spring-x"])
def test_a_malformed_calendar_season_is_404(client, value):
    assert client.get(reverse("calendar", args=["anime"]), {"season": value}).status_code == 404


@pytest.mark.django_db
def test_a_work_announced_without_a_date_is_on_the_season_anilist_files_it_under(client):
    announced = WorkFactory(
        title="Announced", aired_from=None, upstream_season="spring", upstream_season_year=2026
    )
    # A known first air date decides over the upstream season.
    WorkFactory(
        title="Dated", aired_from=date(2026, 7, 10), upstream_season="spring", upstream_season_year=2026
    )
    assert (announced.year, announced.season, announced.season_label) == (
        2026,
        Season.SPRING,
        "2026 · Spring",
    )
    anime = Category.objects.get(slug="anime")
    found = season_works(category=anime, season=YearSeason(2026, Season.SPRING), user=None)
    assert [(group.title, [w.title for w in group.works]) for group in found.groups] == [
        ("TV", ["Announced"])
    ]

    def api_titles(query):
        return sorted(work["title"] for work in client.get("/api/works/", query).json()["results"])

    assert api_titles({"season": "spring", "year": 2026}) == ["Announced"]
    assert api_titles({"season": "summer", "year": 2026}) == ["Dated"]
    assert api_titles({"season": "spring"}) == ["Announced"]
    assert api_titles({"year": 2026}) == ["Announced", "Dated"]
