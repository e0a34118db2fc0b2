"""The catalogue (categories, works, tags) and what people say about it (profiles, ratings)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .choices import Choice, WatchStatus, status_label
from .querysets import WorkQuerySet, is_airing_on
from .seasons import Season, YearSeason, current_season, today_in_japan, work_season
from .text_search import TrigramIndex, normalize


class Category(models.Model):
    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=64)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


def _with_search_text(instance, save_kwargs: dict) -> None:
    """Set ``search_text`` from ``title`` before a save (and save it with the title)."""
    instance.search_text = normalize(instance.title)
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None and "title" in update_fields:
        save_kwargs["update_fields"] = {*update_fields, "search_text"}


class Studio(models.Model):
    """An animation studio (or a manga's publisher-side creator credit), as the catalogue sync names it."""

    name = models.CharField(max_length=128)
    anilist_id = models.PositiveIntegerField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Work(models.Model):
    class Status(models.TextChoices):
        """Where the work is in its run (AniList's MediaStatus; bangumi-data's end date)."""

        FINISHED = "finished", "Finished"
        RELEASING = "releasing", "Airing now"
        NOT_YET_RELEASED = "not_yet_released", "Not yet aired"
        CANCELLED = "cancelled", "Cancelled"
        HIATUS = "hiatus", "On hiatus"

    title = models.CharField(max_length=255)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="works")
    work_type = models.CharField("type", max_length=32, blank=True, help_text="TV, Movie, OVA, Manga…")
    nb_episodes = models.PositiveIntegerField("episodes", null=True, blank=True)
    nb_volumes = models.PositiveIntegerField("volumes", null=True, blank=True)
    nb_chapters = models.PositiveIntegerField("chapters", null=True, blank=True)
    # Plain text (the sync strips upstream markup); shown escaped.
    synopsis = models.TextField(blank=True)
    # The cover, resized and stored through Django's storage (pages load nothing from other
    # sites); ``cover_source_url`` is where the sync took it from, so an unchanged cover is not
    # fetched again.
    cover = models.ImageField(upload_to="covers/", blank=True)
    cover_source_url = models.URLField(max_length=500, blank=True)
    nsfw = models.BooleanField("NSFW", default=False)
    # NULL (not "") when a work has no external id, so the uniqueness below ignores it.
    external_source = models.CharField(max_length=32, null=True, blank=True, help_text="e.g. myanimelist")  # noqa: DJ001
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    tags = models.ManyToManyField(Tag, through="TaggedWork", related_name="works", blank=True)
    # First and last broadcast (or publication), as dates where it aired.
    aired_from = models.DateField(null=True, blank=True)
    aired_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    # The season AniList files it under (MediaSeason, seasonYear): what places a work announced
    # without a full first date on its season's page; a known ``aired_from`` decides otherwise.
    upstream_season = models.CharField(max_length=8, choices=Season.choices, blank=True)
    upstream_season_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # The weekly slot: the first broadcast as an aware UTC moment, repeated every
    # ``broadcast_interval_days`` days (7 for a weekly show, 0 for a single broadcast), from
    # bangumi-data's ``R/2026-01-16T14:00:00Z/P7D``.
    broadcast_start = models.DateTimeField(null=True, blank=True)
    broadcast_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # What upstream catalogues say of it: MyAnimeList members and score (the shipped dataset),
    # AniList's popularity (people with it on their list) and mean score out of 100 (the sync).
    nb_members = models.PositiveIntegerField("MyAnimeList members", null=True, blank=True)
    mal_score = models.FloatField("MyAnimeList score", null=True, blank=True)
    anilist_id = models.PositiveIntegerField("AniList id", null=True, blank=True)
    anilist_popularity = models.PositiveIntegerField(null=True, blank=True)
    anilist_score = models.PositiveSmallIntegerField(null=True, blank=True)
    studios = models.ManyToManyField(Studio, related_name="works", blank=True)
    # The works joined by relations (sequel, prequel, adaptation…) form a franchise, named by the
    # smallest work id among them (``services.franchises``); NULL for a work with no relation.
    franchise_id = models.PositiveIntegerField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True, help_text="last enriched by the catalogue sync")
    # A work first seen in a member's import is theirs alone (their list and export) until the
    # catalogue sync finds it upstream or staff confirm it: until then it is in no public list,
    # search, ranking or training (``WorkQuerySet.safe_for``, ``public``).
    confirmed = models.BooleanField(default=True, help_text="public: loaded, synced or confirmed by staff")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the member whose import first brought it, while it waits for confirmation",
    )
    date_added = models.DateTimeField(auto_now_add=True)
    # ``title`` as search compares it (text_search.normalize), written with the title.
    search_text = models.TextField(blank=True, editable=False)

    # Ranking counters, kept exact by the rating service in the same transaction as the
    # rating change, and recomputed from scratch by ``manage.py ranking``.
    nb_favorites = models.PositiveIntegerField(default=0)
    nb_likes = models.PositiveIntegerField(default=0)
    nb_neutrals = models.PositiveIntegerField(default=0)
    nb_dislikes = models.PositiveIntegerField(default=0)
    nb_willsees = models.PositiveIntegerField(default=0)
    nb_wontsees = models.PositiveIntegerField(default=0)
    nb_ratings = models.PositiveIntegerField(default=0, help_text="favorites + likes + neutrals + dislikes")
    sum_ratings = models.FloatField(default=0)
    controversy = models.FloatField(default=0)

    objects = WorkQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            # An external id names a work within its source's list of one category:
            # MyAnimeList's anime 1 (Cowboy Bebop) and manga 1 (Monster) are two works.
            models.UniqueConstraint(
                fields=["external_source", "category", "external_id"], name="work_unique_external_id"
            ),
            # AniList numbers anime and manga in one sequence: an id names one work.
            models.UniqueConstraint(
                fields=["anilist_id"], condition=Q(anilist_id__isnull=False), name="work_unique_anilist_id"
            ),
        ]
        indexes = [
            models.Index(fields=["nb_ratings"], name="work_nb_ratings"),
            # Season pages and the calendar: works by first air date within a category.
            models.Index(fields=["category", "aired_from"], name="work_category_aired"),
            models.Index(fields=["franchise_id"], name="work_franchise"),
            models.Index(fields=["controversy"], name="work_controversy"),
            TrigramIndex(fields=["search_text"], name="work_search_trgm"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        _with_search_text(self, kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("work-detail", args=[self.category.slug, self.pk])

    @property
    def cover_url(self) -> str:
        """The stored cover's URL, "" when the work has none (cards then draw a placeholder)."""
        return self.cover.url if self.cover else ""

    @property
    def choice_counts(self) -> dict[str, int]:
        """How many people picked each of the six choices, from the counters (no query)."""
        from .choices import COUNTER_FIELDS

        return {choice: getattr(self, field) for choice, field in COUNTER_FIELDS.items()}

    @property
    def year(self) -> int | None:
        """The year of the season it first aired in (a show first broadcast on 28 December 2025
        is a Winter 2026 show: ``mangaki.seasons``), None when unknown."""
        season = self.year_season
        return season.year if season else None

    @property
    def year_season(self) -> YearSeason | None:
        """The season it first aired in: from its first air date, else the season AniList files
        it under (a work announced without a full date); None when neither is known."""
        if self.aired_from is not None:  # the upstream fields are not read (a card may lack them)
            return YearSeason.of(self.aired_from)
        return work_season(None, self.upstream_season, self.upstream_season_year)

    @property
    def season(self) -> Season | None:
        """The anime season it first aired in (``year_season``), None when unknown."""
        season = self.year_season
        return season.season if season else None

    @property
    def season_label(self) -> str:
        """``"2013 · Spring"``: what cards and pages show to tell apart works of the same name."""
        season = self.year_season
        return season.tag if season else ""

    @property
    def is_current_season(self) -> bool:
        """First aired (or is filed by the upstream) in the season running now in Japan."""
        return self.year_season == current_season()

    @property
    def is_airing(self) -> bool:
        """Airing today in Japan, by the one airing rule (``querysets.airing_condition``)."""
        return is_airing_on(self, today_in_japan())


class WorkTitle(models.Model):
    """Another title of a work: its original title, or a translation (English, Chinese…).

    ``Work.title`` stays the title the site shows; these are shown on the work's page and found
    by search.
    """

    class Kind(models.TextChoices):
        ORIGINAL = "original", "Original title"
        TRANSLATION = "translation", "Translation"
        # A romanisation of the original title, as a source writes it (AniList's romaji).
        ROMAJI = "romaji", "Romaji"
        # A machine reading of a Japanese title (fixtures/build_catalogue.py): found by search,
        # never shown as the work's title.
        READING = "reading", "Automatic reading"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="titles")
    title = models.CharField(max_length=255)
    language = models.CharField(max_length=16, help_text="ja, en, zh-Hans…")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # ``title`` as search compares it (text_search.normalize), written with the title.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["work", "kind", "language", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["work", "language", "title"], name="worktitle_unique_title")
        ]
        indexes = [TrigramIndex(fields=["search_text"], name="worktitle_search_trgm")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs):
        _with_search_text(self, kwargs)
        super().save(*args, **kwargs)


class WorkLink(models.Model):
    """Where to read about a work (``info``), its official site, or where to watch it (``streaming``)."""

    class Kind(models.TextChoices):
        INFO = "info", "About it"
        OFFICIAL = "official", "Official site"
        STREAMING = "streaming", "Where to watch"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="links")
    site = models.CharField(max_length=32, help_text="e.g. mal, netflix")
    name = models.CharField(max_length=64, help_text="as shown, e.g. Netflix, U-NEXT (JP)")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=500)

    class Meta:
        ordering = ["work", "kind", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["work", "site", "url"], name="worklink_unique_url")]

    def __str__(self) -> str:
        return f"{self.name}: {self.url}"


class WorkRelation(models.Model):
    """``related`` is ``work``'s ``kind``: (A, sequel, B) says B is A's sequel, as AniList lists
    it on A's page (its MediaEdge.relationType). Stored as upstream states them, each side's rows
    read from that side. ``franchise`` rows are the inference's (a dataset's relations file),
    which the upstream's relations replace where the catalogue sync reads both works."""

    class Kind(models.TextChoices):
        SEQUEL = "sequel", "Sequel"
        PREQUEL = "prequel", "Prequel"
        PARENT = "parent", "Parent story"
        SIDE_STORY = "side_story", "Side story"
        SPIN_OFF = "spin_off", "Spin-off"
        ADAPTATION = "adaptation", "Adaptation"
        SOURCE = "source", "Source"
        ALTERNATIVE = "alternative", "Alternative version"
        SUMMARY = "summary", "Summary"
        COMPILATION = "compilation", "Compilation"
        CONTAINS = "contains", "Contains"
        CHARACTER = "character", "Shares characters"
        OTHER = "other", "Other"
        # Not AniList's: inferred from titles, official sites and air dates where the upstream
        # gave no relation (recommender/franchises.py), from the franchise's first part to
        # each other part and back.
        FRANCHISE = "franchise", "Same franchise (inferred)"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="relations")
    related = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["work", "kind", "related"]
        constraints = [
            models.UniqueConstraint(fields=["work", "related", "kind"], name="workrelation_unique"),
            models.CheckConstraint(condition=~Q(work=models.F("related")), name="workrelation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.related} → {self.get_kind_display()}: {self.work}"


class TaggedWork(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="tagged")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged")
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["work", "tag"], name="taggedwork_unique_work_tag")]

    def __str__(self) -> str:
        return f"{self.work} · {self.tag} ({self.weight:g})"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    nsfw_ok = models.BooleanField("show NSFW works", default=False)
    is_shared = models.BooleanField("others may see my ratings", default=True)
    # A visitor who rated before signing up: signing up turns this account into theirs.
    is_guest = models.BooleanField(default=False)
    # Since when this member's ratings move the public counters and enter training. New accounts
    # start without (``services.accounts``) and are counted in once they have shown life; users
    # made any other way (staff, datasets, tests) count from the start.
    counted_since = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # "Not interested in this franchise": the works it was said of (sorted ids). Their
    # franchises, as the relations make them now, are left out of every list; read with the
    # profile, so a list costs no query more (``services.franchises.franchise_hide``).
    hidden_franchises = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class Rating(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="ratings")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    date = models.DateTimeField(auto_now=True)
    # The MyAnimeList score (1-10) an imported list gave this choice, written back by an export;
    # None when the choice was made here (a choice changed here drops it).
    mal_score = models.PositiveSmallIntegerField("MyAnimeList score", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "work"], name="rating_unique_user_work"),
            models.CheckConstraint(condition=Q(choice__in=Choice.values), name="rating_choice_valid"),
            models.CheckConstraint(
                condition=Q(mal_score__isnull=True) | Q(mal_score__gte=1, mal_score__lte=10),
                name="rating_mal_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["work", "choice"], name="rating_work_choice"),
            models.Index(fields=["user", "-date"], name="rating_user_date"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.choice} {self.work}"


class Progress(models.Model):
    """Where a person is with a work, beside what they think of it (``Rating``, optional).

    ``status`` says where they are; ``episodes`` (anime) or ``chapters`` and ``volumes``
    (manga) how far; ``started`` and ``finished`` when; ``rewatches`` how many times they went
    through it again (``rewatching``: they are doing so now). Written only through
    ``services.progress``.
    """

    Status = WatchStatus

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=16, choices=WatchStatus.choices)
    episodes = models.PositiveIntegerField(default=0, help_text="episodes watched (anime)")
    chapters = models.PositiveIntegerField(default=0, help_text="chapters read (manga)")
    volumes = models.PositiveIntegerField(default=0, help_text="volumes read (manga)")
    started = models.DateField(null=True, blank=True)
    finished = models.DateField(null=True, blank=True)
    rewatches = models.PositiveSmallIntegerField(default=0, help_text="times watched or read again")
    rewatching = models.BooleanField(default=False, help_text="watching or reading it again now")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "work"], name="progress_unique_user_work"),
            models.CheckConstraint(condition=Q(status__in=WatchStatus.values), name="progress_status_valid"),
            models.CheckConstraint(
                condition=Q(started__isnull=True) | Q(finished__isnull=True) | Q(started__lte=F("finished")),
                name="progress_started_before_finished",
            ),
        ]
        indexes = [models.Index(fields=["user", "status", "-updated"], name="progress_user_status")]

    def __str__(self) -> str:
        return f"{self.user} {self.status} {self.work}"

    @property
    def status_label(self) -> str:
        """Watching, or Reading for a manga."""
        return status_label(self.status, self.work.category.slug)


class TrainedModel(models.Model):
    """One fitted recommendation model: its measured quality and its `.npz` artifact in storage.

    Rows are never deleted (they are the history of the models); old artifacts are, and then
    ``artifact_name`` is emptied. At most one ready version per algorithm is active.
    """

    class Algorithm(models.TextChoices):
        """The one list of algorithms: training, beat, serving, pages and API all read it.

        Listed best lists first. What each one is (its class, the ratings it needs, the name
        people see) is in ``mangaki.recommendations.algorithms.SPECS``.
        """

        EASE = "ease", "EASE"
        BALSE = "balse", "BALSE"
        ALS = "als", "ALS"
        LASSO = "lasso", "LASSO"
        # Ranks works nobody has rated yet (from their priors, tags and franchise); not a list
        # of its own: it fills the others' lists and orders a season.
        SIDE = "side", "SideRanker"

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected by the quality gate"

    algorithm = models.CharField(max_length=16, choices=Algorithm.choices)
    version = models.PositiveIntegerField(help_text="1, 2, 3… per algorithm")
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRAINING)
    reason = models.TextField(blank=True, help_text="why it failed or was rejected")
    is_active = models.BooleanField("active", default=False)
    activated = models.DateTimeField(null=True, blank=True)
    hyperparameters = models.JSONField(default=dict, blank=True)
    # The data it learned from: how many ratings, users and works, and when the ratings were read
    # (for "new ratings since").
    nb_ratings = models.PositiveIntegerField(default=0)
    nb_users = models.PositiveIntegerField(default=0)
    nb_works = models.PositiveIntegerField(default=0)
    data_read_at = models.DateTimeField(null=True, blank=True)
    # Held-out measures: rmse, rmse_cold, rmse_freeze, n_test, n_cold, n_freeze, fit_seconds...
    metrics = models.JSONField(default=dict, blank=True)
    train_seconds = models.FloatField(null=True, blank=True, help_text="database read to activation")
    # Column j of the item×tag matrix is ["tag", tag_id] or ["type", work_type].
    tag_columns = models.JSONField(default=list, blank=True)
    artifact_name = models.CharField(max_length=255, blank=True, help_text="name in default_storage")
    artifact_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["algorithm", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["algorithm", "version"], name="trainedmodel_unique_version"),
            # The serving path looks the active row up through this partial unique index.
            models.UniqueConstraint(
                fields=["algorithm"], condition=Q(is_active=True), name="trainedmodel_one_active"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(status="ready"), name="trainedmodel_active_is_ready"
            ),
        ]

    def __str__(self) -> str:
        active = ", active" if self.is_active else ""
        return f"{self.get_algorithm_display()} v{self.version} ({self.status}{active})"

    @property
    def rmse(self) -> float | None:
        return self.metrics.get("rmse")

    @property
    def ndcg(self) -> float | None:
        """Held-out NDCG@10 of its lists for people with 20 or more ratings."""
        return self.metrics.get("ndcg")


class RatingImport(models.Model):
    """One uploaded MyAnimeList list, from upload to report (``services.rating_imports``).

    The upload is read and checked when it is received; its entries wait here (``entries``)
    until the import task writes them through the rating service, then are dropped, leaving
    the report: ratings created, changed, unchanged, works added, and the skipped lines.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rating_imports"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.TextField(blank=True, help_text="why it failed")
    nb_entries = models.PositiveIntegerField(default=0, help_text="entries read from the file")
    upload = models.BinaryField(
        null=True, blank=True, editable=False, help_text="the file as uploaded, until the worker has read it"
    )
    started = models.DateTimeField(null=True, blank=True, help_text="when a worker last took it up")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="times a worker took it up")
    written = models.PositiveIntegerField(default=0, help_text="entries written so far (committed batches)")
    entries = models.JSONField(default=list, blank=True, help_text="the entries to write, until written")
    report = models.JSONField(default=dict, blank=True)
    from_status = models.JSONField(
        default=list,
        blank=True,
        help_text="ids of the works whose rating this import may have taken from a status alone "
        "(imports read before statuses were kept, migration 0020); a new import of the list clears them",
    )

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="ratingimport_user_created")]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.user} ({self.status})"


class UserSession(AbstractBaseSession):
    """A database session that records whose it is, so an account's sessions can all be ended.

    Django's own session table cannot be searched by user; ``mangaki.sessions`` (the session
    engine) fills ``user_id`` from the logged-in user each time the session is saved.
    """

    # No foreign key: a session may outlive its user by a request (a second browser saving
    # after the account was deleted), and must then simply be gone, not break on a constraint.
    user_id = models.IntegerField(null=True, blank=True)

    class Meta(AbstractBaseSession.Meta):
        # account_delete removes every session of a user through this index.
        indexes = [models.Index(fields=["user_id"], name="usersession_user")]

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
