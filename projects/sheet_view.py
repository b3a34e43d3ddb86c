"""The one view-model of a sheet: plain frozen dataclasses with every figure already computed.

The HTML page, the PDF and the Excel writer all lay out a `SheetView`; none of them computes a
figure. Numbers are kept as `Decimal` (for Excel cells) beside their printed strings (for HTML
and PDF), and every computed figure carries the sentence that explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from indicators import scoring
from indicators.messages import SEVERITY_NAMES, finding_message
from indicators.models import Indicator, RuleSet

from .models import BudgetLine, Sheet

# The official sheet's row labels, kept on the model's choices.
FUNDS_LABELS = dict(BudgetLine.Kind.choices)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def num(value: Decimal | None) -> str:
    """A score or rate as printed: two decimals, no grouping; empty when there is none."""
    if value is None:
        return ""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_DOWN))


def amount(value: Decimal | None) -> str:
    """An amount in 万元 as printed: two decimals with thousands separators (1,087.50)."""
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_DOWN):,}"


@dataclass(frozen=True)
class FindingView:
    severity: str
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


@dataclass(frozen=True)
class FundsRowView:
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

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def severity(self) -> str:
        if not self.findings:
            return ""
        return min(self.findings, key=lambda f: SEVERITY_ORDER[f.severity]).severity


@dataclass(frozen=True)
class SheetView:
    id: int
    year: int
    title: str
    project: str
    department: str
    unit: str
    status: str
    status_label: str
    version: int
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
    grade: str
    grade_explanation: str
    findings: tuple[FindingView, ...]
    sheet_findings: tuple[FindingView, ...]

    @property
    def errors(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def plain_rows(self) -> list[tuple[RowView, None]]:
        """Rows with nothing beside them (the PDF, the paste preview)."""
        return [(row, None) for row in self.rows]

    @property
    def plain_funds(self) -> list[tuple[FundsRowView, None]]:
        return [(row, None) for row in self.funds]

    @property
    def infos(self) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.severity == "info")


def _finding_view(f: scoring.Finding) -> FindingView:
    return FindingView(
        severity=f.severity,
        severity_label=str(SEVERITY_NAMES[f.severity]),
        code=f.code,
        message=finding_message(f),
        row=f.row,
        field=f.field,
        params=dict(f.params),
    )


def explain_suggestion(row: scoring.RowResult, weight: Decimal | None) -> str:
    s = row.suggestion
    if s is None or weight is None:
        return ""
    target, actual = row.target, row.actual
    values = {
        "actual": num(actual.number),
        "target": num(target.number),
        "op": target.operator.value if target.operator else "",
        "weight": num(weight),
        "value": num(s.value),
    }
    if s.rule == "met":
        return _("实际完成 %(actual)s，达到目标 %(op)s%(target)s，建议得满分 %(value)s") % values
    if s.rule == "ratio":
        return (
            _("%(actual)s ÷ %(target)s × %(weight)s = %(value)s（未达到目标，按完成比例）") % values
        )
    if s.rule == "inverse_ratio":
        return _("%(target)s ÷ %(actual)s × %(weight)s = %(value)s（超出上限，按比例）") % values
    if s.rule == "all_or_nothing":
        return _("目标 %(op)s%(target)s 未达成，建议得 0") % values
    return _("目标 %(op)s%(target)s 未达成且无法按比例计算，建议得 0") % values


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


@dataclass(frozen=True)
class SheetData:
    """What a view-model is built from: a saved sheet, or one being typed or pasted."""

    input: scoring.SheetInput
    year: int
    goal_expected: str = ""
    goal_achieved: str = ""
    id: int | None = None
    status: str = Sheet.Status.DRAFT
    status_label: str = ""
    version: int = 0


def sheet_data(sheet: Sheet) -> SheetData:
    return SheetData(
        input=sheet.to_input(),
        year=sheet.year,
        goal_expected=sheet.goal_expected,
        goal_achieved=sheet.goal_achieved,
        id=sheet.pk,
        status=sheet.status,
        status_label=sheet.get_status_display(),
        version=sheet.version,
    )


def build_sheet_view(sheet: Sheet, rules: RuleSet | None = None) -> SheetView:
    """The view-model of a saved sheet; expects rows and budget lines prefetched
    (`sheet_queryset()` does that)."""
    return build_view(sheet_data(sheet), rules or RuleSet.for_year(sheet.year))


def build_view(data: SheetData, rules: RuleSet) -> SheetView:
    """Evaluate a sheet once and lay out every figure."""
    result = scoring.evaluate(data.input, rules.to_params())
    findings = tuple(
        sorted(
            (_finding_view(f) for f in result.findings),
            key=lambda f: (SEVERITY_ORDER[f.severity], -1 if f.row is None else f.row),
        )
    )

    funds = []
    fr = result.funds
    for key in scoring.FUNDS_ROWS:
        row = fr.rows[key]
        is_total = key == "total"
        if row.rate is None:
            rate_explanation = _("全年预算数为 0 或未填，无法计算执行率")
        elif not row.annual:
            rate_explanation = _("全年预算数为 0，执行率记 0.00")
        else:
            rate_explanation = _("%(executed)s ÷ %(annual)s = %(rate)s%%") % {
                "executed": amount(row.executed or Decimal(0)),
                "annual": amount(row.annual),
                "rate": num(row.rate),
            }
        score_explanation = ""
        if is_total:
            if fr.rate is None:
                score_explanation = _("无执行率，预算执行得分记 0")
            else:
                score_explanation = _(
                    "%(weight)s × %(rate)s%% = %(score)s（不超过分值；两位小数，%(rounding)s）"
                ) % {
                    "weight": num(fr.weight),
                    "rate": num(fr.rate),
                    "score": num(fr.score),
                    "rounding": rules.get_rounding_display(),
                }
        funds.append(
            FundsRowView(
                key=key,
                label=FUNDS_LABELS[key],
                initial=row.initial,
                annual=row.annual,
                executed=row.executed,
                rate=row.rate,
                initial_text=amount(row.initial),
                annual_text=amount(row.annual),
                executed_text=amount(row.executed),
                rate_text=num(row.rate),
                rate_explanation=rate_explanation,
                weight_text=num(fr.weight) if is_total else "-",
                score_text=num(fr.score) if is_total else "-",
                score_explanation=score_explanation,
                is_total=is_total,
            )
        )

    items = data.input.indicators
    levels = [(i.level1, i.level2) for i in items]
    span1, span2 = _group_spans(levels)
    rows = []
    for idx, (item, computed) in enumerate(zip(items, result.rows, strict=True)):
        suggestion = computed.suggestion
        rows.append(
            RowView(
                index=idx,
                level1=levels[idx][0],
                level2=levels[idx][1],
                level1_span=span1[idx],
                level2_span=span2[idx],
                name=item.name,
                target=computed.target.display,
                actual=computed.actual.display,
                weight=item.weight,
                score=item.score,
                weight_text=num(item.weight),
                score_text=num(item.score),
                reason=item.reason,
                applicable=computed.applicable,
                suggested=suggestion.value if suggestion else None,
                suggested_text=num(suggestion.value) if suggestion else "",
                suggestion_explanation=explain_suggestion(computed, item.weight),
                findings=tuple(f for f in findings if f.row == idx),
            )
        )

    if result.rescaled:
        total_explanation = _(
            "有不适用指标：%(raw)s ÷ %(weight)s × 100 = %(total)s（按适用指标分值折算）"
        ) % {
            "raw": num(result.raw_score),
            "weight": num(result.applicable_weight),
            "total": num(result.total),
        }
    else:
        total_explanation = _("预算执行得分 %(budget)s + 各指标得分 %(indicators)s = %(total)s") % {
            "budget": num(fr.score),
            "indicators": num(result.raw_score - fr.score),
            "total": num(result.total),
        }
    grade_explanation = _(
        "总分 %(total)s → %(grade)s（优 ≥ %(excellent)s，良 ≥ %(good)s，中 ≥ %(pass)s，其余为差）"
    ) % {
        "total": num(result.total),
        "grade": result.grade,
        "excellent": num(rules.grade_excellent),
        "good": num(rules.grade_good),
        "pass": num(rules.grade_pass),
    }
    return SheetView(
        id=data.id,
        year=data.year,
        title=f"{rules.title}（{data.year}年度）",
        project=data.input.project,
        department=data.input.department,
        unit=data.input.unit,
        status=data.status,
        status_label=data.status_label or Sheet.Status(data.status).label,
        version=data.version,
        funds=tuple(funds),
        budget_weight=fr.weight,
        budget_score=fr.score,
        goal_expected=data.goal_expected,
        goal_achieved=data.goal_achieved,
        rows=tuple(rows),
        weight_total=result.weight_total,
        weight_total_text=num(result.weight_total),
        total=result.total,
        total_text=num(result.total),
        raw_score=result.raw_score,
        raw_score_text=num(result.raw_score),
        rescaled=result.rescaled,
        total_explanation=total_explanation,
        grade=result.grade,
        grade_explanation=grade_explanation,
        findings=findings,
        sheet_findings=tuple(f for f in findings if f.row is None),
    )


def sheet_queryset():
    """Sheets with everything a view-model needs, in a fixed number of queries."""
    rows = Indicator.objects.select_related("level1", "level2").order_by("position")
    return Sheet.objects.select_related("project__unit__department").prefetch_related(
        "budget_lines", Prefetch("indicators", queryset=rows)
    )
