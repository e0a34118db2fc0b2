"""The one normalisation of titles and queries, the ranks of a title, and the trigram index."""

import pytest
from django.db import connection

from mangaki import text_search
from mangaki.models import Work, WorkTitle
from mangaki.text_search import TrigramIndex, candidate_fragments, closeness, normalize, rank


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Steins;Gate", "steins gate"),  # punctuation separates words
        ("Re:Zero kara Hajimeru Isekai Seikatsu", "re zero kara hajimeru isekai seikatsu"),
        ("Kimi no Na wa.", "kimi no na wa"),
        ("POKÉMON", "pokemon"),  # case and accents
        ("Shōjo Kakumei Utena", "shojo kakumei utena"),
        ("Ｓｔｅｉｎｓ；Ｇａｔｅ", "steins gate"),  # full-width letters and punctuation
        ("ｶﾞﾝﾀﾞﾑ", "ガンダム"),  # half-width katakana
        ("ガンダム", "ガンダム"),  # Japanese voicing marks are letters, not accents
        ("進撃の巨人。", "進撃の巨人"),
        ("銀魂゜", "銀魂"),  # a mark left on no letter goes
        ("JoJo's Bizarre Adventure", "jojos bizarre adventure"),  # apostrophes vanish
        ("Hunter×Hunter", "hunter x hunter"),
        ("Ærø, Łódź", "aero lodz"),  # letters Unicode does not decompose
        ("  Tab\tand   spaces ", "tab and spaces"),
        ("!!!", ""),
    ],
)
def test_normalize(text, normalized):
    assert normalize(text) == normalized


def test_ranks_equal_then_prefix_then_word_then_contained_then_close():
    query = "steins gate"
    ranks = [
        rank("steins gate", query),
        rank("steins gate 0", query),
        rank("the steins gate story", query),
        rank("xsteins gate", query),
        rank("steins gat", query),  # a typo away
        rank("clannad", query),
    ]
    assert ranks == sorted(ranks, reverse=True)
    assert len(set(ranks)) == len(ranks)
    assert ranks[0] == text_search.EXACT
    assert text_search.MIN_CLOSENESS <= ranks[4] < text_search.CONTAINS
    assert ranks[5] < text_search.MIN_CLOSENESS


def test_closeness_compares_with_the_closest_run_of_words():
    # One wrong letter, a missing word: close; whatever follows in the title does not count.
    assert closeness("cowboy bebop", "cowboy bebob") == closeness(
        "cowboy bebop tengoku no tobira", "cowboy bebob"
    )
    assert closeness("attack on titan", "attack titan") >= text_search.MIN_CLOSENESS
    assert closeness("digimon", "pokemon") < text_search.MIN_CLOSENESS


def test_candidate_fragments_are_three_letter_pieces_spread_over_the_query():
    assert candidate_fragments("cowboy bebob") == ["cow", "owb", "wbo", "boy", "beb", "ebo", "bob"]
    assert candidate_fragments("re 0") == []
    long = candidate_fragments("fullmetal alchemist brotherhood", limit=6)
    assert len(long) == 6 and long[0] == "ful" and long[-1] == "ood"


def test_closeness_is_looked_for_with_the_first_words_of_a_query_of_four_letters_or_more():
    assert text_search.fuzzy_part("cowboy bebob") == "cowboy bebob"
    assert text_search.fuzzy_part("no 6") == ""  # "no" is in half the titles
    assert text_search.fuzzy_part("巨人") == ""
    long = text_search.fuzzy_part("dteective conan movie 03 the last wizard of the century")
    assert long == "dteective conan movie 03 the"  # 28 characters; with "last", 33
    assert len(text_search.fuzzy_part("x" * 80)) == text_search.FUZZY_MAX_LENGTH
    assert len(text_search.match_conditions("search_text", "no 6", vendor="postgresql")) == 1
    assert len(text_search.match_conditions("search_text", "cowboy bebob", vendor="postgresql")) == 2
    assert len(text_search.match_conditions("search_text", "cowboy bebob", vendor="sqlite")) == 1


@pytest.mark.django_db
def test_the_trigram_index_is_gin_on_postgresql_and_plain_elsewhere():
    index = next(index for index in Work._meta.indexes if isinstance(index, TrigramIndex))
    assert index.deconstruct() == (
        "mangaki.text_search.TrigramIndex",
        (),
        {"fields": ["search_text"], "name": "work_search_trgm"},
    )
    # The statement only (SQLite's editor cannot be entered inside the test's transaction).
    sql = str(index.create_sql(Work, connection.schema_editor(collect_sql=True)))
    if connection.vendor == "postgresql":
        assert "USING gin" in sql and "gin_trgm_ops" in sql and "fastupdate = off" in sql
    else:
        assert "gin" not in sql.lower()
    assert any(isinstance(index, TrigramIndex) for index in WorkTitle._meta.indexes)
