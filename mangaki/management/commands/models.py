"""manage.py models: list the trained models, activate a version, roll back to the previous one."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mangaki.models import TrainedModel
from mangaki.recommendations.registry import model_activate, model_rollback


def _number(value) -> str:
    return "-" if value is None else f"{value:.4f}"


class Command(BaseCommand):
    help = (
        "List the model registry; activate a version (models activate balse 3); "
        "roll back (models rollback balse)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action")
        listing = actions.add_parser("list", help="every version, newest first (the default)")
        listing.add_argument("--algorithm", choices=TrainedModel.Algorithm.values)
        activate = actions.add_parser("activate", help="make a version the active one")
        activate.add_argument("algorithm", choices=TrainedModel.Algorithm.values)
        activate.add_argument("version", type=int)
        activate.add_argument("--force", action="store_true", help="also a version the quality gate rejected")
        rollback = actions.add_parser("rollback", help="activate the version before the active one")
        rollback.add_argument("algorithm", choices=TrainedModel.Algorithm.values)

    def handle(self, *args, action=None, **options):
        try:
            if action == "activate":
                row = TrainedModel.objects.filter(
                    algorithm=options["algorithm"], version=options["version"]
                ).first()
                if row is None:
                    raise CommandError(f"No {options['algorithm']} version {options['version']}.")
                row = model_activate(trained_model=row, force=options["force"])
                self.stdout.write(f"{row} is now active.")
            elif action == "rollback":
                row = model_rollback(algorithm=options["algorithm"])
                self.stdout.write(f"Rolled back: {row} is now active.")
            else:
                self._list(options.get("algorithm"))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _list(self, algorithm: str | None) -> None:
        rows = TrainedModel.objects.order_by("algorithm", "-version")
        if algorithm:
            rows = rows.filter(algorithm=algorithm)
        self.stdout.write(
            f"{'algorithm':9} {'ver':>4} {'status':9} {'act':3} {'RMSE':>7} {'cold':>7} {'freeze':>7} "
            f"{'ratings':>8} {'seconds':>7}  created"
        )
        for row in rows:
            metrics = row.metrics or {}
            self.stdout.write(
                f"{row.algorithm:9} {row.version:>4} {row.status:9} {'*' if row.is_active else '':3} "
                f"{_number(metrics.get('rmse')):>7} {_number(metrics.get('rmse_cold')):>7} "
                f"{_number(metrics.get('rmse_freeze')):>7} {row.nb_ratings:>8} "
                f"{row.train_seconds or 0:>7.1f}  {row.created:%Y-%m-%d %H:%M}"
                + (f"  ({row.reason})" if row.reason else "")
            )
