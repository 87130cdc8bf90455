"""The mutation run's score per module, and every mutant that survived (docs/testing.md).

Reads mutmut's results: "killed" means a test failed with the mutant in place; a
survivor is a change to the code that no test noticed."""

import collections
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def results() -> list[tuple[str, str]]:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            rows.append((name, status))
    return rows


def module_of(mutant: str) -> str:
    """patients.safety.rules.x_flare__mutmut_3 -> patients.safety.rules"""
    parts = mutant.split(".")
    return ".".join(part for part in parts[:-1])


def main() -> int:
    rows = results()
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for name, status in rows:
        by_module[module_of(name)][status] += 1
    print(f"{'module':36} {'mutants':>7} {'killed':>7} {'survived':>8} {'no test':>7}  score")
    for module, counts in sorted(by_module.items()):
        total = sum(counts.values())
        tested = total - counts["no tests"]
        score = counts["killed"] / tested if tested else 0
        print(
            f"{module:36} {total:7} {counts['killed']:7} {counts['survived']:8} "
            f"{counts['no tests']:7}  {score:.1%}"
        )
    print("\nSurvivors (show one with: .venv/bin/mutmut show NAME):")
    for name, status in rows:
        if status in ("survived", "no tests"):
            print(f"  {status:9} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
