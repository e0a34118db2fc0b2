"""The database itself enforces one rating per (user, work) and a known choice."""

import pytest
from django.db import IntegrityError, transaction

from mangaki.models import Profile, Rating, Work
from tests.factories import UserFactory


def test_a_second_rating_of_the_same_work_is_refused(user, work):
    Rating.objects.create(user=user, work=work, choice="like")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=user, work=work, choice="dislike")
    assert Rating.objects.get(user=user, work=work).choice == "like"


def test_an_unknown_choice_is_refused_by_the_database(user, work):
    # objects.create skips model validation: only the CHECK constraint stands in the way.
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=user, work=work, choice="meh")
    assert not Rating.objects.exists()


def test_external_ids_are_unique_per_source(work):
    Work.objects.filter(pk=work.pk).update(external_source="myanimelist", external_id="1")
    other = Work(title="Copy", category=work.category, external_source="myanimelist", external_id="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()
    # The same id from another source, or no id at all, is fine.
    Work.objects.create(title="B", category=work.category, external_source="anidb", external_id="1")
    Work.objects.create(title="C", category=work.category)
    Work.objects.create(title="D", category=work.category)


def test_every_new_user_gets_a_private_by_default_nsfw_profile(db):
    user = UserFactory()
    profile = Profile.objects.get(user=user)
    assert profile.nsfw_ok is False
    assert profile.is_shared is True


def test_anime_and_manga_exist_after_migrate(db):
    from mangaki.models import Category

    assert set(Category.objects.values_list("slug", flat=True)) >= {"anime", "manga"}


@pytest.mark.django_db(transaction=True)
def test_the_categories_survive_a_flush_of_the_database():
    # Transactional tests flush every table between tests; the next test still needs them.
    from django.core.management import call_command

    from mangaki.models import Category

    call_command("flush", interactive=False, verbosity=0)
    assert set(Category.objects.values_list("slug", flat=True)) == {"anime", "manga"}
