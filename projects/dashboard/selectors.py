"""What the dashboard reads: a year's sheets in the user's scope, counted and averaged from
the counts kept per unit and year (`UnitYearFigures`, written with every sheet's stored
figures) and from the stored figures themselves through their indexes, never scored or
looped over one by one.

Every block is one aggregate or one grouped query over at most one row a unit, or an index
walk that stops after a page, so the page costs the same for 100 sheets and for 10,000
(docs/dashboard.md, docs/performance.md):

- `overview`: the sheets by state, by grade, with errors and with open comments (one query);
- `late_items`: the year's task items by stage and the late ones (the tasks' selectors);
- `by_unit` / `by_project`: the average total and execution rate, weakest first;
- `with_errors` / `with_open_comments`: the first few of those sheets;
- `year_over_year`: each unit's averages per year.

Averages are sums divided by counts in Python (`Decimal`, half up to two places): SQLite's AVG
answers a float, while a SUM of two-place figures comes back exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import NullIf
from django.utils.translation import gettext_lazy as _

from indicators.scoring import Grade
from projects.access import scope_sheets, scope_units
from projects.figures import GRADE_FIELDS
from projects.models import Comment, Sheet, Unit, UnitYearFigures
from projects.tasks.selectors import progress, progress_columns, visible_items
from projects.workflow import Status

# How many units and projects the weakest-first lists show (the rest: "more").
TOP = 20
# How many sheets with errors or open comments the dashboard names.
FIRST = 5
# How many years the year-over-year table shows (the chosen year and those before it).
YEARS_BACK = 5

CENT = Decimal("0.01")

# The stages of the published breakdown, each with the sheet states it holds and the sheet
# list's `status` filter value that shows exactly those sheets.
STAGES = (
    ("filling", _("填报中"), (Status.DRAFT, Status.RETURNED), "filling"),
    ("dept_review", _("主管部门审核中"), (Status.SUBMITTED,), Status.SUBMITTED.value),
    ("finance_review", _("财政审核中"), (Status.DEPT_APPROVED,), Status.DEPT_APPROVED.value),
    ("approved", _("已审核"), (Status.APPROVED,), Status.APPROVED.value),
)
GRADES = tuple(grade.value for grade in Grade)

# The orders of the weakest-first lists: the lowest average total, or the lowest rate.
ORDERS = ("total", "rate")


def open_comments() -> QuerySet[Comment]:
    """Review comments still open: the first comment of a thread, not resolved."""
    return Comment.objects.filter(parent__isnull=True, resolved_at__isnull=True)


def has_open_comments() -> Exists:
    return Exists(open_comments().filter(sheet=OuterRef("pk")))


@dataclass(frozen=True)
class Scope:
    """Whose sheets and which year the dashboard shows: the user's scope, narrowed to one
    department or unit when chosen (ids already checked against the scope)."""

    user: object
    year: int | None
    department: int | None = None
    unit: int | None = None

    def all_years(self) -> QuerySet[Sheet]:
        sheets = scope_sheets(self.user)
        if self.department:
            sheets = sheets.filter(project__unit__department_id=self.department)
        if self.unit:
            sheets = sheets.filter(project__unit_id=self.unit)
        return sheets

    def sheets(self) -> QuerySet[Sheet]:
        return self.all_years().filter(year=self.year)

    def units(self) -> QuerySet[Unit]:
        units = scope_units(self.user)
        if self.department:
            units = units.filter(department_id=self.department)
        if self.unit:
            units = units.filter(pk=self.unit)
        return units

    def unit_years(self, *, every_year: bool = False) -> QuerySet[UnitYearFigures]:
        """The counts of the scope's units: of the year, or of every year."""
        rows = UnitYearFigures.objects.filter(unit__in=self.units())
        return rows if every_year else rows.filter(year=self.year)

    def filters(self) -> dict:
        """The sheet list's filter values that show this scope's sheets."""
        query = {"year": self.year, "department": self.department, "unit": self.unit}
        return {key: value for key, value in query.items() if value}


def average(total: Decimal | None, count: int) -> Decimal | None:
    """A sum over a count, half up to two places (None for no values)."""
    if not count or total is None:
        return None
    return (Decimal(total) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def overview(scope: Scope) -> dict:
    """The sheets by state, by stage, by grade, with errors and with open comments: one
    aggregate over the units' counts."""
    sums = {
        "total": Sum("sheets"),
        "errors": Sum("with_errors"),
        "comments": Sum("with_open_comments"),
    }
    sums |= {f"status_{status.value}": Sum(status.value) for status in Status}
    sums |= {f"grade_{grade}": Sum(GRADE_FIELDS[grade]) for grade in GRADES}
    row = {key: value or 0 for key, value in scope.unit_years().aggregate(**sums).items()}
    return {
        "total": row["total"],
        "status": {status.value: row[f"status_{status.value}"] for status in Status},
        "stages": {
            key: sum(row[f"status_{state.value}"] for state in states)
            for key, _label, states, _filter in STAGES
        },
        "grades": {grade: row[f"grade_{grade}"] for grade in GRADES},
        "errors": row["errors"],
        "comments": row["comments"],
    }


def late_items(scope: Scope) -> dict:
    """The year's task items (of tasks not cancelled) in the scope, by stage, and the late
    ones: one query (`projects.tasks.selectors.progress`)."""
    items = visible_items(scope.user).filter(task__year=scope.year, task__cancelled_at__isnull=True)
    if scope.department:
        items = items.filter(unit__department_id=scope.department)
    if scope.unit:
        items = items.filter(unit_id=scope.unit)
    return progress_columns(progress(items))


@dataclass
class Averages:
    """One unit's or project's sheets, their average total and execution rate."""

    pk: int
    name: str
    sheets: int
    total: Decimal | None
    rate: Decimal | None
    unit: str = ""
    department: str = ""
    sheet: int | None = None
    grade: str = ""
    extra: dict = field(default_factory=dict)


_SUMS = {
    "sheets": Sum("sheets"),
    "total_sum": Sum("total_sum"),
    "total_n": Sum("total_n"),
    "rate_sum": Sum("rate_sum"),
    "rate_n": Sum("rate_n"),
}


def _ordered(groups: QuerySet, order: str, *names: str) -> QuerySet:
    first = F("rate_order") if order == "rate" else F("total_order")
    second = F("total_order") if order == "rate" else F("rate_order")
    return groups.order_by(first.asc(nulls_last=True), second.asc(nulls_last=True), *names)


def unit_groups(scope: Scope, order: str = "total") -> QuerySet:
    """Each unit's sheets of the year (its kept counts, one row a unit), the weakest first;
    slice it or page it."""
    rows = (
        scope.unit_years()
        .filter(sheets__gt=0)
        .values("unit", "unit__name", "unit__department__name", "sheets")
        .annotate(
            total_sum=F("total_sum"),
            total_n=F("total_n"),
            rate_sum=F("rate_sum"),
            rate_n=F("rate_n"),
            # NULLIF: a unit whose sheets have no total (or no rate) orders last, never
            # divides by zero.
            total_order=F("total_sum") / NullIf(F("total_n"), 0),
            rate_order=F("rate_sum") / NullIf(F("rate_n"), 0),
        )
    )
    return _ordered(rows, order, "unit__name", "unit")


def project_groups(sheets: QuerySet[Sheet], order: str = "total") -> QuerySet:
    """Each project's sheet of the year (a project has one a year), the weakest first: read
    from the index on the stored total (or rate), so the first page costs the same at any
    size."""
    rows = sheets.values(
        "project", "project__name", "project__unit__name", "figures__grade"
    ).annotate(
        sheet=F("pk"),
        total_order=F("figures__total"),
        rate_order=F("figures__rate"),
    )
    return _ordered(rows, order, "project__name", "project")


def unit_row(group: dict) -> Averages:
    return Averages(
        pk=group["unit"],
        name=group["unit__name"],
        department=group["unit__department__name"],
        sheets=group["sheets"],
        total=average(group["total_sum"], group["total_n"]),
        rate=average(group["rate_sum"], group["rate_n"]),
    )


def project_row(group: dict) -> Averages:
    total, rate = group["total_order"], group["rate_order"]
    return Averages(
        pk=group["project"],
        name=group["project__name"],
        unit=group["project__unit__name"],
        sheets=1,
        total=average(total, 1) if total is not None else None,
        rate=average(rate, 1) if rate is not None else None,
        sheet=group["sheet"],
        grade=group["figures__grade"] or "",
    )


def by_unit(scope: Scope, order: str = "total", limit: int = TOP) -> list[Averages]:
    return [unit_row(group) for group in unit_groups(scope, order)[:limit]]


def by_project(sheets: QuerySet[Sheet], order: str = "total", limit: int = TOP) -> list[Averages]:
    """The weakest projects with a figure to rank by: the sheets joined to their stored
    figures (an inner join), so PostgreSQL walks the index on that figure and stops."""
    ranked = sheets.filter(**{f"figures__{order}__isnull": False})
    return [project_row(group) for group in project_groups(ranked, order)[:limit]]


def group_counts(scope: Scope) -> dict:
    """How many units and projects have a sheet of the year (for "more"): one query over the
    units' counts (a project has one sheet a year)."""
    found = (
        scope.unit_years().filter(sheets__gt=0).aggregate(units=Count("pk"), projects=Sum("sheets"))
    )
    return {"units": found["units"], "projects": found["projects"] or 0}


def with_errors(sheets: QuerySet[Sheet], limit: int = FIRST) -> list[Sheet]:
    """The first sheets whose stored figures hold errors, the most errors first."""
    return list(
        sheets.filter(figures__errors__gt=0)
        .select_related("project__unit", "figures")
        .order_by("-figures__errors", "pk")[:limit]
    )


def with_open_comments(sheets: QuerySet[Sheet], limit: int = FIRST) -> list[Sheet]:
    """The first sheets with open review comments (`open_comments` on each), most first: read
    from the stored count (`SheetFigures.open_comments`, indexed), not from every comment."""
    return list(
        sheets.filter(figures__open_comments__gt=0)
        .annotate(open_comments=F("figures__open_comments"))
        .select_related("project__unit")
        .order_by("-figures__open_comments", "pk")[:limit]
    )


def years_shown(years: list[int], year: int | None) -> list[int]:
    """The year and up to `YEARS_BACK - 1` years before it that have sheets, oldest first."""
    if year is None:
        return []
    return sorted(y for y in years if y <= year)[-YEARS_BACK:]


def year_over_year(scope: Scope, units: list[Averages], years: list[int]):
    """Each listed unit's average total and rate in each year, and the whole scope's (`None`
    key), from the units' kept counts: two grouped queries. Returns {unit pk or None: {year:
    (total, rate, sheets)}}."""
    table: dict = {}
    if not years:
        return table
    in_years = scope.unit_years(every_year=True).filter(year__in=years).order_by()
    for group in in_years.values("year").annotate(**_SUMS):
        table.setdefault(None, {})[group["year"]] = _cell(group)
    if units:
        per_unit = in_years.filter(unit__in=[unit.pk for unit in units]).values("unit", "year")
        for group in per_unit.annotate(**_SUMS):
            table.setdefault(group["unit"], {})[group["year"]] = _cell(group)
    return table


def _cell(group: dict) -> tuple:
    return (
        average(group["total_sum"], group["total_n"]),
        average(group["rate_sum"], group["rate_n"]),
        group["sheets"],
    )
