"""The command line of the library: ``python -m recommender`` (recommender/__main__.py)."""

import subprocess
import sys
from pathlib import Path

from recommender.__main__ import main

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_package_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "recommender", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m recommender ")


def test_it_prints_the_errors_of_each_fold(capsys):
    assert main(["--model", "baseline", "--dataset", "anime-small", "--folds", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("baseline on anime-small: ")
    assert lines[1].split() == [
        "fold",
        "rmse",
        "cold",
        "freeze",
        "n_test",
        "n_cold",
        "n_freeze",
        "fit_s",
        "predict_s",
    ]
    assert [line.split()[0] for line in lines[2:]] == ["0", "1", "mean"]


def test_a_missing_dataset_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["--model", "baseline", "--dataset", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
