"""The cross-sheet checks report (docs/checks.md): the rows worth a reviewer's time, read from
the findings stored with each sheet's figures (`projects.figures`), never by scoring a sheet.

Everything here is a fixed number of queries whatever the number of sheets, each reading about
as much at 10,000 sheets as at 100: the page's findings are found by walking the year's sheets
in their sort order (an index) joined to their findings; each kind is counted up to COUNT_CAP;
a page of lines reads its findings with their sheets in one query and its row names in one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import CharField, F, QuerySet, Sum, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from indicators.findings import Code, Finding, Severity
from indicators.messages import SEVERITY_NAMES, finding_message
from indicators.numbers import amount, in_unit
from projects.access import filler_unit, reviewer_department, scope_sheets, scope_units
from projects.models import Indicator, Sheet, SheetFinding, UnitYearFinding

# The kinds of check the report shows, in the order of its counts and of its filter.
REPORT_CODES = (
    Code.SCORE_DIFFERS_FROM_SUGGESTED,
    Code.REASON_CONTRADICTS_ACTUAL,
    Code.TARGET_MET_SCORE_CUT,
    Code.BOILERPLATE_REASON,
    Code.TARGET_EXCEEDED,
    Code.EXECUTION_BELOW_90,
    Code.DEVIATION_UNEXPLAINED,
    Code.REASON_REPEATED,
    Code.FUNDS_NOT_ADDING_UP,
)

# Each kind in a few words (the filter, the counts, the export's column).
KIND_NAMES = {
    Code.SCORE_DIFFERS_FROM_SUGGESTED: _("得分与建议得分不一致"),
    Code.REASON_CONTRADICTS_ACTUAL: _("偏差原因与实际完成值矛盾"),
    Code.TARGET_MET_SCORE_CUT: _("指标已完成但扣分"),
    Code.BOILERPLATE_REASON: _("扣分理由为套话"),
    Code.TARGET_EXCEEDED: _("实际完成值远超指标值"),
    Code.EXECUTION_BELOW_90: _("执行率低于90%"),
    Code.DEVIATION_UNEXPLAINED: _("偏差未说明"),
    Code.REASON_REPEATED: _("偏差原因多行重复"),
    Code.FUNDS_NOT_ADDING_UP: _("资金金额不平"),
}

# The findings whose sentence names an amount (in 万元 as stored; shown in the sheet's unit).
_AMOUNT_PARAMS = {Code.FUNDS_NOT_ADDING_UP: ("total", "sum")}

# Findings read a chunk at a time when every line is wanted (the export).
CHUNK = 1000
# Each kind is counted up to this many lines ("1000+"): a count that reads every finding of a
# province's year would grow with it. The export holds every line.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Filters:
    """The report's filters, already checked against the user's scope (`forms.ChecksForm`)."""

    year: int | None
    kind: str = ""
    department_id: int | None = None
    unit_id: int | None = None
    state: str = ""

    def params(self) -> dict:
        """The filters as the audit log records them."""
        return {
            "year": self.year,
            "kind": self.kind,
            "department": self.department_id,
            "unit": self.unit_id,
            "state": self.state,
        }


@dataclass(frozen=True)
class Line:
    """One row (or one sheet's funds) worth a look, worded in the active language."""

    department: str
    unit: str
    project: str
    sheet_id: int
    year: int
    state: str
    state_label: str
    code: str
    kind_label: str
    severity: str
    severity_label: str
    row_number: int | None  # 1-based, None for the funds or the whole sheet
    row_name: str
    message: str
    url: str  # the sheet page, anchored at the row (`#row-<index>`) or the funds
    params: dict = field(default_factory=dict)  # the finding's, to mark what it quotes


def report_sheets(user, filters: Filters) -> QuerySet[Sheet]:
    """The sheets of the year in the user's scope, narrowed by department, unit and state."""
    sheets = scope_sheets(user).filter(year=filters.year)
    if filters.department_id:
        sheets = sheets.filter(project__unit__department_id=filters.department_id)
    if filters.unit_id:
        sheets = sheets.filter(project__unit_id=filters.unit_id)
    if filters.state:
        sheets = sheets.filter(status=filters.state)
    return sheets


def _joined(user, filters: Filters, codes: list[str]) -> QuerySet[Sheet]:
    """The sheets joined to their stored findings of these kinds: one row a finding. The join
    goes from the sheets, so the database walks the year's sheets in their sort order (the
    index `sheet_list_order`) and reads each one's findings by its key: a page costs the same
    at any number of sheets."""
    return report_sheets(user, filters).filter(stored_findings__code__in=codes)


def _codes(filters: Filters) -> list[str]:
    codes = [str(code) for code in REPORT_CODES]
    if filters.kind:
        return [filters.kind] if filters.kind in codes else []
    return codes


def report_findings(user, filters: Filters) -> QuerySet:
    """The ids of the report's findings, grouped by unit (the sheets' sort key: department,
    unit, project), each sheet's funds first, then row by row, then in the engine's order."""
    if filters.year is None:
        return SheetFinding.objects.none().values_list("pk", flat=True)
    # The sheets' sort key. Over a whole province or bureau PostgreSQL walks its index
    # (`sheet_list_order`) and stops after a page; for one department or unit, whose sheets
    # may lie anywhere in that index, the same key as an expression makes it take just their
    # sheets (an index probe through units and projects) and sort those.
    key = F("list_key")
    narrow = filters.department_id or filters.unit_id
    if narrow or reviewer_department(user) is not None or filler_unit(user) is not None:
        key = Concat(F("list_key"), Value(""), output_field=CharField())
    return (
        _joined(user, filters, _codes(filters))
        .order_by(
            key,
            "pk",
            F("stored_findings__row").asc(nulls_first=True),
            "stored_findings__position",
        )
        .values_list("stored_findings__id", flat=True)
    )


@dataclass(frozen=True)
class KindCount:
    code: str
    label: str
    count: int
    more: bool  # there are more than `count` (counting stops at COUNT_CAP)


def kind_counts(user, filters: Filters) -> list[KindCount]:
    """How many lines of each kind, the kind filter aside. Without a state filter: exact, from
    the findings counted per unit and year (`UnitYearFinding`, kept with the stored figures),
    one grouped query over at most a row a unit and kind. With one: each kind counted from
    the findings up to COUNT_CAP (a query a kind, each reading at most COUNT_CAP + 1)."""
    if filters.year is not None and not filters.state:
        units = scope_units(user)
        if filters.department_id:
            units = units.filter(department_id=filters.department_id)
        if filters.unit_id:
            units = units.filter(pk=filters.unit_id)
        found = dict(
            UnitYearFinding.objects.filter(
                year=filters.year, unit__in=units, code__in=[str(c) for c in REPORT_CODES]
            )
            .order_by()
            .values("code")
            .annotate(n=Sum("count"))
            .values_list("code", "n")
        )
        return [
            KindCount(str(code), str(KIND_NAMES[code]), found.get(str(code), 0), False)
            for code in REPORT_CODES
        ]
    counts = []
    for code in REPORT_CODES:
        found = 0
        if filters.year is not None:
            ids = _joined(user, filters, [str(code)]).values("stored_findings__id")
            found = ids.order_by()[: COUNT_CAP + 1].count()
        counts.append(
            KindCount(str(code), str(KIND_NAMES[code]), min(found, COUNT_CAP), found > COUNT_CAP)
        )
    return counts


def findings_by_id(ids: Iterable[int]) -> list[SheetFinding]:
    """The findings of these ids, in that order, each with its sheet, project, unit and
    department (one query)."""
    ids = list(ids)
    loaded = (
        SheetFinding.objects.filter(pk__in=ids)
        .select_related("sheet__project__unit__department")
        .order_by()
    )
    by_id = {f.pk: f for f in loaded}
    return [by_id[pk] for pk in ids if pk in by_id]


def lines_of(ids: Iterable[int]) -> list[Line]:
    """The findings of these ids as report lines: the findings with their sheets in one query,
    their rows' names in one more (the rows of these sheets, in the order the engine numbered
    them)."""
    findings = findings_by_id(ids)
    if not findings:
        return []
    names: dict[int, list[str]] = {}
    rows = (
        Indicator.objects.filter(sheet_id__in={f.sheet_id for f in findings if f.row is not None})
        .order_by("sheet_id", "position")
        .values_list("sheet_id", "name")
    )
    for sheet_id, name in rows:
        names.setdefault(sheet_id, []).append(name)
    return [_line(f, f.sheet, names.get(f.sheet_id, [])) for f in findings]


def iter_lines(ids: QuerySet) -> Iterator[Line]:
    """Every line of the report, CHUNK findings at a time (two queries a chunk)."""
    chunk: list[int] = []
    for pk in ids.iterator(chunk_size=CHUNK):
        chunk.append(pk)
        if len(chunk) == CHUNK:
            yield from lines_of(chunk)
            chunk = []
    yield from lines_of(chunk)


def _line(stored: SheetFinding, sheet: Sheet, names: list[str]) -> Line:
    code = Code(stored.code)
    severity = Severity(stored.severity)
    finding = Finding(
        code,
        stored.row,
        stored.field or None,
        dict(stored.params),
        severity if severity != code.severity else None,
    )
    unit, department = sheet.project.unit, sheet.project.unit.department
    row = stored.row
    if row is not None:
        anchor = f"#row-{row}"
    elif stored.field.startswith("funds."):
        anchor = "#funds"
    else:
        anchor = ""
    return Line(
        department=department.name,
        unit=unit.name,
        project=sheet.project.name,
        sheet_id=sheet.pk,
        year=sheet.year,
        state=sheet.status,
        state_label=str(sheet.get_status_display()),
        code=stored.code,
        kind_label=str(KIND_NAMES.get(code, code)),
        severity=stored.severity,
        severity_label=str(SEVERITY_NAMES[severity]),
        row_number=None if row is None else row + 1,
        row_name=names[row] if row is not None and row < len(names) else "",
        message=finding_message(finding, wording=_wording(finding, sheet.amount_unit)),
        url=sheet.get_absolute_url() + anchor,
        params=dict(finding.params),
    )


def _wording(finding: Finding, unit: str) -> dict:
    """The sheet's amount unit, and the amounts a sentence names shown in it."""
    wording = {"amount_unit": str(Sheet.AmountUnit(unit).label)}
    for name in _AMOUNT_PARAMS.get(finding.code, ()):
        try:
            wording[name] = amount(in_unit(Decimal(finding.params[name]), unit))
        except (KeyError, InvalidOperation):
            continue
    return wording
