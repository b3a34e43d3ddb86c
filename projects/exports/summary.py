"""The summary table (汇总表): one row per sheet, and a total row, computed once for the HTML
page and the Excel file alike.

Amounts are added across sheets only in 万元, the unit they are stored in, whatever unit each
sheet prints (a sheet printed in 元 must never inflate a total 10 000-fold): every amount here
is a stored 万元 amount, and the totals are exact sums of them. The page prints them with two
decimals rounded half up (`numbers.wan`: 387,664.62 元 → 38.77); the workbook holds the exact
values under a two-decimal format, which Excel shows the same way."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indicators.models import RuleSet
from indicators.numbers import two, wan
from indicators.scoring import Grade
from projects.models import rule_set_for
from projects.workflow import Status

ZERO = Decimal("0")


@dataclass(frozen=True)
class SummaryRow:
    sheet_id: int
    year: int
    unit: str
    project: str
    annual: Decimal | None
    executed: Decimal | None
    rate: Decimal | None
    indicator_score: Decimal
    total: Decimal
    grade: str
    status: str
    status_label: str

    @property
    def annual_text(self) -> str:
        return wan(self.annual)

    @property
    def executed_text(self) -> str:
        return wan(self.executed)

    @property
    def rate_text(self) -> str:
        return two(self.rate)

    @property
    def indicator_score_text(self) -> str:
        return two(self.indicator_score)

    @property
    def total_text(self) -> str:
        return two(self.total)


@dataclass(frozen=True)
class SummaryView:
    rows: tuple[SummaryRow, ...]
    annual: Decimal
    executed: Decimal
    rate: Decimal | None
    average_indicator_score: Decimal | None
    average_total: Decimal | None
    grade_counts: tuple[tuple[str, int], ...]
    status_counts: tuple[tuple[str, int], ...]

    @property
    def annual_text(self) -> str:
        return wan(self.annual)

    @property
    def executed_text(self) -> str:
        return wan(self.executed)

    @property
    def rate_text(self) -> str:
        return two(self.rate)

    @property
    def average_indicator_score_text(self) -> str:
        return two(self.average_indicator_score)

    @property
    def average_total_text(self) -> str:
        return two(self.average_total)


def build_summary(sheets) -> SummaryView:
    """Sheets with budget lines and rows prefetched (`sheet_queryset()`), in display order.

    The total row sums the amounts, takes the overall rate Σ执行数 ÷ Σ全年预算数, and averages
    the indicator scores and totals; each figure is rounded with the first sheet's rule set."""
    rule_sets: dict = {}
    rows = []
    for sheet in sheets:
        result = sheet.evaluate(rule_set_for(sheet, cache=rule_sets))
        total_line = result.funds.rows["total"]  # stored 万元, as every row here
        rows.append(
            SummaryRow(
                sheet_id=sheet.pk,
                year=sheet.year,
                unit=sheet.project.unit.name,
                project=sheet.project.name,
                annual=total_line.annual,
                executed=total_line.executed,
                rate=total_line.rate,
                indicator_score=result.raw_score - result.funds.score,
                total=result.total,
                grade=result.grade,
                status=sheet.status,
                status_label=sheet.get_status_display(),
            )
        )
    first = next(iter(rule_sets.values()), None) or RuleSet(year=0)
    params = first.to_params()
    annual = sum((r.annual or ZERO for r in rows), ZERO)
    executed = sum((r.executed or ZERO for r in rows), ZERO)
    count = len(rows)
    return SummaryView(
        rows=tuple(rows),
        annual=annual,
        executed=executed,
        rate=params.round(executed * 100 / annual) if annual else None,
        average_indicator_score=(
            params.round(sum((r.indicator_score for r in rows), ZERO) / count) if count else None
        ),
        average_total=params.round(sum((r.total for r in rows), ZERO) / count) if count else None,
        grade_counts=tuple((grade, sum(1 for r in rows if r.grade == grade)) for grade in Grade),
        status_counts=tuple(
            (label, sum(1 for r in rows if r.status == value)) for value, label in Status.choices
        ),
    )
