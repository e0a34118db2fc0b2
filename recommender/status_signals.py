"""List statuses as evidence for EASE's lists: measured on import-shaped lists of our own making.

    python -m recommender.status_signals [anime|ml-latest-small|both] [--movielens DIR]

(`anime-small`, the tests' sample, runs in seconds; ml-latest-small is found as the benches
find it, `bench.setup.movielens_or_say`, and skipped with a word on stderr when it is not.)

A MyAnimeList import of an entry without a score puts the work on the person's list with its
status (watching, completed, on hold, dropped, plan to watch) and gives it no rating; today
the recommender leaves such works out of the person's lists and ignores them otherwise. This
module asks whether feeding the statuses to EASE, the ranker the site serves, makes better
lists, on the list protocol of `recommender.list_evaluation` (existing users only: NDCG@10,
Recall@10 and coverage; relevant = a held-out like or favorite).

**The simulation** (`simulate_statuses`, `ImportShape`). Neither shipped dataset has statuses,
so they are made from the training rows alone; held-out rows, newcomers and what is relevant
stay untouched. Each row draws two uniform numbers from one generator (seed 0), so a row's fate
depends only on its position and the seed, never on which other rows may get a status:

- "watching": a like or favorite row becomes watching with no rating when its first draw is
  below 0.10 (a show one likes is a show one keeps watching, unscored until the end);
- "dropped": a dislike row becomes dropped with no rating below 0.50, a neutral row below 0.20
  (people drop what they dislike, and some of what leaves them cold; on anime, where neutrals
  outnumber dislikes five to one, about two thirds of the dropped rows are neutrals, on
  ml-latest-small under half: `StatusStudy.counts` prints the make-up);
- "completed, unscored": any other seen row (favorite, like, neutral, dislike) loses its
  rating when its second draw is below 0.15 (MyAnimeList lists hold many completed works left
  unscored, whatever one thought of them).

Will-see and won't-see rows never get a status (they are opinions of works not seen; neither
dataset has any). **Plan to watch is not simulated and stays off**: the only works these data
say a person will go on to watch are the held-out rows, so a planned status could only be made
from the test's own answers. On hold is not simulated either (nothing tells it apart from
watching in rating data).

**How a status reaches the ranker.** A status-only entry is handed to `recommend(item_ids,
values, ...)` like a rating, with a code for value (`STATUS_CODES`, outside the rating scale so
no choice is mistaken for it), and EASE's ``value_weights`` gives each code its input weight:
the signal's value v is that input, in the units of EASE's graded input (a like is 1, a
favorite 1.2, a neutral 0.4, a dislike 0). The values are inputs and not rating values because
the served EASE turns every negative rating value into input 0 (`recommender.ease`): dropped at
the value of a dislike would be exactly "ignored", and negative evidence has to be a negative
input. A status the setting leaves off is taken out of the ranker's input (`StatusFoldIn`); its
work stays out of the person's list in every setting, as on the site.

**What is measured**, on one split: the most-rated list; EASE (the served defaults, as
`bench/library_lists.py` serves it) fitted on the rated training rows and fed the person's
rated rows only ("ignored", today's behaviour); the same EASE fed each status at fold-in;
all the signals that win together; "+ train": the other users' status rows also enter the
training matrix with the same inputs (EASE refitted); the ceiling, EASE fitted and fed with the
original ratings before they were stripped.

**How values are chosen** (`choose_signals`): on a validation split made from the training rows
only (`list_split` of them, seed 0, the simulation applied to its own training rows the same
way), each status's value from `GRID` (dropped: −1, −0.5, −0.2 and a weak positive 0.2, since
the served EASE counts a neutral, which most simulated dropped rows were, as 0.4; watching:
0.5, 1, 2; completed: 0.1, 0.5, 1). A signal is on when its best value beats "ignored" by more
than 1% relative NDCG@10 and by more than two standard errors of the mean per-user difference
(paired bootstrap over the validation users, 1,000 resamples, seed 0): two, not one, because the
best of three or four values is picked on the same users. The winners together must pass the
same rule against "ignored" and not fall below the best winner alone, else the best winner alone
is the choice; status rows in the training matrix are kept only if they beat the chosen
fold-in-only setting by the same rule. The test split is then measured once.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from recommender.choices import CHOICE_VALUES
from recommender.ease import CHOICE_WEIGHTS, EASE
from recommender.indexing import check_ratings
from recommender.list_evaluation import ListSplit, evaluate_lists, list_split
from recommender.popularity import MostRated

NO_STATUS, DROPPED, WATCHING, COMPLETED = 0, 1, 2, 3
SIGNALS: tuple[str, ...] = ("dropped", "watching", "completed")
STATUS_OF_SIGNAL = {"dropped": DROPPED, "watching": WATCHING, "completed": COMPLETED}
# The value a status-only entry is handed to a ranker with: codes no rating value is near.
STATUS_CODES: dict[str, float] = {"dropped": -101.0, "watching": 102.0, "completed": 103.0}
# Candidate EASE inputs of each status (a like's input is 1), chosen on validation.
GRID: dict[str, tuple[float, ...]] = {
    "dropped": (-1.0, -0.5, -0.2, 0.2),
    "watching": (0.5, 1.0, 2.0),
    "completed": (0.1, 0.5, 1.0),
}
MIN_RELATIVE_GAIN = 0.01
MIN_STANDARD_ERRORS = 2.0
BOOTSTRAP_SAMPLES = 1000


# --- The simulation.


@dataclass(frozen=True)
class ImportShape:
    """Shares of the training rows that become status-only entries (see the module docstring)."""

    watching: float = 0.10  # of like and favorite rows
    dropped_dislike: float = 0.50  # of dislike rows
    dropped_neutral: float = 0.20  # of neutral rows
    completed: float = 0.15  # of the other seen rows, any choice
    seed: int = 0


def _is_choice(y: np.ndarray, *choices: str) -> np.ndarray:
    return np.logical_or.reduce([np.isclose(y, CHOICE_VALUES[choice]) for choice in choices])


def simulate_statuses(y: np.ndarray, rows: np.ndarray, shape: ImportShape = ImportShape()) -> np.ndarray:
    """The status of each rating row (int8: `NO_STATUS`, `DROPPED`, `WATCHING`, `COMPLETED`).

    Only rows where the boolean mask ``rows`` is true may get one (the training rows); a row with
    a status has lost its rating. Deterministic for ``shape.seed``.
    """
    y = np.asarray(y, dtype=np.float64)
    rows = np.asarray(rows, dtype=bool)
    if rows.shape != y.shape:
        raise ValueError(f"rows must be a mask of the {y.size} ratings; got shape {rows.shape}")
    rng = np.random.default_rng(shape.seed)
    first, second = rng.random(y.size), rng.random(y.size)
    status = np.zeros(y.size, dtype=np.int8)
    status[rows & _is_choice(y, "like", "favorite") & (first < shape.watching)] = WATCHING
    status[rows & _is_choice(y, "dislike") & (first < shape.dropped_dislike)] = DROPPED
    status[rows & _is_choice(y, "neutral") & (first < shape.dropped_neutral)] = DROPPED
    seen = _is_choice(y, "favorite", "like", "neutral", "dislike")
    status[rows & seen & (status == NO_STATUS) & (second < shape.completed)] = COMPLETED
    return status


def coded_values(y: np.ndarray, status: np.ndarray) -> np.ndarray:
    """The values a ranker is handed: ratings, and each status-only row's `STATUS_CODES` code."""
    values = np.asarray(y, dtype=np.float64).copy()
    for signal, code in STATUS_CODES.items():
        values[status == STATUS_OF_SIGNAL[signal]] = code
    return values


def status_weights(signals: Mapping[str, float]) -> tuple[tuple[float, float], ...]:
    """EASE's ``value_weights``: the served choice inputs, plus each signal's code and input."""
    unknown = set(signals) - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown status signals {sorted(unknown)}; known: {list(SIGNALS)}")
    return CHOICE_WEIGHTS + tuple(
        (STATUS_CODES[name], float(signals[name])) for name in SIGNALS if name in signals
    )


def _signal_codes(signals: Mapping[str, float]) -> np.ndarray:
    return np.array([STATUS_CODES[name] for name in signals], dtype=np.float64)


def _is_code(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return np.isin(values, codes)


class StatusFoldIn:
    """A fitted ranker asked with a person's ratings and list entries, coded (`coded_values`).

    The statuses in ``signals`` reach the ranker (an EASE gets a copy of itself whose
    ``value_weights`` give their codes their inputs: for codes absent from its training rows,
    the model that fitting with those weights would have given); the other status entries are
    taken out of its input. The caller leaves every listed work out of the candidates, as the
    site does (`evaluate_lists` leaves out every work it hands over).
    """

    def __init__(self, model, signals: Mapping[str, float] | None = None):
        self.signals = dict(signals or {})
        self.model = model
        if self.signals:
            if not isinstance(model, EASE):
                raise TypeError("status signals are inputs of EASE")
            self.model = copy.copy(model)
            self.model.value_weights = status_weights(self.signals)
        self._ignored = _signal_codes({name: 0.0 for name in SIGNALS if name not in self.signals})

    def recommend(self, item_ids, values, n: int = 10, candidates: np.ndarray | None = None):
        item_ids = np.asarray(item_ids, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        kept = ~_is_code(values, self._ignored)
        return self.model.recommend(item_ids[kept], values[kept], n=n, candidates=candidates)


def fit_ease(
    X: np.ndarray, values: np.ndarray, train: np.ndarray, in_training: Mapping[str, float] | None = None
) -> EASE:
    """The served EASE fitted on the rated training rows, plus the status rows of the signals in
    ``in_training`` with their inputs (the "+ train" variant); other status rows are left out."""
    in_training = dict(in_training or {})
    codes = _signal_codes({name: 0.0 for name in SIGNALS if name not in in_training})
    rows = train & ~_is_code(values, codes)
    return EASE(value_weights=status_weights(in_training)).fit(X[rows], values[rows])


# --- Measuring.


@dataclass
class Measured:
    """One row of a table: a setting's averages and its per-user NDCG@10 (NaN: not measured)."""

    label: str
    ndcg: float
    recall: float
    coverage: float
    per_user: np.ndarray = field(repr=False)
    signals: dict[str, float] = field(default_factory=dict)
    in_training: bool = False


def measure(label: str, model, X: np.ndarray, values: np.ndarray, split: ListSplit, **extra) -> Measured:
    """The list protocol's existing users, the model (fitted) asked through ``recommend``."""
    evaluation = evaluate_lists(model, X, values, split, newcomer_ks=())
    existing = evaluation.existing
    return Measured(
        label, existing.ndcg, existing.recall, existing.coverage, evaluation.per_user_ndcg, **extra
    )


def paired_gain(base: np.ndarray, other: np.ndarray, *, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0):
    """(relative gain of the mean, mean per-user difference, its bootstrap standard error) of
    ``other`` over ``base``, both per-user NDCG of the same users (NaN where not measured)."""
    measured = ~np.isnan(base) & ~np.isnan(other)
    if not measured.any():
        return float("nan"), float("nan"), float("nan")
    difference = other[measured] - base[measured]
    picks = np.random.default_rng(seed).integers(0, difference.size, size=(samples, difference.size))
    standard_error = float(difference[picks].mean(axis=1).std(ddof=1))
    base_mean = float(base[measured].mean())
    relative = float(difference.mean() / base_mean) if base_mean else float("nan")
    return relative, float(difference.mean()), standard_error


def beats(base: Measured, other: Measured) -> bool:
    """The rule a signal must pass: > 1% relative NDCG@10 and > 2 paired bootstrap SEs."""
    relative, difference, standard_error = paired_gain(base.per_user, other.per_user)
    return bool(relative > MIN_RELATIVE_GAIN and difference > MIN_STANDARD_ERRORS * standard_error)


@dataclass
class Choice:
    """What validation decided: each signal's best value, the chosen signals and inputs, and
    whether status rows enter the training matrix; ``rows`` are the validation table."""

    best: dict[str, float]
    on: dict[str, float]
    in_training: bool
    rows: list[Measured]


def _label(signals: Mapping[str, float], in_training: bool = False) -> str:
    if not signals:
        return "EASE, statuses ignored"
    named = ", ".join(f"{name} {value:g}" for name, value in signals.items())
    return f"EASE + {named}{' + train' if in_training else ''}"


def _simulated(X: np.ndarray, y: np.ndarray, split, shape: ImportShape):
    """One split with import-shaped statuses on its training rows: the statuses, the values a
    ranker is handed, the most-rated list measured (on the rated rows), and EASE fitted on the
    rated rows alone (statuses ignored)."""
    status = simulate_statuses(y, split.train, shape)
    values = coded_values(y, status)
    rated = split.train & (status == NO_STATUS)
    most_rated = measure("most rated", StatusFoldIn(MostRated().fit(X[rated], y[rated])), X, values, split)
    return status, values, most_rated, fit_ease(X, values, split.train)


def choose_signals(
    X: np.ndarray,
    y: np.ndarray,
    shape: ImportShape = ImportShape(),
    grid: Mapping[str, Sequence[float]] = GRID,
    log=print,
) -> Choice:
    """Choose the status inputs on a validation split of these rows (the protocol's training
    rows: nothing else is read), as the module docstring says."""
    X, y = check_ratings(X, y)
    split = list_split(X, seed=0)
    _, values, most_rated, ease = _simulated(X, y, split, shape)

    def row_of(signals: Mapping[str, float], in_training: bool = False) -> Measured:
        model = fit_ease(X, values, split.train, signals) if in_training else ease
        label = _label(signals, in_training)
        row = measure(label, StatusFoldIn(model, signals), X, values, split, signals=dict(signals))
        row.in_training = in_training
        log(f"   validation: {label}: NDCG@10 {row.ndcg:.4f}")
        return row

    ignored = row_of({})
    rows, best, winners = [most_rated, ignored], {}, []
    for name in SIGNALS:
        tried = [row_of({name: float(value)}) for value in grid.get(name, ())]
        rows.extend(tried)
        if tried:
            top = max(tried, key=lambda row: row.ndcg)
            best[name] = top.signals[name]
            if beats(ignored, top):
                winners.append(top)
    chosen = max(winners, key=lambda row: row.ndcg) if winners else ignored
    if len(winners) > 1:
        together = row_of({name: value for row in winners for name, value in row.signals.items()})
        rows.append(together)
        if beats(ignored, together) and together.ndcg >= chosen.ndcg:
            chosen = together
    trained = {}
    for name, value in best.items():  # each signal's best value in the training matrix too
        trained[(name,)] = row_of({name: value}, in_training=True)
        rows.append(trained[(name,)])
    in_training = False
    if chosen.signals:
        key = tuple(chosen.signals)
        if key not in trained:
            trained[key] = row_of(chosen.signals, in_training=True)
            rows.append(trained[key])
        in_training = beats(chosen, trained[key])
    return Choice(best, dict(chosen.signals), in_training, rows)


@dataclass
class StatusStudy:
    """One dataset's study: the validation choice, the test table, the simulated make-up."""

    choice: Choice
    rows: list[Measured]
    counts: dict[str, int]
    seconds: float


def status_counts(y: np.ndarray, status: np.ndarray, train: np.ndarray) -> dict[str, int]:
    """Training rows, then each status's rows, and the dislikes and neutrals among the dropped."""
    counts = {"training rows": int(train.sum())}
    for name in SIGNALS:
        counts[name] = int((status == STATUS_OF_SIGNAL[name]).sum())
    dropped = status == DROPPED
    counts["dropped: dislikes"] = int((dropped & _is_choice(y, "dislike")).sum())
    counts["dropped: neutrals"] = int((dropped & _is_choice(y, "neutral")).sum())
    return counts


def study(
    X: np.ndarray,
    y: np.ndarray,
    shape: ImportShape = ImportShape(),
    grid: Mapping[str, Sequence[float]] = GRID,
    log=print,
) -> StatusStudy:
    """The whole study on one dataset: the protocol's split (seed 0), values chosen on the
    validation split of its training rows, then the test table measured once."""
    started = time.perf_counter()
    X, y = check_ratings(X, y)
    split = list_split(X, seed=0)
    choice = choose_signals(X[split.train], y[split.train], shape, grid, log)
    status, values, most_rated, ease = _simulated(X, y, split, shape)
    rows = [most_rated, measure(_label({}), StatusFoldIn(ease), X, values, split)]
    log(f"   test: ignored NDCG@10 {rows[-1].ndcg:.4f}")
    settings = [({name: value}, False) for name, value in choice.best.items()]
    settings += [({name: value}, True) for name, value in choice.best.items()]
    if len(choice.on) > 1:
        settings += [(choice.on, False), (choice.on, True)]
    for signals, in_training in settings:
        model = fit_ease(X, values, split.train, signals) if in_training else ease
        row = measure(
            _label(signals, in_training),
            StatusFoldIn(model, signals),
            X,
            values,
            split,
            signals=dict(signals),
            in_training=in_training,
        )
        rows.append(row)
        log(f"   test: {row.label}: NDCG@10 {row.ndcg:.4f}")
    ceiling = EASE().fit(X[split.train], y[split.train])
    rows.append(measure("ceiling: EASE on the original ratings", ceiling, X, y, split))
    return StatusStudy(choice, rows, status_counts(y, status, split.train), time.perf_counter() - started)


# --- The command line.


def _table(rows: list[Measured], reference: Measured, base: Measured, chosen: tuple[dict, bool]) -> list[str]:
    lines = [
        "| setting | NDCG@10 | ×most-rated | vs ignored | ±SE | Recall@10 | coverage |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        relative, _, standard_error = paired_gain(base.per_user, row.per_user)
        mark = " (chosen)" if (row.signals, row.in_training) == chosen and row.signals else ""
        change = "" if row is base else f"{100 * relative:+.1f}%"
        error = "" if row is base else f"{100 * standard_error / max(base.ndcg, 1e-12):.1f}%"
        lines.append(
            f"| {row.label}{mark} | {row.ndcg:.4f} | {row.ndcg / reference.ndcg:.2f} | {change} | {error} "
            f"| {row.recall:.4f} | {row.coverage:.3f} |"
        )
    return lines


def report(name: str, result: StatusStudy) -> list[str]:
    """The markdown of one dataset: the simulation's make-up, validation, test, the decision."""
    choice = result.choice
    lines = [f"### {name}", "", "Simulated status-only rows (training rows of the test split):", ""]
    legend = (
        "vs ignored: relative change of NDCG@10 against EASE with statuses ignored; ±SE: the paired "
        "bootstrap standard error of that change, over the same users"
    )
    lines += [f"- {key}: {value:,}" for key, value in result.counts.items()]
    chosen = (choice.on, choice.in_training)
    lines += ["", "Validation (a list split of the training rows; the values are chosen here):", ""]
    lines += _table(choice.rows, choice.rows[0], choice.rows[1], chosen)
    lines += ["", "Test (measured once):", ""]
    lines += _table(result.rows, result.rows[0], result.rows[1], chosen)
    lines += ["", legend, ""]
    if choice.on:
        values = ", ".join(f"{signal} = {value:g}" for signal, value in choice.on.items())
        where = "fold-in and training matrix" if choice.in_training else "fold-in only"
        lines.append(
            f"Signals on: {values} ({where}); off: {', '.join(s for s in SIGNALS if s not in choice.on)}"
        )
    else:
        lines.append(
            "Signals on: none (no status beat ignoring it on validation); plan to watch: not simulated"
        )
    lines.append(f"Wall time: {result.seconds:.0f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m recommender.status_signals", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "dataset", nargs="?", default="both", choices=["anime", "anime-small", "ml-latest-small", "both"]
    )
    parser.add_argument("--movielens", default=None, help="folder of ml-latest-small")
    args = parser.parse_args(argv)
    from recommender.datasets import load_anime, load_movielens

    loaded = []
    if args.dataset in ("anime", "anime-small", "both"):
        folder = "anime" if args.dataset == "both" else args.dataset
        loaded.append((folder, load_anime(folder)))
    if args.dataset in ("ml-latest-small", "both"):
        from bench.setup import movielens_or_say  # where the benches find ml-latest-small

        directory = movielens_or_say(args.movielens)
        if directory is None and args.dataset == "ml-latest-small":
            return 2
        if directory is not None:
            loaded.append(("ml-latest-small (stars as choices)", load_movielens(directory, as_choices=True)))
    output = []
    for name, data in loaded:
        print(f"== {name}: {data.y.size:,} ratings", flush=True)
        output += [""] + report(name, study(data.X, data.y, log=lambda line: print(line, flush=True)))
    print("\n".join(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
