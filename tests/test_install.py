"""An installed Stepwise runs from anywhere, with nothing of the checkout.

The wheel is built from a copy of the project's files, installed into a new virtual
environment that borrows this one's dependencies, and its `stepwise` command is run from
a directory of its own: migrations, templates and static files must all travel with it.
"""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["pyproject.toml", "README.md", "config", "patients", "programs", "templates", "static"]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SHIPPED:
        run("cp", "-r", ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work, source)
    (built,) = work.glob("stepwise-*.whl")
    return built


@pytest.fixture(scope="module")
def stepwise(wheel, tmp_path_factory) -> Path:
    """The `stepwise` command of a new virtual environment with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    # Django and the rest from this environment, as `pip install -r requirements.lock` would.
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    Path(purelib.stdout.strip(), "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return venv / "bin" / "stepwise"


def test_the_wheel_carries_the_code_templates_static_files_and_the_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    code = [p for app in ("config", "patients", "programs") for p in (ROOT / app).rglob("*.py")]
    assets = [p for d in ("templates", "static") for p in (ROOT / d).rglob("*") if p.is_file()]
    entry_points = zipfile.ZipFile(wheel).read("stepwise-0.1.0.dist-info/entry_points.txt")

    assert {str(p.relative_to(ROOT)) for p in code} <= names
    assert {f"config/{p.relative_to(ROOT)}" for p in assets} <= names
    assert "stepwise = config.cli:main" in entry_points.decode()
    # The translations, compiled (scripts/test and the image compile them before a build).
    assert {
        "config/locale/es/LC_MESSAGES/django.po",
        "config/locale/es/LC_MESSAGES/django.mo",
    } <= names


def test_the_stepwise_command_runs_from_anywhere_with_its_environment_file(stepwise, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env_file = tmp_path / "stepwise.env"
    env_file.write_text(
        "# Production, as in README.md\n"
        "DEBUG=false\n"
        f"SECRET_KEY={'k3P9vQ2xL7mN4rT8wZ1yB6cF0hJ5sD3gA9eR2uI7oP4lK8jH1nM6bV'}\n"
        "ALLOWED_HOSTS=stepwise.example.org\n"
        f"DATABASE_URL=sqlite:///{tmp_path / 'db.sqlite3'}\n"
        f"STATIC_ROOT={tmp_path / 'static'}\n"
        "DEFAULT_FROM_EMAIL=Stepwise clinic <stepwise@example.org>\n"
    )
    inherited = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env = {**inherited, "STEPWISE_ENV_FILE": str(env_file)}

    def command(*args: str) -> str:
        return run(stepwise, *args, cwd=elsewhere, env=env).stdout

    command("migrate", "--noinput", "-v", "0")
    command("collectstatic", "--noinput", "-v", "0")
    where = command(
        "shell", "-v", "0", "-c",
        "import config; from django.conf import settings;"
        " from django.template.loader import get_template;"
        " print(config.__file__); print(get_template('base.html').origin.name);"
        " print(settings.DEFAULT_FROM_EMAIL);"
        " from django.utils import translation; translation.activate('es');"
        " print(translation.gettext('Sign out'))",
    ).strip().splitlines()  # fmt: skip

    assert "no issues" in command("check", "--deploy", "--fail-level", "WARNING")
    assert not where[0].startswith(str(ROOT))
    assert where[1] == str(Path(where[0]).parent / "templates" / "base.html")
    assert where[2] == "Stepwise clinic <stepwise@example.org>"
    assert where[3] == "Cerrar sesión"
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list(elsewhere.iterdir()) == []
