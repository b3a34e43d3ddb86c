"""A sheet as JSON, in the shape `docs/sheet-json.md` documents.

Amounts, rates and scores are strings with exactly two decimals, null where there is no value.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from indicators import scoring
from indicators.messages import finding_message

from .models import Sheet
from .sheet_view import sheet_queryset


def two(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_DOWN))


def sheet_to_dict(sheet: Sheet, result: scoring.SheetResult | None = None) -> dict[str, Any]:
    """Serialise one sheet; `result` lets a caller pass an evaluation it already has."""
    result = result or sheet.evaluate()
    unit = sheet.project.unit
    funds_rows = result.funds.rows
    funds: dict[str, Any] = {}
    for key in scoring.FUNDS_ROWS:
        row = funds_rows[key]
        funds[key] = {
            "initial": two(row.initial),
            "annual": two(row.annual),
            "executed": two(row.executed),
            "rate": two(row.rate),
        }
    funds["total"]["weight"] = two(result.funds.weight)
    funds["total"]["score"] = two(result.funds.score)

    indicators = []
    for row, item in zip(result.rows, sheet.indicators.all(), strict=True):
        indicators.append(
            {
                "level1": item.level1.name if item.level1 else "",
                "level2": item.level2.name if item.level2 else "",
                "name": item.name,
                "target": row.target.display,
                "actual": row.actual.display,
                "weight": two(item.weight),
                "score": two(item.score),
                "suggested_score": two(row.suggestion.value) if row.suggestion else None,
                "reason": item.reason,
                "applicable": row.applicable,
            }
        )
    return {
        "id": sheet.pk,
        "year": sheet.year,
        "project": sheet.project.name,
        "department": unit.department.name,
        "unit": unit.name,
        "status": sheet.status,
        "version": sheet.version,
        "funds": funds,
        "goal": {"expected": sheet.goal_expected, "achieved": sheet.goal_achieved},
        "indicators": indicators,
        "total": {
            "weight": two(result.weight_total),
            "score": two(result.total),
            "raw_score": two(result.raw_score),
            "grade": result.grade,
        },
        "findings": [
            {
                "severity": f.severity,
                "code": f.code,
                "indicator": f.row,
                "field": f.field,
                "params": f.params,
                "message": finding_message(f),
            }
            for f in result.findings
            if f.severity != scoring.INFO
        ],
    }


def sheets_for_export(ids: list[int] | None = None):
    qs = sheet_queryset()
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("year", "project__unit__name", "project__name")
