"""Importing MyAnimeList lists through the rating service: works matched or added, counters exact."""

import pytest
from django.core.exceptions import ValidationError

from mangaki.choices import Choice
from mangaki.models import Category, Progress, Rating, RatingImport, Work
from mangaki.services.rating_imports import TooManyImports, import_receive, import_run
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory
from tests.mal_files import line_of, mal_export
from tests.mangaki.test_counters import assert_counters_equal_a_recount

pytestmark = pytest.mark.django_db


def mal_work(mal_id: int, **fields) -> Work:
    return WorkFactory(external_source="myanimelist", external_id=str(mal_id), **fields)


def run_import(user, document: bytes, name: str = "animelist_1.xml") -> RatingImport:
    return import_run(import_id=import_receive(user=user, file_name=name, data=document).pk)


def statuses_of(user) -> dict[int, str]:
    return {
        int(mal_id): status
        for mal_id, status in Progress.objects.filter(user=user).values_list("work__external_id", "status")
    }


def choices_of(user) -> dict[int, str]:
    return {
        int(mal_id): choice
        for mal_id, choice in Rating.objects.filter(user=user, work__external_id__isnull=False).values_list(
            "work__external_id", "choice"
        )
    }


def test_an_anime_export_matches_known_works_adds_unknown_ones_and_keeps_counters_exact(user):
    bebop, other_fan = mal_work(1, title="Cowboy Bebop"), UserFactory()
    rating_set(user=other_fan, work=bebop, choice=Choice.LIKE)
    document = mal_export(
        "anime",
        [
            {"id": 1, "title": "Cowboy Bebop", "score": 10, "status": "Completed"},
            {
                "id": 9999,
                "title": "A <b>new</b> show",
                "type": "ONA",
                "episodes": 10,
                "score": 0,
                "status": "Plan to Watch",
            },
            {
                "id": 9998,
                "title": "Dropped one",
                "type": "TV",
                "episodes": 0,
                "score": 0,
                "status": "Dropped",
            },
            {"id": 1, "title": "Cowboy Bebop", "score": 2, "status": "Completed"},
        ],
    )
    done = run_import(user, document)
    assert done.status == RatingImport.Status.DONE
    report = done.report
    assert (report["created"], report["updated"], report["unchanged"], report["new_works"]) == (1, 0, 0, 2)
    assert report["without_rating"] == 2  # no score: on the list with a status, no rating made up
    assert report["n_skipped"] == 1 and report["skipped"][0]["line"] == line_of(document, 3)
    assert choices_of(user) == {1: Choice.FAVORITE}
    assert statuses_of(user) == {1: "completed", 9999: "planned", 9998: "dropped"}
    added = Work.objects.get(external_source="myanimelist", external_id="9999")
    assert (added.category.slug, added.title, added.work_type, added.nb_episodes) == (
        "anime",
        "A <b>new</b> show",
        "ONA",
        10,
    )
    assert Work.objects.get(external_id="9998").nb_episodes is None  # 0 episodes: unknown on MyAnimeList
    assert done.entries == [] and done.finished is not None
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)))
    bebop.refresh_from_db()
    assert (bebop.nb_favorites, bebop.nb_likes) == (1, 1)


def test_a_manga_export_grows_the_manga_catalogue_apart_from_anime_of_the_same_id(user):
    monster_anime = mal_work(1, title="Cowboy Bebop")
    document = mal_export(
        "manga",
        [
            {"id": 1, "title": "Monster", "volumes": 18, "chapters": 162, "score": 9, "status": "Completed"},
            {"id": 2, "title": "Berserk", "volumes": 0, "chapters": 0, "score": 0, "status": "Reading"},
        ],
    )
    done = run_import(user, document, "mangalist_1.xml.gz")
    assert done.category.slug == "manga" and done.report["new_works"] == 2
    manga = Category.objects.get(slug="manga")
    monster = Work.objects.get(category=manga, external_id="1")
    assert (monster.title, monster.nb_volumes, monster.nb_chapters) == ("Monster", 18, 162)
    assert Work.objects.get(category=manga, external_id="2").nb_volumes is None
    assert monster.pk != monster_anime.pk and not Rating.objects.filter(work=monster_anime).exists()
    assert dict(Rating.objects.filter(user=user).values_list("work__title", "choice")) == {
        "Monster": Choice.LIKE
    }
    assert dict(Progress.objects.filter(user=user).values_list("work__title", "status")) == {
        "Monster": "completed",
        "Berserk": "watching",
    }


def test_importing_the_same_file_again_changes_nothing(user):
    document = mal_export(
        "anime",
        [{"id": n, "title": f"Show {n}", "score": n % 11, "status": "Completed"} for n in range(1, 30)],
    )
    run_import(user, document)
    before = list(Rating.objects.filter(user=user).order_by("pk").values_list("pk", "choice", "date"))
    works_before = Work.objects.count()
    again = run_import(user, document)
    assert (again.report["created"], again.report["updated"], again.report["new_works"]) == (0, 0, 0)
    assert again.report["unchanged"] == 29 - 2  # 11 and 22 have no score: no rating
    assert list(Rating.objects.filter(user=user).order_by("pk").values_list("pk", "choice", "date")) == before
    assert Work.objects.count() == works_before


def test_a_newer_export_updates_what_changed_and_keeps_ratings_made_on_the_site(user):
    run_import(
        user,
        mal_export(
            "anime",
            [
                {"id": 1, "title": "A", "score": 0, "status": "Plan to Watch"},
                {"id": 2, "title": "B", "score": 8, "status": "Completed"},
            ],
        ),
    )
    made_here = WorkFactory(title="Rated on the site")
    rating_set(user=user, work=made_here, choice=Choice.FAVORITE)
    newer = run_import(
        user,
        mal_export(
            "anime",
            [
                {"id": 1, "title": "A", "score": 10, "status": "Completed"},
                {"id": 2, "title": "B", "score": 8, "status": "Completed"},
                {"id": 3, "title": "C", "score": 4, "status": "Dropped"},
            ],
        ),
    )
    # A had no rating (no score): now it has one.
    assert (newer.report["created"], newer.report["updated"], newer.report["unchanged"]) == (2, 0, 1)
    assert choices_of(user) == {1: Choice.FAVORITE, 2: Choice.LIKE, 3: Choice.DISLIKE}
    assert Rating.objects.get(user=user, work=made_here).choice == Choice.FAVORITE
    assert_counters_equal_a_recount(list(Work.objects.values_list("pk", flat=True)))


def test_a_redelivered_task_finds_the_import_done_and_writes_nothing_twice(user):
    queued = import_receive(
        user=user,
        file_name="a.xml",
        data=mal_export("anime", [{"id": 1, "title": "A", "score": 9, "status": "Completed"}]),
    )
    # The web request only stored the file: the worker reads it.
    assert queued.status == RatingImport.Status.QUEUED and queued.entries == [] and queued.upload
    first = import_run(import_id=queued.pk)
    second = import_run(import_id=queued.pk)
    assert first.report == second.report and second.status == RatingImport.Status.DONE
    assert Work.objects.get(external_id="1").nb_likes == 1


def test_an_unknown_work_without_a_title_is_skipped_with_the_reason(user):
    document = mal_export(
        "anime",
        [
            {"id": 77, "title": "", "score": 9, "status": "Completed"},
            {"id": 78, "title": "Titled", "score": 9, "status": "Completed"},
        ],
    )
    done = run_import(user, document)
    assert done.report["created"] == 1 and done.report["n_skipped"] == 1
    (skip,) = done.report["skipped"]
    assert skip["line"] == line_of(document, 0) and "no title" in skip["reason"]
    assert not Work.objects.filter(external_id="77").exists()


def test_a_hostile_file_is_stored_as_it_came_and_the_worker_fails_it_by_name(user):
    queued = import_receive(
        user=user, file_name="evil.xml", data=b'<!DOCTYPE x [<!ENTITY a "b">]><myanimelist/>'
    )
    assert queued.status == RatingImport.Status.QUEUED  # not read in the web request
    failed = import_run(import_id=queued.pk)
    assert failed.status == RatingImport.Status.FAILED
    assert failed.reason.startswith("evil.xml: ") and "DOCTYPE" in failed.reason
    assert failed.upload is None and failed.entries == [] and failed.finished is not None
    assert not Rating.objects.exists() and not Work.objects.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "neither an XML file nor a gzipped one"),
        (b"<myanimelist>" + b" " * 2000 + b"</myanimelist>", "larger than 1,000 bytes"),
    ],
    ids=["empty", "not-xml", "too-large"],
)
def test_what_is_cheap_to_see_is_refused_at_once_and_nothing_is_stored(user, settings, data, words):
    settings.MANGAKI_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        import_receive(user=user, file_name="list.xml", data=data)
    assert refused.value.message_dict["file"][0].startswith("list.xml: ")
    assert words in refused.value.message_dict["file"][0]
    assert not RatingImport.objects.exists()


def test_guests_are_asked_to_sign_up_and_members_have_an_hourly_share(user, settings):
    from mangaki.services.guests import guest_create

    with pytest.raises(ValidationError, match="Sign up"):
        import_receive(user=guest_create(), file_name="a.xml", data=b"<myanimelist/>")
    settings.MANGAKI_IMPORTS_PER_HOUR = 2
    document = mal_export("anime", [{"id": 1, "title": "A", "score": 9, "status": "Completed"}])
    for _ in range(2):
        import_receive(user=user, file_name="a.xml", data=document)
    with pytest.raises(TooManyImports):
        import_receive(user=user, file_name="a.xml", data=document)
    import_receive(user=UserFactory(), file_name="a.xml", data=document)  # others keep theirs


def test_a_work_deleted_while_the_import_waits_is_added_back_from_the_file(user):
    keep, gone = mal_work(1), mal_work(2)
    queued = import_receive(
        user=user,
        file_name="a.xml",
        data=mal_export(
            "anime",
            [
                {"id": 1, "title": "A", "score": 9, "status": "Completed"},
                {"id": 2, "title": "B", "score": 9, "status": "Completed"},
            ],
        ),
    )
    gone.delete()
    # The import adds the deleted work back from the file's title: a list is the person's record.
    done = import_run(import_id=queued.pk)
    assert done.status == RatingImport.Status.DONE and done.report["new_works"] == 1
    assert set(choices_of(user)) == {1, 2}
    keep.refresh_from_db()
    assert keep.nb_likes == 1


def test_an_import_whose_account_was_deleted_meanwhile_writes_nothing(user):
    from mangaki.services.accounts import account_delete

    bebop = mal_work(1)
    queued = import_receive(
        user=user,
        file_name="a.xml",
        data=mal_export("anime", [{"id": 1, "title": "A", "score": 9, "status": "Completed"}]),
    )
    account_delete(user=user)
    assert import_run(import_id=queued.pk) is None
    assert not Rating.objects.exists() and Work.objects.count() == 1
    assert_counters_equal_a_recount([bebop.pk])


def test_works_an_import_adds_are_found_by_search(user):
    document = mal_export(
        "manga",
        [{"id": 7, "title": "Yotsuba&!", "volumes": 15, "chapters": 110, "score": 9, "status": "Reading"}],
    )
    run_import(user, document, "mangalist_1.xml")
    added = Work.objects.get(category__slug="manga", external_id="7")
    assert added.search_text == "yotsuba"
    assert list(Work.objects.search("YOTSUBA !")) == [added]
