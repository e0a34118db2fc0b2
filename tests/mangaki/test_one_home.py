"""Rules with one home: read from the source, so that a second copy fails here, naming its place.

The behaviour each rule gives is tested where it shows (pages and API alike:
``test_pages_and_api_agree.py``); these tests keep the rule from being written twice again.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "mangaki"


def site_modules():
    for path in sorted(SITE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def receiver_names(node: ast.AST) -> list[str]:
    """The names along an attribute chain: ``Rating.objects.filter(x).delete`` → Rating, objects, filter."""
    names = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


ORM_WRITES = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}


def test_only_the_rating_service_writes_ratings():
    """Pages, API, imports, the dataset loader and account deletion all go through services/ratings.py."""
    found = []
    for path, tree in site_modules():
        if path == SITE / "services" / "ratings.py":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            chain = receiver_names(node.func)
            if chain[:1] == ["Rating"] and (
                chain[-1] in ORM_WRITES | {"update"} or isinstance(node.func, ast.Name)
            ):
                found.append(where(path, node))
    assert found == []


@pytest.mark.parametrize("layer", ["views", "api", "management", "tasks.py"])
def test_pages_api_tasks_and_commands_leave_writes_to_the_services(layer):
    """No ORM write (save, create, delete…) in a view, API view, task or command: they call a service."""
    found = []
    for path, tree in site_modules():
        if layer not in path.relative_to(SITE).parts[:1]:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                chain = receiver_names(node.func)
                if chain[-1] in ORM_WRITES and not {"cache", "session"} & set(chain):
                    found.append(f"{where(path, node)} {'.'.join(chain)}")
    assert found == []


def test_the_algorithm_names_are_written_only_in_the_algorithm_enum():
    """``TrainedModel.Algorithm`` is the one list: no other module spells an algorithm's value."""
    from mangaki.models import TrainedModel

    values = set(TrainedModel.Algorithm.values)
    found = []
    for path, tree in site_modules():
        if path == SITE / "models.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in values:
                found.append(f"{where(path, node)} {node.value!r}")
    assert found == []


def test_the_nsfw_rule_is_read_through_nsfw_allowed():
    """Only ``querysets.nsfw_allowed`` reads a profile's NSFW opt-in; everything else asks it."""
    found = []
    for path, tree in site_modules():
        if path.name in {"querysets.py", "models.py", "forms.py", "admin.py"} or "services" in path.parts:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "nsfw_ok":
                found.append(where(path, node))
    assert found == []


def test_one_list_of_work_orderings_for_pages_and_api():
    """The catalogue form, the catalogue page and the API filter take their orderings from one map."""
    from mangaki.api.filters import WorkFilter
    from mangaki.forms import CatalogueForm
    from mangaki.querysets import WORK_ORDERINGS

    form = CatalogueForm(genres=[], types=[])
    assert [name for name, _ in form.fields["sort"].choices] == list(WORK_ORDERINGS)
    assert [name for name, _ in WorkFilter.base_filters["ordering"].extra["choices"]] == list(WORK_ORDERINGS)


def test_counted_database_fields_are_named_nb():
    """Database columns that count are ``nb_*`` (``Work.nb_ratings``); ``n_*`` is for Python sizes."""
    from django.apps import apps

    found = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("mangaki").get_models()
        for field in model._meta.get_fields()
        if field.name.startswith("n_")
    ]
    assert found == []
