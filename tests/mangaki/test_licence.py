"""The project's licence and its dependencies' licences (issue 21, item 6).

- ``LICENSE`` is the GNU Affero General Public License version 3, the FSF's text unmodified.
- pyproject.toml declares ``AGPL-3.0-or-later``.
- Every package of requirements.txt (what the site runs on) has its row in the README's
  Licence table, marked as a runtime dependency.

Read from the files, nothing installed or run.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"
LICENSE = ROOT / "LICENSE"

# SHA-256 of the FSF's plain-text AGPL v3 (661 lines, 34,520 bytes, its http:// addresses), the
# same bytes as the LICENSE of other AGPL projects; any edit, even of line endings, changes it.
AGPL_V3_SHA256 = "57c8ff33c9c0cfc3ef00e650a1cc910d7ee479a8bc509f6c9209a7c2a11399d6"


def normalized(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): case and -_. runs do not count."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(text: str) -> list[str]:
    """The distributions a requirements file pins (extras, versions and comments left out)."""
    names = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        names.append(normalized(re.split(r"[\[=<>!~;@ ]", line, maxsplit=1)[0]))
    return names


def licence_table(readme: str) -> dict[str, tuple[str, str]]:
    """The README's Licence section table: package name -> (licence, kind)."""
    match = re.search(r"^## Licence\n(.*?)(?=^## |\Z)", readme, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Licence' section"
    rows = {}
    for line in match.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 3 or set(cells[0]) <= set("-: "):
            continue
        if cells[0].lower() == "package":
            continue
        rows[normalized(cells[0].strip("`"))] = (cells[1], cells[2].lower())
    return rows


def test_licence_file_is_the_agpl_version_3():
    text = LICENSE.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "GNU AFFERO GENERAL PUBLIC LICENSE"
    assert lines[1] == "Version 3, 19 November 2007"
    # What sets the Affero licence apart from the GPL v3.
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in lines
    assert hashlib.sha256(LICENSE.read_bytes()).hexdigest() == AGPL_V3_SHA256, (
        "LICENSE differs from the FSF's AGPL v3 text"
    )


def test_pyproject_declares_agpl_3_or_later():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "AGPL-3.0-or-later"


def test_every_runtime_requirement_has_its_licence_in_the_readme():
    runtime = requirement_names((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert len(runtime) >= 10, "requirements.txt read as nearly empty: the parser is wrong"
    table = licence_table(README.read_text(encoding="utf-8"))
    missing = [name for name in runtime if name not in table]
    assert not missing, f"packages of requirements.txt without a row in the README's Licence table: {missing}"
    not_runtime = [name for name in runtime if table[name][1] != "runtime"]
    assert not not_runtime, f"packages of requirements.txt not marked runtime in the README: {not_runtime}"
    no_licence = [name for name in runtime if not table[name][0]]
    assert not no_licence, f"rows of the README's Licence table with no licence: {no_licence}"
