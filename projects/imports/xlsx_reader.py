"""Reading self-evaluation sheets from Excel workbooks (.xlsx), docs/rules.md §8.

Plain Python (openpyxl, no Django). A workbook is turned into the tab-separated text that
`projects.imports.text_reader.parse_text` reads,
so Excel files go through the same tolerant reader as pasted text: one line per worksheet row,
one tab-separated cell per column, numbers printed as the sheet shows them, a merged range's
value in its top-left cell only, worksheets separated by a blank line.

Before openpyxl sees a file, `check_workbook` bounds what reading it can cost (docs/rules.md,
Limits): the file's size, the size its zip entries expand to and their compression ratio, and
the range every worksheet claims (its `<dimension>`, each row and cell reference, merged
ranges, hyperlinks and comments, all of which make openpyxl create cells). The sheet XML is
streamed through expat without building a tree, so the check itself is bounded too.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

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
    """The file is not a readable .xlsx workbook, or reading it would cost too much. `kind`
    says why, for the message a person reads (`projects.imports.services.unreadable_message`):
    `old_xls` (the binary .xls format), `text` (a text stream instead of bytes), `empty`,
    `not_zip` (garbage or a truncated file), `corrupt` (an entry does not decompress),
    `doctype` (entity tricks), `invalid` (`detail` is the reason), and the limits:
    `too_large`, `unzipped`, `ratio`, `entries`, `range` (`detail` is the reference),
    `cells`. `figures` holds the numbers the message quotes (`size`, `limit`, `rows`, ...)."""

    def __init__(self, kind: str, detail: str = "", **figures: int) -> None:
        self.kind, self.detail, self.figures = kind, detail, figures
        super().__init__(f"unreadable workbook ({kind}){': ' + detail if detail else ''}")


MIB = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """What reading one workbook may cost; the defaults are the settings' defaults."""

    max_bytes: int = 5 * MIB
    max_unzipped_bytes: int = 50 * MIB
    # An entry expanding to more than `max_ratio` times its compressed size is refused once it
    # is larger than `ratio_floor` (small XML parts compress very well and are harmless).
    max_ratio: int = 200
    ratio_floor: int = MIB
    max_entries: int = 1000
    max_rows: int = 2000
    max_columns: int = 60

    @property
    def max_cells(self) -> int:
        """Cells openpyxl would create, every worksheet and merged range together."""
        return self.max_rows * self.max_columns


def _read_bytes(
    data: bytes | bytearray | memoryview | IO[bytes] | str | os.PathLike, max_bytes: int
) -> bytes:
    """The file's bytes, refused as `too_large` before more than `max_bytes` + 1 are read."""
    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
    elif isinstance(data, str | os.PathLike):
        size = os.path.getsize(data)
        if size > max_bytes:
            raise UnreadableWorkbook("too_large", size=size, limit=max_bytes)
        with open(data, "rb") as handle:
            content = handle.read(max_bytes + 1)
    else:
        if hasattr(data, "seek"):
            try:
                data.seek(0)
            except (OSError, ValueError):
                pass
        content = data.read(max_bytes + 1)
        if isinstance(content, str):
            raise UnreadableWorkbook("text")
        content = bytes(content)
    if len(content) > max_bytes:
        raise UnreadableWorkbook("too_large", size=len(content), limit=max_bytes)
    return content


CELL_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,12})$")
SPREADSHEETML = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
# Elements whose reference makes openpyxl create a cell (or, for a range, every cell of it).
RANGE_ELEMENTS = frozenset({"dimension", "mergeCell"})
CELL_ELEMENTS = frozenset({"hyperlink", "comment"})


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _cell_ref(ref: str) -> tuple[int, int]:
    """`XFD1048576` → (row 1048576, column 16384)."""
    match = CELL_REF_RE.match(ref.strip())
    if not match:
        raise UnreadableWorkbook("invalid", f"cell reference {ref[:30]!r}")
    return int(match.group(2)), _column_number(match.group(1))


class _SheetScan:
    """Streams one XML part through expat, refusing a range beyond the limits as soon as it
    is seen. Rows and cells without a reference follow the one before, as openpyxl reads
    them."""

    def __init__(self, limits: WorkbookLimits, cells: list[int]) -> None:
        self.limits, self.cells = limits, cells  # cells[0]: the workbook's running count
        self.row = self.column = 0

    def check(self, row: int, column: int, ref: str) -> None:
        if row > self.limits.max_rows or column > self.limits.max_columns:
            raise UnreadableWorkbook(
                "range", ref, rows=self.limits.max_rows, columns=self.limits.max_columns
            )

    def count(self, n: int) -> None:
        self.cells[0] += n
        if self.cells[0] > self.limits.max_cells:
            raise UnreadableWorkbook("cells", limit=self.limits.max_cells)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _sep, local = name.rpartition(" ")
        if namespace not in SPREADSHEETML:
            return
        if local == "row":
            self.row = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row + 1
            self.column = 0
            self.check(self.row, 1, f"{self.row}:{self.row}")
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                self.row, self.column = _cell_ref(ref)
            else:
                self.column += 1
            self.check(self.row, self.column, ref or f"R{self.row}C{self.column}")
            self.count(1)
        elif local in RANGE_ELEMENTS or local in CELL_ELEMENTS:
            ref = attrs.get("ref", "")
            corners = [_cell_ref(part) for part in ref.split(":") if part] or [(1, 1)]
            for row, column in corners:
                self.check(row, column, ref)
            if local == "mergeCell" and len(corners) == 2:
                (r1, c1), (r2, c2) = corners
                self.count((abs(r2 - r1) + 1) * (abs(c2 - c1) + 1))
            elif local in CELL_ELEMENTS:
                self.count(1)


def _refuse_doctype(*_args) -> None:
    raise UnreadableWorkbook("doctype")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _SheetScan) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.StartDoctypeDeclHandler = _refuse_doctype
    with archive.open(info) as stream:
        head = stream.read(64 * 1024)
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return  # not XML (an image, a VBA project): openpyxl never parses it as a sheet
        while head:
            parser.Parse(head, False)
            head = stream.read(64 * 1024)
        parser.Parse(b"", True)


def check_workbook(content: bytes, limits: WorkbookLimits) -> None:
    """Refuse, before any parsing, a workbook whose reading would exceed `limits`."""
    if not content:
        raise UnreadableWorkbook("empty")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableWorkbook("not_zip", str(exc)) from exc
    if len(infos) > limits.max_entries:
        raise UnreadableWorkbook("entries", size=len(infos), limit=limits.max_entries)
    unzipped = sum(info.file_size for info in infos)
    if unzipped > limits.max_unzipped_bytes:
        raise UnreadableWorkbook("unzipped", size=unzipped, limit=limits.max_unzipped_bytes)
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise UnreadableWorkbook("ratio", size=ratio, limit=limits.max_ratio)
    cells = [0]
    for info in infos:
        if info.is_dir() or not info.file_size:
            continue
        try:
            _scan_part(archive, info, _SheetScan(limits, cells))
        except expat.ExpatError as exc:
            raise UnreadableWorkbook("invalid", f"{info.filename}: {exc}") from exc
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            # zipfile's answer to a compression method it does not support (e.g. deflate64).
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise UnreadableWorkbook("corrupt", f"{info.filename}: {exc}") from exc


def _load(content: bytes, *, data_only: bool):
    return load_workbook(io.BytesIO(content), data_only=data_only)


def open_workbook(data, limits: WorkbookLimits | None = None) -> tuple[Any, Any]:
    """The workbook twice: with the values Excel computed, and with the formulas themselves.

    Raises UnreadableWorkbook for anything that is not a readable .xlsx, or that `limits`
    refuse (checked before openpyxl reads anything).
    """
    limits = limits or WorkbookLimits()
    content = _read_bytes(data, limits.max_bytes)
    if content.startswith(OLE_SIGNATURE):
        raise UnreadableWorkbook("old_xls")
    check_workbook(content, limits)
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
    text = text.replace("\t", " ").replace("\n", "&#10;")
    # A cell's leading quote as a reference too: a workbook's text is never read as Excel's
    # clipboard quoting (`text_reader.excel_shaped`), whatever its cells start with.
    return "&quot;" + text[1:] if text.startswith('"') else text


def worksheet_lines(ws, formulas_ws=None, limits: WorkbookLimits | None = None) -> list[str]:
    limits = limits or WorkbookLimits()
    lines = []
    # Bounded even if a range slipped past `check_workbook`: never past the limits.
    rows = ws.iter_rows(
        max_row=min(ws.max_row, limits.max_rows), max_col=min(ws.max_column, limits.max_columns)
    )
    for row in rows:
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


def xlsx_to_text(data, limits: WorkbookLimits | None = None, *, first_only: bool = False) -> str:
    """Every worksheet of an .xlsx (or only the first: `first_only`) as tab-separated text for
    `parse_text`.

    `data` is the file's bytes, an open binary file (an upload) or a path. Raises
    UnreadableWorkbook when it is not a readable .xlsx workbook or exceeds `limits`.
    """
    values, formulas = open_workbook(data, limits)
    blocks = []
    for ws in values.worksheets[:1] if first_only else values.worksheets:
        formulas_ws = formulas[ws.title] if ws.title in formulas.sheetnames else None
        blocks.append("\n".join(worksheet_lines(ws, formulas_ws, limits)))
    return "\n\n".join(blocks) + "\n"
