"""Text in the workbooks the app writes: always a string cell, never a formula.

openpyxl turns a `str` that starts with `=` into a formula, and Excel or LibreOffice would run
`=HYPERLINK(…)`, `+1+1`, `-2`, `@SUM(A1)` typed by a user (CSV/formula injection, OWASP). Every
workbook the app writes puts user text (names of projects, units and departments, goals,
indicator names, targets, actuals, reasons, comments) through `text_cell`, which stores it as
a string cell with its value as typed — no `'` prefix, no formula, a leading tab or CR kept.

Two changes only, both to what a cell can hold: a browser's CR LF line break becomes Excel's
in-cell break (LF), and the control characters XML forbids are dropped. A lone CR is kept: XML
readers turn a raw CR into LF, so `workbook_bytes` writes it as the character reference
`&#13;`, which every reader (Excel, LibreOffice, openpyxl) reads back as CR.
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

# XML parts of the package that hold cell or comment text.
_TEXT_PARTS = ("xl/worksheets/", "xl/comments", "xl/sharedStrings.xml")


def cell_text(value: str | None) -> str:
    """A text as a cell holds it: CR LF line breaks as LF, no XML-illegal control characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", (value or "").replace("\r\n", "\n"))


def set_text(cell: Cell, value: str | None) -> Cell:
    """Put a text into a cell as a string cell (never a formula); an empty text leaves the
    cell empty."""
    text = cell_text(value)
    if text:
        cell.value = text
        # A text such as `=4.00(轮)` or `=HYPERLINK(…)` is a string, never a formula.
        cell.data_type = "s"
    return cell


def write_only_text(ws, value: str | None) -> WriteOnlyCell:
    """A cell of a write-only worksheet holding `value` as text (a string cell, never a
    formula); empty for no text."""
    text = cell_text(value)
    cell = WriteOnlyCell(ws, value=text or None)
    if text:
        cell.data_type = "s"
    return cell


def text_cell(ws: Worksheet, row: int, column: int, value: str | None) -> Cell:
    """The cell at (row, column) holding `value` as text (`set_text`)."""
    return set_text(ws.cell(row=row, column=column), value)


def keep_carriage_returns(xlsx: bytes) -> bytes:
    """The package with every raw CR in its text parts written as `&#13;`, so that a CR in a
    cell survives XML parsing. openpyxl writes no CR of its own (its XML ends lines with LF)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    if not any(
        b"\r" in source.read(info) for info in source.infolist() if _is_text_part(info.filename)
    ):
        return xlsx
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if _is_text_part(info.filename):
                data = data.replace(b"\r", b"&#13;")
            target.writestr(info, data)
    return out.getvalue()


def _is_text_part(name: str) -> bool:
    return name.endswith(".xml") and name.startswith(_TEXT_PARTS)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, CRs in text kept (`keep_carriage_returns`)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return keep_carriage_returns(buffer.getvalue())
