"""One home for each rule: configuration and dependencies.

- Every environment variable the product reads (through the helpers of mangaki/settings.py, or
  ``os.environ``/``os.getenv`` anywhere in mangaki/ and recommender/) has its row in the
  README's Configuration table, and that table names no variable that is no longer read.
- The product code imports nothing that only the development requirements provide, so
  ``pip install -r requirements.txt`` is enough to run the site, its workers and beat.

Both are read from the source (``ast``), not by running it.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [ROOT / "mangaki", ROOT / "recommender"]
README = ROOT / "README.md"

# The helpers of mangaki/settings.py; their first argument is the variable's name.
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_float", "env_list"}
# Modules only the development requirements bring, forbidden even where they are not installed.
DEV_ONLY_MODULES = {"pytest", "pytest_django", "factory", "playwright", "schemathesis"}
# Test and lint tools that must stay out of requirements.txt.
DEV_ONLY_DISTRIBUTIONS = {
    "pytest",
    "pytest-django",
    "factory-boy",
    "schemathesis",
    "pytest-playwright",
    "playwright",
    "ruff",
    "import-linter",
}


def python_files(folders: list[Path]) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


# --- Environment variables read by the code ---------------------------------------------------


def _is_os_environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _reader_call(node: ast.Call) -> bool:
    """A call that reads one variable by name: an env helper, ``os.environ.get``, ``os.getenv``."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in ENV_HELPERS or func.id == "getenv"
    if isinstance(func, ast.Attribute):
        if func.attr == "get" and _is_os_environ(func.value):
            return True
        return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
    return False


def environment_variables_read(source: str, filename: str = "<source>") -> set[str]:
    """Names of the environment variables a module reads.

    A read whose name is not a string constant fails, naming the line: the test could not tell
    which variable it is. The helpers' own bodies are exempt (they read the name given to them).
    """
    tree = ast.parse(source, filename)
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in ENV_HELPERS:
            exempt.update(id(inner) for inner in ast.walk(node))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.Call) and _reader_call(node):
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            if not isinstance(node.ctx, ast.Load):
                continue  # os.environ["X"] = ... sets a variable, it reads none
            key = node.slice
        else:
            continue
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise AssertionError(
                f"{filename}:{node.lineno} reads an environment variable whose name is not a string "
                "constant; read it by its literal name so that the README's table can be checked"
            )
        names.add(key.value)
    return names


def product_environment_variables() -> set[str]:
    names: set[str] = set()
    for path in [*python_files(PRODUCT), ROOT / "gunicorn.conf.py"]:  # the server's config reads some too
        names |= environment_variables_read(path.read_text(), str(path.relative_to(ROOT)))
    return names


# --- The README's Configuration table -----------------------------------------------------------


def documented_variables(readme: str) -> set[str]:
    """Names in the first column of the tables of the README's ``## Configuration`` section."""
    if "\n## Configuration\n" not in readme:
        raise AssertionError("the README has no '## Configuration' section")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2:
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[1]))
    return names


def test_the_parsers_find_what_they_should():
    assert environment_variables_read(
        "import os\nfrom os import environ\n"
        "A = env_int('A', 1)\nB = os.environ.get('B')\nC = os.environ['C']\nD = os.getenv('D')\n"
        "E = environ.get('E', '')\nos.environ.setdefault('NOT_READ', '1')\nos.environ['SET'] = '1'\n"
        "def env_str(name, default=''):\n    return os.environ.get(name, default)\n"
    ) == {"A", "B", "C", "D", "E"}
    readme = (
        "# Project\n\n## Configuration\n\n| variable | default | what it does |\n| --- | --- | --- |\n"
        "| `ONE` | `OFF` | see `TWO` |\n| `TWO`, `THREE` | 0 | x |\n\n## Next\n\n| `FOUR` | 1 | y |\n"
    )
    assert documented_variables(readme) == {"ONE", "TWO", "THREE"}


def test_a_variable_read_by_a_computed_name_is_refused():
    with pytest.raises(AssertionError, match="module.py:3 reads an environment variable"):
        environment_variables_read("import os\nname = 'X'\nos.environ.get(name)\n", "module.py")


def test_every_environment_variable_is_in_the_readme_and_every_row_is_read():
    read = product_environment_variables()
    documented = documented_variables(README.read_text())
    # Not vacuous: the parsers found the variables everyone knows.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} <= read
    undocumented = sorted(read - documented)
    stale = sorted(documented - read)
    assert not undocumented, f"read by the code, not in the README's Configuration table: {undocumented}"
    assert not stale, f"in the README's Configuration table, read nowhere in the code: {stale}"


# --- Product and development dependencies --------------------------------------------------------


def requirement_names(path: Path) -> set[str]:
    """Normalised distribution names listed in a requirements file (not those it includes)."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        assert match, f"{path.name}: cannot read {line!r}"
        names.add(normalise(match.group()))
    return names


def normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def top_level_imports(source: str, filename: str = "<source>") -> set[str]:
    """First component of every absolute import, at any depth (function bodies included)."""
    modules = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def dev_only_modules() -> set[str]:
    """Modules provided only by distributions that requirements-dev.txt adds to the product's."""
    dev = requirement_names(ROOT / "requirements-dev.txt") - requirement_names(ROOT / "requirements.txt")
    installed = {
        module
        for module, distributions in packages_distributions().items()
        if distributions and all(normalise(name) in dev for name in distributions)
    }
    return installed | DEV_ONLY_MODULES


def test_product_requirements_hold_no_test_or_lint_tool():
    product = requirement_names(ROOT / "requirements.txt")
    dev = requirement_names(ROOT / "requirements-dev.txt")
    assert not product & DEV_ONLY_DISTRIBUTIONS, sorted(product & DEV_ONLY_DISTRIBUTIONS)
    assert dev >= DEV_ONLY_DISTRIBUTIONS, sorted(DEV_ONLY_DISTRIBUTIONS - dev)
    includes = [line.split()[:2] for line in (ROOT / "requirements-dev.txt").read_text().splitlines()]
    assert ["-r", "requirements.txt"] in includes, "requirements-dev.txt must build on requirements.txt"


def test_product_code_imports_no_development_only_module():
    forbidden = dev_only_modules()
    assert {"pytest", "factory", "playwright", "schemathesis"} <= forbidden
    offenders = []
    for path in python_files(PRODUCT):
        imported = top_level_imports(path.read_text(), str(path)) - set(sys.stdlib_module_names)
        offenders += [f"{path.relative_to(ROOT)}: {module}" for module in sorted(imported & forbidden)]
    assert not offenders, f"product code imports development-only modules: {offenders}"
