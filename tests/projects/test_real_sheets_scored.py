"""Real regional sheets end to end: imported with `import_sheets --bureau`, scored by their
bureau's shipped rule set, and printed as the sheets print them.

The engine alone is checked against the printed figures in tests/indicators/test_regional_rules.py
(from printed values); here the same figures must come out of the whole path — the reader by
column, amounts in 元 stored in 万元, the bureau's rule set found by `rule_set_for`, the
view-model's places — for every printed figure of each sheet, allowing only the differences
listed in tests/data/real-sheets-figures.json (where the sheet's own arithmetic is wrong).
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.messages import grade_name
from indicators.models import Bureau, RuleSet
from projects.models import Sheet
from tests.helpers import view_of

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
FIGURES = json.loads((DATA / "real-sheets-figures.json").read_text(encoding="utf-8"))["sheets"]
FIELDS = json.loads((DATA / "real-sheets" / "fields.json").read_text(encoding="utf-8"))


def shipped_rules(name: str, year: int) -> None:
    """The bureau's shipped rule set, put back the migration's way when a transactional test
    emptied the database before this one."""
    if RuleSet.objects.filter(bureau__name=name, year=year).exists():
        return
    from importlib import import_module

    from django.apps import apps

    import_module("indicators.migrations.0008_regional_rule_sets").ship(apps, None)


def imported(stem: str) -> Sheet:
    expected = FIGURES[stem]
    shipped_rules(expected["bureau"], expected["year"])
    out = io.StringIO()
    call_command(
        "import_sheets",
        str(DATA / "real-sheets" / f"{stem}.tsv"),
        "--bureau",
        expected["bureau"],
        stdout=out,
        stderr=io.StringIO(),
    )
    fields = FIELDS[f"{stem}.tsv"]
    return Sheet.objects.get(project__name=fields["project"], year=expected["year"])


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_each_real_sheet_prints_its_figures_under_its_bureaus_rules(empty_db, stem):
    expected = FIGURES[stem]
    sheet = imported(stem)
    bureau = Bureau.objects.get(name=expected["bureau"])
    assert sheet.project.unit.department.bureau == bureau
    assert sheet.rule_set.bureau == bureau and sheet.rule_set.year == expected["year"]

    view = view_of(sheet)
    total_line = view.funds[0]
    shown = {
        "rate": total_line.rate_text,
        "budget_score": total_line.score_text,
        "total": view.total_text if expected["complete"] else None,
        "grade": grade_name(view.grade) if expected["complete"] else None,
    }
    allowed = {a["figure"]: a for a in expected["allowed"]}
    for figure, printed in expected["printed"].items():
        if printed is None or shown[figure] is None:
            continue
        want = allowed[figure]["computed"] if figure in allowed else printed
        if figure == "grade":
            assert shown[figure] == want
        else:
            # As numbers: a sheet printing "100" and a rule set printing 100.00 agree; the
            # places each rule set prints with are checked on the whole-points sheet below.
            assert Decimal(shown[figure]) == Decimal(want), (figure, shown[figure], want)
    assert view.budget_weight == Decimal(expected["budget_weight"])


def test_a_yuan_sheet_prints_its_amounts_in_yuan_and_its_figures_in_whole_points(empty_db):
    sheet = imported("02_yunnan_yongde_nutrition_meals_2022")
    assert sheet.amount_unit == Sheet.AmountUnit.YUAN
    view = view_of(sheet)
    total_line = view.funds[0]
    assert (total_line.annual_text, total_line.executed_text) == ("387,664.62", "387,664.62")
    assert (total_line.rate_text, total_line.score_text, view.total_text) == ("100", "10", "96")
    assert [row.score_text for row in view.rows] == [
        "10",
        "10",
        "7",
        "10",
        "10",
        "9",
        "10",
        "10",
        "10",
    ]
