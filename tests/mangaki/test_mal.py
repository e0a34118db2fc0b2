"""Reading MyAnimeList exports (every status and score, bad entries, hostile files) and writing them."""

import gzip

import pytest

from mangaki.choices import Choice
from mangaki.mal import ListedWork, MalFileError, choice_for, read_list, write_list
from tests.mal_files import line_of, mal_export

LIMITS = {"max_bytes": 2_000_000, "max_entries": 1000}

ANIME_STATUSES = ["Watching", "Completed", "On-Hold", "Dropped", "Plan to Watch"]
MANGA_STATUSES = ["Reading", "Completed", "On-Hold", "Dropped", "Plan to Read"]
# Where an entry of each status says the person is (``Progress.status``).
STATUS_OF = {
    "Watching": "watching",
    "Reading": "watching",
    "On-Hold": "on_hold",
    "Plan to Watch": "planned",
    "Plan to Read": "planned",
    "Completed": "completed",
    "Dropped": "dropped",
}
SCORED = {
    "Watching": Choice.WILLSEE,
    "Reading": Choice.WILLSEE,
    "On-Hold": Choice.WILLSEE,
    "Plan to Watch": Choice.WILLSEE,
    "Plan to Read": Choice.WILLSEE,
    "Completed": Choice.NEUTRAL,
    "Dropped": Choice.WONTSEE,
}
SCORED = {
    10: Choice.FAVORITE,
    9: Choice.LIKE,
    8: Choice.LIKE,
    7: Choice.LIKE,
    6: Choice.NEUTRAL,
    5: Choice.NEUTRAL,
    4: Choice.DISLIKE,
    3: Choice.DISLIKE,
    2: Choice.DISLIKE,
    1: Choice.DISLIKE,
}


@pytest.mark.parametrize(("kind", "statuses"), [("anime", ANIME_STATUSES), ("manga", MANGA_STATUSES)])
def test_every_status_and_score_maps_to_its_choice(kind, statuses):
    entries, expected = [], {}
    for s, status in enumerate(statuses):
        for score in range(11):
            mal_id = 100 * (s + 1) + score
            entries.append(
                {
                    "id": mal_id,
                    "title": f"{status} {score}",
                    "score": score,
                    "status": status,
                    "volumes": 3,
                    "chapters": 20,
                }
            )
            # No score: on the list with its status, and no opinion made up from the status.
            expected[mal_id] = (SCORED[score] if score else None, STATUS_OF[status])
    parsed = read_list(mal_export(kind, entries), **LIMITS)
    assert parsed.kind == kind
    assert parsed.skipped == []
    assert {entry.mal_id: (entry.choice, entry.status) for entry in parsed.entries} == expected
    if kind == "manga":
        assert {(entry.volumes, entry.chapters) for entry in parsed.entries} == {(3, 20)}
        assert {entry.episodes for entry in parsed.entries} == {None}


def test_anime_fields_lines_and_cdata_titles_with_markup_are_read_as_text():
    title = "Cowboy <b>Bebop</b> & <script>alert(1)</script>"
    document = mal_export(
        "anime",
        [
            {"id": 1, "title": title, "type": "TV", "episodes": 26, "score": 10, "status": "Completed"},
            {
                "id": 5,
                "title": "Tengoku no Tobira",
                "type": "Movie",
                "episodes": 1,
                "score": 0,
                "status": "Plan to Watch",
            },
        ],
    )
    first, second = read_list(document, **LIMITS).entries
    assert (first.mal_id, first.title, first.work_type, first.episodes) == (1, title, "TV", 26)
    assert (second.work_type, second.episodes, second.choice, second.status) == ("Movie", 1, None, "planned")
    assert first.line == line_of(document, 0) and second.line == line_of(document, 1)


def test_bad_entries_are_skipped_with_their_line_and_reason_and_the_rest_is_read():
    document = mal_export(
        "anime",
        [
            {"id": 1, "title": "Kept", "score": 8, "status": "Completed"},
            {"id": 1, "title": "Kept again", "score": 2, "status": "Completed"},
            {"id": "abc", "title": "No id", "score": 8, "status": "Completed"},
            {"id": 0, "title": "Id zero", "score": 8, "status": "Completed"},
            {"id": 2, "title": "Too high", "score": 11, "status": "Completed"},
            {"id": 3, "title": "Negative", "score": -1, "status": "Completed"},
            {"id": 4, "title": "Odd status", "score": 0, "status": "Rewatching forever"},
            {"id": 6, "title": "Numeric status", "score": 0, "status": "4"},
        ],
    )
    parsed = read_list(document, **LIMITS)
    assert [(entry.mal_id, entry.choice) for entry in parsed.entries] == [
        (1, Choice.LIKE),
        (6, None),  # numeric status 4: Dropped, no score: no choice
    ]
    reasons = {skip.line: skip.reason for skip in parsed.skipped}
    assert len(reasons) == 6
    assert f"first at line {line_of(document, 0)}" in reasons[line_of(document, 1)]
    assert "series_animedb_id" in reasons[line_of(document, 2)] and "'abc'" in reasons[line_of(document, 2)]
    assert "series_animedb_id" in reasons[line_of(document, 3)]
    assert "'11'" in reasons[line_of(document, 4)]
    assert "'-1'" in reasons[line_of(document, 5)]
    assert "Rewatching forever" in reasons[line_of(document, 6)]
    assert [skip.title for skip in parsed.skipped][:2] == ["Kept again", "No id"]


def test_a_gzipped_export_reads_as_the_plain_one():
    entries = [{"id": n, "title": f"T{n}", "score": n % 11, "status": "Completed"} for n in range(1, 40)]
    assert read_list(mal_export("manga", entries, gz=True), **LIMITS) == read_list(
        mal_export("manga", entries), **LIMITS
    )


def test_choice_for_follows_the_data_readme_mapping():
    assert [choice_for(score) for score in range(1, 11)] == [SCORED[score] for score in range(1, 11)]
    assert choice_for(0) is None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<myanimelist><anime><series_animedb_id>1</series_animedb_id><series_title>&lol3;</series_title>
<my_score>9</my_score><my_status>Completed</my_status></anime></myanimelist>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE myanimelist [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<myanimelist><anime><series_animedb_id>1</series_animedb_id><series_title>&secret;</series_title>
<my_score>9</my_score><my_status>Completed</my_status></anime></myanimelist>"""

GOOD = mal_export(
    "anime", [{"id": n, "title": f"T{n}", "score": 7, "status": "Completed"} for n in range(1, 30)]
)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"", "empty"),
        (BILLION_LAUGHS, "DOCTYPE"),
        (EXTERNAL_ENTITY, "DOCTYPE"),
        (b'<?xml version="1.0"?><html><body>hello</body></html>', "root element is <html>"),
        (b"user,mal_id,choice\n1,1,like\n", "not well-formed XML"),
        (GOOD.replace(b"[T1]", "[T\u00e91]".encode("latin-1")), "UTF-8"),
        (GOOD.replace(b'encoding="UTF-8"', b'encoding="klingon"'), "encoding"),
        (GOOD[: len(GOOD) // 2], "not well-formed XML"),
        (gzip.compress(GOOD)[:-12], "truncated"),
        (b"\x1f\x8b" + b"\x00" * 40, "damaged"),
        (gzip.compress(b"<myanimelist>" + b" " * 3_000_000 + b"</myanimelist>"), "expands to more than"),
        (b"<myanimelist>" + b" " * 3_000_000 + b"</myanimelist>", "larger than"),
        (GOOD.replace(b"<user_export_type>1<", b"<user_export_type>2<"), "entries are <anime>"),
        (GOOD.replace(b"<user_export_type>1<", b"<user_export_type>7<"), "expected 1"),
        (b"<myanimelist></myanimelist>", "no <anime> or <manga>"),
        (
            b"<myanimelist><anime><series_animedb_id>1</series_animedb_id></anime>"
            b"<manga><manga_mangadb_id>1</manga_mangadb_id></manga></myanimelist>",
            "mixes",
        ),
    ],
    ids=[
        "empty",
        "billion-laughs",
        "external-entity",
        "wrong-root",
        "csv",
        "latin-1",
        "unknown-encoding",
        "cut-short",
        "truncated-gzip",
        "bad-gzip",
        "gzip-bomb",
        "too-big",
        "type-mismatch",
        "bad-type",
        "no-entries",
        "mixed",
    ],
)
def test_hostile_or_wrong_files_are_refused_with_the_reason(document, reason):
    with pytest.raises(MalFileError, match=None) as refused:
        read_list(document, **LIMITS)
    assert reason in str(refused.value)


def test_more_entries_than_the_limit_are_refused():
    entries = [{"id": n, "title": f"T{n}", "score": 7, "status": "Completed"} for n in range(1, 12)]
    with pytest.raises(MalFileError, match="more than 10 entries"):
        read_list(mal_export("anime", entries), max_bytes=2_000_000, max_entries=10)
    assert (
        len(read_list(mal_export("anime", entries[:10]), max_bytes=2_000_000, max_entries=10).entries) == 10
    )


@pytest.mark.parametrize("kind", ["anime", "manga"])
def test_a_written_list_reads_back_to_the_same_scored_choices_statuses_and_titles(kind):
    tricky = "Re:Zero ]]> <i>kara</i> & “Hajimeru”"
    rows = [
        ListedWork(
            mal_id=n + 1,
            title=tricky if n == 0 else f"Work {n}",
            choice=choice,
            work_type="TV",
            episodes=12,
            volumes=4,
            chapters=40,
        )
        for n, choice in enumerate(Choice.values)
    ]
    document = write_list(kind, "me & <you>", rows)
    parsed = read_list(document, **LIMITS)
    assert parsed.kind == kind and parsed.skipped == []
    # Will see and won't see have no score: they read back as Plan to Watch and Dropped, with no
    # rating (an entry without a score is never given one).
    reread = {Choice.WILLSEE: (None, "planned"), Choice.WONTSEE: (None, "dropped")}
    assert [(e.mal_id, e.title, e.choice, e.status) for e in parsed.entries] == [
        (r.mal_id, r.title, *reread.get(r.choice, (r.choice, "completed"))) for r in rows
    ]
    if kind == "manga":
        assert {(e.volumes, e.chapters) for e in parsed.entries} == {(4, 40)}
    else:
        assert {(e.work_type, e.episodes) for e in parsed.entries} == {("TV", 12)}


def test_the_readme_shows_the_mapping_the_import_applies():
    from pathlib import Path

    from mangaki.mal import export_summary, mapping_label, mapping_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| on MyAnimeList | here |\n| --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    rows = [tuple(cell.strip() for cell in line.strip("|").split("|")) for line in table.splitlines()]
    assert rows == [(said, mapping_label(choice)) for said, choice in mapping_table()]
    assert export_summary() in " ".join(readme.split())
