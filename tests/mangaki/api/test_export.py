"""GET /api/ratings/export/: CSV, JSON, and MyAnimeList lists that the import reads back the same."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mangaki.choices import Choice
from mangaki.models import Category, Progress, Rating, Work
from mangaki.services.ratings import rating_set, ratings_bulk_delete
from tests.factories import UserFactory, WorkFactory
from tests.mangaki.api.conftest import error_fields, token_client

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    """An export's bytes: it is streamed."""
    assert response.streaming
    return b"".join(response.streaming_content)


@pytest.fixture
def rated(user):
    """``user`` rated an anime and a manga with each choice, plus a work with no MyAnimeList id."""
    manga = Category.objects.get(slug="manga")
    works = []
    for n, choice in enumerate(Choice.values, start=1):
        anime = WorkFactory(
            title=f"Anime {n} <i>&</i> ]]>", external_source="myanimelist", external_id=str(n), nb_episodes=n
        )
        book = WorkFactory(
            category=manga,
            title=f"Manga {n}",
            work_type="",
            external_source="myanimelist",
            external_id=str(n),
            nb_episodes=None,
            nb_volumes=n,
            nb_chapters=10 * n,
        )
        rating_set(user=user, work=anime, choice=choice)
        rating_set(user=user, work=book, choice=choice)
        works += [anime, book]
    local = WorkFactory(title='=HYPERLINK("http://evil")')
    rating_set(user=user, work=local, choice=Choice.LIKE)
    return works + [local]


def test_csv_has_a_row_per_rating_and_defuses_formulas(me, user, rated):
    response = me.get("/api/ratings/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="mangaki_{user.username}_')
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert len(rows) == 13
    by_id = {int(row["work_id"]): row for row in rows}
    assert by_id[rated[0].pk]["myanimelist_id"] == "1" and by_id[rated[0].pk]["category"] == "anime"
    assert (
        by_id[rated[-1].pk]["title"] == '\'=HYPERLINK("http://evil")'
        and by_id[rated[-1].pk]["myanimelist_id"] == ""
    )
    assert {row["choice"] for row in rows} == set(Choice.values)


def test_json_holds_every_rating_with_its_work(me, user, rated):
    document = json.loads(body(me.get("/api/ratings/export/?format=json")))
    assert document["user"] == user.username and len(document["ratings"]) == 13
    first = document["ratings"][0]
    assert first["work"] == {
        "id": rated[0].pk,
        "title": rated[0].title,
        "category": "anime",
        "type": "TV",
        "external_source": "myanimelist",
        "external_id": "1",
    }
    assert first["choice"] == Choice.values[0]


def test_mal_lists_read_back_to_the_same_ratings(me, user, rated, eager_celery):
    before = dict(Rating.objects.filter(user=user).values_list("work_id", "choice"))
    exports = {}
    for category in ("anime", "manga"):
        response = me.get(f"/api/ratings/export/?format=mal&category={category}")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
        assert response["X-Left-Out"] == ("1" if category == "anime" else "0")
        exports[category] = body(response)
    ratings_bulk_delete(user=user)
    works = Work.objects.count()
    for category, document in exports.items():
        upload = SimpleUploadedFile(f"{category}list.xml", document)
        answer = me.post("/api/imports/", {"file": upload}, format="multipart").json()
        report = me.get(answer["url"]).json()["report"]
        # Will see and won't see are written without a score: they come back as Plan to Watch
        # and Dropped on the list, with no rating made up for them.
        assert (report["created"], report["without_rating"], report["new_works"], report["n_skipped"]) == (
            4, 2, 0, 0,
        )  # fmt: skip
    after = dict(Rating.objects.filter(user=user).values_list("work_id", "choice"))
    unscored = {Choice.WILLSEE: "planned", Choice.WONTSEE: "dropped"}
    assert after == {
        pk: choice for pk, choice in before.items() if pk != rated[-1].pk and choice not in unscored
    }
    listed = dict(Progress.objects.filter(user=user).values_list("work_id", "status"))
    assert {pk: status for pk, status in listed.items() if before[pk] in unscored} == {
        pk: unscored[choice] for pk, choice in before.items() if choice in unscored and pk != rated[-1].pk
    }
    assert Work.objects.count() == works
    # The same export imported by someone else rates the same works the same way.
    other = UserFactory()
    token_client(other).post(
        "/api/imports/", {"file": SimpleUploadedFile("a.xml", exports["manga"])}, format="multipart"
    )
    manga = dict(Rating.objects.filter(user=other).values_list("work__title", "choice"))
    assert manga == {
        f"Manga {n}": choice for n, choice in enumerate(Choice.values, start=1) if choice not in unscored
    }


def test_an_unknown_format_is_a_400_naming_it(me):
    response = me.get("/api/ratings/export/?format=xlsx")
    assert response.status_code == 400 and error_fields(response) == {"format": "invalid_choice"}
    assert me.get("/api/ratings/export/?format=mal&category=music").status_code == 400


def test_export_needs_an_account_and_shows_only_ones_own(anon, client_of, rated):
    assert anon.get("/api/ratings/export/?format=json").status_code == 401
    assert json.loads(body(client_of(UserFactory()).get("/api/ratings/export/?format=json")))["ratings"] == []


def whole_documents(user, category: str) -> dict[str, bytes]:
    """Each format written at once, as before exports were streamed: the bytes to match."""
    from mangaki.exports import CSV_COLUMNS, _cell
    from mangaki.mal import ListedWork, write_list
    from mangaki.selectors import rating_export_rows

    rows = list(rating_export_rows(user=user))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [row.work_id, row.category, _cell(row.title), _cell(row.work_type), row.mal_id or "", row.choice,
             row.date.isoformat()]
        )  # fmt: skip
    kept = [row for row in rows if row.category == category and row.mal_id is not None]
    mal = write_list(
        category,
        user.username,
        [
            ListedWork(r.mal_id, r.title, r.choice, r.work_type, r.episodes, r.volumes, r.chapters)
            for r in kept
        ],
    )
    return {"csv": out.getvalue().encode(), "mal": mal}


def test_a_streamed_export_is_byte_for_byte_the_whole_document(me, user, rated):
    WorkFactory(title='Ünïcode\u2028line "quoted" \\ back')
    rating_set(user=user, work=Work.objects.get(title__startswith="Ünïcode"), choice=Choice.FAVORITE)
    for category in ("anime", "manga"):
        expected = whole_documents(user, category)
        assert body(me.get("/api/ratings/export/", {"format": "csv"})) == expected["csv"]
        assert (
            body(me.get("/api/ratings/export/", {"format": "mal", "category": category})) == expected["mal"]
        )
    streamed = body(me.get("/api/ratings/export/", {"format": "json"}))
    assert streamed == json.dumps(json.loads(streamed), ensure_ascii=False, indent=1).encode()
    empty = body(token_client(UserFactory()).get("/api/ratings/export/", {"format": "json"}))
    assert empty == json.dumps(json.loads(empty), ensure_ascii=False, indent=1).encode()


def test_an_export_of_thousands_of_ratings_streams_in_chunks_with_every_row(me, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    anime = Category.objects.get(slug="anime")
    works = Work.objects.bulk_create(
        [
            Work(title=f"Bulk {n}", category=anime, external_source="myanimelist", external_id=str(n))
            for n in range(3000)
        ]
    )
    from mangaki.services.ratings import ratings_bulk_set

    ratings_bulk_set(user=user, rows=[(work.pk, Choice.values[n % 6]) for n, work in enumerate(works)])
    counters = {
        "csv": lambda data: data.count(b"\r\n") - 1,
        "json": lambda data: len(json.loads(data)["ratings"]),
        "mal": lambda data: data.count(b"<anime>"),
    }
    for fmt, count in counters.items():
        with CaptureQueriesContext(connection) as queries:
            response = me.get("/api/ratings/export/", {"format": fmt, "category": "anime"})
            chunks = list(response.streaming_content)
        assert response.streaming and len(chunks) > 2, fmt  # sent as it is read, not built whole
        assert max(len(chunk) for chunk in chunks) < 200_000
        assert count(b"".join(chunks)) == 3000, fmt
        assert len(queries.captured_queries) <= 8, fmt
