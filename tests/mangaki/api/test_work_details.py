"""The work detail's year, season, air dates, titles and links; the list's year; their query counts."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import WorkFactory, code_geass, with_bangumi_data


def test_api_work_detail_has_dates_season_titles_and_links(db, anon):
    _, work = code_geass()
    with_bangumi_data(work)
    body = anon.get(f"/api/works/{work.pk}/").json()
    assert (body["year"], body["season"]) == (2008, "spring")
    assert (body["aired_from"], body["aired_to"]) == ("2008-04-06", "2008-09-28")
    assert body["original_title"] == {"language": "ja", "title": "コードギアス 反逆のルルーシュR2"}
    assert body["titles"] == [
        {"language": "en", "title": "Code Geass: Lelouch of the Rebellion R2"},
        {"language": "zh-Hans", "title": "叛逆的鲁路修R2"},
    ]
    assert body["links"] == [
        {"name": "AniList", "kind": "info", "url": "https://anilist.co/anime/2904"},
        {"name": "MyAnimeList", "kind": "info", "url": "https://myanimelist.net/anime/2904"},
        {"name": "Official site", "kind": "official", "url": "http://www.geass.jp/r2/"},
        {"name": "Netflix 0", "kind": "streaming", "url": "https://www.netflix.com/title/0"},
    ]


def test_api_work_without_dates_or_bangumi_data(db, anon):
    work = WorkFactory(external_source=None, external_id=None)
    body = anon.get(f"/api/works/{work.pk}/").json()
    assert [body[key] for key in ("year", "season", "aired_from", "aired_to", "original_title")] == [None] * 5
    assert body["titles"] == [] and body["links"] == []


def test_api_list_has_the_year_only(db, anon):
    code_geass()
    works = anon.get("/api/works/").json()["results"]
    assert [work["year"] for work in works] == [2006, 2008]
    assert not {"season", "aired_from", "titles", "links"} & set(works[0])


def test_api_work_detail_queries_do_not_grow_with_titles_and_links(db, anon):
    few, many = code_geass()
    with_bangumi_data(few, n_titles=1, n_links=1)
    with_bangumi_data(many, n_titles=12, n_links=15)

    def count(work):
        with CaptureQueriesContext(connection) as captured:
            assert anon.get(f"/api/works/{work.pk}/").status_code == 200
        return len(captured)

    assert count(few) == count(many)
