"""The audit log as CSV or Excel, worded in the reader's language.

Text from users (a user name tried at the login page, a file or project name) can start like a
formula. In the workbook every text cell is a string cell, its value unchanged, so no cell is
ever a formula. A CSV file has no cell types: a spreadsheet opening it would evaluate such a
text, so in the CSV alone a text starting with =, +, -, @, a tab or a CR gets a leading
apostrophe (the OWASP advice); the workbook is the faithful copy.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from . import wording
from .models import AuditRecord

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers() -> list[str]:
    return [
        _("序号"), _("时间"), _("用户名"), _("来源地址"), _("事件"), _("结果"),
        _("对象类型"), _("对象编号"), _("对象"), _("参数"), _("哈希"),
    ]  # fmt: skip


def row(record: AuditRecord) -> list:
    moment = timezone.localtime(record.created_at)
    return [
        record.id,
        moment.strftime("%Y-%m-%d %H:%M:%S"),
        record.username,
        record.ip or "",
        wording.action_text(record.action),
        wording.result_text(record.result),
        wording.object_type_text(record.object_type) if record.object_type else "",
        record.object_id,
        record.object_label,
        wording.params_text(record.params),
        record.hash,
    ]


def csv_lines(records: Iterable[AuditRecord]) -> Iterator[str]:
    """The CSV, line by line (UTF-8 with a BOM, so Excel reads the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in values]
        )
        return buffer.getvalue()

    yield "\ufeff" + line(headers())
    for record in records:
        yield line(row(record))


def _cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a string cell, whatever the text starts with
    return cell


def workbook(records: Iterable[AuditRecord]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("审计日志"))
    sheet.append([_cell(sheet, h) for h in headers()])
    for record in records:
        sheet.append([_cell(sheet, value) for value in row(record)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
