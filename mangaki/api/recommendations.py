"""Recommendations for the requesting user: an APIView with explicit input and output over the selector."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Category, TrainedModel
from ..selectors import recommendations_for
from .serializers import TagSerializer, WorkSummarySerializer
from .throttles import AnonThrottle, ScopedThrottle, UserThrottle

MAX_RECOMMENDATIONS = 100


class RecommendationQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, help_text="Category slug."
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_RECOMMENDATIONS, default=20)
    algorithm = serializers.ChoiceField(
        choices=TrainedModel.Algorithm.choices,
        required=False,
        help_text="Which model makes the list; omitted: the best lists (EASE, or the best model trained).",
    )


class PairSerializer(serializers.Serializer):
    """Reads the selector's ``(object, number)`` pairs into named fields."""

    def to_representation(self, pair):
        first, second = self.fields.keys()
        return super().to_representation({first: pair[0], second: pair[1]})


class ExplainingTagSerializer(PairSerializer):
    tag = TagSerializer()
    weight = serializers.FloatField(help_text="How much this tag pulls the prediction up.")


class NeighbourSerializer(PairSerializer):
    work = WorkSummarySerializer()
    similarity = serializers.FloatField()


class ExplanationSerializer(serializers.Serializer):
    tags = ExplainingTagSerializer(many=True, help_text="Tags of the work that weigh most in your taste.")
    neighbours = NeighbourSerializer(
        many=True, help_text="Works you rated that pull this one up most, with how much."
    )
    popular = serializers.BooleanField(help_text="Listed partly because many people here like it.")


class RecommendationSerializer(serializers.Serializer):
    work = WorkSummarySerializer()
    predicted = serializers.FloatField(
        allow_null=True,
        help_text="Predicted rating on the scale of the choice values; null when no rating model is trained.",
    )
    explanation = ExplanationSerializer()


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


class RecommendationsView(APIView):
    """What the requesting user should watch or read next, and why."""

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
        recommendations = recommendations_for(
            request.user,
            category=category.slug if (category := query.validated_data.get("category")) else None,
            limit=query.validated_data["limit"],
            algorithm=query.validated_data.get("algorithm"),
        )
        output = RecommendationListSerializer(recommendations, context={"rendered_works": {}})
        return Response(output.data)
