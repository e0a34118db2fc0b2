"""manage.py train: train, measure and (if it passes the quality gate) activate models, in the foreground."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mangaki.models import TrainedModel
from mangaki.services.training import STAGES, model_train


class Command(BaseCommand):
    help = "Train ALS, LASSO and BALSE (or one of them) on every rating and activate the new versions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--algorithm",
            action="append",
            choices=TrainedModel.Algorithm.values,
            help="train only this algorithm (repeatable); default: all three",
        )

    def handle(self, *args, algorithm=None, verbosity=1, **options):
        for name in algorithm or TrainedModel.Algorithm.values:
            bar = tqdm(
                total=len(STAGES), desc=name, unit="step", disable=verbosity < 1, file=self.stderr._out
            )

            def progress(stage, bar=bar):
                bar.set_postfix_str(stage)
                if stage != STAGES[0]:
                    bar.update(1)

            try:
                row = model_train(algorithm=name, progress=progress)
            except Exception as error:
                raise CommandError(f"training {name} failed: {error}") from error
            finally:
                bar.update(bar.total - bar.n)
                bar.close()
            if row is None:
                self.stdout.write(f"{name}: skipped, another training of {name} is running.")
                continue
            metrics = {
                key: (value if value is not None else float("nan")) for key, value in row.metrics.items()
            }
            verdict = "active" if row.is_active else f"{row.status}: {row.reason}"
            self.stdout.write(
                f"{name} v{row.version}: RMSE {metrics['rmse']:.4f} (cold {metrics['rmse_cold']:.4f}, "
                f"freeze {metrics['rmse_freeze']:.4f}) on {row.n_ratings} ratings, "
                f"{row.train_seconds:.1f} s; {verdict}"
            )
