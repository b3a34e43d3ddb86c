"""The summary table (汇总表) as an Excel worksheet, laid out from a SummaryView.

Every text (the title, unit and project names, grades, states) is a string cell with its value
as typed, never a formula (`xlsx_text`): a project named `=HYPERLINK(…)` stays that text.

The worksheet is written in openpyxl's write-only mode, row after row, to a file or a buffer
(`write_summary`): no cell objects are kept for the rows already written, and the styles are
made once, so each row costs the same however many rows the table has."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects import official

from .summary import SummaryView
from .xlsx_text import keep_carriage_returns, write_only_text

FONT = "Noto Sans CJK SC"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# The summary's columns (projects.official.SUMMARY_COLUMNS) with their widths.
WIDTHS = (6, 22, 34, 16, 16, 11, 10, 9, 9, 15)
HEADERS = list(zip(official.SUMMARY_COLUMNS, WIDTHS, strict=True))
BODY = Font(name=FONT)
BOLD = Font(name=FONT, bold=True)
ALIGN = {
    side: Alignment(horizontal=side, vertical="center", wrap_text=True)
    for side in ("left", "center", "right")
}
AMOUNT, POINTS, ORDINAL = "#,##0.00", "0.00", "0"


class _Cells:
    """Write-only cells of one worksheet: text always a string cell (never a formula)."""

    def __init__(self, ws) -> None:
        self.ws = ws

    def text(self, value: str | None, font=None, align=None, border=None) -> WriteOnlyCell:
        # A text such as `=HYPERLINK(…)` is a string, never a formula.
        return self._styled(write_only_text(self.ws, value), font, align, border)

    def value(self, value, fmt: str, font=None, align=None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = fmt
        return self._styled(cell, font, align, BORDER)

    @staticmethod
    def _styled(cell, font, align, border) -> WriteOnlyCell:
        if font is not None:
            cell.font = font
        if align is not None:
            cell.alignment = align
        if border is not None:
            cell.border = border
        return cell


def _head(ws, cells: _Cells, title: str, note: str) -> None:
    """Title, note and column headers (rows 1–3), the widths and the page set-up: everything
    a write-only sheet needs before its first row."""
    last = get_column_letter(len(HEADERS))
    for col, (_label, width) in enumerate(HEADERS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 28
    ws.row_dimensions[3].height = 32
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "3:3"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    title_font = Font(name="Noto Serif CJK SC", bold=True, size=15)
    ws.append([cells.text(title, title_font, Alignment(horizontal="center", vertical="center"))])
    ws.append([cells.text(note, Font(name=FONT, size=9, color="555555"), Alignment("right"))])
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([cells.text(label, BOLD, center, BORDER) for label, _width in HEADERS])


def _rows(ws, cells: _Cells, summary: SummaryView) -> None:
    left, center, right = ALIGN["left"], ALIGN["center"], ALIGN["right"]
    for i, r in enumerate(summary.rows, 1):
        # Long names wrap; give the row room for two lines when they do.
        tall = max(len(r.project), len(r.unit) * 1.5) > 16
        ws.row_dimensions[3 + i].height = 30 if tall else 18
        ws.append(
            [
                cells.value(i, ORDINAL, BODY, center),
                cells.text(r.unit, BODY, left, BORDER),
                cells.text(r.project, BODY, left, BORDER),
                cells.value(r.annual, AMOUNT, BODY, right),
                cells.value(r.executed, AMOUNT, BODY, right),
                cells.value(r.rate, POINTS, BODY, right),
                cells.value(r.indicator_score, POINTS, BODY, right),
                cells.value(r.total, POINTS, BODY, right),
                cells.text(r.grade, BODY, center, BORDER),
                cells.text(r.status_label, BODY, center, BORDER),
            ]
        )


def _total(ws, cells: _Cells, summary: SummaryView) -> None:
    total_row = 4 + len(summary.rows)
    ws.merged_cells.add(f"A{total_row}:C{total_row}")
    ws.row_dimensions[total_row].height = 30
    center, right = ALIGN["center"], ALIGN["right"]
    grades = "、".join(f"{g}{n}" for g, n in summary.grade_counts if n)
    states = "、".join(f"{s}{n}" for s, n in summary.status_counts if n)
    ws.append(
        [
            cells.text(f"合计（{len(summary.rows)} 个项目；得分为平均值）", BOLD, center, BORDER),
            cells.text("", None, None, BORDER),
            cells.text("", None, None, BORDER),
            cells.value(summary.annual, AMOUNT, BOLD, right),
            cells.value(summary.executed, AMOUNT, BOLD, right),
            cells.value(summary.rate, POINTS, BOLD, right),
            cells.value(summary.average_indicator_score, POINTS, BOLD, right),
            cells.value(summary.average_total, POINTS, BOLD, right),
            cells.text(grades, BOLD, center, BORDER),
            cells.text(states, BOLD, center, BORDER),
        ]
    )


def write_summary(summary: SummaryView, target, *, title: str, note: str) -> None:
    """Write the summary workbook to `target` (a path or a binary buffer), row by row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总表")
    cells = _Cells(ws)
    _head(ws, cells, title, note)
    _rows(ws, cells, summary)
    _total(ws, cells, summary)
    wb.save(target)


def summary_file(summary: SummaryView, out: Path, *, title: str, note: str) -> Path:
    """The summary workbook written to the file `out`, CRs in text kept; returns `out`."""
    write_summary(summary, out, title=title, note=note)
    data = out.read_bytes()
    kept = keep_carriage_returns(data)
    if kept is not data:
        out.write_bytes(kept)
    return out


def summary_workbook(summary: SummaryView, *, title: str, note: str) -> bytes:
    """The summary workbook as .xlsx bytes, CRs in text kept."""
    buffer = io.BytesIO()
    write_summary(summary, buffer, title=title, note=note)
    return keep_carriage_returns(buffer.getvalue())
