"""The systemd units in deploy/systemd are valid, and every safety process has one.

`systemd-analyze verify` reads each unit as systemd would and checks that its commands
exist, so the units are checked against this checkout and its virtual environment in
place of /opt/stepwise.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_envfile import readme_env_file

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
VERIFY = shutil.which("systemd-analyze")


def test_every_scheduled_job_has_a_timer_and_every_timer_a_job():
    services = {unit.stem for unit in UNITS.glob("*.service")}
    timers = {unit.stem for unit in UNITS.glob("*.timer")}

    assert timers == services - {"stepwise-web", "stepwise-worker"}
    commands = " ".join(unit.read_text() for unit in UNITS.glob("*.service"))
    for command in (
        "escalate_flags",
        "check_activity",
        "send_reminders",
        "send_follow_ups",
        "delete_expired_exports",
        "db_worker",
        "gunicorn",
    ):
        assert command in commands


def test_every_service_runs_the_installed_package_not_a_checkout():
    for unit in UNITS.glob("*.service"):
        (command,) = [line for line in unit.read_text().splitlines() if "ExecStart=" in line]
        assert command.startswith(
            (
                "ExecStart=/opt/stepwise/venv/bin/stepwise ",
                "ExecStart=/opt/stepwise/venv/bin/gunicorn -c python:config.gunicorn ",
            )
        ), unit.name
        assert "WorkingDirectory" not in unit.read_text(), unit.name


def test_every_service_runs_in_production_as_the_service_user():
    """DEBUG on would show error details to anyone: the Docker image sets it off, so must
    the units, whatever the environment file forgets."""
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "Environment=DEBUG=false\n" in text, unit.name
        assert "User=stepwise\n" in text, unit.name


def installed_here(text: str, env_file: Path, venv: Path) -> str:
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    return (
        text.replace("/opt/stepwise/venv", str(venv))
        .replace("/etc/stepwise/stepwise.env", str(env_file))
        .replace("=stepwise\n", f"={user}\n")
    )


def venv_like_an_install(path: Path) -> Path:
    """A virtual environment's bin as `pip install` leaves it: gunicorn and `stepwise`.

    This environment holds the project in development mode, maybe without the `stepwise`
    script; tests/test_install.py checks the real one.
    """
    bin_dir = path / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "gunicorn").symlink_to(Path(sys.executable).parent / "gunicorn")
    stepwise = bin_dir / "stepwise"
    stepwise.write_text(f'#!/bin/sh\nexec {sys.executable} {ROOT / "manage.py"} "$@"\n')
    stepwise.chmod(0o755)
    return path


@pytest.mark.skipif(
    VERIFY is None and os.environ.get("CI") != "true",
    reason="systemd-analyze is not installed (under CI this fails instead)",
)
def test_systemd_reads_every_unit_without_a_complaint(tmp_path):
    assert VERIFY, "systemd-analyze is required under CI=true"
    env_file = tmp_path / "stepwise.env"
    env_file.write_text(readme_env_file())
    venv = venv_like_an_install(tmp_path / "venv")
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(installed_here(unit.read_text(), env_file, venv))

    result = subprocess.run(
        [VERIFY, "verify", "--man=no", *sorted(path.name for path in tmp_path.glob("stepwise-*"))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
