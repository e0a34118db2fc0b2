"""Fixtures shared by the training, selector and worker tests: small real data, a private storage."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from mangaki.models import Rating, Tag, TaggedWork, TrainedModel, Work
from mangaki.recommendations.serving import forget_loaded_models
from mangaki.services.dataset_load import USERNAME_PREFIX


def load_small_anime() -> None:
    """The shipped small anime subset (about 14k ratings) through the real importer."""
    call_command("load_anime", small=True, stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)


def unload_anime() -> None:
    """Remove everything the import created (works, tags, users, ratings), for the next module."""
    Rating.objects.all().delete()
    TaggedWork.objects.all().delete()
    Work.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.filter(username__startswith=USERNAME_PREFIX).delete()
    TrainedModel.objects.all().delete()


@pytest.fixture(scope="module", name="full_anime")
def full_anime_fixture(django_db_setup, django_db_blocker):
    """The whole shipped anime data (420k ratings), loaded once per test module."""
    with django_db_blocker.unblock():
        call_command("load_anime", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
        yield
        unload_anime()


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
