"""The site's choices and the library's values are one mapping, written once (in the library)."""

import pytest

from mangaki.choices import RATING_VALUES, Choice
from recommender.choices import CHOICE_VALUES


def test_the_site_and_the_library_know_the_same_choices():
    assert sorted(Choice.values) == sorted(CHOICE_VALUES)
    assert sorted(RATING_VALUES) == sorted(CHOICE_VALUES)


@pytest.mark.parametrize("choice", list(Choice))
def test_each_choice_has_the_library_value(choice):
    assert RATING_VALUES[choice] == CHOICE_VALUES[choice.value]
    assert type(RATING_VALUES[choice]) is float
