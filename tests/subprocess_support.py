"""Run a snippet of Django code in a fresh process with its own environment (real services only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

# The test run's own database and cache never reach the child process.
NOT_INHERITED = {"DATABASE_URL", "CACHE_URL"}


def run_django(code: str, **env: str) -> dict:
    """Run ``code`` (which prints one JSON line last) in a new process; that JSON, decoded."""
    environment = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    environment.update(
        DJANGO_SETTINGS_MODULE="mangaki.settings",
        SECRET_KEY="tests-only-" + "x" * 40,
        HTTPS="0",
        ALLOWED_HOSTS="testserver",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
