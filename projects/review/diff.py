"""What changed between two submissions of a sheet: a field-level diff of content snapshots
(`projects.sheets.selectors.content_snapshot`), rows matched by their id. Plain Python."""

from __future__ import annotations

from dataclasses import dataclass

from projects import official

INDICATOR = official.INDICATOR_COLUMNS
# What each snapshot field is called, by the official sheet's labels.
FIELD_LABELS = {
    "project": official.PROJECT,
    "budget_weight": "预算执行分值",
    "goal_expected": official.GOAL_EXPECTED,
    "goal_achieved": official.GOAL_ACHIEVED,
    "level2": INDICATOR["level2"],
    "name": INDICATOR["name"],
    "target": INDICATOR["target"],
    "actual": INDICATOR["actual"],
    "weight": INDICATOR["weight"],
    "score": INDICATOR["score"],
    "reason": INDICATOR["reason"],
    "applicable": official.NOT_APPLICABLE,
    # Snapshots hold stored amounts, in 万元 whatever unit the sheet prints: 全年执行数（万元）.
    **{
        column: official.FUNDS_COLUMNS[column] + official.FUNDS_LINES[1]
        for column in ("initial", "annual", "executed")
    },
}


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    row_id: int
    name: str
    kind: str  # changed / added / removed
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class SheetDiff:
    header: tuple[Change, ...]
    funds: tuple[Change, ...]
    rows: tuple[RowChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.header or self.funds or self.rows)

    def for_row(self, row_id: int | None) -> RowChange | None:
        return next((r for r in self.rows if r.row_id == row_id), None)

    @property
    def removed(self) -> tuple[RowChange, ...]:
        return tuple(r for r in self.rows if r.kind == "removed")

    @property
    def counts(self) -> dict[str, int]:
        """How much changed, as the inbox says it: rows changed, added and removed, funds
        figures and header or goal fields changed."""
        kinds = [r.kind for r in self.rows]
        return {
            "changed": kinds.count("changed"),
            "added": kinds.count("added"),
            "removed": kinds.count("removed"),
            "funds": len(self.funds),
            "header": len(self.header),
        }


def _changes(old: dict, new: dict, keys) -> tuple[Change, ...]:
    return tuple(
        Change(key, FIELD_LABELS.get(key, key), str(old.get(key, "")), str(new.get(key, "")))
        for key in keys
        if str(old.get(key, "")) != str(new.get(key, ""))
    )


ROW_FIELDS = ("level2", "name", "target", "actual", "weight", "score", "reason", "applicable")


def diff_snapshots(old: dict, new: dict) -> SheetDiff:
    header = _changes(old, new, ("project", "budget_weight", "goal_expected", "goal_achieved"))
    funds = []
    for kind, label in official.FUNDS_ROW_NAMES.items():
        for change in _changes(
            old["funds"].get(kind, {}),
            new["funds"].get(kind, {}),
            ("initial", "annual", "executed"),
        ):
            funds.append(
                Change(
                    f"{kind}.{change.field}", f"{label} · {change.label}", change.old, change.new
                )
            )
    rows = []
    old_rows, new_rows = old["rows"], new["rows"]
    for key, row in new_rows.items():
        if key not in old_rows:
            rows.append(RowChange(int(key), row["name"], "added", ()))
            continue
        changes = _changes(old_rows[key], row, ROW_FIELDS)
        if changes:
            rows.append(RowChange(int(key), row["name"], "changed", changes))
    for key, row in old_rows.items():
        if key not in new_rows:
            rows.append(RowChange(int(key), row["name"], "removed", ()))
    return SheetDiff(tuple(header), tuple(funds), tuple(rows))
