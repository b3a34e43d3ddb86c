"""Exports of one sheet or many: PDF, Excel, a zip of PDFs, one workbook, the summary table.

Every file is laid out from the same view-models as the pages (SheetView, SummaryView); the
sheets come through `scope_sheets`, so an export never holds a sheet its user may not see.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from io import BytesIO

from django.utils import timezone

from indicators.models import RuleSet

from .access import scope_sheets
from .export_pdf import sheet_pdf
from .export_summary import summary_workbook
from .export_xlsx import sheet_workbook, workbook_bytes
from .models import Sheet
from .sheet_view import SheetView, build_sheet_view, sheet_queryset
from .summary import build_summary

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


def sheet_filename(sheet: Sheet, ext: str) -> str:
    """`2023_上海市人才服务中心_信息化运维项目.pdf`: year, unit and project, safe on any disk."""
    name = f"{sheet.year}_{sheet.project.unit.name}_{sheet.project.name}"
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._")
    return f"{name[:150]}.{ext}"


def select_sheets(user, *, year: int | None = None, department=None, unit=None, ids=None):
    """The sheets an export may hold for this user (None = the command line: all sheets)."""
    qs = sheet_queryset() if user is None else scope_sheets(user, sheet_queryset())
    if year:
        qs = qs.filter(year=year)
    if department is not None:
        qs = qs.filter(project__unit__department=department)
    if unit is not None:
        qs = qs.filter(project__unit=unit)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.order_by(
        "year", "project__unit__department__name", "project__unit__name", "project__name"
    )


def views_of(sheets: Iterable[Sheet], progress: Progress = _no_progress):
    """(sheet, view) pairs, one rule set per year, reporting progress as each is built."""
    sheets = list(sheets)
    rules: dict[int, RuleSet] = {}
    for i, sheet in enumerate(sheets, 1):
        if sheet.year not in rules:
            rules[sheet.year] = RuleSet.for_year(sheet.year)
        yield sheet, build_sheet_view(sheet, rules[sheet.year])
        progress(i, len(sheets))


def one_pdf(view: SheetView, exported_at: datetime | None = None) -> bytes:
    return sheet_pdf(view, exported_at=exported_at)


def one_xlsx(view: SheetView, exported_at: datetime | None = None) -> bytes:
    return workbook_bytes(
        sheet_workbook([(view, view.status_label)], exported_at=exported_at or timezone.now())
    )


def pdf_zip(sheets, progress: Progress = _no_progress) -> bytes:
    exported_at = timezone.now()
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, view in views_of(sheets, progress):
            archive.writestr(sheet_filename(sheet, "pdf"), one_pdf(view, exported_at))
    return out.getvalue()


def workbook(sheets, progress: Progress = _no_progress) -> bytes:
    exported_at = timezone.now()
    pairs = [(view, view.status_label) for _sheet, view in views_of(sheets, progress)]
    return workbook_bytes(sheet_workbook(pairs, exported_at=exported_at))


def summary(sheets, *, title: str, progress: Progress = _no_progress) -> bytes:
    sheets = list(sheets)
    view = build_summary(sheets)
    progress(len(sheets), len(sheets))
    note = f"导出于 {timezone.localtime():%Y-%m-%d %H:%M}"
    return summary_workbook(view, title=title, note=note)


def summary_title(year: int | None, department=None, unit=None) -> str:
    scope = (unit or department or "").__str__()
    year_text = f"{year}年度" if year else ""
    return f"{scope}{year_text}项目支出绩效自评汇总表"
