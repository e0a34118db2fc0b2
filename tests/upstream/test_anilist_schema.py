"""Every query the sync sends is valid against AniList's published schema (graphql-core)."""

from mangaki.upstream import anilist
from tests.anilist_replay import schema_errors


def test_the_media_page_query_is_valid_against_anilists_schema():
    assert schema_errors(anilist.MEDIA_PAGE_QUERY) == []


def test_every_variable_the_sync_sends_is_accepted():
    for variables in (
        {
            "page": 1,
            "perPage": 50,
            "type": "ANIME",
            "season": "SPRING",
            "seasonYear": 2026,
            "sort": ["POPULARITY_DESC"],
        },
        {"page": 1, "perPage": 50, "type": "MANGA", "sort": ["POPULARITY_DESC"]},
        {"page": 1, "perPage": 50, "type": "ANIME", "id_in": [16498, 99426]},
        {"page": 1, "perPage": 50, "type": "MANGA", "idMal_in": [23390]},
    ):
        assert schema_errors(anilist.MEDIA_PAGE_QUERY, variables) == [], variables


def test_the_check_catches_a_misspelt_field_and_a_wrong_variable():
    """The validation is not a formality: a typo or a wrong enum value is refused."""
    misspelt = anilist.MEDIA_PAGE_QUERY.replace("averageScore", "avgScore")
    assert any("avgScore" in message for message in schema_errors(misspelt))
    assert schema_errors(anilist.MEDIA_PAGE_QUERY, {"season": "AUTUMN"})
