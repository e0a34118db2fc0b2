"""gunicorn's configuration for Mangaki: ``gunicorn -c gunicorn.conf.py`` (the README's production command).

Threaded workers (``gthread``): each worker process serves ``GUNICORN_THREADS`` requests at
once, so a client that sends its request slowly (an upload trickled a byte every 2 s) holds one
thread, not a whole worker; with sync workers two such clients stalled the site (issue 20,
row 4). Threads only bound the damage: a buffering reverse proxy in front (deploy/nginx.conf)
reads each request whole before gunicorn sees it, and is what a public deployment needs.

Settings read from the environment (gunicorn's own, not Django's: see the README):
``GUNICORN_BIND`` (127.0.0.1:8000), ``GUNICORN_WORKERS`` (2), ``GUNICORN_THREADS`` (8),
``GUNICORN_TIMEOUT`` (30 s). Each thread may keep a database connection open
(``DATABASE_CONN_MAX_AGE``): PostgreSQL needs workers × threads connections per server.
"""

import os


def _number(name: str, value: str | None, default: int) -> int:
    """``value`` (of the variable ``name``, read by its literal name: the README's table is checked)."""
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


wsgi_app = "mangaki.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]
worker_class = "gthread"
workers = _number("GUNICORN_WORKERS", os.environ.get("GUNICORN_WORKERS"), 2)
threads = _number("GUNICORN_THREADS", os.environ.get("GUNICORN_THREADS"), 8)
# A worker silent this long is killed and replaced; a stopping worker gets this long to finish.
timeout = _number("GUNICORN_TIMEOUT", os.environ.get("GUNICORN_TIMEOUT"), 30)
graceful_timeout = 30
# Idle keep-alive connections are closed after this many seconds (each holds a slot meanwhile).
keepalive = 5
# Requests larger than these are refused with 400 before Django sees them (gunicorn's defaults,
# stated: a 4 kB request line, at most 100 headers of 8 kB).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Workers are replaced now and then, so that memory a long run fragments is given back.
max_requests = 5000
max_requests_jitter = 500
# Access log on the console, with the time each request took (microseconds).
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus'
