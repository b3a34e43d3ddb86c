"""A sheet as JSON, in the shape `docs/sheet-json.md` documents: one more layout of the
`SheetView`, like the page, the PDF and the Excel file.

Rates and scores are strings with exactly two decimals, null where there is no value. Amounts
are in 万元 whatever the sheet prints (so that sheets add up), with two decimals or the places
needed to be exact; `printed_funds` holds them as the sheet prints them, in its `amount_unit`
(元 or 万元), with two decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from indicators.numbers import exact, from_unit, two
from projects.models import Sheet

from .view_model import SheetView


def _two(value: Decimal | None) -> str | None:
    return None if value is None else two(value)


def _wan(value: Decimal | None, unit: str) -> str | None:
    """A view amount (in the sheet's unit) back in 万元, exact: `1087.50`, `38.766462`."""
    return None if value is None else str(exact(from_unit(value, unit)))


def sheet_to_dict(sheet: Sheet, view: SheetView) -> dict[str, Any]:
    """Serialise one sheet from its view-model (`build_sheet_view(sheet)`)."""
    unit = view.amount_unit
    funds: dict[str, Any] = {
        row.key: {
            "initial": _wan(row.initial, unit),
            "annual": _wan(row.annual, unit),
            "executed": _wan(row.executed, unit),
            "rate": _two(row.rate),
        }
        for row in view.funds
    }
    printed = {
        row.key: {
            "initial": _two(row.initial),
            "annual": _two(row.annual),
            "executed": _two(row.executed),
        }
        for row in view.funds
    }
    funds["total"]["weight"] = _two(view.budget_weight)
    funds["total"]["score"] = _two(view.budget_score)
    return {
        "id": sheet.pk,
        "year": view.year,
        "project": view.project,
        "department": view.department,
        "unit": view.unit,
        "status": view.status,
        "version": view.version,
        "funds": funds,
        "amount_unit": unit,
        "printed_funds": printed,
        "goal": {"expected": view.goal_expected, "achieved": view.goal_achieved},
        "indicators": [
            {
                "level1": row.level1,
                "level2": row.level2,
                "name": row.name,
                "target": row.target,
                "actual": row.actual,
                "weight": _two(row.weight),
                "score": _two(row.score),
                "suggested_score": _two(row.suggested),
                "reason": row.reason,
                "applicable": row.applicable,
            }
            for row in view.rows
        ],
        "total": {
            "weight": _two(view.weight_total),
            "score": _two(view.total),
            "raw_score": _two(view.raw_score),
            "grade": str(view.grade),
        },
        "findings": [
            {
                "severity": str(f.severity),
                "code": str(f.code),
                "indicator": f.row,
                "field": f.field,
                "params": f.params,
                "message": f.message,
            }
            for f in view.findings
            if not f.is_hint
        ],
    }
