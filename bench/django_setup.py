"""Shared start of the benchmarks that run inside Django on the real data."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_with_real_data() -> None:
    """Start Django, migrate, then load fixtures/anime once if the database has no rating.

    Artifacts go to a scratch MEDIA_ROOT shared by the benchmarks (bench_serving reuses the
    model bench_training trained), unless MEDIA_ROOT is set.
    """
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mangaki.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("MEDIA_ROOT", os.path.join(tempfile.gettempdir(), "mangaki-bench-media"))

    import django

    django.setup()
    from django.core.management import call_command

    from mangaki.models import Rating

    call_command("migrate", verbosity=0)  # a new database has no tables yet
    if not Rating.objects.exists():
        print("loading fixtures/anime (once)…", flush=True)
        call_command("load_anime", verbosity=0)
