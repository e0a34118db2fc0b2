"""mangaki.api.rendering: a declared serializer rendered by plain reads, as REST framework renders it."""

import pytest
from rest_framework import serializers

from mangaki.api.rendering import renderer
from mangaki.api.serializers import WorkSummarySerializer
from tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


class Pair(serializers.Serializer):
    @classmethod
    def fields_of(cls, pair):
        return {"work": pair[0], "weight": pair[1]}

    work = WorkSummarySerializer()
    weight = serializers.FloatField()

    def to_representation(self, pair):
        return super().to_representation(self.fields_of(pair))


class Holder:
    def __init__(self, **attributes):
        self.__dict__.update(attributes)


class Answer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    first_title = serializers.CharField(source="first.title")
    pairs = Pair(many=True)
    main = WorkSummarySerializer(allow_null=True)


def test_the_rendering_equals_rest_frameworks_for_every_shape():
    works = [WorkFactory(title=f"Work {index}", nb_episodes=None if index else 12) for index in range(3)]
    works[1].cover = "covers/2.jpg"
    for main in (works[2], None):
        answer = Holder(
            name="list",
            count=None,
            first=works[0],
            pairs=[(works[0], 1.5), (works[1], 2), (works[0], 0.25)],
            main=main,
        )
        assert renderer(Answer)(answer) == Answer(answer).data


def test_a_work_named_twice_in_an_answer_is_rendered_once():
    work = WorkFactory()
    data = renderer(Answer)(
        Holder(name="x", count=1, first=work, pairs=[(work, 1.0), (work, 2.0)], main=work)
    )
    assert data["pairs"][0]["work"] is data["pairs"][1]["work"] is data["main"]
    # Another answer renders it afresh: a change between two answers shows.
    work.title = "Renamed"
    again = renderer(Answer)(Holder(name="x", count=1, first=work, pairs=[], main=work))
    assert again["main"]["title"] == "Renamed"


def test_an_override_that_changes_the_fields_is_refused_when_the_renderer_is_built():
    class Shouting(serializers.Serializer):
        title = serializers.CharField()

        def to_representation(self, instance):
            return {"title": instance.title.upper()}

    with pytest.raises(TypeError, match="Shouting overrides to_representation"):
        renderer(Shouting)


@pytest.mark.parametrize(
    "field",
    [
        serializers.CharField(write_only=True),
        serializers.PrimaryKeyRelatedField(read_only=True),
        serializers.DictField(source="*"),
    ],
)
def test_fields_it_does_not_render_as_rest_framework_would_are_refused(field):
    declared = type("Declared", (serializers.Serializer,), {"thing": field})
    with pytest.raises(TypeError, match="thing"):
        renderer(declared)


def test_a_null_nested_object_and_a_null_number_render_as_null():
    data = renderer(Answer)(Holder(name="x", count=None, first=WorkFactory(), pairs=[], main=None))
    assert data["count"] is None and data["main"] is None
