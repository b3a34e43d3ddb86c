"""Reading self-evaluation sheets from Excel workbooks (.xlsx), docs/rules.md §8.

Plain Python (openpyxl, no Django). A workbook is turned into the tab-separated text that
`projects.imports.text_reader.parse_text` reads,
so Excel files go through the same tolerant reader as pasted text: one line per worksheet row,
one tab-separated cell per column, numbers printed as the sheet shows them, a merged range's
value in its top-left cell only, worksheets separated by a blank line.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula

# What openpyxl and zipfile raise on a file that is not a readable workbook.
UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ParseError,
    OSError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
)
DECIMALS_RE = re.compile(r"0\.(0+)")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format


class UnreadableWorkbook(ValueError):
    """The file is not a readable .xlsx workbook. `kind` says why, for the message a person
    reads (`projects.imports.services.unreadable_message`): `old_xls` (the binary .xls
    format), `text` (a text stream instead of bytes) or `invalid` (`detail` is the reason)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind, self.detail = kind, detail
        super().__init__(f"unreadable workbook ({kind}){': ' + detail if detail else ''}")


def _read_bytes(data: bytes | bytearray | memoryview | IO[bytes] | str | os.PathLike) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str | os.PathLike):
        with open(data, "rb") as handle:
            return handle.read()
    if hasattr(data, "seek"):
        try:
            data.seek(0)
        except (OSError, ValueError):
            pass
    content = data.read()
    if isinstance(content, str):
        raise UnreadableWorkbook("text")
    return bytes(content)


def _load(content: bytes, *, data_only: bool):
    return load_workbook(io.BytesIO(content), data_only=data_only)


def open_workbook(data) -> tuple[Any, Any]:
    """The workbook twice: with the values Excel computed, and with the formulas themselves.

    Raises UnreadableWorkbook for anything that is not a readable .xlsx.
    """
    content = _read_bytes(data)
    if content.startswith(OLE_SIGNATURE):
        raise UnreadableWorkbook("old_xls")
    try:
        values = _load(content, data_only=True)
        formulas = _load(content, data_only=False)
    except UNREADABLE as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnreadableWorkbook("invalid", reason) from exc
    return values, formulas


def _decimal_text(value: int | float | Decimal, number_format: str) -> str:
    """A number as the cell shows it: with the decimals its format asks for (`0.00` → two,
    `#,##0.00` with thousands separators, a percentage times 100 with `%`), else plain."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return ""
    fmt = (number_format or "General").split(";")[0]
    percent = "%" in fmt
    if percent:
        number *= 100
    places = DECIMALS_RE.search(fmt)
    if places or (percent or "#,##0" in fmt or fmt.strip() == "0"):
        exponent = Decimal(1).scaleb(-len(places.group(1))) if places else Decimal(1)
        number = number.quantize(exponent, rounding=ROUND_HALF_UP)
        text = f"{number:,}" if "#,##" in fmt else f"{number:f}"
    elif number == number.to_integral():
        # General: whole numbers without `.0`, never an exponent.
        text = f"{number.quantize(Decimal(1)):f}"
    else:
        text = f"{number:f}"
    return text + "%" if percent else text


def cell_text(cell, formula_cell=None) -> str:
    """One cell as tab-separated text shows it; never contains a tab or a line break."""
    value = cell.value
    if (value is None or cell.data_type == "e") and formula_cell is not None:
        # A formula nobody computed, such as a target `=4.00(轮)` written as a formula by a
        # program: its text is what the sheet meant.
        formula = formula_cell.value
        if isinstance(formula, ArrayFormula):
            formula = formula.text
        if isinstance(formula, str) and formula.startswith("="):
            value = formula
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, int | float | Decimal):
        text = _decimal_text(value, cell.number_format)
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    elif isinstance(value, date | time):
        text = value.isoformat()
    else:
        text = str(value)
    # A line break inside a cell becomes an HTML character reference: the text reader undoes
    # references in every cell, so the line structure stays one row per line.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\t", " ").replace("\n", "&#10;")


def worksheet_lines(ws, formulas_ws=None) -> list[str]:
    lines = []
    for row in ws.iter_rows():
        cells = []
        for cell in row:
            formula_cell = None
            if formulas_ws is not None and (cell.value is None or cell.data_type == "e"):
                formula_cell = formulas_ws.cell(row=cell.row, column=cell.column)
            cells.append(cell_text(cell, formula_cell))
        while cells and not cells[-1]:
            cells.pop()
        lines.append("\t".join(cells))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def xlsx_to_text(data) -> str:
    """Every worksheet of an .xlsx as tab-separated text for `parse_text`.

    `data` is the file's bytes, an open binary file (an upload) or a path. Raises
    UnreadableWorkbook when it is not a readable .xlsx workbook.
    """
    values, formulas = open_workbook(data)
    blocks = []
    for ws in values.worksheets:
        formulas_ws = formulas[ws.title] if ws.title in formulas.sheetnames else None
        blocks.append("\n".join(worksheet_lines(ws, formulas_ws)))
    return "\n\n".join(blocks) + "\n"
