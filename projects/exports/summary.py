"""The summary table (汇总表): one row per sheet, and a total row, read from each sheet's stored
figures (`projects.figures`). The workbook holds every row (`build_summary`, totals summed
from them); the page shows 100 rows a page (`summary_page`) and the total row of every sheet,
aggregated in SQL, so it costs the same queries and about the same time for 100 sheets or
10 000.

Amounts are added across sheets only in 万元, the unit they are stored in, whatever unit each
sheet prints (a sheet printed in 元 must never inflate a total 10 000-fold): every amount here
is a stored 万元 amount, and the totals are exact sums of them. The page prints them with two
decimals rounded half up (`numbers.wan`: 387,664.62 元 → 38.77); the workbook holds the exact
values under a two-decimal format, which Excel shows the same way."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import Count, DecimalField, F, Min, Q, QuerySet, Sum

from indicators.models import RuleSet
from indicators.numbers import two, wan
from indicators.scoring import Grade, RuleParams
from projects import figures
from projects.models import Sheet, UnitYearFigures
from projects.paging import KnownCount
from projects.workflow import Status

ZERO = Decimal("0")
SUMMARY_PAGE_SIZE = 100  # rows of the summary page; the workbook holds every row


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
    rule_set_id: int | None = None

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
    # The page shows one page of rows (`summary_page`): how many sheets the totals are of,
    # the rows before this page, and the page itself (None: every row, as the workbook).
    count: int = 0
    offset: int = 0
    page: Page | None = None

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
    queryset is re-read without its rows; a list read with them joined (`select_sheets`
    with `content=False`) is taken as it is; any other list is read again by id."""
    if isinstance(sheets, QuerySet):
        return list(sheets.select_related("project__unit", "figures").prefetch_related(None))
    if all(_joined(sheet) for sheet in sheets):
        return list(sheets)
    order = [sheet.pk for sheet in sheets]
    by_id = Sheet.objects.select_related("project__unit", "figures").in_bulk(order)
    return [by_id[pk] for pk in order]


def _joined(sheet: Sheet) -> bool:
    """Whether the sheet was read with its figures (or their absence) and its unit joined."""
    return (
        Sheet.figures.is_cached(sheet)
        and Sheet.project.is_cached(sheet)
        and (type(sheet.project).unit.is_cached(sheet.project))
    )


def _rows(sheets: list[Sheet]) -> list[SummaryRow]:
    rows = []
    for sheet in sheets:
        stored = figures.of(sheet)  # amounts: stored 万元, as every row here
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
                rule_set_id=stored.rule_set_id,
            )
        )
    return rows


def _params(rule_set_id: int | None) -> RuleParams:
    """The rounding of the total row: the sheets' rule set's (`_Sums.rule_set_id`)."""
    found = RuleSet.objects.filter(pk=rule_set_id).first() if rule_set_id else None
    return (found or RuleSet(year=0)).to_params()


@dataclass(frozen=True)
class _Sums:
    count: int
    annual: Decimal
    executed: Decimal
    indicator: Decimal
    total: Decimal
    grades: dict
    states: dict
    # The rule set whose rounding the total row follows: the sheets' (where a summary spans
    # several, across bureaus or versions, the oldest of them: the smallest id), the same on
    # every page and in the workbook, and read with the sums, not by a query of its own.
    rule_set_id: int | None = None


def _view(rows: list[SummaryRow], sums: _Sums, params: RuleParams, **page) -> SummaryView:
    count = sums.count
    return SummaryView(
        rows=tuple(rows),
        annual=sums.annual,
        executed=sums.executed,
        rate=params.round(sums.executed * 100 / sums.annual) if sums.annual else None,
        average_indicator_score=params.round(sums.indicator / count) if count else None,
        average_total=params.round(sums.total / count) if count else None,
        grade_counts=tuple((grade, sums.grades.get(grade, 0)) for grade in Grade),
        status_counts=tuple((label, sums.states.get(value, 0)) for value, label in Status.choices),
        count=count,
        **page,
    )


def build_summary(sheets) -> SummaryView:
    """Every sheet's row, in display order, from their stored figures (`projects.figures`),
    and the total row: the workbook's table.

    The total row sums the amounts, takes the overall rate Σ执行数 ÷ Σ全年预算数, and averages
    the indicator scores and totals; each figure is rounded as the sheets' rule set rounds
    (`_Sums.rule_set_id`). Every row is read here, so the totals are summed from them: exact
    Decimal sums."""
    rows = _rows(_with_figures(sheets))
    sums = _sums_of(rows)
    return _view(rows, sums, _params(sums.rule_set_id))


def _sums_of(rows: list[SummaryRow]) -> _Sums:
    """The total row's sums and counts from rows already read: exact Decimal sums."""
    return _Sums(
        count=len(rows),
        annual=sum((r.annual or ZERO for r in rows), ZERO),
        executed=sum((r.executed or ZERO for r in rows), ZERO),
        indicator=sum((r.indicator_score for r in rows), ZERO),
        total=sum((r.total for r in rows), ZERO),
        grades=Counter(r.grade for r in rows),
        states=Counter(r.status for r in rows),
        rule_set_id=min((r.rule_set_id for r in rows if r.rule_set_id), default=None),
    )


SUMS = DecimalField(max_digits=40, decimal_places=6)
POINTS = DecimalField(max_digits=40, decimal_places=2)


def _sql_sums(sheets: QuerySet[Sheet]) -> _Sums | None:
    """The total row's sums and counts over every sheet, in one query (PostgreSQL adds the
    numerics exactly); None when a sheet has no stored figures, whose row must be computed."""
    grades = {f"grade_{i}": Count("pk", filter=Q(figures__grade=g)) for i, g in enumerate(Grade)}
    states = {f"state_{v}": Count("pk", filter=Q(status=v)) for v in Status.values}
    found = sheets.order_by().aggregate(
        count=Count("pk"),
        stored=Count("figures"),
        annual=Sum("figures__annual", output_field=SUMS),
        executed=Sum("figures__executed", output_field=SUMS),
        indicator=Sum(F("figures__raw_score") - F("figures__budget_score"), output_field=POINTS),
        total=Sum("figures__total", output_field=POINTS),
        rule_set=Min("figures__rule_set"),
        **grades,
        **states,
    )
    if found["stored"] != found["count"]:
        return None
    return _Sums(
        count=found["count"],
        annual=found["annual"] or ZERO,
        executed=found["executed"] or ZERO,
        indicator=found["indicator"] or ZERO,
        total=found["total"] or ZERO,
        grades={g: found[f"grade_{i}"] for i, g in enumerate(Grade)},
        states={v: found[f"state_{v}"] for v in Status.values},
        rule_set_id=found["rule_set"],
    )


def _unit_year_sums(unit_years: QuerySet[UnitYearFigures]) -> _Sums | None:
    """The same sums from the counts kept per unit and year (a row a unit, not every sheet);
    None when a sheet has no stored figures."""
    names = {"优": "excellent", "良": "good", "中": "passing", "差": "poor"}
    found = unit_years.aggregate(
        count=Sum("sheets"),
        stored=Sum("figures_n"),
        annual=Sum("annual_sum"),
        executed=Sum("executed_sum"),
        indicator=Sum("indicator_sum"),
        total=Sum("total_sum"),
        rule_set=Min("rule_set_min"),
        **{f"grade_{i}": Sum(names[str(g)]) for i, g in enumerate(Grade)},
        **{f"state_{v}": Sum(v) for v in Status.values},
    )
    if (found["stored"] or 0) != (found["count"] or 0):
        return None
    return _Sums(
        count=found["count"] or 0,
        annual=found["annual"] or ZERO,
        executed=found["executed"] or ZERO,
        indicator=found["indicator"] or ZERO,
        total=found["total"] or ZERO,
        grades={g: found[f"grade_{i}"] or 0 for i, g in enumerate(Grade)},
        states={v: found[f"state_{v}"] or 0 for v in Status.values},
        rule_set_id=found["rule_set"],
    )


def summary_page(
    sheets: QuerySet[Sheet],
    number,
    per_page: int = SUMMARY_PAGE_SIZE,
    unit_years: QuerySet[UnitYearFigures] | None = None,
) -> SummaryView:
    """One page of the summary's rows and the total row of every sheet: from the counts kept
    per unit and year when the selection is whole units of a year (`unit_years`, the rows of
    exactly those units), else aggregated over the sheets in SQL. The page costs the same
    queries, and about the same time, for 100 sheets or 10 000."""
    sums = _unit_year_sums(unit_years) if unit_years is not None else None
    if sums is None:
        sums = _sql_sums(sheets)
    if sums is None:  # a sheet without stored figures: the rows computed, then summed
        sums = _sums_of(_rows(_with_figures(sheets)))
    page = KnownCount(sheets, per_page, sums.count).get_page(number)
    rows = _rows(_with_figures(page.object_list))
    return _view(rows, sums, _params(sums.rule_set_id), offset=page.start_index() - 1, page=page)
