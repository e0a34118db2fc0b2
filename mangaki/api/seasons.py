"""The weekly airing calendar: an APIView with explicit input and output over ``seasonal``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Category
from ..seasonal import WEEKDAYS, airing_weekly

DEFAULT_CALENDAR_CATEGORY = "anime"


class CalendarQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        help_text=f"Category slug; default `{DEFAULT_CALENDAR_CATEGORY}`.",
    )


class WeekdayField(serializers.ChoiceField):
    """A weekday by its English name, ``monday`` to ``sunday`` (``WeekdayEnum`` in the schema)."""

    def __init__(self, **kwargs):
        super().__init__(choices=WEEKDAYS, **kwargs)


class CalendarEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    category = serializers.CharField(source="category.slug", help_text="Category slug.")
    type = serializers.CharField(source="work_type", help_text="TV, ONA, Movie… (may be empty).")
    next_broadcast = serializers.CharField(
        source="slot.iso_utc",
        help_text="The next weekly broadcast, an aware UTC instant in ISO 8601 (`2026-01-16T14:00:00Z`); "
        "a show airing right now gives its next week's.",
    )
    weekday_utc = WeekdayField(source="slot.weekday_utc", help_text="Weekday of the next broadcast in UTC.")
    weekday_japan = WeekdayField(
        source="slot.weekday_japan",
        help_text="Weekday of the next broadcast in Japan (JST, UTC+9), as Japanese listings give it.",
    )
    time_japan = serializers.CharField(source="slot.japan_time", help_text="`HH:MM` in Japan time.")


class CalendarSerializer(serializers.Serializer):
    results = CalendarEntrySerializer(many=True)


class CalendarView(APIView):
    """What airs this week: every work airing now with a weekly broadcast slot, next broadcast first."""

    @extend_schema(
        summary="The weekly airing calendar",
        parameters=[CalendarQuerySerializer],
        responses={200: CalendarSerializer},
    )
    def get(self, request: Request) -> Response:
        query = CalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        category = query.validated_data.get("category")
        if category is None:
            category = Category.objects.filter(slug=DEFAULT_CALENDAR_CATEGORY).first()
        works = airing_weekly(category=category, user=request.user) if category is not None else []
        return Response(CalendarSerializer({"results": works}).data)
