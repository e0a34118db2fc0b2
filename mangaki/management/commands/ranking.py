"""manage.py ranking: recompute every work's ranking counters from the Rating table."""

from django.core.management.base import BaseCommand
from django.db import transaction

from mangaki.services.ranking import ranking_recompute


class Command(BaseCommand):
    help = "Recompute nb_ratings, nb_likes, sum_ratings, controversy… of every work in one SQL statement."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = ranking_recompute()
        self.stdout.write(f"Recomputed the counters of {count} works.")
