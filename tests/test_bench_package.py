"""The benchmarks stay a package that runs as ``python -m bench.<name>`` under one rule.

Read from the source and by importing the modules in a fresh interpreter; no bench is run.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HELPERS = {"__init__", "setup", "report", "load_attacks"}
MODULES = sorted(path.stem for path in BENCH.glob("*.py"))
BENCHES = [name for name in MODULES if name not in HELPERS]


def docstring(name: str) -> str:
    return ast.get_docstring(ast.parse((BENCH / f"{name}.py").read_text())) or ""


def test_every_module_imports_without_setting_django_up():
    """Django is set up by a bench's main() (bench.setup), never when a module is imported:
    importing one does not configure settings or touch a database."""
    script = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module('bench.' + name if name != '__init__' else 'bench')\n"
        "from django.apps import apps\n"
        "print(apps.ready, 'mangaki.settings' in sys.modules)\n"
    )
    environment = {"PATH": "/usr/bin:/bin"}  # no DJANGO_SETTINGS_MODULE, no DATABASE_URL
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_each_bench_names_its_own_command_and_a_side():
    for name in BENCHES:
        assert name.startswith(("library_", "site_")) or name == "movielens_as_anime", name
        assert f"python -m bench.{name}" in docstring(name), f"bench/{name}.py: no `python -m bench.{name}`"


def test_library_benches_do_not_start_django():
    for name in (n for n in BENCHES if n.startswith("library_")):
        source = (BENCH / f"{name}.py").read_text()
        assert not re.search(r"\b(django|mangaki)\b", source.replace("Mangaki choices", "")), name


def test_debug_is_set_in_one_place():
    """Only bench/setup.py decides DEBUG (off): no bench sets it, so none times the query log."""
    for name in MODULES:
        if name == "setup":
            continue
        tree = ast.parse((BENCH / f"{name}.py").read_text())
        strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
        keywords = {node.arg for node in ast.walk(tree) if isinstance(node, ast.keyword)}
        assert "DEBUG" not in strings and "DEBUG" not in keywords, f"bench/{name}.py sets DEBUG"
        assert "sys.path" not in ast.unparse(tree), f"bench/{name}.py edits sys.path"


def test_the_bench_readme_lists_every_bench_and_only_those():
    readme = (BENCH / "README.md").read_text()
    listed = set(re.findall(r"^\| `(\w+)` \|", readme, flags=re.MULTILINE))
    assert listed == {name for name in BENCHES if name != "movielens_as_anime"}
