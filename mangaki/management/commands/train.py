"""manage.py train: train, measure and (if it passes the quality gate) activate models, in the foreground."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mangaki.models import TrainedModel
from mangaki.recommendations.algorithms import spec
from mangaki.recommendations.training import STAGES, model_train


def _figure(metrics: dict, key: str) -> str:
    value = metrics.get(key)
    return "n/a" if value is None else f"{value:.4f}"


def summary(row: TrainedModel) -> str:
    """One line: held-out lists (next to the most-rated list), errors, size, time, verdict."""
    metrics = row.metrics
    parts = [
        f"NDCG@10 {_figure(metrics, 'ndcg')} (most-rated {_figure(metrics, 'most_rated_ndcg')}; "
        f"newcomers with 3 ratings {_figure(metrics, 'newcomer_k3_ndcg')})"
    ]
    if spec(row.algorithm).predicts_ratings:
        parts.append(
            f"RMSE {_figure(metrics, 'rmse')} (cold {_figure(metrics, 'rmse_cold')}, "
            f"freeze {_figure(metrics, 'rmse_freeze')})"
        )
    verdict = "active" if row.is_active else f"{row.status}: {row.reason}"
    seconds = f"{row.train_seconds:.1f} s" if row.train_seconds is not None else "n/a"
    return "; ".join(parts) + f" on {row.nb_ratings} ratings, {seconds}; {verdict}"


class Command(BaseCommand):
    help = "Train every algorithm (or the ones named) on every rating and activate the new versions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--algorithm",
            action="append",
            choices=TrainedModel.Algorithm.values,
            help="train only this algorithm (repeatable); default: all of them",
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
            self.stdout.write(f"{name} v{row.version}: {summary(row)}")
