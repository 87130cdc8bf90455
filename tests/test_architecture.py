"""The architecture's rules (pyproject.toml's import contracts) hold, and they can fail.

scripts/test runs `lint-imports` on the tree. These tests show a broken rule is caught,
and check what the contracts cannot say: which parts of Django the pure rules may use.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PURE_RULES = [
    "patients/safety/rules.py",
    "patients/safety/trends.py",
    "patients/safety/oversight.py",
]
LARGEST_MODULE = 400


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for package in ("patients", "programs", "config"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_code_keeps_every_import_contract(copy_of_the_code):
    result = lint_imports(copy_of_the_code)

    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        (
            "patients/services/export.py",
            "from patients.views import home",
            "Inside patients, each layer uses only the layers below it",
        ),
        (
            "patients/safety/rules.py",
            "from patients.models import WalkLog",
            "The red-flag rules are plain functions over plain data",
        ),
        (
            "programs/services.py",
            "from patients.safety import engine",
            "programs uses patients' models, vocabulary, security and summaries",
        ),
    ],
)
def test_an_import_against_the_architecture_fails_the_check(
    copy_of_the_code, module, bad_import, contract
):
    path = copy_of_the_code / module
    original = path.read_text()
    path.write_text(f"{original}\n{bad_import}  # against the rules\n")
    try:
        result = lint_imports(copy_of_the_code)
    finally:
        path.write_text(original)

    assert result.returncode != 0
    assert contract in result.stdout
    assert "BROKEN" in result.stdout


def django_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] == "django"}


@pytest.mark.parametrize("module", PURE_RULES)
def test_the_red_flag_rules_use_nothing_of_django_but_its_text_helpers(module):
    """No database, request or template: a clinician reads a rule as plain logic."""
    assert all(name.startswith("django.utils.") for name in django_imports(ROOT / module))


def test_no_module_of_the_apps_is_longer_than_400_lines():
    """Past 400 lines a module holds more than one topic: split it by topic."""
    too_long = {
        str(path.relative_to(ROOT)): length
        for app in ("patients", "programs")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        and (length := len(path.read_text().splitlines())) > LARGEST_MODULE
    }

    assert too_long == {}
