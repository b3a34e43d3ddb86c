"""Read-only queries about sheets: what the pages, the review and the exports fetch.

Every query here costs a fixed number of database round trips, whatever the number of rows
or sheets (`sheet_queryset` prefetches what a view-model needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from indicators import numbers, scoring
from indicators.messages import grade_name
from indicators.models import Level2
from indicators.numbers import plain, two
from projects import figures, official
from projects.models import Indicator, Sheet, TaskItem, Unit, rule_set_for
from projects.workflow import EDITABLE

# The app's JSON of a sheet (docs/sheet-json.md), for the rooms that publish it.
from .json_form import sheet_to_dict  # noqa: F401
from .year_over_year import YearOverYear, compare


def sheet_queryset() -> QuerySet[Sheet]:
    """Sheets with everything a view-model needs, in a fixed number of queries."""
    rows = Indicator.objects.select_related("level1", "level2").order_by("position")
    return Sheet.objects.select_related("project__unit__department").prefetch_related(
        "budget_lines", Prefetch("indicators", queryset=rows)
    )


@dataclass(frozen=True)
class ListEntry:
    """One line of the sheet list: the sheet and its figures."""

    sheet: Sheet
    total_text: str
    grade: str
    grade_label: str
    errors: int
    warnings: int


def with_figures(sheets: QuerySet[Sheet]) -> QuerySet[Sheet]:
    """Sheets with their stored figures joined (`projects.figures`), without their rows:
    one query for a page of any length."""
    return sheets.select_related("project__unit__department", "figures").prefetch_related(None)


def list_entries(sheets) -> list[ListEntry]:
    """Each sheet of a page of the list with its total, grade and finding counts, read from
    the stored figures (a queryset, sliced or not, is read in one query)."""
    if isinstance(sheets, QuerySet):
        sheets = with_figures(sheets)
    entries = []
    for sheet in sheets:
        stored = figures.of(sheet)
        grade = scoring.Grade(stored.grade)
        entries.append(
            ListEntry(
                sheet=sheet,
                total_text=two(stored.total),
                grade=grade,
                grade_label=grade_name(grade),
                errors=stored.errors,
                warnings=stored.warnings,
            )
        )
    return entries


def level2_choices_for(sheet: Sheet) -> QuerySet[Level2]:
    """The level-2 indicators a row of this sheet may take: its rule set's catalogue."""
    scheme_id = rule_set_for(sheet).scheme_id
    return Level2.objects.filter(level1__scheme_id=scheme_id).select_related("level1")


def grouped_level2_choices(queryset) -> list:
    """Level-2 choices grouped under their level 1 (optgroups)."""
    groups: dict[str, list] = {}
    for level2 in queryset:
        groups.setdefault(level2.level1.name, []).append((level2.pk, level2.name))
    return [("", "—")] + list(groups.items())


def known_indicators(unit: Unit) -> dict:
    """Indicator names already used in the unit's and its department's sheets, each with its
    most frequent level 2, target and unit, for the name autocomplete."""
    rows = (
        Indicator.objects.filter(sheet__project__unit__department_id=unit.department_id)
        .values(
            "name",
            "level2_id",
            "target_operator",
            "target_number",
            "target_unit",
            "target_kind",
            "target_text",
        )
        .annotate(uses=Count("id"), last=Max("sheet__year"))
        .order_by("name", "-uses", "-last")
    )
    known: dict[str, dict] = {}
    for row in rows:
        if row["name"] in known:
            continue
        quantitative = row["target_kind"] == Indicator.TargetKind.QUANTITATIVE
        known[row["name"]] = {
            "level2": row["level2_id"],
            "operator": row["target_operator"] if quantitative else "",
            "number": plain(row["target_number"]) if quantitative else "",
            "unit": row["target_unit"] if quantitative else "",
            "text": "" if quantitative else row["target_text"],
        }
    return known


def previous_sheet(unit: Unit, project_name: str, year: int) -> Sheet | None:
    """The unit's sheet of the same project the year before, with its rows."""
    return (
        Sheet.objects.filter(project__unit=unit, project__name=project_name, year=year - 1)
        .prefetch_related("indicators")
        .first()
    )


def proposed_year(unit: Unit) -> int:
    """The reporting year a new sheet of the unit proposes: the latest year of the unit's
    open task items (of a task not cancelled, the item's sheet of the task's year not
    submitted yet: none, 草稿 or 已退回), else last calendar year. Never "the unit's latest
    sheet + 1": a year with no sheet before it to copy from.

    The items are those `projects.tasks.selectors.unit_items` shows the unit's 填报人 at
    stage 未开始, 草稿 or 已退回 (the tasks room builds on this one, so the rule is read from
    the tables here); tests/projects/test_new_sheet_year.py holds the two to the same answer."""
    passed_on = Sheet.objects.filter(
        project=OuterRef("project"), year=OuterRef("task__year")
    ).exclude(status__in=EDITABLE)
    latest = (
        TaskItem.objects.filter(unit=unit, task__cancelled_at__isnull=True)
        .exclude(Exists(passed_on))
        .aggregate(year=Max("task__year"))["year"]
    )
    return latest if latest is not None else timezone.localdate().year - 1


@dataclass(frozen=True)
class DraftContents:
    """What deleting a draft takes with it, shown before it is deleted."""

    rows: int
    comments: int
    evidence: list
    # The open tasks whose item names the sheet's project and year: 未开始 again after.
    tasks: list


def draft_contents(sheet: Sheet) -> DraftContents:
    """The rows, comments, evidence files and tasks of a sheet about to be deleted."""
    items = TaskItem.objects.filter(
        project=sheet.project_id, task__year=sheet.year, task__cancelled_at__isnull=True
    ).select_related("task")
    return DraftContents(
        rows=sheet.indicators.count(),
        comments=sheet.comments.count(),
        evidence=list(sheet.evidence.order_by("created_at", "pk")),
        tasks=[item.task for item in items.order_by("task__pk")],
    )


def with_previous_year(sheets: QuerySet[Sheet]) -> QuerySet[Sheet]:
    """Sheets with `previous_year_id`: their project's sheet of the year before, or None, read
    in the same query, so `year_over_year` costs nothing for a sheet without one."""
    before = Sheet.objects.filter(project_id=OuterRef("project_id"), year=OuterRef("year") - 1)
    return sheets.annotate(previous_year_id=Subquery(before.order_by().values("pk")[:1]))


def year_over_year(sheet: Sheet) -> YearOverYear | None:
    """Last year's target, actual and score beside each row of `sheet` (None: its project had
    no sheet the year before; `projects.sheets.year_over_year`). The sheet of the year before
    is the one `previous_sheet` finds, read here with its rows, budget lines and rule set in
    three queries, whatever the number of rows; none when `with_previous_year` found none."""
    if hasattr(sheet, "previous_year_id"):
        if sheet.previous_year_id is None:
            return None
        found = {"pk": sheet.previous_year_id}
    else:
        found = {"project_id": sheet.project_id, "year": sheet.year - 1}
    previous = (
        sheet_queryset()
        .select_related("rule_set__scheme", "rule_set__bureau")
        .filter(**found)
        .first()
    )
    if previous is None:
        return None
    cache = {("id", previous.rule_set_id): previous.rule_set} if previous.rule_set_id else None
    return compare(sheet, previous, rule_set_for(previous, cache=cache))


def content_snapshot(sheet: Sheet) -> dict:
    """The sheet's content as plain strings, stored with each submission so the review can
    see what changed since the previous one (`projects.review.diff`). Rows are keyed by id."""

    def text(value) -> str:
        if isinstance(value, Decimal):
            value = numbers.exact(value)
        return "" if value is None else str(value)

    return {
        "version": sheet.version,
        "project": sheet.project.name,
        "budget_weight": text(sheet.budget_weight),
        "goal_expected": sheet.goal_expected,
        "goal_achieved": sheet.goal_achieved,
        "funds": {
            line.kind: {c: text(getattr(line, c)) for c in scoring.FUNDS_COLUMNS}
            for line in sheet.budget_lines.all()
        },
        "rows": {
            str(row.pk): {
                "position": row.position,
                "level2": row.level2.name if row.level2 else "",
                "name": row.name,
                "target": row.target_text,
                "actual": row.actual_text,
                "weight": text(row.weight),
                "score": text(row.score),
                "reason": row.reason,
                "applicable": "" if row.applicable else official.NOT_APPLICABLE,
            }
            for row in sheet.indicators.all()
        },
    }
