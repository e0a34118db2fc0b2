"""The site's choices and the library's values are one mapping, written once (in the library)."""

import pytest

from mangaki.choices import LIKED_CHOICES, LIKED_MIN_VALUE, RATING_VALUES, Choice
from recommender.choices import CHOICE_VALUES


def test_the_site_and_the_library_know_the_same_choices():
    assert sorted(Choice.values) == sorted(CHOICE_VALUES)
    assert sorted(RATING_VALUES) == sorted(CHOICE_VALUES)


@pytest.mark.parametrize("choice", list(Choice))
def test_each_choice_has_the_library_value(choice):
    assert RATING_VALUES[choice] == CHOICE_VALUES[choice.value]
    assert type(RATING_VALUES[choice]) is float


def test_liked_choices_are_exactly_those_at_or_above_the_liked_value():
    assert CHOICE_VALUES["like"] == LIKED_MIN_VALUE
    assert {choice for choice in Choice if RATING_VALUES[choice] >= LIKED_MIN_VALUE} == set(LIKED_CHOICES)
    assert set(LIKED_CHOICES) == {Choice.FAVORITE, Choice.LIKE}
