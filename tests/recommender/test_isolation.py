import subprocess
import sys


def test_importing_the_package_does_not_import_django():
    code = (
        "import sys, recommender, recommender.evaluation, recommender.list_evaluation, recommender.datasets, "
        "recommender.synthetic, recommender.ease_reference, "
        "recommender.topk, recommender.choices, recommender.__main__; "
        "[getattr(recommender, name) for name in recommender.__all__]; "  # the models, imported on use
        "assert 'django' not in sys.modules, 'django was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_choice_values_import_without_numba_or_numpy():
    """The site's choices module imports them when Django starts: it must not pay for the models."""
    code = (
        "import sys, recommender.choices; "
        "heavy = {'numpy', 'scipy', 'numba', 'recommender.ease'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
