"""manage.py load_anime: import the shipped anime dataset (or another folder of the same format)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mangaki.services.dataset_load import DatasetFileError, dataset_load

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import anime works (with genres as tags) and ratings; idempotent, all-or-nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            help="folder with works.csv(.gz) and ratings.csv(.gz); default: fixtures/anime",
        )
        parser.add_argument("--small", action="store_true", help="load the small subset fixtures/anime-small")

    def handle(self, *args, directory=None, small=False, verbosity=1, **options):
        if directory is None:
            directory = Path(settings.BASE_DIR) / "fixtures" / ("anime-small" if small else "anime")
        bars = []

        def progress(total):
            bar = tqdm(
                total=total, unit="rating", desc="ratings", disable=verbosity < 1, file=self.stderr._out
            )
            bars.append(bar)
            return bar.update

        try:
            report = dataset_load(directory=Path(directory), progress=progress)
        except DatasetFileError as error:
            raise CommandError(str(error)) from error
        finally:
            for bar in bars:
                bar.close()
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(f"skipped {error}")
        if len(report.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more bad rows")
        inferred = " (franchises inferred: no relations.csv)" if report.relations_inferred else ""
        self.stdout.write(
            f"works: {report.works_created} new, {report.works_updated} updated; "
            f"tags: {report.tags_created} new; "
            f"titles, air dates and links changed: {report.details_changed}; "
            f"relations changed: {report.relations_changed}{inferred}; "
            f"users: {report.users_created} new; "
            f"ratings: {report.ratings_created} new, {report.ratings_updated} updated "
            f"({report.ratings_read} read); bad rows skipped: {len(report.errors)}"
        )
        if not report.changed:
            self.stdout.write("Nothing changed: the database already matched the files.")
