"""The summary table (汇总表) as an Excel worksheet, laid out from a SummaryView.

Every text (the title, unit and project names, grades, states) is a string cell with its value
as typed, never a formula (`xlsx_text`): a project named `=HYPERLINK(…)` stays that text."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from projects import official

from .summary import SummaryView
from .xlsx_text import set_text, text_cell, workbook_bytes

FONT = "Noto Sans CJK SC"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# The summary's columns (projects.official.SUMMARY_COLUMNS) with their widths.
WIDTHS = (6, 22, 34, 16, 16, 11, 10, 9, 9, 15)
HEADERS = list(zip(official.SUMMARY_COLUMNS, WIDTHS, strict=True))


def summary_workbook(summary: SummaryView, *, title: str, note: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    last = get_column_letter(len(HEADERS))
    ws.merge_cells(f"A1:{last}1")
    text_cell(ws, 1, 1, title)
    ws["A1"].font = Font(name="Noto Serif CJK SC", bold=True, size=15)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    ws.merge_cells(f"A2:{last}2")
    text_cell(ws, 2, 1, note)
    ws["A2"].font = Font(name=FONT, size=9, color="555555")
    ws["A2"].alignment = Alignment(horizontal="right")
    for col, (label, width) in enumerate(HEADERS, 1):
        cell = text_cell(ws, 3, col, label)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[3].height = 32

    def put(row: int, col: int, value, fmt: str | None = None, align: str = "left") -> None:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            set_text(cell, value)
        else:
            cell.value = value
        cell.font = Font(name=FONT, bold=row == total_row)
        cell.border = BORDER
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        if fmt:
            cell.number_format = fmt

    total_row = 4 + len(summary.rows)
    for i, r in enumerate(summary.rows, 1):
        row = 3 + i
        put(row, 1, i, "0", "center")
        put(row, 2, r.unit)
        put(row, 3, r.project)
        put(row, 4, r.annual, "#,##0.00", "right")
        put(row, 5, r.executed, "#,##0.00", "right")
        put(row, 6, r.rate, "0.00", "right")
        put(row, 7, r.indicator_score, "0.00", "right")
        put(row, 8, r.total, "0.00", "right")
        put(row, 9, r.grade, None, "center")
        put(row, 10, r.status_label, None, "center")
        # Long names wrap; give the row room for two lines when they do.
        ws.row_dimensions[row].height = 30 if max(len(r.project), len(r.unit) * 1.5) > 16 else 18
    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=3)
    put(total_row, 1, f"合计（{len(summary.rows)} 个项目；得分为平均值）", None, "center")
    for col in (2, 3):
        ws.cell(row=total_row, column=col).border = BORDER
    put(total_row, 4, summary.annual, "#,##0.00", "right")
    put(total_row, 5, summary.executed, "#,##0.00", "right")
    put(total_row, 6, summary.rate, "0.00", "right")
    put(total_row, 7, summary.average_indicator_score, "0.00", "right")
    put(total_row, 8, summary.average_total, "0.00", "right")
    put(total_row, 9, "、".join(f"{g}{n}" for g, n in summary.grade_counts if n), None, "center")
    put(total_row, 10, "、".join(f"{s}{n}" for s, n in summary.status_counts if n), None, "center")
    ws.row_dimensions[total_row].height = 30

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "3:3"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    return workbook_bytes(wb)
