"""A web request blocked behind a lock answers 503 within seconds, not after the writer is done.

On PostgreSQL the web server's connections (mangaki/wsgi.py) run with ``lock_timeout``
(``MANGAKI_WEB_LOCK_TIMEOUT_MS``): a rating on a work whose row another transaction holds (an
import, an account being deleted) gives up, 503 with Retry-After, and the same rating once the
lock is released is written. Celery workers and commands keep waiting.
"""

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.backends.signals import connection_created

from mangaki.middleware import set_web_lock_timeout
from mangaki.models import Rating, Work
from tests.factories import UserFactory, WorkFactory
from tests.subprocess_support import run_django

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="lock_timeout is PostgreSQL's")


@pytest.fixture
def web_connections(settings):
    """Connections opened from now on are the web server's, as mangaki/wsgi.py makes them."""
    settings.MANGAKI_WEB_LOCK_TIMEOUT_MS = 700
    connection_created.connect(set_web_lock_timeout, dispatch_uid="test-web-lock-timeout")
    connection.close()  # the next query opens a connection with the timeout
    yield
    connection_created.disconnect(dispatch_uid="test-web-lock-timeout")
    connection.close()


class RowHolder(threading.Thread):
    """Another session holding ``work``'s row (SELECT … FOR UPDATE) until told to let go."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.holding, self.release = work, threading.Event(), threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                Work.objects.select_for_update().get(pk=self.work.pk)
                self.holding.set()
                self.release.wait(30)
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_rating_blocked_by_a_held_row_answers_503_then_is_written_once_released(client, web_connections):
    work, member = WorkFactory(), UserFactory()
    client.force_login(member)
    holder = RowHolder(work)
    holder.start()
    assert holder.holding.wait(10)
    try:
        started = time.monotonic()
        page = client.post(f"/works/{work.pk}/rate/", {"choice": "like"})
        api = client.put(f"/api/ratings/{work.pk}/", {"choice": "like"}, content_type="application/json")
        widget = client.post(f"/works/{work.pk}/rate/", {"choice": "like"}, HTTP_ACCEPT="application/json")
        elapsed = time.monotonic() - started
    finally:
        holder.release.set()
        holder.join(10)
    assert page.status_code == 503 and page["Retry-After"] == "2"
    assert "busy" in page.content.decode()
    assert api.status_code == 503 and api["Content-Type"] == "application/json" and api["Retry-After"] == "2"
    assert json.loads(api.content)["errors"][0]["code"] == "service_unavailable"
    assert widget.status_code == 503 and widget.json()["errors"][0]["code"] == "service_unavailable"
    assert elapsed < 6  # three requests of 0.7 s each, not the holder's 30 s
    assert not Rating.objects.filter(user=member).exists()
    work.refresh_from_db()
    assert work.nb_likes == 0  # all or nothing: the rating and its counter rolled back together
    answer = client.put(f"/api/ratings/{work.pk}/", {"choice": "like"}, content_type="application/json")
    assert answer.status_code in (200, 201)
    assert Rating.objects.get(user=member).choice == "like"


SHOW = """
import json, sys
import django
django.setup()
if sys.argv[-1] == "web":
    import mangaki.wsgi  # noqa: F401
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW lock_timeout")
    print(json.dumps({"lock_timeout": cursor.fetchone()[0]}))
"""


def test_only_the_web_server_sets_the_lock_timeout():
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"
    web = run_django(SHOW.replace('sys.argv[-1] == "web"', "True"), DATABASE_URL=url)
    worker = run_django(SHOW.replace('sys.argv[-1] == "web"', "False"), DATABASE_URL=url)
    tighter = run_django(
        SHOW.replace('sys.argv[-1] == "web"', "True"), DATABASE_URL=url, MANGAKI_WEB_LOCK_TIMEOUT_MS="1500"
    )
    assert web == {"lock_timeout": "3s"} and tighter == {"lock_timeout": "1500ms"}
    assert worker == {"lock_timeout": "0"}
