"""What the public sees (随决算公开): published sheets only, read from the index
`sheet_published` (year, list_key where published), and each shown as the official sheet
shows it — never a comment, an evidence file, the history or a finding.

Anything not published, or not there, is `Http404` (never 403, never a login): the public
cannot tell an unpublished sheet from one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.urls import reverse

from indicators.models import Bureau
from indicators.numbers import two
from projects.models import Department, Sheet
from projects.sheets.selectors import sheet_queryset, sheet_to_dict
from projects.sheets.view_model import SheetView
from projects.workflow import Status


def published(queryset: QuerySet[Sheet] | None = None) -> QuerySet[Sheet]:
    """The published sheets (of `queryset`): flagged and 已审核 (a published sheet is never
    reopened; the state is checked all the same)."""
    qs = queryset if queryset is not None else Sheet.objects.all()
    return qs.filter(published_at__isnull=False, status=Status.APPROVED)


def public_sheet(pk: int) -> Sheet:
    """A published sheet with everything its view-model needs; 404 for any other id."""
    try:
        return published(sheet_queryset()).get(pk=pk)
    except Sheet.DoesNotExist:
        raise Http404 from None


def printed_view(view: SheetView) -> SheetView:
    """The view-model with only what the printed sheet shows: no findings (which mark rows on
    the page), no suggested scores and no explanations of the rules' arithmetic (which the
    page puts in tooltips) — the internal review aids the public page must not carry."""
    rows = tuple(
        replace(row, findings=(), suggested=None, suggested_text="", suggestion_explanation="")
        for row in view.rows
    )
    funds = tuple(replace(row, rate_explanation="", score_explanation="") for row in view.funds)
    return replace(
        view,
        rows=rows,
        funds=funds,
        findings=(),
        sheet_findings=(),
        total_explanation="",
        grade_explanation="",
    )


# -- the lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    """One published sheet in a public list: its names, total and grade, and its links."""

    id: int
    year: int
    department_id: int
    department: str
    unit: str
    project: str
    total: Decimal | None
    grade: str
    published_at: Any

    @property
    def total_text(self) -> str:
        return two(self.total)

    @property
    def url(self) -> str:
        return reverse("projects:public-sheet", args=[self.id])

    @property
    def pdf_url(self) -> str:
        return reverse("projects:public-sheet-pdf", args=[self.id])

    @property
    def json_url(self) -> str:
        return reverse("projects:public-sheet-json", args=[self.id])


def _list_queryset(year: int) -> QuerySet[Sheet]:
    # Year, then the department's, unit's and project's names: the index `sheet_published`.
    return (
        published()
        .filter(year=year)
        .select_related("project__unit__department", "figures")
        .order_by("year", "list_key")
    )


def department_list(year: int, department_id: int) -> tuple[Department, QuerySet[Sheet]]:
    """A department and its published sheets of the year; 404 when it has none."""
    sheets = _list_queryset(year).filter(project__unit__department_id=department_id)
    department = Department.objects.filter(pk=department_id).first()
    if department is None or not sheets.exists():
        raise Http404
    return department, sheets


def bureau_list(year: int, bureau_id: int) -> tuple[Bureau, QuerySet[Sheet]]:
    """A finance bureau and the published sheets of the year of all its departments (in
    department order); 404 when it has none."""
    sheets = _list_queryset(year).filter(project__unit__department__bureau_id=bureau_id)
    bureau = Bureau.objects.filter(pk=bureau_id).first()
    if bureau is None or not sheets.exists():
        raise Http404
    return bureau, sheets


def list_rows(sheets) -> list[ListRow]:
    """The rows of a public list (or of a page of it), totals and grades from the figures
    stored with each sheet (`SheetFigures`)."""
    rows = []
    for sheet in sheets:
        unit = sheet.project.unit
        figures = getattr(sheet, "figures", None)
        rows.append(
            ListRow(
                id=sheet.pk,
                year=sheet.year,
                department_id=unit.department_id,
                department=unit.department.name,
                unit=unit.name,
                project=sheet.project.name,
                total=figures.total if figures is not None else None,
                grade=figures.grade if figures is not None else "",
                published_at=sheet.published_at,
            )
        )
    return rows


def row_to_dict(row: ListRow, base_url: str = "") -> dict[str, Any]:
    """One list row as the lists' JSON and CSV carry it (links absolute given `base_url`)."""
    return {
        "id": row.id,
        "year": row.year,
        "department": row.department,
        "unit": row.unit,
        "project": row.project,
        "total": two(row.total) if row.total is not None else None,
        "grade": row.grade,
        "published_at": row.published_at.isoformat() if row.published_at else None,
        "url": base_url + row.url,
        "pdf": base_url + row.pdf_url,
        "json": base_url + row.json_url,
    }


# -- the index -----------------------------------------------------------------------------------


@dataclass
class IndexDepartment:
    id: int
    name: str
    count: int


@dataclass
class IndexBureau:
    id: int | None  # None: the departments under no finance bureau
    name: str
    count: int = 0
    departments: list[IndexDepartment] | None = None


@dataclass
class IndexYear:
    year: int
    count: int = 0
    bureaus: list[IndexBureau] | None = None


def public_index() -> list[IndexYear]:
    """Every year with a published sheet, newest first; in each, the bureaus (then the
    departments under no bureau) and their departments with how many sheets each published.
    One grouped query over the published sheets."""
    counts = (
        published()
        .order_by()
        .values(
            "year",
            "project__unit__department_id",
            "project__unit__department__name",
            "project__unit__department__bureau_id",
            "project__unit__department__bureau__name",
        )
        .annotate(n=Count("pk"))
    )
    years: dict[int, IndexYear] = {}
    bureaus: dict[tuple[int, int | None], IndexBureau] = {}
    for entry in counts:
        year = years.setdefault(entry["year"], IndexYear(entry["year"], bureaus=[]))
        bureau_id = entry["project__unit__department__bureau_id"]
        key = (entry["year"], bureau_id)
        if key not in bureaus:
            bureaus[key] = IndexBureau(
                bureau_id, entry["project__unit__department__bureau__name"] or "", departments=[]
            )
            year.bureaus.append(bureaus[key])
        bureau = bureaus[key]
        bureau.departments.append(
            IndexDepartment(
                entry["project__unit__department_id"],
                entry["project__unit__department__name"],
                entry["n"],
            )
        )
        bureau.count += entry["n"]
        year.count += entry["n"]
    for year in years.values():
        year.bureaus.sort(key=lambda b: (b.id is None, b.name))
        for bureau in year.bureaus:
            bureau.departments.sort(key=lambda d: d.name)
    return [years[y] for y in sorted(years, reverse=True)]


# -- one sheet as JSON -------------------------------------------------------------------------


# What the official sheet does not print: left out of the public JSON.
INTERNAL_KEYS = ("version", "findings")
INTERNAL_ROW_KEYS = ("suggested_score",)


def public_sheet_dict(sheet: Sheet, view: SheetView) -> dict[str, Any]:
    """A published sheet as JSON: the app's sheet JSON (docs/sheet-json.md,
    `projects.sheets.selectors.sheet_to_dict`) without what the official sheet does not print
    — its findings, the rules' suggested scores, its content version — and with when it was
    published."""
    document = sheet_to_dict(sheet, view)
    for key in INTERNAL_KEYS:
        document.pop(key, None)
    for row in document["indicators"]:
        for key in INTERNAL_ROW_KEYS:
            row.pop(key, None)
    # Published right after the status, as the app's JSON orders its keys.
    ordered: dict[str, Any] = {}
    for key, value in document.items():
        ordered[key] = value
        if key == "status":
            ordered["published_at"] = sheet.published_at.isoformat()
    return ordered
