"""Settings come from the environment, and production refuses to start without a secret."""

import os
import subprocess
import sys

from django.conf import settings


def django_setup(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="mangaki.settings")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_production_settings_refuse_to_start_without_a_secret():
    result = django_setup(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_has_a_development_secret_and_sqlite_by_default():
    result = django_setup(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql():
    result = django_setup(SECRET_KEY="x" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_celery_runs_eagerly_without_a_broker_and_uses_redis_with_one():
    code = "import mangaki; app = mangaki.celery_app; print(app.conf.task_always_eager, app.conf.broker_url)"
    base = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    base.update(SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="mangaki.settings")
    eager = subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert eager.stdout.split() == ["True", "memory://"], eager.stderr
    broker = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert broker.stdout.split() == ["False", "redis://127.0.0.1:6379/5"], broker.stderr
