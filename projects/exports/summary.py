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

from django.db.models import QuerySet

from indicators.models import RuleSet
from indicators.numbers import two, wan
from indicators.scoring import Grade
from projects import figures
from projects.models import Sheet
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


def _with_figures(sheets) -> list[Sheet]:
    """The sheets in their order, each with its stored figures and unit, in one query: a
    queryset is re-read without its rows; a list is read again by id."""
    if isinstance(sheets, QuerySet):
        return list(sheets.select_related("project__unit", "figures").prefetch_related(None))
    order = [sheet.pk for sheet in sheets]
    by_id = Sheet.objects.select_related("project__unit", "figures").in_bulk(order)
    return [by_id[pk] for pk in order]


def build_summary(sheets) -> SummaryView:
    """The sheets' rows, in display order, from their stored figures (`projects.figures`).

    The total row sums the amounts, takes the overall rate Σ执行数 ÷ Σ全年预算数, and averages
    the indicator scores and totals; each figure is rounded with the first sheet's rule set.
    The page lists every row, so the totals are summed from the rows already read: exact
    Decimal sums (SQLite would add decimals as floating point), no further query."""
    rows = []
    first_rule_set: int | None = None
    for i, sheet in enumerate(_with_figures(sheets)):
        stored = figures.of(sheet)  # amounts: stored 万元, as every row here
        if i == 0:
            first_rule_set = stored.rule_set_id
        rows.append(
            SummaryRow(
                sheet_id=sheet.pk,
                year=sheet.year,
                unit=sheet.project.unit.name,
                project=sheet.project.name,
                annual=stored.annual,
                executed=stored.executed,
                rate=stored.rate,
                indicator_score=stored.raw_score - stored.budget_score,
                total=stored.total,
                grade=Grade(stored.grade),
                status=sheet.status,
                status_label=sheet.get_status_display(),
            )
        )
    first = RuleSet.objects.filter(pk=first_rule_set).first() if first_rule_set else None
    params = (first or RuleSet(year=0)).to_params()
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
