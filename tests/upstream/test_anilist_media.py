"""Reading recorded AniList media objects in the catalogue's terms."""

from datetime import date

from mangaki.upstream.anilist_media import full_date, media_tags, media_titles, work_values
from tests.anilist_replay import recorded_media


def test_a_recorded_manga_reads_as_a_manga_with_its_counts_and_dates():
    values = work_values(recorded_media(53390))
    assert values["work_type"] == "Manga" and values["nb_chapters"] == 141 and "nb_episodes" not in values
    assert (values["aired_from"], values["aired_to"], values["status"]) == (
        date(2009, 9, 9),
        date(2021, 4, 9),
        "finished",
    )


def test_only_full_dates_are_kept_and_nulls_never_erase():
    assert full_date({"year": 2026, "month": 4, "day": None}) is None
    assert full_date({"year": 2026, "month": 2, "day": 30}) is None
    media = recorded_media(99426)
    media.update(averageScore=None, episodes=None, startDate={"year": 2018, "month": None, "day": None})
    values = work_values(media)
    assert not {"anilist_score", "nb_episodes", "aired_from"} & set(values)


def test_tags_keep_genres_and_relevant_non_spoiler_tags():
    media = recorded_media(99426)
    tags = media_tags(media)
    spoilers = {tag["name"] for tag in media["tags"] if tag["isMediaSpoiler"] or tag["isGeneralSpoiler"]}
    low = {tag["name"] for tag in media["tags"] if tag["rank"] < 60}
    assert {name for name, _ in tags.values()} >= set(media["genres"])
    assert not ({name for name, _ in tags.values()} & (spoilers | low) - set(media["genres"]))
    assert "tragedy" not in tags and "school" not in tags  # a spoiler ranked 73, a tag ranked 36
    assert tags["travel"] == ("Travel", 0.96)


def test_titles_by_kind_and_language():
    assert media_titles(recorded_media(143391)) == [
        ("romaji", "ja-Latn", "Chiyuki no Fashion Check"),
        ("original", "ja", "千雪のファッションチェック！"),
    ]  # no English title recorded: none invented


def test_the_season_anilist_files_a_work_under_is_kept_and_a_null_one_left_out():
    values = work_values(recorded_media(99426))  # A Place Further Than the Universe: WINTER 2018
    assert (values["upstream_season"], values["upstream_season_year"]) == ("winter", 2018)
    media = recorded_media(99426)
    media.update(season=None, seasonYear=None)
    assert not {"upstream_season", "upstream_season_year"} & set(work_values(media))
