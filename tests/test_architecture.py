"""Rules from shared/ARCHITECTURE.md that a reviewer would otherwise have to remember."""

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "dissent"
ENTRY_MODULES = sorted([*SRC.glob("*/views.py"), *SRC.glob("api/*.py")])
DOMAIN_MODELS = ["Memo", "Signature", "Invitation", "Drafter", "Addendum", "Event"]


@pytest.mark.parametrize("module", ENTRY_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_views_and_api_never_query_domain_models_directly(module: Path) -> None:
    source = module.read_text()

    direct = [m for m in DOMAIN_MODELS if re.search(rf"\b{m}\.objects\b", source)]

    assert direct == [], f"{module.name} queries {direct} directly; go through the policy or queries module"


@pytest.mark.parametrize("module", ENTRY_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_views_and_api_never_save_domain_objects(module: Path) -> None:
    assert not re.search(r"\.save\(|\.delete\(\)", module.read_text()), "only actions change domain state"


def test_the_rule_scans_the_modules_that_exist() -> None:
    names = {str(p.relative_to(SRC)) for p in ENTRY_MODULES}

    assert {"memos/views.py", "api/memos.py", "web/views.py"} <= names
