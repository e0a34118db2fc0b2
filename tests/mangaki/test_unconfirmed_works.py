"""A work first seen in a member's import is theirs alone until something trustworthy confirms it.

Until the catalogue sync finds it upstream, the dataset loader holds it or staff confirm it, it
is in its importer's own list, export and ratings, and they may open and rate it; it is in no
public list (catalogue, search, suggestions, rankings, recommendations, the API) and in nobody
else's view of their profile. The title their list gave never names a public work.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from mangaki.models import Category, Rating, RatingImport, Tag, TaggedWork, Work, WorkTitle
from mangaki.services.rating_imports import import_receive, import_run
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory
from tests.mal_files import mal_export

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
# What the hostile review put at #1 of Top rated (a spreadsheet formula), with a word to look for.
FORMULA = "+cmd|' /C calc'!A0 Qwxzv"
TOKEN = "Qwxzv"


def run_import(user, entries: list[dict], kind: str = "anime") -> RatingImport:
    document = mal_export(kind, entries)
    name = "animelist_1.xml" if kind == "anime" else "mangalist_1.xml"
    done = import_run(import_id=import_receive(user=user, file_name=name, data=document).pk)
    assert done.status == RatingImport.Status.DONE, done.report
    return done


def imported_by(user, mal_id: int = 424242, title: str = FORMULA) -> Work:
    """``user`` imports a one-line list naming a work the catalogue lacks; that work."""
    run_import(user, [{"id": mal_id, "title": title, "score": 10, "status": "Completed"}])
    return Work.objects.get(external_source="myanimelist", external_id=str(mal_id))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def public_pages(client: Client, api: APIClient) -> dict[str, str]:
    """Every public list a title could show in, as ``client`` and ``api`` read them."""
    pages = {
        "home": client.get(reverse("home")),
        "catalogue": client.get(reverse("work-list", args=["anime"])),
        "catalogue by title": client.get(reverse("work-list", args=["anime"]), {"sort": "title"}),
        "top": client.get(reverse("work-list", args=["anime"]), {"sort": "top"}),
        "pearls": client.get(reverse("work-list", args=["anime"]), {"sort": "pearls"}),
        "search": client.get(reverse("work-list", args=["anime"]), {"q": "calc"}),
        "suggestions": client.get(reverse("search-suggest"), {"q": "calc"}),
        "suggestions by formula": client.get(reverse("search-suggest"), {"q": "cmd calc"}),
        "recommendations": client.get(reverse("recommendations")),
        "api works": api.get("/api/works/"),
        "api top": api.get("/api/works/", {"ordering": "top"}),
        "api search": api.get("/api/works/", {"search": "calc"}),
    }
    if api.handler._force_user is not None:  # the API's recommendations are for members
        pages["api recommendations"] = api.get("/api/recommendations/")
    for name, response in pages.items():
        assert response.status_code == 200, name
    return {name: body(response) for name, response in pages.items()}


@pytest.fixture
def catalogue(settings):
    """A few public works, well rated, so that rankings have rows."""
    settings.MANGAKI_TOP_MIN_RATINGS = 1
    settings.MANGAKI_PEARLS_MIN_RATINGS = 1
    raters = [UserFactory() for _ in range(3)]
    works = [WorkFactory(title=f"Known {index}") for index in range(4)]
    for work in works:
        for rater in raters:
            rating_set(user=rater, work=work, choice="like")
    return works


def test_an_imported_work_is_in_no_public_list_and_in_nobody_elses_view(catalogue):
    member, other = UserFactory(username="importer"), UserFactory(username="other")
    work = imported_by(member)
    assert (work.confirmed, work.added_by_id) == (False, member.pk)

    for viewer in (None, other):
        client = Client() if viewer is None else signed_in(viewer)
        for name, text in public_pages(client, api_as(viewer)).items():
            assert TOKEN not in text, f"{name} names the imported work"
        # The importer's profile as anyone else reads it: page and API.
        profile = client.get(reverse("profile", args=[member.username]))
        assert profile.status_code == 200 and TOKEN not in body(profile)
        assert "Known" not in body(profile)  # (the profile lists only what the member rated)
        listed = api_as(viewer).get(f"/api/users/{member.username}/ratings/").json()["results"]
        assert listed == []
        # Nobody else opens or rates it: it is unknown to them, as a missing work is.
        assert client.get(work.get_absolute_url()).status_code == 404
        assert api_as(viewer).get(f"/api/works/{work.pk}/").status_code == 404
        assert client.post(reverse("rate", args=[work.pk]), {"choice": "like"}, **JSON).status_code == 404
    refused = api_as(other).put(f"/api/ratings/{work.pk}/", {"choice": "like"})
    assert refused.status_code == 404 and refused.json()["errors"][0]["field"] == "work"
    bulk = api_as(other).post("/api/ratings/bulk/", {"ratings": [{"work": work.pk, "choice": "like"}]})
    assert bulk.status_code == 400
    assert not Rating.objects.filter(user=other, work=work).exists()


def test_the_importer_keeps_it_in_their_own_list_export_and_ratings_and_may_rate_it(catalogue):
    member = UserFactory(username="importer")
    work = imported_by(member)
    own = signed_in(member)
    profile = body(own.get(reverse("profile", args=[member.username])))
    assert "+cmd|&#x27; /C calc&#x27;!A0 Qwxzv" in profile and "Waiting for confirmation" in profile
    page = own.get(work.get_absolute_url())
    assert page.status_code == 200 and "Waiting for confirmation" in body(page)
    api = api_as(member)
    assert [row["work"]["id"] for row in api.get("/api/ratings/").json()["results"]] == [work.pk]
    assert api.get(f"/api/works/{work.pk}/").status_code == 200
    export = api.get("/api/ratings/export/", {"format": "csv"})
    assert export.status_code == 200 and TOKEN in body(export)
    # They may rate it again, on the page and through the API, and remove their rating.
    assert own.post(reverse("rate", args=[work.pk]), {"choice": "dislike"}, **JSON).status_code == 200
    assert Rating.objects.get(user=member, work=work).choice == "dislike"
    assert api.put(f"/api/ratings/{work.pk}/", {"choice": "like"}).status_code == 200
    assert (
        api.post("/api/ratings/bulk/", {"ratings": [{"work": work.pk, "choice": "neutral"}]}).status_code
        == 200
    )
    assert Rating.objects.get(user=member, work=work).choice == "neutral"
    assert api.delete(f"/api/ratings/{work.pk}/").status_code == 204
    # Still theirs (they brought it): they may open it and rate it again.
    assert own.get(work.get_absolute_url()).status_code == 200
    assert own.post(reverse("rate", args=[work.pk]), {"choice": "like"}, **JSON).status_code == 200
    # But their public lists leave it out too.
    for name, text in public_pages(own, api).items():
        assert TOKEN not in text, f"{name} names the imported work to its own importer"


def test_85_importers_of_one_line_each_never_put_their_title_on_a_public_page(catalogue):
    """Row 2 of issue 20: 85 accounts with a one-line file each put the formula at #1 of Top rated."""
    importers = [UserFactory() for _ in range(85)]
    for member in importers:
        run_import(member, [{"id": 424242, "title": FORMULA, "score": 10, "status": "Completed"}])
    work = Work.objects.get(external_source="myanimelist", external_id="424242")
    assert Rating.objects.filter(work=work).count() == 85 and not work.confirmed
    reader = UserFactory()
    for client, api in ((Client(), api_as(None)), (signed_in(reader), api_as(reader))):
        for name, text in public_pages(client, api).items():
            assert TOKEN not in text, f"{name} names the stuffed work"
    # Each importer has it in their own list; the others' lists, as they read each other, do not.
    assert TOKEN in body(signed_in(importers[0]).get(reverse("profile", args=[importers[0].username])))
    seen_by_another = signed_in(importers[1]).get(reverse("profile", args=[importers[0].username]))
    assert TOKEN not in body(seen_by_another)


def test_a_later_importer_may_rate_the_work_another_import_brought(catalogue):
    first, second = UserFactory(), UserFactory()
    work = imported_by(first)
    imported_by(second, title="Another name for it")
    assert Rating.objects.filter(work=work).count() == 2
    assert Work.objects.get(pk=work.pk).title == FORMULA  # the first importer's, still not public
    assert signed_in(second).get(work.get_absolute_url()).status_code == 200
    assert Work.objects.visible_to(second).filter(pk=work.pk).count() == 1  # one row, no join
    assert not Work.objects.safe_for(second).filter(pk=work.pk).exists()


# --- Confirmation ----------------------------------------------------------------------------


def test_the_catalogue_sync_confirms_it_under_the_upstream_title_genres_and_flag(settings, tmp_path):
    """The sync finds the MyAnimeList id upstream: AniList's title replaces the importer's."""
    from mangaki.services.catalogue_sync import SyncPlan
    from tests.mangaki.test_catalogue_sync import Upstream, sync

    settings.MEDIA_ROOT = str(tmp_path / "media")
    upstream = Upstream()
    try:
        member = UserFactory()
        work = imported_by(member, mal_id=2418, title=FORMULA)
        before = public_pages(Client(), api_as(None))
        assert all(TOKEN not in text for text in before.values())
        sync(upstream, plan=SyncPlan(enrich=("anime",)))
    finally:
        upstream.server.close()
    work.refresh_from_db()
    assert (work.confirmed, work.added_by_id, work.anilist_id) == (True, None, 2418)
    assert work.title == "Stranger: Mukou Hadan" and work.search_text == "stranger mukou hadan"
    assert {"action", "adventure"} <= set(work.tags.values_list("slug", flat=True))
    assert work.nsfw is False
    assert TOKEN not in "".join(WorkTitle.objects.filter(work=work).values_list("title", flat=True))
    # Public now, under its real title; the importer's title is nowhere.
    pages = public_pages(Client(), api_as(None))
    assert "Stranger: Mukou Hadan" in pages["catalogue by title"]
    assert all(TOKEN not in text for text in pages.values())
    assert Client().get(work.get_absolute_url()).status_code == 200


def test_the_sync_leaves_a_work_upstream_does_not_know_waiting(settings, tmp_path):
    from mangaki.services.catalogue_sync import SyncPlan
    from tests.mangaki.test_catalogue_sync import Upstream, sync

    settings.MEDIA_ROOT = str(tmp_path / "media")
    upstream = Upstream()
    try:
        work = imported_by(UserFactory(), mal_id=999999)
        sync(upstream, plan=SyncPlan(enrich=("anime",)))
    finally:
        upstream.server.close()
    work.refresh_from_db()
    assert (work.confirmed, work.title) == (False, FORMULA)


def test_the_sync_strips_format_characters_from_upstream_titles(settings, tmp_path):
    from mangaki.services.catalogue_sync import SyncPlan
    from tests.mangaki.test_catalogue_sync import Upstream, sync

    settings.MEDIA_ROOT = str(tmp_path / "media")
    upstream = Upstream()
    tetsujin = next(media for media in upstream.by_id if media["id"] == 2337)
    tetsujin["title"] = {
        "romaji": "Tetsujin\u202e 28-gou\u200b (2004)",
        "english": "\ufeffTetsujin\u2066 28\u2069",
        "native": "\u200b\u200d\u202e",  # nothing but format characters: no title
    }
    try:
        work = imported_by(UserFactory(), mal_id=2337, title="Tetsujin")
        sync(upstream, plan=SyncPlan(enrich=("anime",)))
    finally:
        upstream.server.close()
    work.refresh_from_db()
    assert work.confirmed and work.title == "Tetsujin 28-gou (2004)"
    assert sorted(WorkTitle.objects.filter(work=work).values_list("kind", "title")) == [
        ("romaji", "Tetsujin 28-gou (2004)"),
        ("translation", "Tetsujin 28"),
    ]


def test_load_anime_confirms_the_works_its_files_hold_under_their_title(tmp_path):
    from mangaki.services.dataset_load import dataset_load
    from tests.mangaki.test_dataset_load import write

    member = UserFactory()
    work = imported_by(member, mal_id=5114)
    waiting = imported_by(member, mal_id=777)
    works = (
        "mal_id,title,type,episodes,genres,members,mal_score\n"
        "5114,Fullmetal\u202e Alchemist:\u200b Brotherhood,TV,64,Action,1,9.1\n"
    )
    report = dataset_load(
        directory=write(tmp_path / "data", works=works, ratings="user,mal_id,choice\n1,5114,like\n")
    )
    assert report.errors == []
    work.refresh_from_db()
    assert (work.confirmed, work.added_by_id) == (True, None)
    assert work.title == "Fullmetal Alchemist: Brotherhood"  # the file's, cleaned; not the importer's
    assert work.search_text == "fullmetal alchemist brotherhood"
    assert Work.objects.get(pk=waiting.pk).confirmed is False  # not in the files: still waiting
    # A second load changes nothing.
    again = dataset_load(directory=tmp_path / "data")
    assert not again.changed


def test_staff_find_the_queue_edit_the_title_and_confirm(catalogue):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    member = UserFactory(username="importer")
    work = imported_by(member)
    staff = signed_in(UserFactory(username="admin", is_staff=True, is_superuser=True))
    queue = staff.get(reverse("admin:mangaki_work_changelist"), {"waiting": "yes"})
    assert queue.status_code == 200
    assert [w.pk for w in queue.context["cl"].result_list] == [work.pk]
    assert "importer" in body(queue)
    confirmed = staff.get(reverse("admin:mangaki_work_changelist"), {"waiting": "no"})
    assert work.pk not in {w.pk for w in confirmed.context["cl"].result_list}

    # The title first, on the work's admin page (cleaned as it saves), then the action.
    change = staff.get(reverse("admin:mangaki_work_change", args=[work.pk]))
    form = change.context["adminform"].form
    data = {
        name: [getattr(item, "pk", item) for item in value] if isinstance(value, list) else value
        for name, value in form.initial.items()
        if value is not None and name in form.fields and name != "cover"
    }
    data.update(
        {
            "title": "\u202eSome\u200b Real Title",
            "category": work.category_id,
            "tagged-TOTAL_FORMS": "0",
            "tagged-INITIAL_FORMS": "0",
        }
    )
    saved = staff.post(reverse("admin:mangaki_work_change", args=[work.pk]), data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    work.refresh_from_db()
    assert (work.title, work.confirmed) == ("Some Real Title", False)  # saving is not confirming
    acted = staff.post(
        reverse("admin:mangaki_work_changelist"),
        {"action": "confirm", ACTION_CHECKBOX_NAME: [work.pk]},
        follow=True,
    )
    assert acted.status_code == 200 and "1 work(s) confirmed" in body(acted)
    work.refresh_from_db()
    assert (work.confirmed, work.added_by_id, work.title) == (True, None, "Some Real Title")
    assert work.search_text == "some real title"
    assert "Some Real Title" in public_pages(Client(), api_as(None))["catalogue by title"]


def test_confirming_refuses_a_title_of_format_characters_only(catalogue):
    from django.core.exceptions import ValidationError

    from mangaki.services.works import work_confirm

    work = imported_by(UserFactory())
    with pytest.raises(ValidationError):
        work_confirm(work=work, title="\u200b\u202e ")
    assert Work.objects.get(pk=work.pk).confirmed is False


# --- Migration 0014's data step ----------------------------------------------------------------


def test_migration_0014_marks_only_works_nothing_trustworthy_described():
    migration = importlib.import_module("mangaki.migrations.0014_private_works_trust_import_uploads")
    anime = Category.objects.get(slug="anime")

    def mal(mal_id, **fields):
        return Work.objects.create(
            title=f"work {mal_id}",
            category=anime,
            external_source="myanimelist",
            external_id=str(mal_id),
            **fields,
        )

    bare = [mal(1), mal(2)]  # as an import made them: nothing but an id and a title
    members = mal(3, nb_members=10)
    tagged = mal(4)
    TaggedWork.objects.create(work=tagged, tag=Tag.objects.create(slug="drama", title="Drama"), weight=1.0)
    titled = mal(5)
    WorkTitle.objects.create(work=titled, title="other", language="en", kind="translation")
    other_source = Work.objects.create(
        title="anilist one", category=anime, external_source="anilist", external_id="9"
    )
    migration.forward(django_apps, None)
    confirmed = dict(Work.objects.values_list("pk", "confirmed"))
    assert [confirmed[w.pk] for w in bare] == [False, False]
    assert [confirmed[w.pk] for w in (members, tagged, titled, other_source)] == [True] * 4


# --- Format characters where titles enter --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Cowboy\u202e Bebop", "Cowboy Bebop"),  # right-to-left override
        ("\u2066evil\u2069.exe", "evil.exe"),  # isolates
        ("Zero\u200bwidth\u200c\u200d\u2060 space\ufeff", "Zerowidth space"),
        ("  spaced \t out  ", "spaced out"),
        ("進撃の巨人", "進撃の巨人"),
        ("\u200b\u202e\u2064", ""),
        (None, ""),
    ],
)
def test_clean_title(raw, clean):
    from mangaki.titles import clean_title

    assert clean_title(raw) == clean


def test_an_import_strips_format_characters_and_skips_a_title_made_only_of_them(user):
    done = run_import(
        user,
        [
            {"id": 31, "title": "\u202eevil\u200b show\ufeff", "score": 8, "status": "Completed"},
            {"id": 32, "title": "\u200b\u202e\u200d", "score": 8, "status": "Completed"},
        ],
    )
    assert Work.objects.get(external_id="31").title == "evil show"
    assert Work.objects.get(external_id="31").search_text == "evil show"
    assert not Work.objects.filter(external_id="32").exists()  # a missing title: skipped
    assert done.report["new_works"] == 1


def test_the_mal_reader_strips_format_characters():
    from mangaki.mal import read_list

    document = mal_export(
        "manga", [{"id": 7, "title": "Mon\u202ester\u200b", "score": 9, "status": "Completed"}]
    )
    [entry] = read_list(document, max_bytes=10**6, max_entries=10).entries
    assert entry.title == "Monster"


def test_the_loader_strips_format_characters(tmp_path):
    from mangaki.services.dataset_load import dataset_load
    from tests.mangaki.test_dataset_load import write

    works = (
        "mal_id,title,type,episodes,genres,members,mal_score\n"
        "1,\u202eCowboy\u200b Bebop,TV,26,Action,1,8.8\n"
        "2,\u200b\u202e,TV,1,Action,1,1\n"
    )
    titles = "mal_id,kind,language,title\n1,translation,en,\u2066Cowboy Bebop\u2069 (EN)\n"
    folder = write(tmp_path / "data", works=works, ratings="user,mal_id,choice\n1,1,like\n")
    (folder / "titles.csv").write_text(titles)
    report = dataset_load(directory=folder)
    assert [(e.line, e.reason) for e in report.errors] == [(3, "empty title")]
    work = Work.objects.get(external_id="1")
    assert work.title == "Cowboy Bebop" and work.confirmed
    assert list(WorkTitle.objects.filter(work=work).values_list("title", flat=True)) == ["Cowboy Bebop (EN)"]


def test_season_pages_and_the_calendar_leave_out_a_work_waiting_for_confirmation():
    from django.utils import timezone

    now = timezone.now()
    airing = {
        "aired_from": now.date(),
        "status": Work.Status.RELEASING,
        "broadcast_start": now,
        "broadcast_interval_days": 7,
    }
    member = UserFactory()
    WorkFactory(title="Public Airing Show", **airing)
    waiting = WorkFactory(title=f"Waiting Airing {TOKEN}", confirmed=False, added_by=member, **airing)
    rating_set(user=member, work=waiting, choice="willsee")
    for client in (Client(), signed_in(member)):
        pages = {
            "season": client.get(reverse("this-season", args=["anime"]), follow=True),
            "calendar": client.get(reverse("calendar", args=["anime"])),
            "api calendar": client.get("/api/calendar/"),
            "api season": client.get("/api/works/", {"season": Work.objects.get(pk=waiting.pk).season}),
        }
        for name, response in pages.items():
            assert response.status_code == 200, name
            assert "Public Airing Show" in body(response), name
            assert TOKEN not in body(response), name
