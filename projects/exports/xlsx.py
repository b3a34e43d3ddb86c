"""The official sheet as an Excel workbook, laid out from a `SheetView` (docs/rules.md §1).

The layout is the one of `templates/projects/sheets/includes/official_sheet.html`: eight columns, the
same merged cells, the official Chinese labels. Every figure comes from the view-model: amounts,
rates, weights and scores are written as the view's `Decimal`s into numeric cells with a
two-decimal format; nothing is computed here. Every text is a string cell with its value as
typed, never a formula (`xlsx_text`): a target `=4.00(轮)` or a project named `=HYPERLINK(…)`. The page is set up to print on A4 landscape,
one page wide, with the indicator header repeated on every page.

`projects.imports.xlsx_reader` reads these workbooks back through the same text reader as
pasted text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from projects import official
from projects.sheets.view_model import SheetView

from .xlsx_text import cell_text, set_text
from .xlsx_text import workbook_bytes as workbook_bytes

SANS = "Noto Sans CJK SC"
SERIF = "Noto Serif CJK SC"
BODY_SIZE = 10
TITLE_SIZE = 16

# Column widths in Excel's units (about one Latin digit each): 一级指标 … 偏差原因分析及改进措施.
WIDTHS = {"A": 12, "B": 14, "C": 28, "D": 14, "E": 16, "F": 8, "G": 8, "H": 30}
COLUMNS = len(WIDTHS)

AMOUNT_FORMAT = "#,##0.00"
NUMBER_FORMAT = "0.00"

# Points per printed line of 10-point Noto CJK text, and the padding of a row.
LINE_HEIGHT = 15
ROW_PADDING = 4
TITLE_HEIGHT = 30
# Excel caps a row at 409 points.
MAX_ROW_HEIGHT = 409

FUNDS_COLUMNS = tuple(official.FUNDS_COLUMNS.values())
INDICATOR_HEADER = tuple(official.INDICATOR_COLUMNS.values())

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FONT = Font(name=SANS, size=BODY_SIZE)
LABEL_FONT = Font(name=SANS, size=BODY_SIZE, bold=True)
TITLE_FONT = Font(name=SERIF, size=TITLE_SIZE, bold=True)


def _align(horizontal: str) -> Alignment:
    return Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


LEFT, CENTER, RIGHT = _align("left"), _align("center"), _align("right")

SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# -- measuring text ------------------------------------------------------------------------


def text_units(text: str) -> int:
    """Width of a line in column units: a CJK (wide or full-width) character counts 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def line_count(text: str, width: float) -> int:
    """Printed lines of a wrapped text in a cell `width` units wide (paragraphs kept)."""
    if not text:
        return 1
    usable = max(width - 1.5, 1.0)  # the cell's inner padding
    return sum(max(1, math.ceil(text_units(paragraph) / usable)) for paragraph in text.split("\n"))


def row_height(lines: int) -> float:
    return min(lines * LINE_HEIGHT + ROW_PADDING, MAX_ROW_HEIGHT)


def _width(first: int, last: int) -> float:
    return sum(WIDTHS[get_column_letter(c)] for c in range(first, last + 1))


# -- writing cells -------------------------------------------------------------------------


class _Writer:
    def __init__(self, ws: Worksheet, places: int = 2) -> None:
        self.ws = ws
        # The rule set's places: figures of a whole-points rule set print as whole numbers.
        self.places = places
        self.row = 0
        # Lines each row needs, from its cells that span one row only.
        self.lines: dict[int, int] = {}

    def next_row(self) -> int:
        self.row += 1
        self.lines.setdefault(self.row, 1)
        return self.row

    def text(
        self,
        column: int,
        value: str,
        *,
        font: Font = FONT,
        align: Alignment = LEFT,
        last_column: int | None = None,
        rows: int = 1,
    ) -> None:
        """A text cell, merged over `last_column` and `rows` when given; always a string."""
        cell = set_text(self.ws.cell(row=self.row, column=column), value)
        value = cell_text(value)
        cell.font = font
        cell.alignment = align
        last = last_column or column
        if last != column or rows != 1:
            self.ws.merge_cells(
                start_row=self.row,
                start_column=column,
                end_row=self.row + rows - 1,
                end_column=last,
            )
        if rows == 1:
            needed = line_count(value, _width(column, last))
            self.lines[self.row] = max(self.lines.get(self.row, 1), needed)

    def number(
        self, column: int, value: Decimal | None, *, number_format: str = NUMBER_FORMAT
    ) -> None:
        """A numeric cell holding the view's Decimal; an empty value stays an empty cell."""
        cell = self.ws.cell(row=self.row, column=column)
        if value is not None:
            cell.value = value
            whole = self.places == 0 and value == value.to_integral_value()
            cell.number_format = "0" if whole and number_format == NUMBER_FORMAT else number_format
        cell.font = FONT
        cell.alignment = RIGHT


def _labels(w: _Writer, first_column: int, labels: Iterable[str]) -> None:
    for offset, label in enumerate(labels):
        w.text(first_column + offset, label, font=LABEL_FONT, align=CENTER)


def write_sheet(
    ws: Worksheet, view: SheetView, *, exported_at: datetime, status_label: str
) -> None:
    """Lay out one sheet on `ws` like the official form, block by block."""
    w = _Writer(ws, view.places)
    w.next_row()
    w.text(1, view.title, font=TITLE_FONT, align=CENTER, last_column=COLUMNS)
    title_row = w.row
    _write_header(w, view)
    _write_funds(w, view)
    _write_goals(w, view)
    header_row = _write_indicators(w, view)
    _write_totals(w, view)
    last_row = w.row
    _finish(ws, w, title_row=title_row, header_row=header_row, last_row=last_row)
    _page_setup(ws, header_row=header_row, last_row=last_row)
    _footer(ws, exported_at=exported_at, status_label=status_label)


def _label(w: _Writer, column: int, text: str, **merge) -> None:
    w.text(column, text, font=LABEL_FONT, align=CENTER, **merge)


def _write_header(w: _Writer, view: SheetView) -> None:
    w.next_row()
    _label(w, 1, official.PROJECT)
    w.text(2, view.project, last_column=COLUMNS)
    w.next_row()
    _label(w, 1, official.DEPARTMENT)
    w.text(2, view.department, last_column=4)
    _label(w, 5, official.UNIT)
    w.text(6, view.unit, last_column=COLUMNS)


def _write_funds(w: _Writer, view: SheetView) -> None:
    """项目资金（万元） or 项目资金（元）: a label over the column header and the four rows,
    whose amounts are in that unit (the view's)."""
    w.next_row()
    _label(w, 1, "\n".join(view.funds_lines), rows=1 + len(view.funds))
    _label(w, 2, "")
    _labels(w, 3, FUNDS_COLUMNS)
    for funds in view.funds:
        w.next_row()
        w.text(2, funds.label, font=LABEL_FONT, align=LEFT)
        w.number(3, funds.initial, number_format=AMOUNT_FORMAT)
        w.number(4, funds.annual, number_format=AMOUNT_FORMAT)
        w.number(5, funds.executed, number_format=AMOUNT_FORMAT)
        if funds.is_total:
            w.number(6, view.budget_weight)
            w.number(7, funds.rate)
            w.number(8, view.budget_score)
        else:
            # The sub-rows print "-" in 分值 and 得分: text, not a missing value.
            w.text(6, funds.weight_text, align=CENTER)
            w.number(7, funds.rate)
            w.text(8, funds.score_text, align=CENTER)


def _write_goals(w: _Writer, view: SheetView) -> None:
    w.next_row()
    _label(w, 1, official.GOALS, rows=2)
    _label(w, 2, official.GOAL_EXPECTED, last_column=5)
    _label(w, 6, official.GOAL_ACHIEVED, last_column=COLUMNS)
    w.next_row()
    w.text(2, view.goal_expected, last_column=5)
    w.text(6, view.goal_achieved, last_column=COLUMNS)


def _write_indicators(w: _Writer, view: SheetView) -> int:
    """绩效指标; returns the header's row, which repeats on every printed page."""
    w.next_row()
    header_row = w.row
    _labels(w, 1, INDICATOR_HEADER)
    for row in view.rows:
        w.next_row()
        if row.level1_span:
            w.text(1, row.level1, align=CENTER, rows=row.level1_span)
        if row.level2_span:
            w.text(2, row.level2, align=CENTER, rows=row.level2_span)
        w.text(3, row.name)
        w.text(4, row.target, align=CENTER)
        w.text(5, row.actual, align=CENTER)
        w.number(6, row.weight)
        w.number(7, row.score)
        w.text(8, row.reason)
    return header_row


def _write_totals(w: _Writer, view: SheetView) -> None:
    """总分 and 评分等级."""
    w.next_row()
    _label(w, 1, official.TOTAL, last_column=5)
    w.number(6, view.weight_total)
    w.number(7, view.total)
    w.text(8, "")
    if view.rescaled:
        # Beside the total as a note, not in a cell: the printed row keeps the official shape
        # and the workbook reads back as the same sheet.
        w.ws.cell(row=w.row, column=7).comment = Comment(view.total_explanation, "perfeval")
    w.next_row()
    _label(w, 1, official.GRADE, last_column=5)
    _label(w, 6, view.grade, last_column=COLUMNS)


def _finish(ws: Worksheet, w: _Writer, *, title_row: int, header_row: int, last_row: int) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    for number in range(1, last_row + 1):
        for column in range(1, COLUMNS + 1):
            cell = ws.cell(row=number, column=column)
            if number == title_row:
                cell.font = TITLE_FONT
                continue
            # Every cell of the table, those covered by a merge included, so that merged
            # ranges print with their whole frame.
            cell.border = BORDER
            if cell.font is None or cell.font.name != SANS:
                cell.font = FONT
            if not cell.alignment.wrap_text:
                cell.alignment = LEFT
        if number == title_row:
            # The title's characters are 16/10 as wide as the body's; a long wording wraps.
            title = str(ws.cell(row=number, column=1).value or "")
            lines = line_count(title, _width(1, COLUMNS) * BODY_SIZE / TITLE_SIZE)
            ws.row_dimensions[number].height = TITLE_HEIGHT * lines
        else:
            ws.row_dimensions[number].height = row_height(w.lines.get(number, 1))


def _page_setup(ws: Worksheet, *, header_row: int, last_row: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{get_column_letter(COLUMNS)}{last_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.4, bottom=0.6, header=0.2, footer=0.3)


def _footer(ws: Worksheet, *, exported_at: datetime, status_label: str) -> None:
    if timezone.is_aware(exported_at):
        exported_at = timezone.localtime(exported_at)
    center = ws.oddFooter.center
    center.text = "第 &P 页 共 &N 页"
    center.font = f"{SANS},Regular"
    center.size = 9
    right = ws.oddFooter.right
    # `&` starts a header/footer code: a literal one is doubled.
    label = status_label.replace("&", "&&")
    right.text = f"{label}  导出于 {exported_at:%Y-%m-%d %H:%M}"
    right.font = f"{SANS},Regular"
    right.size = 7


# -- workbooks -----------------------------------------------------------------------------


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet title from a project name: ≤ 31 characters, none of []:*?/\\, unique."""
    base = SHEET_TITLE_FORBIDDEN.sub("", name).strip().strip("'").strip() or "Sheet"
    base = base[:31]
    title, n = base, 1
    while title.casefold() in {t.casefold() for t in taken}:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title)
    return title


def _default_font(wb: Workbook) -> None:
    """Make the body font the workbook's default (the Normal style and style 0).

    Column widths are counted in digits of the default font: with Calibri absent, LibreOffice
    would measure them in a wider substitute and the row heights would no longer match.
    Must run before any cell is styled.
    """
    wb._fonts = IndexedList([FONT])
    wb._named_styles["Normal"].font = FONT


def sheet_workbook(views: list[tuple[SheetView, str]], *, exported_at: datetime) -> Workbook:
    """One worksheet per sheet, each laid out by `write_sheet`; `views` pairs each view with
    the status label printed in the footer."""
    wb = Workbook()
    _default_font(wb)
    wb.properties.creator = "perfeval"
    wb.properties.title = official.TITLE
    default = wb.active
    taken: set[str] = set()
    for view, status_label in views:
        ws = wb.create_sheet(sheet_title(view.project, taken))
        write_sheet(ws, view, exported_at=exported_at, status_label=status_label)
    if views:
        wb.remove(default)
    return wb
