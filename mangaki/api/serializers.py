"""Input and output shapes of the API. Output serializers read annotated querysets: no query of their own."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import Choice, WatchStatus
from ..models import Category, Progress, Rating, Tag, TaggedWork, TrainedModel, Work, WorkLink, WorkRelation
from ..seasons import Season
from ..services.progress import MAX_REWATCHES
from ..work_details import work_links, work_titles
from ..work_relations import visible_relations

MAX_BULK_RATINGS = 1000


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "title"]


class WeightedTagSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="tag.slug")
    title = serializers.CharField(source="tag.title")

    class Meta:
        model = TaggedWork
        fields = ["slug", "title", "weight"]


class OptionalSiteURLField(serializers.CharField):
    """A URL of this site that may be blank: null in the answer rather than an empty string.

    Site-relative (``/media/covers/21.jpg``), as the pages link it: resolve it against the
    address the API was reached at.
    """

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class WorkSummarySerializer(serializers.ModelSerializer):
    """A work inside another object (a rating, a recommendation): enough to show it and link to it."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    type = serializers.CharField(source="work_type")
    cover_url = OptionalSiteURLField(
        read_only=True,
        help_text="The stored cover, a URL of this site (/media/covers/21.jpg); null when it has none.",
    )

    class Meta:
        model = Work
        fields = ["id", "title", "category", "type", "nb_episodes", "cover_url", "nsfw", "nb_ratings"]
        read_only_fields = fields

    renders_declared_fields = True  # the override below only caches (mangaki.api.rendering)

    def to_representation(self, work: Work) -> dict:
        # A work can appear many times in one answer (a recommendation list names the same
        # few rated works as neighbours again and again): render it once per answer.
        rendered = self.context.get("rendered_works")
        if rendered is None:
            return super().to_representation(work)
        if work.pk not in rendered:
            rendered[work.pk] = super().to_representation(work)
        return rendered[work.pk]


class WorkListSerializer(WorkSummarySerializer):
    """A work of the catalogue, with the requesting user's own rating of it."""

    my_rating = serializers.SerializerMethodField(
        help_text="The requesting user's choice for this work, null when unrated or anonymous."
    )
    year = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The year it first aired; null when unknown."
    )

    class Meta(WorkSummarySerializer.Meta):
        fields = [*WorkSummarySerializer.Meta.fields, "year", "my_rating"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Choice.choices, allow_null=True))
    def get_my_rating(self, work: Work) -> str | None:
        # Annotated by the view (``with_my_rating``); works from elsewhere have none.
        return getattr(work, "my_rating", None)


class CountersSerializer(serializers.Serializer):
    favorite = serializers.IntegerField(source="nb_favorites")
    like = serializers.IntegerField(source="nb_likes")
    neutral = serializers.IntegerField(source="nb_neutrals")
    dislike = serializers.IntegerField(source="nb_dislikes")
    willsee = serializers.IntegerField(source="nb_willsees")
    wontsee = serializers.IntegerField(source="nb_wontsees")


class TitleSerializer(serializers.Serializer):
    language = serializers.CharField(help_text="BCP 47 language tag: ja, en, zh-Hans, zh-Hant…")
    title = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="As shown: MyAnimeList, Netflix, U-NEXT (JP)…")
    kind = serializers.ChoiceField(
        choices=WorkLink.Kind.choices,
        help_text="info (about it), official (its site) or streaming (where to watch).",
    )
    url = serializers.URLField(help_text="Always an http(s) URL.")


class RelationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=WorkRelation.Kind.choices,
        help_text="sequel, prequel, adaptation… (franchise: inferred, not the upstream's)",
    )
    label = serializers.CharField(help_text="The kind as the work page says it: Sequel, Adaptation…")
    work = WorkSummarySerializer(help_text="The related work (as AniList lists it on this work's page).")


class WorkDetailSerializer(WorkListSerializer):
    """A work with its tags, counters, air dates and season, other titles and links.

    Titles, dates and links come from bangumi-data (CC BY 4.0); the view prefetches them.
    """

    tags = WeightedTagSerializer(source="tagged", many=True, read_only=True)
    counters = CountersSerializer(source="*", read_only=True)
    season = serializers.ChoiceField(
        choices=Season.choices,
        read_only=True,
        allow_null=True,
        help_text="The anime season it first aired in (Winter is January to March…); null when unknown.",
    )
    aired_from = serializers.DateField(read_only=True, allow_null=True, help_text="First broadcast.")
    aired_to = serializers.DateField(read_only=True, allow_null=True, help_text="Last broadcast.")
    original_title = serializers.SerializerMethodField(
        help_text="Its title in its original language; null when unknown or the same as title."
    )
    titles = serializers.SerializerMethodField(help_text="Its other titles, English first.")
    links = serializers.SerializerMethodField(
        help_text="About it (MyAnimeList, AniList, AniDB), its official site, where to watch it."
    )
    status = serializers.ChoiceField(
        choices=Work.Status.choices, read_only=True, help_text="Where it is in its run; empty when unknown."
    )
    studios = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True, help_text="Its main animation studios (from AniList)."
    )
    anilist_score = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="AniList's mean score out of 100; null when unknown."
    )
    anilist_popularity = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="People with it on their AniList list; null when unknown."
    )
    relations = serializers.SerializerMethodField(
        help_text="Sequels, prequels, adaptations… that we have (NSFW ones only if your profile allows them)."
    )

    class Meta(WorkListSerializer.Meta):
        fields = [
            *WorkListSerializer.Meta.fields,
            "nb_volumes",
            "nb_chapters",
            "synopsis",
            "external_source",
            "external_id",
            "tags",
            "counters",
            "controversy",
            "season",
            "aired_from",
            "aired_to",
            "original_title",
            "titles",
            "links",
            "status",
            "studios",
            "anilist_score",
            "anilist_popularity",
            "relations",
        ]
        read_only_fields = fields

    @extend_schema_field(TitleSerializer(allow_null=True))
    def get_original_title(self, work: Work) -> dict | None:
        original, _ = work_titles(work)
        return None if original is None else {"language": original.language, "title": original.title}

    @extend_schema_field(TitleSerializer(many=True))
    def get_titles(self, work: Work) -> list[dict]:
        _, others = work_titles(work)
        return [{"language": title.language, "title": title.title} for title in others]

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, work: Work) -> list[dict]:
        return [{"name": link.name, "kind": link.kind, "url": link.url} for link in work_links(work)]

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, work: Work) -> list[dict]:
        request = self.context.get("request")
        rows = visible_relations(work, getattr(request, "user", None))
        return [
            {
                "kind": row.kind,
                "label": row.get_kind_display(),
                "work": WorkSummarySerializer(row.related).data,
            }
            for row in rows
        ]


class RatingSerializer(serializers.ModelSerializer):
    work = WorkSummarySerializer(read_only=True)

    class Meta:
        model = Rating
        fields = ["work", "choice", "date"]
        read_only_fields = fields


class RatingWriteSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Choice.choices)


class BulkRatingRowSerializer(serializers.Serializer):
    work = serializers.IntegerField(min_value=1, help_text="Work id.")
    choice = serializers.ChoiceField(choices=Choice.choices)


class BulkRatingsSerializer(serializers.Serializer):
    ratings = BulkRatingRowSerializer(many=True, allow_empty=False, max_length=MAX_BULK_RATINGS)


class BulkRatingsResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Works rated for the first time.")
    changed = serializers.IntegerField(help_text="Works whose rating changed.")
    unchanged = serializers.IntegerField(help_text="Works that already had this rating.")


class WorkProgressSerializer(serializers.ModelSerializer):
    """Where the person is with a work: status, how far, when."""

    work = WorkSummarySerializer(read_only=True)
    status_label = serializers.CharField(
        read_only=True, help_text="The status as people read it: Reading, Plan to read for a manga."
    )

    class Meta:
        model = Progress
        fields = [
            "work", "status", "status_label", "episodes", "chapters", "volumes",
            "started", "finished", "rewatches", "rewatching", "updated",
        ]  # fmt: skip
        read_only_fields = fields


class WorkProgressWriteSerializer(serializers.Serializer):
    """The fields to set; those left out keep their value (PATCH) or their default (PUT)."""

    status = serializers.ChoiceField(choices=WatchStatus.choices, required=False)
    episodes = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    chapters = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    volumes = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    started = serializers.DateField(allow_null=True, required=False)
    finished = serializers.DateField(allow_null=True, required=False)
    rewatches = serializers.IntegerField(min_value=0, max_value=MAX_REWATCHES, required=False)
    rewatching = serializers.BooleanField(required=False)


class WorkProgressStepSerializer(serializers.Serializer):
    progress = WorkProgressSerializer()
    reached_the_end = serializers.BooleanField(
        help_text="This was the last episode (chapter) of a known length: time to mark it completed."
    )


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["username"]


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="Path of the offending input, e.g. ratings[3].choice."
    )
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


class CurvePointSerializer(serializers.Serializer):
    low = serializers.IntegerField(help_text="Fewest ratings of the people in this bin.")
    high = serializers.IntegerField(allow_null=True, help_text="Most ratings; null for the last bin.")
    ndcg = serializers.FloatField(help_text="Their mean held-out NDCG@10 with this model.")
    most_rated = serializers.FloatField(allow_null=True, help_text="The same with the most-rated list.")
    users = serializers.IntegerField()


class TrainedModelSerializer(serializers.ModelSerializer):
    metrics = serializers.SerializerMethodField(
        help_text="Held-out measures: ndcg, recall, coverage, newcomer_k3_ndcg…, most_rated_ndcg…; "
        "for rating models also rmse, rmse_cold, rmse_freeze."
    )
    ndcg_by_ratings = CurvePointSerializer(
        source="metrics.ndcg_by_ratings",
        many=True,
        default=list,
        help_text="NDCG@10 by how many ratings people had, next to the most-rated list.",
    )
    hyperparameters = serializers.DictField(help_text="The estimator's parameters.")

    class Meta:
        model = TrainedModel
        fields = [
            "id",
            "algorithm",
            "version",
            "status",
            "reason",
            "is_active",
            "created",
            "activated",
            "nb_ratings",
            "nb_users",
            "nb_works",
            "metrics",
            "ndcg_by_ratings",
            "hyperparameters",
            "train_seconds",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.FloatField(allow_null=True)))
    def get_metrics(self, row: TrainedModel) -> dict:
        return {key: value for key, value in row.metrics.items() if not isinstance(value, (list, dict))}


class RetrainSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=TrainedModel.Algorithm.choices)


class RetrainResultSerializer(serializers.Serializer):
    task_id = serializers.CharField(help_text="Celery task id of the queued training.")
    algorithm = serializers.CharField()


class ActivateSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="Also activate a version the quality gate rejected."
    )
