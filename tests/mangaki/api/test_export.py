"""GET /api/ratings/export/: CSV, JSON, and MyAnimeList lists that the import reads back the same."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mangaki.choices import Choice
from mangaki.models import Category, Rating, Work
from mangaki.services.ratings import rating_set, ratings_bulk_delete
from tests.factories import UserFactory, WorkFactory
from tests.mangaki.api.conftest import error_fields, token_client

pytestmark = pytest.mark.django_db


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
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 13
    by_id = {int(row["work_id"]): row for row in rows}
    assert by_id[rated[0].pk]["myanimelist_id"] == "1" and by_id[rated[0].pk]["category"] == "anime"
    assert (
        by_id[rated[-1].pk]["title"] == '\'=HYPERLINK("http://evil")'
        and by_id[rated[-1].pk]["myanimelist_id"] == ""
    )
    assert {row["choice"] for row in rows} == set(Choice.values)


def test_json_holds_every_rating_with_its_work(me, user, rated):
    body = me.get("/api/ratings/export/?format=json").json()
    assert body["user"] == user.username and len(body["ratings"]) == 13
    first = body["ratings"][0]
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
        exports[category] = response.content
    ratings_bulk_delete(user=user)
    works = Work.objects.count()
    for category, document in exports.items():
        upload = SimpleUploadedFile(f"{category}list.xml", document)
        answer = me.post("/api/imports/", {"file": upload}, format="multipart").json()
        report = me.get(answer["url"]).json()["report"]
        assert (report["created"], report["new_works"], report["n_skipped"]) == (6, 0, 0)
    after = dict(Rating.objects.filter(user=user).values_list("work_id", "choice"))
    assert after == {pk: choice for pk, choice in before.items() if pk != rated[-1].pk}
    assert Work.objects.count() == works
    # The same export imported by someone else rates the same works the same way.
    other = UserFactory()
    token_client(other).post(
        "/api/imports/", {"file": SimpleUploadedFile("a.xml", exports["manga"])}, format="multipart"
    )
    manga = dict(Rating.objects.filter(user=other).values_list("work__title", "choice"))
    assert manga == {f"Manga {n}": choice for n, choice in enumerate(Choice.values, start=1)}


def test_an_unknown_format_is_a_400_naming_it(me):
    response = me.get("/api/ratings/export/?format=xlsx")
    assert response.status_code == 400 and error_fields(response) == {"format": "invalid_choice"}
    assert me.get("/api/ratings/export/?format=mal&category=music").status_code == 400


def test_export_needs_an_account_and_shows_only_ones_own(anon, client_of, rated):
    assert anon.get("/api/ratings/export/?format=json").status_code == 401
    assert client_of(UserFactory()).get("/api/ratings/export/?format=json").json()["ratings"] == []
