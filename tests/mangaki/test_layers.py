"""Who may import whom, read from the source: the serving path reads the registry and nothing that trains."""

import ast
from pathlib import Path

import mangaki

PACKAGE_ROOT = Path(mangaki.__file__).parent

TRAINING = "mangaki.services.training"
RETRAINING = "mangaki.services.retraining"
REGISTRY = "mangaki.services.registry"


def imported_modules(module: str) -> set[str]:
    """Every module ``module`` imports, anywhere in its source (in functions too), as absolute names.

    ``from .services import training`` counts as importing ``mangaki.services.training`` as
    well as ``mangaki.services``: an imported name may be a module.
    """
    path = PACKAGE_ROOT.parent.joinpath(*module.split(".")).with_suffix(".py")
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def test_the_helper_resolves_relative_and_absolute_imports():
    assert REGISTRY in imported_modules("mangaki.serving")
    assert "mangaki.services.measuring" in imported_modules(TRAINING)
    assert "mangaki.models" in imported_modules("mangaki.management.commands.models")


def test_the_serving_path_imports_the_registry_not_training_nor_the_retrain_policy():
    imports = imported_modules("mangaki.serving")
    assert not {name for name in imports if name.startswith((TRAINING, RETRAINING))}


def test_the_registry_does_not_import_training_nor_the_retrain_policy():
    imports = imported_modules(REGISTRY)
    assert not {name for name in imports if name.startswith((TRAINING, RETRAINING))}


def test_training_does_not_import_the_retrain_policy():
    imports = imported_modules(TRAINING)
    assert not {name for name in imports if name.startswith(RETRAINING)}
