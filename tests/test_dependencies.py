"""The lock files are the audited list of what runs: complete, hashed, and what was tested.

scripts/lock writes them; installs take them with hashes checked (scripts/lib.sh, the
Dockerfile). These tests catch a dependency added to pyproject.toml but not locked, a pin
without a hash, and a test run on versions other than the locked ones.
"""

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# A pinned line of a lock file: `name==version ; marker \`, the marker optional.
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+))?"
)


@dataclass
class Pin:
    version: str
    marker: Marker | None
    hashes: int = 0

    def applies(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def pins(lock: str) -> dict[str, Pin]:
    found: dict[str, Pin] = {}
    current = None
    for line in (ROOT / lock).read_text().splitlines():
        if match := PIN.match(line):
            marker = match["marker"]
            current = Pin(match["version"], Marker(marker.strip()) if marker else None)
            found[canonicalize_name(match["name"])] = current
        elif current is not None and line.strip().startswith("--hash=sha256:"):
            current.hashes += 1
    return found


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(text) for text in listed]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", declared()),
        ("requirements-dev.lock", declared() + declared("dev")),
    ],
)
def test_every_declared_package_is_locked_within_its_range(lock, requirements):
    locked = pins(lock)
    for requirement in requirements:
        pin = locked.get(canonicalize_name(requirement.name))
        assert pin is not None, f"{requirement.name} is not in {lock}: run scripts/lock"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{lock} pins {requirement.name} {pin.version}, outside {requirement.specifier}"
        )


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_hashes(lock):
    unhashed = [name for name, pin in pins(lock).items() if pin.hashes == 0]
    assert pins(lock) and unhashed == []


def test_production_and_tests_use_the_same_versions():
    production, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: pin.version for name, pin in production.items()} == {
        name: development[name].version for name in production
    }


def test_the_tests_run_on_the_locked_versions():
    wrong = {
        name: (pin.version, importlib.metadata.version(name))
        for name, pin in pins("requirements-dev.lock").items()
        if pin.applies() and importlib.metadata.version(name) != pin.version
    }
    assert wrong == {}, "installed differs from requirements-dev.lock: run scripts/test"
