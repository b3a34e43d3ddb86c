"""Reading re-checks: which a user sees, and the deviation report (docs/rechecks.md).

Deviation = re-check total − self total (negative: the unit scored itself higher than the
re-check). A sheet none of whose rows is re-scored yet has no re-check total and no deviation;
it counts among the sample's sheets but not in the deviation sums. The summaries per unit and
per department are SQL aggregates: one query over the sample's sheets, one over its rows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Abs

from projects.access import is_administrator, may_use, profile_of

from .models import ReCheck, ReCheckRow, ReCheckSheet

CENT = Decimal("0.01")
_SCORE = DecimalField(max_digits=9, decimal_places=2)
DEVIATION = ExpressionWrapper(F("recheck_total") - F("self_total"), output_field=_SCORE)


def row_rescored(prefix: str = "") -> Q:
    """A row with a re-check score (`prefix`: "rows__" as seen from ReCheckSheet)."""
    return Q(**{f"{prefix}recheck_score__isnull": False})


def row_changed(prefix: str = "") -> Q:
    """A row re-scored to another score than its self-score (a blank self-score: changed)."""
    return row_rescored(prefix) & (
        Q(**{f"{prefix}self_score__isnull": True})
        | ~Q(**{f"{prefix}recheck_score": F(f"{prefix}self_score")})
    )


GROUPS = {
    "department": (
        "recheck_sheet__sheet__project__unit__department_id",
        "recheck_sheet__sheet__project__unit__department__name",
    ),
    "unit": (
        "recheck_sheet__sheet__project__unit_id",
        "recheck_sheet__sheet__project__unit__name",
    ),
}


def visible_rechecks(user) -> QuerySet[ReCheck]:
    """The re-checks a user sees: 财政 its bureau's, the 管理员 all, nobody else any."""
    qs = ReCheck.objects.select_related("created_by", "bureau")
    if not may_use(user, "rechecks"):
        return qs.none()
    if is_administrator(user):
        return qs
    profile = profile_of(user)
    return qs.filter(bureau_id=profile.bureau_id)


def sample(recheck: ReCheck) -> QuerySet[ReCheckSheet]:
    """The sample's sheets with their deviation and how many rows were re-scored / changed."""
    return (
        ReCheckSheet.objects.filter(recheck=recheck)
        .select_related("sheet__project__unit__department")
        .annotate(
            deviation=DEVIATION,
            rows_rescored=Count("rows", filter=row_rescored("rows__")),
            rows_changed=Count("rows", filter=row_changed("rows__")),
        )
        .order_by("position", "pk")
    )


def sheet_rows(recheck_sheet: ReCheckSheet) -> list[ReCheckRow]:
    """A sample sheet's rows, each with `deviation` (re-check − self, None if not re-scored)."""
    rows = list(
        ReCheckRow.objects.filter(recheck_sheet=recheck_sheet)
        .select_related("checked_by")
        .order_by("position")
    )
    for row in rows:
        row.deviation = (
            row.recheck_score - (row.self_score or Decimal("0"))
            if row.recheck_score is not None
            else None
        )
    return rows


def summary(recheck: ReCheck, by: str) -> list[dict]:
    """Per unit or per department (`by`): sheets, sheets re-checked (with a re-check total),
    rows re-scored, rows changed, total deviation (Σ of the sheets' deviations) and mean
    absolute deviation (Σ |deviation| ÷ sheets re-checked, 2 places half up)."""
    key, name = GROUPS[by]
    sheet_key, sheet_name = (
        key.removeprefix("recheck_sheet__"),
        name.removeprefix("recheck_sheet__"),
    )
    sheets = (
        ReCheckSheet.objects.filter(recheck=recheck)
        .values(sheet_key, sheet_name)
        .annotate(
            sheets=Count("pk"),
            checked=Count("pk", filter=Q(recheck_total__isnull=False)),
            deviation=Sum(DEVIATION),
            absolute=Sum(Abs(DEVIATION), output_field=_SCORE),
        )
        .order_by(sheet_name, sheet_key)
    )
    rows = {
        entry[key]: entry
        for entry in ReCheckRow.objects.filter(recheck_sheet__recheck=recheck)
        .values(key)
        .annotate(
            rescored=Count("pk", filter=row_rescored()), changed=Count("pk", filter=row_changed())
        )
        .order_by()
    }
    lines = []
    for entry in sheets:
        counts = rows.get(entry[sheet_key], {})
        lines.append(
            {
                "id": entry[sheet_key],
                "name": entry[sheet_name],
                "sheets": entry["sheets"],
                "checked": entry["checked"],
                "rows_rescored": counts.get("rescored", 0),
                "rows_changed": counts.get("changed", 0),
                "deviation": _cents(entry["deviation"]),
                "absolute": _cents(entry["absolute"]),
                "mean_absolute": mean(entry["absolute"], entry["checked"]),
            }
        )
    return lines


def overall(lines: list[dict]) -> dict:
    """The whole sample's line: the sums of the per-group lines (each an SQL aggregate)."""
    total = {
        key: sum(line[key] for line in lines)
        for key in ("sheets", "checked", "rows_rescored", "rows_changed")
    }
    deviations = [line["deviation"] for line in lines if line["deviation"] is not None]
    absolute = sum((line["absolute"] for line in lines if line["absolute"] is not None), Decimal())
    total["deviation"] = sum(deviations, Decimal()) if deviations else None
    total["absolute"] = absolute if deviations else None
    total["mean_absolute"] = mean(absolute, total["checked"])
    return total


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT)


def mean(total, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def approved_choices(candidates: QuerySet) -> QuerySet:
    """The candidate sheets with what the chosen-draw table shows."""
    return candidates.select_related("project__unit__department", "figures").order_by(
        "list_key", "pk"
    )
