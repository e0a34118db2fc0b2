"""The progress control's pages: the plain forms of a work page and a card, their JSON answers
to the page's script, guests, CSRF, hidden works, the cards' queries and the profile's list."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mangaki.models import Category, Progress, Work
from mangaki.seasons import current_season
from mangaki.services.progress import progress_set
from tests.factories import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def post(client, work, **data):
    return client.post(reverse("progress", args=[work.pk]), data)


def entry_of(user, work):
    return Progress.objects.filter(user=user, work=work).first()


def test_the_work_page_shows_the_control_and_its_plain_forms_step_and_set_the_status(client, user):
    work = WorkFactory(title="Mushishi", nb_episodes=12)
    client.force_login(user)
    page = client.get(work.get_absolute_url()).content.decode()
    assert "Your progress" in page and "Episode 0 of 12" in page and "+1 episode" in page
    assert 'value="watching"' in page and "Plan to watch" in page

    response = post(client, work, action="step", next=work.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == work.get_absolute_url()
    entry = entry_of(user, work)
    assert (entry.status, entry.episodes) == ("watching", 1)
    page = client.get(work.get_absolute_url()).content.decode()
    assert "Mushishi: Episode 1 of 12." in page  # the message after the redirect
    assert '<option value="watching" selected>Watching</option>' in page

    assert post(client, work, action="status", status="on_hold").status_code == 302
    assert entry_of(user, work).status == "on_hold"
    assert post(client, work, action="counts", episodes="7").status_code == 302
    assert entry_of(user, work).episodes == 7
    assert post(client, work, action="status", status="").status_code == 302  # off the list
    assert entry_of(user, work) is None


def test_after_the_last_episode_the_page_offers_completed_in_one_click(client, user):
    work = WorkFactory(nb_episodes=12)
    progress_set(user=user, work=work, status="watching", episodes=11)
    client.force_login(user)
    page = client.get(work.get_absolute_url()).content.decode()
    assert "Episode 11 of 12" in page and "data-progress-offer hidden" in page

    answer = client.post(reverse("progress", args=[work.pk]), {"action": "step"}, **JSON).json()
    assert answer["offers_completed"] and answer["at_the_end"] and answer["summary"] == "Episode 12 of 12"
    assert "Mark it completed?" in answer["message"]
    page = client.get(work.get_absolute_url()).content.decode()
    assert "That was the last episode." in page and "data-progress-offer hidden" not in page
    assert "data-progress-step disabled" in page

    assert post(client, work, action="complete").status_code == 302
    entry = entry_of(user, work)
    assert (entry.status, entry.episodes) == ("completed", 12)
    page = client.get(work.get_absolute_url()).content.decode()
    assert '<option value="completed" selected>Completed</option>' in page
    assert "Episode 12 of 12" in page and "data-progress-offer hidden" in page


def test_a_step_past_the_end_and_bad_input_say_what_is_wrong_and_never_500(client, user):
    work = WorkFactory(title="Haibane Renmei", nb_episodes=13)
    progress_set(user=user, work=work, status="completed")
    client.force_login(user)
    url = reverse("progress", args=[work.pk])
    refused = client.post(url, {"action": "step"}, **JSON)
    assert refused.status_code == 400
    assert refused.json()["error"] == "Haibane Renmei has 13 episodes: there is no next episode."

    def error(**data):
        response = client.post(url, data, **JSON)
        assert response.status_code == 400
        return response.json()["error"]

    assert error(action="fly").startswith("Unknown action 'fly'")
    assert error(action="status", status="bored").startswith("Unknown status 'bored'")
    assert "whole number" in error(action="counts", episodes="-3")
    assert "whole number" in error(action="counts", episodes="１２")
    assert "13 episodes; 99 is more" in error(action="counts", episodes="99")
    assert error(action="counts", chapters="3") == "Give the number of episodes."  # not an anime's
    # Without script: back to the page, the message shown there.
    response = client.post(url, {"action": "step"}, follow=True)
    assert response.status_code == 200 and "there is no next episode" in response.content.decode()
    assert entry_of(user, work).episodes == 13
    assert client.get(url).status_code == 405


def test_a_manga_counts_chapters_and_reads(client, user):
    manga = WorkFactory(category=Category.objects.get(slug="manga"), nb_episodes=None, nb_chapters=40)
    client.force_login(user)
    answer = client.post(reverse("progress", args=[manga.pk]), {"action": "step"}, **JSON).json()
    assert (answer["label"], answer["summary"], answer["short"]) == ("Reading", "Chapter 1 of 40", "ch 1/40")
    page = client.get(manga.get_absolute_url()).content.decode()
    assert "+1 chapter" in page and "Plan to read" in page


def test_a_visitor_s_first_step_makes_a_guest_as_a_first_rating_does(client):
    work = WorkFactory()
    # Taking a work off a list one does not have needs no account.
    assert post(client, work, action="remove").status_code == 302
    assert "_auth_user_id" not in client.session
    answer = client.post(reverse("progress", args=[work.pk]), {"action": "step"}, **JSON)
    assert answer.status_code == 200 and answer.json()["status"] == "watching"
    guest = Progress.objects.get(work=work).user
    assert guest.profile.is_guest and client.session["_auth_user_id"] == str(guest.pk)


def test_only_the_requester_s_progress_moves(client, user):
    work = WorkFactory()
    other = UserFactory()
    progress_set(user=other, work=work, status="watching", episodes=5)
    client.force_login(user)
    post(client, work, action="step")
    post(client, work, action="remove")
    assert entry_of(other, work).episodes == 5


def test_csrf_is_enforced(user):
    work = WorkFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("progress", args=[work.pk]), {"action": "step"}, **JSON).status_code == 403
    assert entry_of(user, work) is None
    client.get(work.get_absolute_url())  # the page sets the token cookie, as for the script
    token = client.cookies["csrftoken"].value
    url = reverse("progress", args=[work.pk])
    response = client.post(url, {"action": "step"}, HTTP_X_CSRFTOKEN=token, **JSON)
    assert response.status_code == 200 and entry_of(user, work).episodes == 1


def test_a_hidden_nsfw_work_is_404(client, user):
    work = WorkFactory(nsfw=True)
    client.force_login(user)
    assert post(client, work, action="step").status_code == 404
    assert client.post(reverse("progress", args=[work.pk]), {"action": "step"}, **JSON).status_code == 404
    assert entry_of(user, work) is None
    assert post(client, Work(pk=987654), action="step").status_code == 404


def test_cards_show_plus_one_for_watched_works_in_a_fixed_number_of_queries(client, user):
    client.force_login(user)
    url = reverse("work-list", args=["anime"])

    def queries_for(n: int) -> tuple[int, str]:
        for index in range(n):
            work = WorkFactory(title=f"Show {n}-{index}", nb_episodes=12)
            progress_set(user=user, work=work, status="watching", episodes=3)
        with CaptureQueriesContext(connection) as captured:
            content = client.get(url).content.decode()
        return len(captured), content

    few, _ = queries_for(2)
    many, content = queries_for(10)
    assert few == many
    assert content.count('class="card-progress"') == 12 and "ep 3/12" in content
    planned = WorkFactory(title="Later")
    progress_set(user=user, work=planned, status="planned")
    content = client.get(url).content.decode()
    assert content.count('class="card-progress"') == 12  # only the works being watched


def test_the_profile_groups_the_list_by_status_with_counts_and_bars(client, user):
    for index in range(3):
        progress_set(user=user, work=WorkFactory(title=f"Watched {index}"), status="watching", episodes=index)
    progress_set(user=user, work=WorkFactory(title="Done"), status="completed")
    progress_set(user=user, work=WorkFactory(title="Someday", nb_episodes=None), status="planned")
    response = client.get(reverse("profile", args=[user.username]))
    sections = {section["value"]: section for section in response.context["progress_sections"]}
    assert [section["label"] for section in response.context["progress_sections"]] == [
        "Watching", "Completed", "On hold", "Dropped", "Plan to watch"
    ]  # fmt: skip
    assert {value: section["count"] for value, section in sections.items()} == {
        "watching": 3, "completed": 1, "on_hold": 0, "dropped": 0, "planned": 1
    }  # fmt: skip
    assert [work.title for work in sections["watching"]["works"]] == ["Watched 2", "Watched 1", "Watched 0"]
    content = response.content.decode()
    assert "<strong>3</strong> Watching" in content
    assert "12 / 12 episodes" in content and "0 episodes" in content  # no length known: no bar
    bar = '<progress class="progress-bar" max="12" value="2" aria-label="Watched 2: 2 / 12 episodes">'
    assert bar in content


def test_a_private_profile_shows_its_list_to_its_owner_alone(client, user):
    progress_set(user=user, work=WorkFactory(title="Secret show"), status="watching")
    nsfw = WorkFactory(title="Lewd show", nsfw=True)
    progress_set(user=user, work=nsfw, status="watching")
    url = reverse("profile", args=[user.username])
    shared = client.get(url).content.decode()
    assert "Secret show" in shared and "Lewd show" not in shared  # NSFW only for who may see it
    user.profile.is_shared = False
    user.profile.save()
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 404 and "Secret show" not in response.content.decode()
    client.force_login(user)
    assert "Secret show" in client.get(url).content.decode()


def row_titles(page: str, heading: str) -> list[str]:
    """The card titles of the home row whose heading starts with ``heading``."""
    row = page[page.index(f">{heading} <") :]
    row = row[: row.index("</section>")]
    return list(
        dict.fromkeys(re.findall(r'<h3 class="card-title"[^>]*><a href="[^"]+" title="([^"]+)"', row))
    )


def test_home_continues_what_the_person_watches_then_plans_and_manga_reads(client, user):
    manga = Category.objects.get(slug="manga")
    older, newer = WorkFactory(title="Watched a while ago", nb_episodes=12), WorkFactory(title="Watched last")
    planned, done = WorkFactory(title="Planned one"), WorkFactory(title="Finished one")
    dropped, lewd = WorkFactory(title="Dropped one"), WorkFactory(title="Lewd one", nsfw=True)
    book = WorkFactory(title="A manga", category=manga, nb_chapters=90)
    progress_set(user=user, work=planned, status="planned")
    progress_set(user=user, work=older, status="watching", episodes=3)
    progress_set(user=user, work=newer, status="watching", episodes=1)
    progress_set(user=user, work=done, status="completed")
    progress_set(user=user, work=dropped, status="dropped")
    progress_set(user=user, work=lewd, status="watching")
    progress_set(user=user, work=book, status="watching", chapters=40)
    assert ">Continue watching <" not in client.get(reverse("home")).content.decode()  # a visitor
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert row_titles(page, "Continue watching") == ["Watched last", "Watched a while ago", "Planned one"]
    assert row_titles(page, "Continue reading") == ["A manga"]
    row = page[page.index(">Continue watching <") :]
    row = row[: row.index("</section>")]
    assert 'aria-label="+1 episode of Watched a while ago"' in row and "ep 3/12" in row
    assert 'data-list-status="planned">Plan to watch<' in row
    assert f'href="{reverse("profile", args=[user.username])}#list"' in row
    user.profile.nsfw_ok = True
    user.profile.save()
    page = client.get(reverse("home")).content.decode()
    assert "Lewd one" in row_titles(page, "Continue watching")


def test_the_season_page_marks_what_the_person_watches(client, user):
    season = current_season()
    watched = WorkFactory(title="Airing, watched", aired_from=season.first_day, nb_episodes=12)
    WorkFactory(title="Airing, not on the list", aired_from=season.first_day)
    progress_set(user=user, work=watched, status="watching", episodes=4)
    client.force_login(user)
    page = client.get(reverse("season", args=["anime", season.year, season.season.value])).content.decode()
    assert page.count('data-list-status="watching">Watching<') == 1
    card = page[page.index('title="Airing, watched"') :]
    card = card[: card.index("</article>")]
    assert "ep 4/12" in card and 'aria-label="+1 episode of Airing, watched"' in card
