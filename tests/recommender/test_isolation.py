import subprocess
import sys


def test_importing_the_package_does_not_import_django():
    code = (
        "import sys, recommender, recommender.evaluation, recommender.datasets, recommender.synthetic, "
        "recommender.topk, recommender.evaluate; "
        "assert 'django' not in sys.modules, 'django was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
