"""Fixtures shared by the training, selector and worker tests: small real data, a private storage."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mangaki.models import Rating, TaggedWork, Work
from mangaki.serving import forget_loaded_models


def load_small_anime() -> None:
    """The shipped small anime subset (about 14k ratings) through the real importer."""
    call_command("load_anime", small=True, stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)


def unload_anime() -> None:
    Rating.objects.all().delete()
    TaggedWork.objects.all().delete()
    Work.objects.all().delete()


@pytest.fixture(scope="module", name="small_anime")
def small_anime_fixture(django_db_setup, django_db_blocker):
    """The small data, loaded once per test module (each test's writes are rolled back)."""
    with django_db_blocker.unblock():
        load_small_anime()
        yield
        unload_anime()


@pytest.fixture(name="model_storage")
def model_storage_fixture(settings, tmp_path):
    """Artifacts go to a folder of this test only; no loaded model leaks between tests."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    forget_loaded_models()
    yield tmp_path / "media" / settings.MANGAKI_MODEL_STORAGE_PREFIX
    forget_loaded_models()
