"""factory_boy factories for the catalogue and ratings."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from mangaki.models import Category, Tag, TaggedWork, Work, WorkLink, WorkTitle


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


def code_geass():
    """The series and its sequel, titles cut alike on cards: told apart by their year."""
    first = WorkFactory(
        title="Code Geass: Hangyaku no Lelouch",
        aired_from=date(2006, 10, 5),
        aired_to=date(2007, 7, 28),
        external_source="myanimelist",
        external_id="1575",
    )
    second = WorkFactory(
        title="Code Geass: Hangyaku no Lelouch R2",
        aired_from=date(2008, 4, 6),
        aired_to=date(2008, 9, 28),
        external_source="myanimelist",
        external_id="2904",
    )
    return first, second


def with_bangumi_data(work, *, n_titles=1, n_links=1):
    """``work`` with R2's original, English and Chinese titles, and links of each kind (one unsafe)."""
    WorkTitle.objects.create(
        work=work, kind="original", language="ja", title="コードギアス 反逆のルルーシュR2"
    )
    WorkTitle.objects.create(work=work, kind="translation", language="zh-Hans", title="叛逆的鲁路修R2")
    for index in range(n_titles):
        suffix = f" ({index})" if index else ""
        WorkTitle.objects.create(
            work=work,
            kind="translation",
            language="en",
            title=f"Code Geass: Lelouch of the Rebellion R2{suffix}",
        )
    links = [
        ("mal", "MyAnimeList", "info", f"https://myanimelist.net/anime/{work.external_id}"),
        ("aniList", "AniList", "info", "https://anilist.co/anime/2904"),
        ("official", "Official site", "official", "http://www.geass.jp/r2/"),
        ("evil", "Evil", "streaming", "javascript:alert(1)"),
    ]
    links += [
        ("netflix", f"Netflix {index}", "streaming", f"https://www.netflix.com/title/{index}")
        for index in range(n_links)
    ]
    for site, name, kind, url in links:
        WorkLink.objects.create(work=work, site=site, name=name, kind=kind, url=url)
    return work
