"""The report as a workbook: one sheet, one line a finding, written row by row (openpyxl's
write-only mode, so memory stays flat however many lines).

Every cell holding text is a string cell, never a formula: a project named `=HYPERLINK(…)` or a
reason starting with `+` stays text (`projects.exports.xlsx_text`, every workbook's rule).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from projects.exports.xlsx_text import write_only_text

from .selectors import Line

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = (18, 22, 30, 10, 8, 30, 22, 10, 70, 10)


def _text(ws: WriteOnlyWorksheet, value: str | None, *, bold: bool = False) -> WriteOnlyCell:
    """A string cell holding the text as typed (never a formula); empty for no text."""
    cell = write_only_text(ws, value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _headers() -> list[str]:
    return [
        _("主管部门"),
        _("实施单位"),
        _("项目名称"),
        _("状态"),
        _("行号"),
        _("三级指标"),
        _("检查类别"),
        _("级别"),
        _("检查结果"),
        _("年度"),
    ]


def report_workbook(lines: Iterable[Line], *, title: str) -> tuple[bytes, int]:
    """The workbook's bytes and how many lines it holds."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("跨表检查"))
    for index, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.append([_text(ws, title, bold=True)])
    ws.append([_text(ws, header, bold=True) for header in _headers()])
    count = 0
    for line in lines:
        ws.append(
            [
                _text(ws, line.department),
                _text(ws, line.unit),
                _text(ws, line.project),
                _text(ws, line.state_label),
                line.row_number,
                _text(ws, line.row_name),
                _text(ws, line.kind_label),
                _text(ws, line.severity_label),
                _text(ws, line.message),
                line.year,
            ]
        )
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count
