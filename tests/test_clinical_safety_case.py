"""The clinical safety case names tests as evidence; each one must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def test_every_test_the_safety_case_cites_exists():
    case = (ROOT / "docs" / "clinical-safety.md").read_text()
    cited = REFERENCE.findall(case)

    missing = [
        f"{path}::{name}" if name else path
        for path, name in cited
        if not (ROOT / path).exists() or (name and f"def {name}(" not in (ROOT / path).read_text())
    ]

    assert len(cited) > 20
    assert missing == []
