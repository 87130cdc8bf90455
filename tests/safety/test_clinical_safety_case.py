"""The clinical safety case and the security page name tests as evidence; each must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def test_every_test_the_safety_case_cites_exists():
    case = "\n".join(
        (ROOT / "docs" / name).read_text() for name in ("clinical-safety.md", "security.md")
    )
    cited = REFERENCE.findall(case)

    missing = [
        f"{path}::{name}" if name else path
        for path, name in cited
        if not (ROOT / path).exists() or (name and f"def {name}(" not in (ROOT / path).read_text())
    ]

    assert len(cited) > 20
    assert missing == []
