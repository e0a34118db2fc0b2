"""WSGI entry point, for gunicorn: ``gunicorn mangaki.wsgi --workers N``.

A web worker answers one request at a time and the server scales by running N of them, so
the numeric libraries get one thread each: their thread pools would otherwise fight the
other workers for the same cores (on 2 cores this halved the p99 of the recommendations
endpoint, bench/site_api.py). Set by the environment before numpy and numba are imported;
an explicit setting wins. Training runs in Celery workers, which keep every core.

Its database connections give up on a row lock after ``MANGAKI_WEB_LOCK_TIMEOUT_MS`` (a request
blocked behind a long writer answers 503); workers and commands, which do not load this
module, wait.
"""

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

from django.core.wsgi import get_wsgi_application  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mangaki.settings")
application = get_wsgi_application()

from django.db.backends.signals import connection_created  # noqa: E402

from mangaki.middleware import set_web_lock_timeout  # noqa: E402

connection_created.connect(set_web_lock_timeout, dispatch_uid="mangaki-web-lock-timeout")
