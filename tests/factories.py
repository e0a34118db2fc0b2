"""factory_boy factories for the catalogue and ratings."""

import factory
from django.contrib.auth import get_user_model

from mangaki.models import Category, Tag, TaggedWork, Work


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


def anime() -> Category:
    return Category.objects.get(slug="anime")


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work

    title = factory.Sequence(lambda n: f"Work {n}")
    category = factory.LazyFunction(anime)
    work_type = "TV"
    nb_episodes = 12


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    title = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.LazyAttribute(lambda tag: tag.title.lower().replace(" ", "-"))


class TaggedWorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaggedWork

    work = factory.SubFactory(WorkFactory)
    tag = factory.SubFactory(TagFactory)
    weight = 1.0
