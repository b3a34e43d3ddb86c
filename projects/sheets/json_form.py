"""A sheet as JSON, in the shape `docs/sheet-json.md` documents: one more layout of the
`SheetView`, like the page, the PDF and the Excel file.

Amounts, rates and scores are strings with exactly two decimals, null where there is no value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from indicators.numbers import two
from projects.models import Sheet

from .view_model import SheetView


def _two(value: Decimal | None) -> str | None:
    return None if value is None else two(value)


def sheet_to_dict(sheet: Sheet, view: SheetView) -> dict[str, Any]:
    """Serialise one sheet from its view-model (`build_sheet_view(sheet)`)."""
    funds: dict[str, Any] = {
        row.key: {
            "initial": _two(row.initial),
            "annual": _two(row.annual),
            "executed": _two(row.executed),
            "rate": _two(row.rate),
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
