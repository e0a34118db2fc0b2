"""The AniList client against a real local HTTP server replaying recorded AniList answers."""

import json
import socket

import pytest

from mangaki.upstream.anilist import AniListBadAnswer, AniListClient, AniListError, AniListUnreachable
from tests.anilist_replay import FIXTURES, Answer, ReplayServer, page, recorded_media, recording


class FakeTime:
    """An injected clock and wait: waits are recorded and advance the clock, nothing sleeps."""

    def __init__(self):
        self.now, self.waits = 1000.0, []

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


@pytest.fixture
def replay():
    servers = []

    def start(answer):
        server = ReplayServer(answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def client_for(server, fake=None, **kwargs):
    fake = fake or FakeTime()
    return AniListClient(server.url, sleep=fake.sleep, clock=fake.clock, **kwargs), fake


def test_a_recorded_page_is_read_with_its_media_and_paging(replay):
    media = [recorded_media(99426), recorded_media(20958)]
    server = replay(lambda variables: page(media, has_next_page=True))
    client, _ = client_for(server)
    answer = client.media_page(page=1, type="ANIME", season="WINTER", seasonYear=2018)
    assert [item["id"] for item in answer.media] == [99426, 20958]
    assert answer.has_next_page is True
    sent = server.requests[0]
    assert sent["variables"] == {
        "perPage": 50,
        "page": 1,
        "type": "ANIME",
        "season": "WINTER",
        "seasonYear": 2018,
    }
    assert server.refusals == []


def test_429_waits_for_retry_after_then_asks_again(replay):
    """AniList's recorded 429 (body and Retry-After: 60), then its answer."""
    answers = iter(
        [
            Answer((FIXTURES / "rate_limited.json").read_bytes(), status=429, headers={"Retry-After": "60"}),
            page([recorded_media(99426)], has_next_page=False),
        ]
    )
    server = replay(lambda variables: next(answers))
    client, fake = client_for(server)
    assert [item["id"] for item in client.media_page(page=1).media] == [99426]
    assert 60 in fake.waits
    assert len(server.requests) == 2


def test_429_every_time_gives_up_with_the_reason(replay):
    body = (FIXTURES / "rate_limited.json").read_bytes()
    server = replay(lambda variables: Answer(body, status=429, headers={"Retry-After": "3"}))
    client, fake = client_for(server)
    with pytest.raises(AniListError, match="429.*Too Many Requests"):
        client.media_page(page=1)
    assert fake.waits.count(3.0) == 5


def test_requests_are_spaced_to_the_stated_limit_and_wait_when_none_remain(replay):
    """Degraded AniList states 30 a minute: two seconds between requests; 0 remaining: a minute."""
    headers = iter(
        [
            {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "1"},
            {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0"},
        ]
        + [{"X-RateLimit-Limit": "90", "X-RateLimit-Remaining": "80"}] * 2
    )
    media = [recorded_media(99426)]
    server = replay(lambda variables: Answer(page(media, has_next_page=False).body, headers=next(headers)))
    client, fake = client_for(server)
    client.media_page(page=1)
    client.media_page(page=2)
    assert fake.waits == [pytest.approx(2.0)]
    client.media_page(page=3)  # the answer before said 0 remaining
    assert fake.waits[1] == 60.0
    client.media_page(page=4)
    assert fake.waits[-1] == pytest.approx(60 / 90)


def test_server_errors_are_tried_again_then_reported(replay):
    answers = iter([Answer(b"oops", status=502), Answer(b"oops", status=503), page([], has_next_page=False)])
    server = replay(lambda variables: next(answers))
    client, fake = client_for(server)
    assert client.media_page(page=1).media == []
    assert fake.waits == [2.0, 4.0]
    always = replay(lambda variables: Answer(b"<html>Internal Server Error</html>", status=500))
    client, _ = client_for(always)
    with pytest.raises(AniListError, match="HTTP 500"):
        client.media_page(page=1)
    assert len(always.requests) == 4


def test_a_timeout_is_reported_in_one_line(replay):
    server = replay(lambda variables: Answer(page([], has_next_page=False).body, delay_seconds=1.5))
    client, _ = client_for(server, timeout_seconds=0.3)
    with pytest.raises(AniListUnreachable) as raised:
        client.media_page(page=1)
    assert str(raised.value) == f"AniList could not be reached at {server.url}: no answer within 0.3 s"


def test_no_network_is_reported_in_one_line():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AniListClient(f"http://127.0.0.1:{port}/", sleep=lambda seconds: None)
    with pytest.raises(AniListUnreachable) as raised:
        client.media_page(page=1)
    message = str(raised.value)
    assert message.startswith(f"AniList could not be reached at http://127.0.0.1:{port}/: ")
    assert "refused" in message.lower() and "\n" not in message


def test_a_truncated_answer_is_malformed_json(replay):
    recorded = (FIXTURES / "media_99426.json").read_bytes()
    server = replay(lambda variables: Answer(recorded[: len(recorded) // 2]))
    client, _ = client_for(server)
    with pytest.raises(AniListBadAnswer, match="malformed JSON"):
        client.media_page(page=1)


def test_an_answer_without_the_page_asked_for_is_partial(replay):
    """A recorded answer of another shape (pyanilist's aliased page1) has no Page: refused."""
    server = replay(lambda variables: Answer((FIXTURES / "all_media_page1.json").read_bytes()))
    client, _ = client_for(server)
    with pytest.raises(AniListBadAnswer, match="without Page.media"):
        client.media_page(page=1)


def test_a_media_entry_without_its_id_is_partial(replay):
    media = recorded_media(99426)
    del media["id"]
    server = replay(lambda variables: page([recorded_media(20958), media], has_next_page=False))
    client, _ = client_for(server)
    with pytest.raises(AniListBadAnswer, match=r"Page.media\[1\] without an id"):
        client.media_page(page=1)


def test_graphql_errors_are_reported(replay):
    """AniList's recorded "Not Found." answer (HTTP 404, errors, data.Media null)."""
    server = replay(lambda variables: Answer((FIXTURES / "media_not_found.json").read_bytes(), status=404))
    client, _ = client_for(server)
    with pytest.raises(AniListBadAnswer, match=r"HTTP 404 \(Not Found.\)"):
        client.media_page(page=1)


def test_the_recordings_are_the_shapes_the_client_reads():
    """Guard on the fixtures themselves: the media objects carry what the sync reads."""
    media = recording("media_99426")["data"]["Media"]
    assert {"id", "idMal", "format", "genres", "tags", "isAdult", "coverImage", "description"} <= set(media)
    assert json.loads((FIXTURES / "rate_limited.json").read_text())["errors"][0]["status"] == 429
