from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "projects" / "seed" / "shanghai-2023.txt"


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_sheets(db):
    """The 11 seed sheets imported as year 2023, as `load_demo` and `import_sheets` do."""
    from django.core.management import call_command

    from projects.models import Sheet

    call_command("import_sheets", str(SEED), "--year", "2023", stdout=open("/dev/null", "w"))
    return Sheet.objects.all()
