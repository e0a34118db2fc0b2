"""MyAnimeList exports as MyAnimeList writes them (every field, CDATA titles), built for tests."""

from __future__ import annotations

import gzip


def _anime(entry: dict) -> str:
    return f"""	<anime>
		<series_animedb_id>{entry["id"]}</series_animedb_id>
		<series_title><![CDATA[{entry.get("title", "")}]]></series_title>
		<series_type>{entry.get("type", "TV")}</series_type>
		<series_episodes>{entry.get("episodes", 12)}</series_episodes>
		<my_id>0</my_id>
		<my_watched_episodes>{entry.get("watched", 0)}</my_watched_episodes>
		<my_start_date>{entry.get("started", "0000-00-00")}</my_start_date>
		<my_finish_date>{entry.get("finished", "0000-00-00")}</my_finish_date>
		<my_rated></my_rated>
		<my_score>{entry.get("score", 0)}</my_score>
		<my_storage></my_storage>
		<my_storage_value>0.00</my_storage_value>
		<my_status>{entry.get("status", "Completed")}</my_status>
		<my_comments><![CDATA[]]></my_comments>
		<my_times_watched>{entry.get("times", 0)}</my_times_watched>
		<my_rewatch_value></my_rewatch_value>
		<my_priority>LOW</my_priority>
		<my_tags><![CDATA[]]></my_tags>
		<my_rewatching>{int(entry.get("rewatching", False))}</my_rewatching>
		<my_rewatching_ep>0</my_rewatching_ep>
		<my_discuss>1</my_discuss>
		<my_sns>default</my_sns>
		<update_on_import>0</update_on_import>
	</anime>
"""


def _manga(entry: dict) -> str:
    return f"""	<manga>
		<manga_mangadb_id>{entry["id"]}</manga_mangadb_id>
		<manga_title><![CDATA[{entry.get("title", "")}]]></manga_title>
		<manga_volumes>{entry.get("volumes", 0)}</manga_volumes>
		<manga_chapters>{entry.get("chapters", 0)}</manga_chapters>
		<my_id>0</my_id>
		<my_read_volumes>{entry.get("volumes_read", 0)}</my_read_volumes>
		<my_read_chapters>{entry.get("watched", 0)}</my_read_chapters>
		<my_start_date>{entry.get("started", "0000-00-00")}</my_start_date>
		<my_finish_date>{entry.get("finished", "0000-00-00")}</my_finish_date>
		<my_scanalation_group><![CDATA[]]></my_scanalation_group>
		<my_score>{entry.get("score", 0)}</my_score>
		<my_storage></my_storage>
		<my_retail_volumes>0</my_retail_volumes>
		<my_status>{entry.get("status", "Completed")}</my_status>
		<my_comments><![CDATA[]]></my_comments>
		<my_times_read>{entry.get("times", 0)}</my_times_read>
		<my_tags><![CDATA[]]></my_tags>
		<my_priority>Low</my_priority>
		<my_reread_value></my_reread_value>
		<my_rereading>{"YES" if entry.get("rewatching") else "NO"}</my_rereading>
		<my_discuss>YES</my_discuss>
		<my_sns>default</my_sns>
		<update_on_import>0</update_on_import>
	</manga>
"""


def mal_export(kind: str, entries: list[dict], *, export_type: str | None = None, gz: bool = False) -> bytes:
    """A MyAnimeList ``kind`` ("anime" or "manga") export of ``entries``.

    Each entry: ``id``, ``title``, ``score`` (0-10), ``status`` and optionally ``type``,
    ``episodes`` (anime) or ``volumes``, ``chapters`` (manga), and the person's progress:
    ``watched`` (episodes, or chapters), ``volumes_read``, ``started``, ``finished`` (as
    MyAnimeList writes them, 0000-00-00 for none), ``times`` (rewatches), ``rewatching``.
    """
    export_type = export_type or ("1" if kind == "anime" else "2")
    body = "".join((_anime if kind == "anime" else _manga)(entry) for entry in entries)
    xml = f"""<?xml version="1.0" encoding="UTF-8" ?>
<!--
 Created by XML Export feature at MyAnimeList.net
 Version 1.1.0
-->

<myanimelist>

	<myinfo>
		<user_id>1234567</user_id>
		<user_name>tester</user_name>
		<user_export_type>{export_type}</user_export_type>
		<user_total_{kind}>{len(entries)}</user_total_{kind}>
	</myinfo>

{body}
</myanimelist>
""".encode()
    return gzip.compress(xml) if gz else xml


def line_of(document: bytes, entry_index: int, kind: str = "anime") -> int:
    """Line of the ``entry_index``-th <anime>/<manga> element of a plain export (1-based lines)."""
    lines = document.decode().split("\n")
    starts = [number for number, line in enumerate(lines, start=1) if line.strip() == f"<{kind}>"]
    return starts[entry_index]
