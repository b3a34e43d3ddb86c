"""What changed between two submissions of a sheet: a field-level diff of content snapshots
(`services.content_snapshot`), rows matched by their id."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {
    "project": "项目名称",
    "budget_weight": "预算执行分值",
    "goal_expected": "预期目标",
    "goal_achieved": "实际完成情况",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "reason": "偏差原因分析及改进措施",
    "applicable": "不适用",
    "initial": "年初预算数",
    "annual": "全年预算数",
    "executed": "全年执行数",
}
FUNDS_LABELS = {
    "total": "年度资金总额",
    "appropriation": "当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
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
    for kind, label in FUNDS_LABELS.items():
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


def kind_label(kind: str) -> str:
    return str({"added": _("新增"), "removed": _("删除"), "changed": _("修改")}[kind])
