import subprocess
import sys


def test_importing_the_package_does_not_import_django():
    code = (
        "import sys, recommender, recommender.evaluation, recommender.list_evaluation, recommender.datasets, "
        "recommender.synthetic, recommender.ease_reference, "
        "recommender.topk, recommender.__main__; "
        "assert 'django' not in sys.modules, 'django was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
