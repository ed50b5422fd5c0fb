"""docs/security.md names, for each ASVS item, the test that covers it: each named test must
exist, or the checklist would promise coverage that is not there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def named_tests() -> list[tuple[str, str]]:
    """(file under tests/, test name) for each `file.py::test` and each `::test` that follows it."""
    named = []
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        if not line.startswith("|"):
            continue
        current = ""
        for path, name in re.findall(r"`([\w/]*\.py)?::(test_\w+)`", line):
            current = path or current
            named.append((current, name))
    return named


def test_the_checklist_names_tests() -> None:
    assert len(named_tests()) >= 50


def test_every_test_the_checklist_names_exists() -> None:
    missing = [
        f"{path}::{name}"
        for path, name in named_tests()
        if not re.search(rf"^def {name}\(", (ROOT / "tests" / path).read_text(), re.MULTILINE)
    ]
    assert missing == []
