"""Works nobody has rated yet, served: SideRanker trained by the registry, filling the default
list and ordering a season, with its reasons (a franchise the person liked, upstream
popularity); on the small real data with models trained for real."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.choices import Choice
from mangaki.models import Category, Rating, TaggedWork, TrainedModel, Work
from mangaki.recommendations.lists import recommendations_for
from mangaki.recommendations.training import model_train
from mangaki.seasons import Season, YearSeason, season_condition
from mangaki.services.ratings import rating_set
from tests.factories import UserFactory, WorkFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
SPRING = (2026, "spring")


def loved_franchise_first_part() -> Work:
    """The most rated work of the data that heads a franchise (the inferred relations)."""
    return Work.objects.filter(franchise_id__isnull=False, nb_ratings__gt=0).order_by("-nb_ratings")[0]


@pytest.fixture
def new_season(small_anime, model_storage):
    """Two works of spring 2026 nobody has rated, as popular as each other upstream: a sequel of
    a franchise, and an unrelated one; then EASE, BALSE and SideRanker trained."""
    anime = Category.objects.get(slug="anime")
    first = loved_franchise_first_part()
    genres = list(first.tags.all()[:2])
    sequel = WorkFactory(
        title="Planted sequel", category=anime, aired_from=date(2026, 4, 8), nb_members=50_000,
        work_type="TV", franchise_id=first.franchise_id,
    )  # fmt: skip
    other = WorkFactory(
        title="Planted other", category=anime, aired_from=date(2026, 4, 9), nb_members=50_000, work_type="TV"
    )
    for work in (sequel, other):
        TaggedWork.objects.bulk_create([TaggedWork(work=work, tag=tag) for tag in genres])
    rows = {algorithm: model_train(algorithm=algorithm) for algorithm in ("ease", "balse", "side")}
    return first, sequel, other, rows


def test_the_ranker_is_trained_by_the_registry_and_gated_against_the_popularity_prior(new_season):
    *_, rows = new_season
    side = rows["side"]
    assert side.algorithm == "side" and side.artifact_name
    metrics = side.metrics
    assert metrics["frozen_works"] > 0 and metrics["n_users"] > 0
    assert metrics["baseline_is_members_prior"] == 1.0
    # The gate: active only when it beats the members prior on the same freeze split.
    beats = metrics["ndcg"] > metrics["baseline_ndcg"]
    assert (side.status == TrainedModel.Status.READY) == beats, (side.status, side.reason)
    assert beats or "does not beat the members prior" in side.reason


def test_a_season_is_listed_in_the_persons_order_with_the_sequel_of_a_loved_work_first(new_season):
    first, sequel, other, rows = new_season
    if rows["side"].status != TrainedModel.Status.READY:
        pytest.fail(f"SideRanker was not activated: {rows['side'].reason}")
    fan, stranger = UserFactory(), UserFactory()
    rating_set(user=fan, work=first, choice=Choice.FAVORITE)
    rating_set(user=stranger, work=first, choice=Choice.DISLIKE)
    spring = YearSeason(2026, Season.SPRING)
    in_season = set(Work.objects.filter(season_condition(spring)).values_list("pk", flat=True))
    listed = recommendations_for(user=fan, category="anime", season=SPRING, limit=50)
    assert listed.algorithm == "side" and not listed.is_fallback
    pks = [item.work.pk for item in listed.items]
    assert set(pks) <= in_season and sequel.pk in pks and other.pk in pks
    assert pks.index(sequel.pk) < pks.index(other.pk)
    # Every work of it is listed by SideRanker, and says so when it has no other reason.
    assert all(item.explanation.from_side_information for item in listed.items)
    reasons = next(item.explanation for item in listed.items if item.work.pk == sequel.pk)
    assert reasons.franchise_of == first and reasons.neighbours == []
    # After a dislike of the first part (and no like of another part), nothing of the franchise.
    disliked = [item.work.pk for item in recommendations_for(user=stranger, season=SPRING, limit=50).items]
    assert other.pk in disliked and sequel.pk not in disliked
    # A part liked brings the franchise back.
    second = Work.objects.filter(franchise_id=first.franchise_id).exclude(pk__in=[first.pk, sequel.pk])[0]
    rating_set(user=stranger, work=second, choice=Choice.LIKE)
    again = [item.work.pk for item in recommendations_for(user=stranger, season=SPRING, limit=50).items]
    assert sequel.pk in again


def test_a_season_list_reads_the_same_number_of_queries_whatever_the_ratings(new_season):
    first, *_ = new_season
    few, many = UserFactory(), UserFactory()
    rating_set(user=few, work=first, choice=Choice.LIKE)
    for work in Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings")[:40]:
        rating_set(user=many, work=work, choice=Choice.LIKE)
    counts = []
    for user in (few, many):
        user = type(user).objects.get(pk=user.pk)
        recommendations_for(user=user, season=SPRING, limit=10)
        with CaptureQueriesContext(connection) as queries:
            result = recommendations_for(user=user, season=SPRING, limit=10)
            for item in result.items:
                item.work.category.slug, list(item.work.tags.all())
                if item.explanation.franchise_of is not None:
                    assert item.explanation.franchise_of.title
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "season", [(2026, "autumn"), ("2026", "spring"), (2026,), "2026-spring", (True, "fall")]
)
def test_a_bad_season_is_refused_with_its_reason(new_season, season):
    with pytest.raises(ValueError, match="season must be"):
        recommendations_for(user=UserFactory(), season=season)


def test_a_visitor_gets_the_seasons_works_by_upstream_popularity(new_season):
    _, sequel, other, _ = new_season
    Work.objects.filter(pk=other.pk).update(nb_members=60_000)
    spring = YearSeason(2026, Season.SPRING)
    result = recommendations_for(user=None, season=SPRING, limit=10)
    assert result.is_fallback
    pks = [item.work.pk for item in result.items]
    assert set(pks) <= set(Work.objects.filter(season_condition(spring)).values_list("pk", flat=True))
    assert pks[:2] == [other.pk, sequel.pk]  # the only two with members known, most first


def sequel_fan(first):
    fan = UserFactory()
    rating_set(user=fan, work=first, choice=Choice.FAVORITE)
    return fan


def test_the_season_page_orders_by_the_person_and_says_why(new_season, client):
    first, sequel, other, _ = new_season
    client.force_login(sequel_fan(first))
    page = client.get("/anime/season/2026/spring/")
    content = page.content.decode()
    assert page.status_code == 200
    assert '<option value="for_you" selected>For you</option>' in content
    assert content.index("Planted sequel") < content.index("Planted other")
    assert (
        f'Same franchise as <a href="/anime/{first.pk}/">{first.title}</a>, which you loved' in content
        or (f'Sequel of <a href="/anime/{first.pk}/">{first.title}</a>, which you loved' in content)
    )
    # Another sort is still the person's to choose; a visitor has no "For you".
    assert 'value="for_you"' in client.get("/anime/season/2026/spring/?sort=title").content.decode()
    client.logout()
    assert 'value="for_you"' not in client.get("/anime/season/2026/spring/").content.decode()


def test_the_season_page_reads_as_many_queries_for_few_or_many_ratings(new_season, client):
    first, *_ = new_season
    few, many = sequel_fan(first), sequel_fan(first)
    for work in Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings")[1:40]:
        rating_set(user=many, work=work, choice=Choice.LIKE)
    counts = []
    for user in (few, many):
        client.force_login(user)
        client.get("/anime/season/2026/spring/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/anime/season/2026/spring/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_home_has_new_this_season_for_you(new_season, client):
    first, sequel, *_ = new_season
    client.force_login(sequel_fan(first))
    content = client.get("/").content.decode()
    assert "for you <span" in content  # "New this season for you", or "New in <latest season> for you"
    row = content[content.index('id="row-anime-season-for-you"') :]
    assert "Planted sequel" in row[: row.index("</section>")]


def test_the_api_lists_a_season_in_the_persons_order_and_refuses_a_bad_one(new_season, client):
    first, sequel, other, _ = new_season
    client.force_login(sequel_fan(first))
    answer = client.get("/api/recommendations/", {"season": "2026-spring", "limit": 50})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    ids = [item["work"]["id"] for item in body["results"]]
    assert ids.index(sequel.pk) < ids.index(other.pk)
    listed = next(item for item in body["results"] if item["work"]["id"] == sequel.pk)
    assert listed["explanation"]["franchise_of"]["id"] == first.pk
    for bad in ("2026-autumn", "spring", "1800-spring"):
        refused = client.get("/api/recommendations/", {"season": bad})
        assert refused.status_code == 400, (bad, refused.content)
        assert [error["field"] for error in refused.json()["errors"]] == ["season"]


def test_not_interested_in_a_franchise_hides_every_part_on_page_and_api(new_season, client):
    first, sequel, other, _ = new_season
    fan = sequel_fan(first)
    client.force_login(fan)
    assert sequel.pk in [i.work.pk for i in recommendations_for(user=fan, season=SPRING, limit=50).items]
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Not interested in this franchise" in page
    # The page's form: every part leaves the person's lists, though they loved the first one.
    answer = client.post(
        f"/works/{first.pk}/franchise-hidden/", {"hide": "1", "next": first.get_absolute_url()}
    )
    assert answer.status_code == 302
    fan = type(fan).objects.get(pk=fan.pk)
    assert fan.profile.hidden_franchises == [first.pk]
    listed = [i.work.pk for i in recommendations_for(user=fan, season=SPRING, limit=50).items]
    assert sequel.pk not in listed and other.pk in listed
    assert "Show it again" in client.get(sequel.get_absolute_url()).content.decode()  # any part says so
    # The API: listed, undone by another part of the franchise, refused for an unknown work.
    assert [w["id"] for w in client.get("/api/franchises/hidden/").json()] == [first.pk]
    assert client.delete(f"/api/franchises/hidden/{sequel.pk}/").status_code == 204
    assert client.delete(f"/api/franchises/hidden/{sequel.pk}/").status_code == 404
    fan = type(fan).objects.get(pk=fan.pk)
    assert sequel.pk in [i.work.pk for i in recommendations_for(user=fan, season=SPRING, limit=50).items]
    assert client.put(f"/api/franchises/hidden/{sequel.pk}/").status_code == 201
    assert client.put(f"/api/franchises/hidden/{sequel.pk}/").status_code == 200
    fan = type(fan).objects.get(pk=fan.pk)
    assert sequel.pk not in [i.work.pk for i in recommendations_for(user=fan, season=SPRING, limit=50).items]
    for bad in ("0", "x", str(2**70)):
        assert client.put(f"/api/franchises/hidden/{bad}/").status_code == 404
    # Members only; nobody touches another's list.
    client.logout()
    assert client.get("/api/franchises/hidden/").status_code in (401, 403)
    assert client.post(f"/works/{first.pk}/franchise-hidden/", {"hide": "1"}).status_code == 302
    assert type(fan).objects.get(pk=fan.pk).profile.hidden_franchises == [sequel.pk]


def test_a_later_part_of_a_franchise_nobody_started_gives_its_place_to_the_first_part(new_season, client):
    from mangaki.recommendations.serving import active_models

    catalogue = active_models(["ease"])["ease"].catalogue
    replaced = 0
    popular = list(Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings")[:60])
    for offset in range(0, 60, 12):
        person = UserFactory()
        for work in popular[offset : offset + 12]:
            rating_set(user=person, work=work, choice=Choice.LIKE)
        rated = set(Rating.objects.filter(user=person).values_list("work__franchise_id", flat=True)) - {None}
        for item in recommendations_for(user=person, limit=20).items:
            franchise = Work.objects.get(pk=item.work.pk).franchise_id
            if franchise is not None and franchise not in rated:
                assert catalogue.first_parts[franchise] == item.work.pk, item.work.title
            if item.explanation.first_part_of is not None:
                replaced += 1
                later = item.explanation.first_part_of
                assert Work.objects.get(pk=later.pk).franchise_id == franchise and later.pk != item.work.pk
                # The page says so, and the API names the later part.
                client.force_login(person)
                page = client.get("/recommendations/").content.decode()
                assert f'Start with this one: <a href="{later.get_absolute_url()}">' in page
                answer = client.get("/api/recommendations/").json()["results"]
                listed = next(entry for entry in answer if entry["work"]["id"] == item.work.pk)
                assert listed["explanation"]["first_part_of"]["id"] == later.pk
    assert replaced, "no list had a later part to replace: the check above said nothing"


def test_a_first_part_hidden_since_the_snapshot_gives_the_list_a_fresh_snapshot_gives(new_season):
    from mangaki.recommendations.serving import forget_loaded_models

    def listed(person):
        return [
            (item.work.pk, *(getattr(part, "pk", None) for part in (why.first_part_of, why.start_with)))
            for item in recommendations_for(user=person, limit=20).items
            for why in [item.explanation]
        ]

    popular = list(Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings")[:60])
    checked = 0
    for offset in range(0, 60, 12):
        person = UserFactory()
        for work in popular[offset : offset + 12]:
            rating_set(user=person, work=work, choice=Choice.LIKE)
        standing_in = [pk for pk, later, _ in listed(person) if later is not None]
        if not standing_in:
            continue
        # The first parts standing in become NSFW: the snapshot the models hold still lists them.
        Work.objects.filter(pk__in=standing_in).update(nsfw=True)
        stale = listed(person)
        forget_loaded_models()
        assert stale == listed(person)
        assert not set(standing_in) & {pk for row in stale for pk in row}  # nor named as where to start
        Work.objects.filter(pk__in=standing_in).update(nsfw=False)
        forget_loaded_models()
        checked += 1
    assert checked, "no list had a first part standing in: the check above said nothing"


def test_in_a_season_list_a_later_part_of_an_unstarted_franchise_says_where_to_start(new_season):
    first, sequel, *_ = new_season
    newcomer = UserFactory()
    elsewhere = (
        Work.objects.filter(nb_ratings__gt=0).exclude(franchise_id=first.franchise_id).order_by("-nb_ratings")
    )
    rating_set(user=newcomer, work=elsewhere[0], choice=Choice.LIKE)
    listed = recommendations_for(user=newcomer, season=SPRING, limit=100)
    item = next(item for item in listed.items if item.work.pk == sequel.pk)  # the season keeps it
    start = item.explanation.start_with
    assert start is not None and start.pk != sequel.pk
    assert Work.objects.get(pk=start.pk).franchise_id == first.franchise_id
    # The fan who loved a part needs no such note.
    fan_list = recommendations_for(user=sequel_fan(first), season=SPRING, limit=100)
    assert next(i for i in fan_list.items if i.work.pk == sequel.pk).explanation.start_with is None
    # Where to start is a work the person may see as it is now, not as the models' snapshot says.
    Work.objects.filter(pk=start.pk).update(nsfw=True)
    stale = recommendations_for(user=newcomer, season=SPRING, limit=100)
    assert next(item for item in stale.items if item.work.pk == sequel.pk).explanation.start_with is None


def test_the_odds_of_a_like_are_calibrated_and_shown_in_words(new_season, client):
    first, sequel, *_ = new_season
    balse = TrainedModel.objects.get(algorithm="balse", is_active=True)
    assert 0 <= balse.metrics["odds_ece"] < 0.05 and balse.metrics["odds_measured"] > 500
    steps = balse.metrics["calibration"]
    assert len(steps["thresholds"]) == len(steps["odds"]) and steps["odds"] == sorted(steps["odds"])
    person = UserFactory()
    for work in Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings")[:8]:
        rating_set(user=person, work=work, choice=Choice.LIKE)
    listed = recommendations_for(user=person, limit=20, season=SPRING)
    by_pk = {item.work.pk: item for item in listed.items}
    assert by_pk[sequel.pk].odds is None  # nobody here rated it: no odds pretended
    listed = recommendations_for(user=person, limit=20).items
    assert all(item.odds is not None and 0 <= item.odds <= 1 for item in listed if item.work.nb_ratings)
    client.force_login(person)
    answer = client.get("/api/recommendations/", {"limit": 5}).json()
    assert all(0 <= item["odds"] <= 1 for item in answer["results"])
    page = client.get("/recommendations/").content.decode()
    assert "You would like it: <strong>about " in page and " in 10</strong>" in page
    listed_work = Work.objects.get(pk=answer["results"][0]["work"]["id"])
    assert "You would like it" in client.get(listed_work.get_absolute_url()).content.decode()


def test_works_on_the_persons_list_are_not_recommended_as_new_and_cost_no_query(new_season):
    from mangaki.services.progress import progress_delete, progress_set

    person = UserFactory()
    for work in Work.objects.filter(nb_ratings__gt=0).order_by("-nb_ratings")[:10]:
        rating_set(user=person, work=work, choice=Choice.LIKE)
    recommendations_for(user=person, limit=10)  # the models loaded
    with CaptureQueriesContext(connection) as before:
        first = [item.work for item in recommendations_for(user=person, limit=10).items]
    planned, watching = first[0], first[1]
    progress_set(user=person, work=planned, status="planned")
    progress_set(user=person, work=watching, status="watching", episodes=1)
    with CaptureQueriesContext(connection) as after:
        listed = [item.work.pk for item in recommendations_for(user=person, limit=10).items]
    assert planned.pk not in listed and watching.pk not in listed
    assert len(after) == len(before)
    progress_delete(user=person, work=planned)
    assert planned.pk in [item.work.pk for item in recommendations_for(user=person, limit=10).items]
