"""The one view-model of a sheet: plain frozen dataclasses with every figure already computed.

The HTML page, the PDF, the Excel writer and the JSON form all lay out a `SheetView`; none of
them computes a figure. Numbers are kept as `Decimal` (for Excel cells and JSON) beside their
printed strings (for HTML and PDF), and every computed figure carries the sentence that
explains it. Each row carries its database id, so whatever stands beside a row (comments,
evidence, changes) is matched by id, never by position.

Amounts are stored in 万元; a sheet prints them in its own unit (`Sheet.amount_unit`, 万元 or
元), so the view's amounts, their texts, the funds label and the findings that name an amount
are all in that unit. Nothing adds one sheet's view amounts to another's: across sheets, only
stored 万元 (the summary).

This is the sheets room's selector that the review and export rooms may import
(docs/architecture.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from indicators import scoring
from indicators.findings import Code, Finding, Severity
from indicators.messages import SEVERITY_NAMES, finding_message, grade_name
from indicators.models import RuleSet
from indicators.numbers import WAN, amount, figure, in_unit, two
from indicators.scoring import Grade, SuggestionRule
from projects import official
from projects.models import Sheet, rule_set_for
from projects.workflow import Status


@dataclass(frozen=True)
class FindingView:
    severity: Severity
    severity_label: str
    code: str
    message: str
    row: int | None
    field: str | None
    params: dict

    @property
    def row_number(self) -> int | None:
        """The row's number as the page shows it, counting from 1."""
        return None if self.row is None else self.row + 1

    @property
    def anchor(self) -> str:
        if self.row is not None:
            return f"row-{self.row}"
        if self.field and self.field.startswith("funds."):
            return "funds"
        if self.field and self.field.startswith("header."):
            return "header"
        return "totals"

    @property
    def is_hint(self) -> bool:
        return self.severity == Severity.INFO

    @property
    def is_unfilled(self) -> bool:
        """A row's 缺少实际完成值 or 缺少得分: what a sheet not yet filled has on every row."""
        return (
            self.code == Code.VALUE_MISSING
            and self.row is not None
            and self.field in UNFILLED_FIELDS
        )


# The row fields a sheet just copied or started has empty on every row.
UNFILLED_FIELDS = ("actual", "score")


@dataclass(frozen=True)
class FundsRowView:
    """One row of the funds block; amounts in the sheet's printed unit (万元 or 元)."""

    key: str
    label: str
    initial: Decimal | None
    annual: Decimal | None
    executed: Decimal | None
    rate: Decimal | None
    initial_text: str
    annual_text: str
    executed_text: str
    rate_text: str
    rate_explanation: str
    # Only the 年度资金总额 row has 分值 and 得分; the sub-rows print "-".
    weight_text: str
    score_text: str
    score_explanation: str
    is_total: bool


@dataclass(frozen=True)
class RowView:
    index: int
    # The stored row's id; None for a row not saved yet (a paste preview, a new editor row).
    row_id: int | None
    level1: str
    level2: str
    # Row spans of the level cells, 0 where the cell is covered by a span above.
    level1_span: int
    level2_span: int
    name: str
    target: str
    actual: str
    weight: Decimal | None
    score: Decimal | None
    weight_text: str
    score_text: str
    reason: str
    applicable: bool
    suggested: Decimal | None
    suggested_text: str
    suggestion_explanation: str
    findings: tuple[FindingView, ...]
    # The sheet is not yet filled (`SheetView.not_yet_filled`): the row's 缺少实际完成值/得分
    # findings are folded into the sheet's one line, and its notes leave them out.
    folded: bool = False
    # What the editor's row holds that cannot be read (`projects.sheets.forms.unreadable`),
    # shown in its computed cell as the save words it under the field.
    unreadable: tuple[str, ...] = ()

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def notes(self) -> tuple[FindingView, ...]:
        """The findings shown beside the row: all of them, less the folded ones."""
        if not self.folded:
            return self.findings
        return tuple(f for f in self.findings if not f.is_unfilled)

    @property
    def severity(self) -> str:
        if not self.findings:
            return ""
        return min(self.findings, key=lambda f: f.severity.rank).severity


@dataclass(frozen=True)
class SheetView:
    id: int | None
    year: int
    title: str
    project: str
    department: str
    unit: str
    status: str
    status_label: str
    version: int
    # The unit the amounts print in: "wan" (万元) or "yuan" (元), its word, and the funds
    # block's label on two lines (项目资金 / （元）).
    amount_unit: str
    amount_unit_label: str
    funds_lines: tuple[str, str]
    funds: tuple[FundsRowView, ...]
    budget_weight: Decimal
    budget_score: Decimal
    goal_expected: str
    goal_achieved: str
    rows: tuple[RowView, ...]
    weight_total: Decimal
    weight_total_text: str
    total: Decimal
    total_text: str
    raw_score: Decimal
    raw_score_text: str
    rescaled: bool
    total_explanation: str
    grade: Grade
    grade_explanation: str
    findings: tuple[FindingView, ...]
    sheet_findings: tuple[FindingView, ...]
    # Decimal places the rule set prints figures with (2, or 0 for whole points).
    places: int = 2
    # How many rows a sheet has when no row has an actual or a score yet (a fresh copy of last
    # year's, a new empty sheet with rows), else 0. Their per-row 缺少实际完成值/缺少得分
    # findings still stand (`findings`, `errors`: they block submission); the pages show
    # `shown_findings` and one line 尚未填报 instead.
    not_yet_filled: int = 0

    @property
    def shown_findings(self) -> tuple[FindingView, ...]:
        """The findings a page lists: all, less the per-row ones `not_yet_filled` folds."""
        if not self.not_yet_filled:
            return self.findings
        return tuple(f for f in self.findings if not f.is_unfilled)

    @property
    def shown_errors(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.shown_findings if f.severity == Severity.ERROR)

    @property
    def shown_warnings(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.shown_findings if f.severity == Severity.WARNING)

    @property
    def stale_goal_year(self) -> int | None:
        """The year before the sheet's, when its 预期目标 still names it ("2023年" or
        "2023 年"), as a goal copied with last year's sheet does; else None. The pages warn
        only when the project has last year's sheet (where a copy comes from)."""
        year = self.year - 1
        if re.search(rf"(?<!\d){year}[ \u3000]?年", self.goal_expected or ""):
            return year
        return None

    @property
    def errors(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.WARNING)

    @property
    def infos(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.INFO)

    @property
    def plain_rows(self) -> list[tuple[RowView, None]]:
        """Rows with nothing beside them (the PDF, the paste preview)."""
        return [(row, None) for row in self.rows]

    @property
    def plain_funds(self) -> list[tuple[FundsRowView, None]]:
        return [(row, None) for row in self.funds]


@dataclass(frozen=True)
class SheetData:
    """What a view-model is built from: a saved sheet, or one being typed or pasted."""

    input: scoring.SheetInput
    year: int
    goal_expected: str = ""
    goal_achieved: str = ""
    id: int | None = None
    status: str = Status.DRAFT
    status_label: str = ""
    version: int = 0
    # The stored id of each indicator row, in order; None for rows not saved (yet).
    row_ids: tuple[int | None, ...] = ()
    # The unit the sheet prints its amounts in (Sheet.AmountUnit); the input is in 万元.
    amount_unit: str = WAN


def sheet_data(sheet: Sheet) -> SheetData:
    """A saved sheet as view-model input (uses its prefetched rows and budget lines)."""
    return SheetData(
        input=sheet.to_input(),
        year=sheet.year,
        goal_expected=sheet.goal_expected,
        goal_achieved=sheet.goal_achieved,
        id=sheet.pk,
        status=sheet.status,
        status_label=sheet.get_status_display(),
        version=sheet.version,
        row_ids=tuple(row.pk for row in sheet.indicators.all()),
        amount_unit=sheet.amount_unit,
    )


def build_sheet_view(sheet: Sheet, rule_set: RuleSet | None = None) -> SheetView:
    """The view-model of a saved sheet, scored by its rule set (`rule_set_for`); expects rows
    and budget lines prefetched (`projects.sheets.selectors.sheet_queryset` does that)."""
    return build_view(sheet_data(sheet), rule_set or rule_set_for(sheet))


def build_view(data: SheetData, rule_set: RuleSet) -> SheetView:
    """Evaluate a sheet once and lay out every figure."""
    result = scoring.evaluate(data.input, rule_set.to_params())
    unit = data.amount_unit
    findings = _finding_views(result.findings, data.input.funds, unit)
    unfilled = _not_yet_filled(data.input.indicators)
    fr = result.funds
    places = rule_set.decimal_places
    return SheetView(
        id=data.id,
        year=data.year,
        title=official.title(rule_set.title, data.year),
        project=data.input.project,
        department=data.input.department,
        unit=data.input.unit,
        status=data.status,
        status_label=data.status_label or Status(data.status).label,
        version=data.version,
        amount_unit=unit,
        amount_unit_label=unit_word(unit),
        funds_lines=official.funds_lines(unit),
        funds=_funds_rows(fr, rule_set, unit),
        budget_weight=fr.weight,
        budget_score=fr.score,
        goal_expected=data.goal_expected,
        goal_achieved=data.goal_achieved,
        rows=_indicator_rows(data, result, findings, places, folded=bool(unfilled)),
        weight_total=result.weight_total,
        weight_total_text=figure(result.weight_total, places),
        total=result.total,
        total_text=figure(result.total, places),
        raw_score=result.raw_score,
        raw_score_text=figure(result.raw_score, places),
        rescaled=result.rescaled,
        total_explanation=_explain_total(result),
        grade=result.grade,
        grade_explanation=_explain_grade(result, rule_set),
        findings=findings,
        sheet_findings=tuple(f for f in findings if f.row is None),
        places=places,
        not_yet_filled=unfilled,
    )


# -- the steps of build_view ---------------------------------------------------------------


def _not_yet_filled(items: tuple[scoring.IndicatorInput, ...]) -> int:
    """The number of rows when none has an actual or a score, else 0."""
    if any(item.actual.strip() or item.score is not None for item in items):
        return 0
    return len(items)


def unit_word(unit: str) -> str:
    """万元 or 元, in the active language."""
    return str(Sheet.AmountUnit(unit).label)


def _finding_views(
    findings: tuple[Finding, ...], funds: dict[str, scoring.FundsLine], unit: str
) -> tuple[FindingView, ...]:
    """Findings worded in the active language: errors first, whole-sheet ones before rows.
    The engine's params stay as it gave them (amounts in 万元); the sentence names amounts in
    the sheet's unit."""
    views = (
        FindingView(
            severity=f.severity,
            severity_label=str(SEVERITY_NAMES[f.severity]),
            code=f.code,
            message=finding_message(f, wording=_amount_wording(f, funds, unit)),
            row=f.row,
            field=f.field,
            params=dict(f.params),
        )
        for f in findings
    )
    return tuple(sorted(views, key=lambda f: (f.severity.rank, -1 if f.row is None else f.row)))


# The findings whose sentence names an amount (the engine passes them in 万元, two decimals).
AMOUNT_FINDINGS = (Code.FUNDS_NOT_ADDING_UP, Code.AMOUNT_MAGNITUDE, Code.AMOUNT_OUT_OF_RANGE)


def _amount_wording(finding: Finding, funds: dict[str, scoring.FundsLine], unit: str) -> dict:
    """The amounts a finding's sentence names, in the sheet's unit and exact (from the amounts
    the engine read, not its two-decimal 万元 params), with the unit's word."""
    wording = {"amount_unit": unit_word(unit)}
    if finding.code not in AMOUNT_FINDINGS:
        return wording
    column = (finding.field or "").rpartition(".")[2]
    if column not in scoring.FUNDS_COLUMNS:
        return wording
    total = funds.get("total", scoring.FundsLine())

    def shown(value: Decimal | None) -> str:
        return amount(in_unit(value, unit))

    wording["total"] = wording["amount"] = shown(total.get(column))
    if finding.code == Code.FUNDS_NOT_ADDING_UP:
        parts = (funds.get(k, scoring.FundsLine()).get(column) for k in scoring.FUNDS_SOURCES)
        wording["sum"] = shown(sum((v or Decimal(0) for v in parts), Decimal(0)))
    elif finding.code == Code.AMOUNT_MAGNITUDE:
        budgets = [v for v in (total.initial, total.annual) if v is not None and v > 0]
        wording["reference"] = shown(max(budgets)) if budgets else ""
    elif "limit" in finding.params:
        wording["limit"] = shown(Decimal(finding.params["limit"]))
    return wording


def _funds_rows(fr: scoring.FundsResult, rule_set: RuleSet, unit: str) -> tuple[FundsRowView, ...]:
    """The four rows of the 项目资金 block, amounts in the sheet's unit; 分值 and 得分 on the
    年度资金总额 row only."""
    rows = []
    for key in scoring.FUNDS_ROWS:
        row = fr.rows[key]
        is_total = key == "total"
        initial, annual, executed = (
            in_unit(v, unit) for v in (row.initial, row.annual, row.executed)
        )
        rows.append(
            FundsRowView(
                key=key,
                label=official.FUNDS_ROWS[key],
                initial=initial,
                annual=annual,
                executed=executed,
                rate=row.rate,
                initial_text=amount(initial),
                annual_text=amount(annual),
                executed_text=amount(executed),
                rate_text=figure(row.rate, rule_set.decimal_places),
                rate_explanation=_explain_rate(row, unit, rule_set),
                weight_text=figure(fr.weight, rule_set.decimal_places) if is_total else "-",
                score_text=figure(fr.score, rule_set.decimal_places) if is_total else "-",
                score_explanation=_explain_budget_score(fr, rule_set) if is_total else "",
                is_total=is_total,
            )
        )
    return tuple(rows)


def _indicator_rows(
    data: SheetData,
    result: scoring.SheetResult,
    findings: tuple[FindingView, ...],
    places: int = 2,
    *,
    folded: bool = False,
) -> tuple[RowView, ...]:
    """The indicator rows with their level cells spanned and their own findings beside them."""
    items = data.input.indicators
    levels = [(i.level1, i.level2) for i in items]
    span1, span2 = _group_spans(levels)
    row_ids = data.row_ids or (None,) * len(items)
    rows = []
    for idx, (item, computed) in enumerate(zip(items, result.rows, strict=True)):
        suggestion = computed.suggestion
        rows.append(
            RowView(
                index=idx,
                row_id=row_ids[idx],
                level1=levels[idx][0],
                level2=levels[idx][1],
                level1_span=span1[idx],
                level2_span=span2[idx],
                name=item.name,
                target=computed.target.display,
                actual=computed.actual.display,
                weight=item.weight,
                score=item.score,
                weight_text=figure(item.weight, places),
                score_text=figure(item.score, places),
                reason=item.reason,
                applicable=computed.applicable,
                suggested=suggestion.value if suggestion else None,
                suggested_text=figure(suggestion.value, places) if suggestion else "",
                suggestion_explanation=explain_suggestion(computed, item.weight),
                findings=tuple(f for f in findings if f.row == idx),
                folded=folded,
            )
        )
    return tuple(rows)


def _group_spans(items: list[tuple[str, str]]) -> tuple[list[int], list[int]]:
    """Row spans for consecutive equal level-1 names, and level-2 names within them."""
    n = len(items)
    span1, span2 = [0] * n, [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and items[j][0] == items[i][0]:
            j += 1
        span1[i] = j - i
        k = i
        while k < j:
            m = k
            while m < j and items[m][1] == items[k][1]:
                m += 1
            span2[k] = m - k
            k = m
        i = j
    return span1, span2


# -- explanations: each computed figure says how it was reached ----------------------------


def _explain_rate(row: scoring.FundsRowResult, unit: str, rule_set: RuleSet) -> str:
    """执行数 ÷ the rule set's denominator (全年预算数, or 年初预算数), amounts in the sheet's
    unit."""
    if rule_set.rate_denominator == RuleSet.Denominator.INITIAL:
        budget = row.initial
        missing, zero = (
            _("年初预算数为 0 或未填，无法计算执行率"),
            _("年初预算数为 0，执行率记 0.00"),
        )
    else:
        budget = row.annual
        missing, zero = (
            _("全年预算数为 0 或未填，无法计算执行率"),
            _("全年预算数为 0，执行率记 0.00"),
        )
    if row.rate is None:
        return missing
    if not budget:
        return zero
    return _("%(executed)s ÷ %(annual)s = %(rate)s%%") % {
        "executed": amount(in_unit(row.executed or Decimal(0), unit)),
        "annual": amount(in_unit(budget, unit)),
        "rate": two(row.rate),
    }


def _explain_budget_score(fr: scoring.FundsResult, rule_set: RuleSet) -> str:
    if fr.rate is None:
        return _("无执行率，预算执行得分记 0")
    if not fr.plausible:
        return _("资金金额不合理（见错误提示），预算执行得分记 0")
    return _("%(weight)s × %(rate)s%% = %(score)s（不超过分值；两位小数，%(rounding)s）") % {
        "weight": two(fr.weight),
        "rate": two(fr.rate),
        "score": two(fr.score),
        "rounding": rule_set.get_rounding_display(),
    }


def explain_suggestion(row: scoring.RowResult, weight: Decimal | None) -> str:
    """How a quantitative row's suggested score was reached, in one sentence."""
    s = row.suggestion
    if s is None or weight is None:
        return ""
    target, actual = row.target, row.actual
    values = {
        "actual": two(actual.number),
        "target": two(target.number),
        "op": target.operator.value if target.operator else "",
        "weight": two(weight),
        "value": two(s.value),
    }
    if s.rule == SuggestionRule.MET:
        return _("实际完成 %(actual)s，达到目标 %(op)s%(target)s，建议得满分 %(value)s") % values
    if s.rule == SuggestionRule.RATIO:
        return (
            _("%(actual)s ÷ %(target)s × %(weight)s = %(value)s（未达到目标，按完成比例）") % values
        )
    if s.rule == SuggestionRule.INVERSE_RATIO:
        return _("%(target)s ÷ %(actual)s × %(weight)s = %(value)s（超出上限，按比例）") % values
    if s.rule == SuggestionRule.ALL_OR_NOTHING:
        return _("目标 %(op)s%(target)s 未达成，建议得 0") % values
    return _("目标 %(op)s%(target)s 未达成且无法按比例计算，建议得 0") % values


def _explain_total(result: scoring.SheetResult) -> str:
    if result.rescaled:
        return _("有不适用指标：%(raw)s ÷ %(weight)s × 100 = %(total)s（按适用指标分值折算）") % {
            "raw": two(result.raw_score),
            "weight": two(result.applicable_weight),
            "total": two(result.total),
        }
    return _("预算执行得分 %(budget)s + 各指标得分 %(indicators)s = %(total)s") % {
        "budget": two(result.funds.score),
        "indicators": two(result.raw_score - result.funds.score),
        "total": two(result.total),
    }


def _explain_grade(result: scoring.SheetResult, rule_set: RuleSet) -> str:
    return _(
        "总分 %(total)s → %(grade)s（优 ≥ %(excellent)s，良 ≥ %(good)s，中 ≥ %(pass)s，其余为差）"
    ) % {
        "total": two(result.total),
        "grade": grade_name(result.grade),
        "excellent": two(rule_set.grade_excellent),
        "good": two(rule_set.grade_good),
        "pass": two(rule_set.grade_pass),
    }
