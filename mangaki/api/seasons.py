"""The weekly airing calendar: an APIView with explicit input and output over ``seasonal``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Category
from ..seasonal import WEEKDAYS, airing_weekly, season_weekly
from ..seasons import FIRST_YEAR, LAST_YEAR, Season, YearSeason

DEFAULT_CALENDAR_CATEGORY = "anime"


class CalendarQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        help_text=f"Category slug; default `{DEFAULT_CALENDAR_CATEGORY}`.",
    )
    season = serializers.ChoiceField(
        choices=Season.choices,
        required=False,
        help_text="With `year`: that season's weekly slots (each show at its first broadcast) instead "
        "of the shows airing now.",
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)

    def validate(self, data: dict) -> dict:
        if ("season" in data) != ("year" in data):
            missing = "year" if "season" in data else "season"
            raise serializers.ValidationError({missing: "season and year go together."})
        return data


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
        "a show airing right now gives its next week's. With `season` and `year`: its first broadcast.",
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
    """What airs this week: every work airing now with a weekly broadcast slot, next broadcast first;
    or, with ``season`` and ``year``, that season's weekly slots."""

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
        if category is None:
            works = []
        elif "season" in query.validated_data:
            season = YearSeason(query.validated_data["year"], Season(query.validated_data["season"]))
            works = season_weekly(category=category, season=season, user=request.user)
        else:
            works = airing_weekly(category=category, user=request.user)
        return Response(CalendarSerializer({"results": works}).data)
