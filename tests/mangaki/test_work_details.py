"""The work page: year and dates, original and other titles, links by kind, the bangumi-data credit."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mangaki.models import Category, Work, WorkLink
from mangaki.work_details import WORK_DETAIL_PREFETCH, is_web_url, myanimelist_url, work_links
from tests.factories import WorkFactory, code_geass, with_bangumi_data

pytestmark = pytest.mark.django_db

CREDIT = "Titles, dates and links from"
BANGUMI = 'href="https://github.com/bangumi-data/bangumi-data"'
LICENCE = 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"'


def test_work_page_shows_year_dates_original_and_other_titles_links_and_the_credit(client):
    _, work = code_geass()
    with_bangumi_data(work)
    response = client.get(work.get_absolute_url())
    content = response.content.decode()
    assert "<title>Code Geass: Hangyaku no Lelouch R2 (2008) · Mangaki</title>" in content
    assert '<span class="work-season">2008 · Spring</span>' in content
    aired = '<time datetime="2008-04-06">6 April 2008</time> to <time datetime="2008-09-28">28 September 2008'
    assert aired in content
    assert '<span lang="ja">コードギアス 反逆のルルーシュR2</span>' in content
    # Other titles: English first, each with its language; the original is not repeated.
    english = content.index('<dd lang="en">Code Geass: Lelouch of the Rebellion R2</dd>')
    chinese = content.index('<dd lang="zh-Hans">叛逆的鲁路修R2</dd>')
    assert english < chinese
    assert "<dt>English</dt>" in content and "<dt>Simplified Chinese</dt>" in content
    assert content.count("コードギアス 反逆のルルーシュR2") == 1
    # Links by kind, in order: about it, official site, where to watch; only http(s) hrefs.
    about, official, watch = (
        content.index(f'id="links-{kind}"') for kind in ("info", "official", "streaming")
    )
    assert about < official < watch
    assert '<h2 id="links-streaming">Where to watch</h2>' in content
    assert '<a href="https://www.netflix.com/title/0" rel="noopener noreferrer">Netflix 0</a>' in content
    assert '<a href="http://www.geass.jp/r2/" rel="noopener noreferrer">geass.jp</a>' in content
    assert "javascript:" not in content and ">Evil<" not in content
    hrefs = re.findall(r'href="([^"]*)"', content)
    assert all(href.startswith(("/", "#", "http://", "https://")) for href in hrefs), hrefs
    # One MyAnimeList link, in the links (no longer a separate one among the facts).
    assert content.count('href="https://myanimelist.net/anime/2904"') == 1
    assert CREDIT in content.split("</main>")[0] and BANGUMI in content and LICENCE in content


@pytest.mark.parametrize(
    ("aired_to", "said"),
    [
        (None, 'First aired <time datetime="2016-08-26">26 August 2016</time>'),
        (date(2016, 8, 26), 'Aired <time datetime="2016-08-26">26 August 2016</time></p>'),
    ],
)
def test_a_work_shown_once_or_still_airing_says_so(client, aired_to, said):
    work = WorkFactory(title="Kimi no Na wa.", aired_from=date(2016, 8, 26), aired_to=aired_to)
    content = client.get(work.get_absolute_url()).content.decode()
    assert said in content and "2016 · Summer" in content


def test_a_work_without_bangumi_data_keeps_its_myanimelist_link_and_has_no_credit_of_it(client):
    manga = WorkFactory(
        title="Monster",
        category=Category.objects.get(slug="manga"),
        work_type="Manga",
        external_source="myanimelist",
        external_id="1",
    )
    content = client.get(manga.get_absolute_url()).content.decode()
    assert '<h2 id="links-info">About it</h2>' in content
    assert '<a href="https://myanimelist.net/manga/1" rel="noopener noreferrer">MyAnimeList</a>' in content
    assert "Where to watch" not in content and "Other titles" not in content and "work-season" not in content
    main = content.split("</main>")[0]
    assert CREDIT not in main
    assert CREDIT in content  # the footer credits it on every page


def test_myanimelist_urls_and_safe_urls():
    work = WorkFactory.build(
        external_source="myanimelist", external_id="1/../2", category=Category(slug="anime")
    )
    assert myanimelist_url(work) == "https://myanimelist.net/anime/1%2F..%2F2"
    assert myanimelist_url(WorkFactory.build(external_source="anidb", external_id="1")) is None
    assert is_web_url("https://example.org/a") and is_web_url("HTTP://example.org")
    for url in [
        "javascript:alert(1)",
        "data:text/html,x",
        "//example.org",
        "ftp://example.org",
        "https://",
        "http://[::1",
    ]:
        assert not is_web_url(url), url


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_work_page_queries_do_not_grow_with_titles_and_links(client, user):
    few, many = code_geass()
    with_bangumi_data(few, n_titles=1, n_links=1)
    with_bangumi_data(many, n_titles=12, n_links=15)
    client.force_login(user)
    assert queries(client, few.get_absolute_url()) == queries(client, many.get_absolute_url())


def test_links_of_an_unknown_kind_or_scheme_are_left_out(db):
    work = WorkFactory(external_source=None, external_id=None)
    WorkLink.objects.create(work=work, site="x", name="Odd", kind="other", url="https://example.org/")
    WorkLink.objects.create(work=work, site="y", name="Mail", kind="info", url="mailto:a@example.org")
    WorkLink.objects.create(work=work, site="z", name="Fine", kind="info", url="https://example.org/z")
    work = Work.objects.prefetch_related(*WORK_DETAIL_PREFETCH).get(pk=work.pk)
    assert [link.name for link in work_links(work)] == ["Fine"]
