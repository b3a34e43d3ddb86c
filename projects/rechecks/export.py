"""A re-check as a workbook: its sample (self total against re-check total), every row (self
score against re-check score, the note), and the summaries per department and per unit.

Names, titles and notes are string cells, never formulas: a note typed as `=HYPERLINK(…)`
stays text (`projects.exports.xlsx_text`, every workbook's rule).
Numbers are numbers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from projects.exports.xlsx_text import text_cell, workbook_bytes

from .models import ReCheck, ReCheckRow
from .selectors import sample, summary

BOLD = Font(bold=True)


def _header(ws, titles) -> None:
    for column, title in enumerate(titles, start=1):
        text_cell(ws, 1, column, str(title)).font = BOLD
    ws.freeze_panes = "A2"


def _number(ws, row: int, column: int, value) -> None:
    if value is not None:
        ws.cell(row=row, column=column, value=value).number_format = "0.00"


def recheck_workbook(recheck: ReCheck) -> bytes:
    wb = Workbook()
    sheets = list(sample(recheck))
    ws = wb.active
    ws.title = _("样本")
    _header(
        ws,
        (
            _("序号"), _("主管部门"), _("实施单位"), _("项目名称"), _("自评总分"), _("自评等级"),
            _("复核总分"), _("复核等级"), _("偏差"), _("复核行数"), _("变动行数"),
        ),
    )  # fmt: skip
    for line, entry in enumerate(sheets, start=2):
        unit = entry.sheet.project.unit
        ws.cell(row=line, column=1, value=entry.position)
        text_cell(ws, line, 2, unit.department.name)
        text_cell(ws, line, 3, unit.name)
        text_cell(ws, line, 4, entry.sheet.project.name)
        _number(ws, line, 5, entry.self_total)
        text_cell(ws, line, 6, entry.self_grade)
        _number(ws, line, 7, entry.recheck_total)
        text_cell(ws, line, 8, entry.recheck_grade)
        _number(ws, line, 9, entry.deviation)
        ws.cell(row=line, column=10, value=entry.rows_rescored)
        ws.cell(row=line, column=11, value=entry.rows_changed)

    rows_ws = wb.create_sheet(_("复核明细"))
    _header(
        rows_ws,
        (
            _("实施单位"), _("项目名称"), _("行号"), _("三级指标"), _("分值"), _("自评得分"),
            _("复核得分"), _("偏差"), _("复核意见"), _("复核人"), _("复核时间"),
        ),
    )  # fmt: skip
    rows = (
        ReCheckRow.objects.filter(recheck_sheet__recheck=recheck)
        .select_related("recheck_sheet__sheet__project__unit", "checked_by")
        .order_by("recheck_sheet__position", "recheck_sheet__pk", "position")
    )
    for line, row in enumerate(rows, start=2):
        project = row.recheck_sheet.sheet.project
        text_cell(rows_ws, line, 1, project.unit.name)
        text_cell(rows_ws, line, 2, project.name)
        rows_ws.cell(row=line, column=3, value=row.position)
        name = row.name if row.applicable else f"{row.name}（{_('不适用')}）"
        text_cell(rows_ws, line, 4, name)
        _number(rows_ws, line, 5, row.weight)
        _number(rows_ws, line, 6, row.self_score)
        _number(rows_ws, line, 7, row.recheck_score)
        if row.recheck_score is not None:
            _number(rows_ws, line, 8, row.recheck_score - (row.self_score or 0))
        text_cell(rows_ws, line, 9, row.note)
        if row.checked_by is not None:
            who = row.checked_by.get_full_name() or row.checked_by.get_username()
            text_cell(rows_ws, line, 10, who)
        if row.checked_at is not None:
            text_cell(rows_ws, line, 11, row.checked_at.strftime("%Y-%m-%d %H:%M"))

    for by, title in (("department", _("按主管部门汇总")), ("unit", _("按实施单位汇总"))):
        sum_ws = wb.create_sheet(title)
        _header(
            sum_ws,
            (
                _("主管部门") if by == "department" else _("实施单位"), _("自评表数"),
                _("已复核表数"), _("复核行数"), _("变动行数"), _("总分偏差合计"),
                _("平均绝对偏差"),
            ),
        )  # fmt: skip
        for line, entry in enumerate(summary(recheck, by), start=2):
            text_cell(sum_ws, line, 1, entry["name"])
            sum_ws.cell(row=line, column=2, value=entry["sheets"])
            sum_ws.cell(row=line, column=3, value=entry["checked"])
            sum_ws.cell(row=line, column=4, value=entry["rows_rescored"])
            sum_ws.cell(row=line, column=5, value=entry["rows_changed"])
            _number(sum_ws, line, 6, entry["deviation"])
            _number(sum_ws, line, 7, entry["mean_absolute"])
    for sheet in wb.worksheets:
        for column in "BCDI":
            sheet.column_dimensions[column].width = 24
    return workbook_bytes(wb)
