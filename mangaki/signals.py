"""Every user gets a profile the moment they are created; the categories always exist."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="mangaki_create_profile")
def create_profile(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


# The categories every installation has. Migration 0002 creates them; this handler puts them
# back after every ``migrate`` and every ``flush`` (which tests run between transactional
# tests), the way Django recreates content types and permissions.
CATEGORIES = (("anime", "Anime"), ("manga", "Manga"))


def ensure_categories(sender, apps=None, using: str = "default", **kwargs) -> None:
    if apps is None:  # ``flush`` sends the signal without the migration state
        from django.apps import apps
    try:
        Category = apps.get_model("mangaki", "Category")
    except LookupError:  # migrated back before the model existed
        return
    for slug, name in CATEGORIES:
        Category.objects.using(using).get_or_create(slug=slug, defaults={"name": name})
