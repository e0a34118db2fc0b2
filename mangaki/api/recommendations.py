"""Recommendations for the requesting user: an APIView with explicit input and output over the selector."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import TokenScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ..models import Category, Profile
from ..precompiled import PartialModel, PrecompiledQuery
from ..recommendations.algorithms import OFFERED
from ..recommendations.lists import ListNotOffered, recommendations_for
from ..seasons import FIRST_YEAR, LAST_YEAR
from .rendering import renderer
from .serializers import TagSerializer, WorkSummarySerializer
from .throttles import AnonThrottle, ScopedThrottle, UserThrottle

MAX_RECOMMENDATIONS = 100


# The token, its user and the user's profile in one precompiled query (see mangaki.precompiled):
# what a recommendation needs of them (the profile's NSFW choice, the user's id and status).
# Their other columns (password, dates, names) are DEFERRED: read if anything ever asks.
_TOKEN = PartialModel(Token, ("user",))
_USER = PartialModel(get_user_model(), ("username", "is_active", "is_staff", "is_superuser"))
_PROFILE = PartialModel(Profile, ("user", "nsfw_ok", "is_shared", "is_guest", "hidden_franchises"))
_token_sql = PrecompiledQuery(
    lambda key: Token.objects.filter(key=key).values_list(
        *_TOKEN.lookups(), *_USER.lookups("user__"), *_PROFILE.lookups("user__profile__")
    )
)


class TokenWithProfileAuthentication(TokenAuthentication):
    """Token authentication that reads the user's profile in the same query.

    The list hides NSFW works unless the profile allows them: without this, one more query per
    request (sessions already load the profile with the user: ``ProfileModelBackend``). Built
    from one precompiled row: REST framework's ``select_related`` get cost 1 ms of CPU.
    """

    def authenticate_credentials(self, key):
        found = _token_sql.rows(key)
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row, alias = found[0], Token.objects.db
        token_end = len(_TOKEN.columns)
        user_end = token_end + len(_USER.columns)
        token = _TOKEN.instance(alias, row[:token_end])
        user = _USER.instance(alias, row[token_end:user_end])
        token.user = user
        if row[user_end] is not None:  # else ``user.profile`` is looked up (and missing) on access
            user.profile = _PROFILE.instance(alias, row[user_end:])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token


class TokenWithProfileScheme(OpenApiAuthenticationExtension):
    """In the schema, the very ``tokenAuth`` scheme of REST framework's token authentication.

    The other views' ``TokenAuthentication`` declares it; declaring it again from this
    subclass would be a second component of the same name.
    """

    target_class = TokenWithProfileAuthentication
    name = []

    def get_security_requirement(self, auto_schema):
        return {TokenScheme.name: []}

    def get_security_definition(self, auto_schema):
        return []  # one definition per name: none


class RecommendationQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, help_text="Category slug."
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_RECOMMENDATIONS, default=20)
    season = serializers.RegexField(
        r"^\d{4}-(winter|spring|summer|fall)$",
        required=False,
        help_text="One season's works only, as 2026-spring (a year, then winter, spring, summer or "
        "fall), in your order: most of a season's works nobody here has rated yet.",
        error_messages={
            "invalid": "A season is a year and one of winter, spring, summer, fall: 2026-spring."
        },
    )

    def validate_season(self, value: str) -> str:
        if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
            raise serializers.ValidationError(f"Seasons run from {FIRST_YEAR} to {LAST_YEAR}.")
        return value

    algorithm = serializers.ChoiceField(
        choices=[(algorithm.value, algorithm.label) for algorithm in OFFERED],
        required=False,
        help_text=(
            "Which model makes the list; omitted: the best lists (EASE, or the best model trained). "
            "A list whose active model, measured on held-out ratings, did not beat the most rated "
            "works is refused (400) until a retraining does."
        ),
    )


class PairSerializer(serializers.Serializer):
    """Reads the selector's ``(object, number)`` pairs into named fields."""

    @classmethod
    def fields_of(cls, pair) -> dict:
        first, second = cls._declared_fields
        return {first: pair[0], second: pair[1]}

    def to_representation(self, pair):
        return super().to_representation(self.fields_of(pair))


class ExplainingTagSerializer(PairSerializer):
    tag = TagSerializer()
    weight = serializers.FloatField(help_text="How much this tag pulls the prediction up.")


class NeighbourSerializer(PairSerializer):
    work = WorkSummarySerializer()
    weight = serializers.FloatField(
        help_text="How much your rating of this work adds to the listed one's score."
    )


class ExplanationSerializer(serializers.Serializer):
    tags = ExplainingTagSerializer(many=True, help_text="Tags of the work that weigh most in your taste.")
    neighbours = NeighbourSerializer(
        many=True,
        help_text="Works you rated favorite or like that pull this one up most, with how much.",
    )
    popular = serializers.BooleanField(help_text="Listed partly because many people here like it.")
    franchise_of = WorkSummarySerializer(
        allow_null=True,
        help_text="A work of the same franchise you rated favorite or like (for a work nobody here "
        "has rated yet, ranked by its side information); null otherwise.",
    )
    first_part_of = WorkSummarySerializer(
        allow_null=True,
        help_text="Listed in place of this later part of its franchise, which the model ranked: you "
        "rated nothing of the franchise, so it starts with this one; null otherwise.",
    )
    start_with = WorkSummarySerializer(
        allow_null=True,
        help_text="The first part of this work's franchise, to start with (you rated nothing of it, "
        "and this list cannot hold it: a season's list); null otherwise.",
    )
    popular_elsewhere = serializers.BooleanField(
        help_text="Listed partly because many people follow it upstream (MyAnimeList members): "
        "nobody here has rated it yet."
    )


class RecommendationSerializer(serializers.Serializer):
    work = WorkSummarySerializer()
    predicted = serializers.FloatField(
        allow_null=True,
        help_text="Predicted rating on the scale of the choice values; null when no rating model is trained.",
    )
    explanation = ExplanationSerializer()
    odds = serializers.FloatField(
        allow_null=True,
        help_text="The chance you like or love it if you watch it (0 to 1): the prediction calibrated "
        "on held-out ratings; null without a calibrated rating model, or for a work nobody here has "
        "rated yet.",
    )


class RecommendationListSerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    model_version = serializers.IntegerField(
        allow_null=True, help_text="Registry version; null for the fallback."
    )
    is_fallback = serializers.BooleanField(
        help_text="True when these are not personal (too few ratings, no trained model)."
    )
    fallback_reason = serializers.CharField(allow_blank=True)
    results = RecommendationSerializer(source="items", many=True)


render_recommendation_list = renderer(RecommendationListSerializer)


def _season(value: str | None) -> tuple[int, str] | None:
    """``"2026-spring"`` (validated) as ``(2026, "spring")``."""
    if not value:
        return None
    year, name = value.split("-")
    return int(year), name


class RecommendationsView(APIView):
    """What the requesting user should watch or read next, and why."""

    authentication_classes = [
        TokenWithProfileAuthentication if authentication is TokenAuthentication else authentication
        for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES
    ]
    permission_classes = [IsAuthenticated]
    throttle_classes = [AnonThrottle, UserThrottle, ScopedThrottle]
    throttle_scope = "recommendations"

    @extend_schema(
        summary="My recommendations",
        parameters=[RecommendationQuerySerializer],
        responses={200: RecommendationListSerializer},
    )
    def get(self, request: Request) -> Response:
        query = RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            recommendations = recommendations_for(
                user=request.user,
                category=category.slug if (category := query.validated_data.get("category")) else None,
                limit=query.validated_data["limit"],
                season=_season(query.validated_data.get("season")),
                algorithm=query.validated_data.get("algorithm"),
                with_tags=False,  # a work summary names no genres
            )
        except ListNotOffered as refused:
            raise serializers.ValidationError({"algorithm": [str(refused)]}) from refused
        return Response(render_recommendation_list(recommendations))
