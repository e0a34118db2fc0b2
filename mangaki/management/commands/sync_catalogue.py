"""manage.py sync_catalogue: read AniList's public catalogue into ours (see services.catalogue_sync)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mangaki.services.catalogue_sync import SyncBusy, SyncPlan, anime_season, catalogue_sync_from_settings
from mangaki.upstream.anilist import AniListError


class Command(BaseCommand):
    help = (
        "Enrich our works from AniList (genres, NSFW, synopsis, cover, relations, studios...), create "
        "the current and next seasons' anime and the most popular manga. Idempotent and resumable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anime-season",
            action="append",
            default=[],
            metavar="SEASON",
            help="create and update a season's anime: current, next or YEAR-SEASON (2026-spring); repeatable",
        )
        parser.add_argument(
            "--manga", action="store_true", help="the most popular manga, and every manga work we have"
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="the weekly sync (the default): current and next seasons, manga, every anime and manga work",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="at most this many works per pass (a trial run)"
        )

    def handle(self, *args, anime_season=(), manga=False, all=False, limit=None, verbosity=1, **options):  # noqa: A002
        try:
            seasons = tuple(dict.fromkeys(_season(which) for which in anime_season))
        except ValueError as error:
            raise CommandError(str(error)) from None
        if all or not (seasons or manga):
            seasons = tuple(dict.fromkeys(seasons + (_season("current"), _season("next"))))
            plan = SyncPlan(
                seasons=seasons, manga_pages=settings.MANGAKI_ANILIST_MANGA_PAGES, enrich=("anime", "manga")
            )
        else:
            plan = SyncPlan(
                seasons=seasons,
                manga_pages=settings.MANGAKI_ANILIST_MANGA_PAGES if manga else 0,
                enrich=("manga",) if manga else (),
            )
        bars: list[tqdm] = []

        def progress(count: int) -> None:
            if not bars:  # no bar before the first page: an unreachable AniList prints one line only
                bars.append(tqdm(unit="work", desc="works", disable=verbosity < 1, file=self.stderr._out))
            bars[0].update(count)

        try:
            report = catalogue_sync_from_settings(plan=plan, limit=limit, progress=progress)
        except (AniListError, SyncBusy) as error:
            message = str(error)
            if "nothing was changed" not in message:
                written = bars and bars[0].n
                message += (
                    "; the pages before were written: run it again" if written else "; nothing was changed"
                )
            raise CommandError(message) from None
        finally:
            for bar in bars:
                bar.close()
        if verbosity >= 1:
            self.stdout.write(str(report))


def _season(which: str) -> tuple[int, str]:
    return anime_season(which)
