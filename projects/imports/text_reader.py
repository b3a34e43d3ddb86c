"""Reading self-evaluation sheets pasted or exported as tab-separated text (docs/rules.md §8).

This is the first of the importer's two steps and it is plain Python: text in, unsaved
`ParsedSheet`s out, each with what could not be placed. The browser's paste preview, the Excel
import and `import_sheets` all go through it; `projects.imports.services` saves the result.

The seed's copies of the official table drift: labels go missing, cells shift one or two
columns either way, the project name stands on its own line, a level-2 name sits in the level-1
column. The reader therefore anchors on labels and on the shape of values rather than on fixed
column numbers, and reports each line it cannot place instead of failing.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from indicators import catalogue
from indicators.scoring import FundsLine, Grade, IndicatorInput, SheetInput
from indicators.values import NOT_APPLICABLE_WORDS, parse_actual, parse_decimal, parse_target
from projects import official

OFFICIAL_FUNDS, OFFICIAL_INDICATORS = official.FUNDS_COLUMNS, official.INDICATOR_COLUMNS

TITLE_RE = re.compile(r"绩效自(?:评|我评价)")
YEAR_RE = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度")
LEVEL_WEIGHT_RE = re.compile(r"^(.*?)\s*[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]$")
TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
GRADES = tuple(Grade)
# What a funds cell prints for "no amount" (the sub-rows' 分数 and 得分 columns).
NO_AMOUNT = frozenset({"-", "—", "－", "/", "／", "——"})
# The funds figures the sheet keeps (the printed rate and score are recomputed, not read).
STORED_FUNDS_COLUMNS = frozenset({"initial", "annual", "executed", "weight"})
# A 其中： before a sub-row's label (其中：当年财政拨款) is optional.
SUB_ROW_PREFIX_RE = re.compile(r"^其中\s*[:：]?\s*")

FUNDS_LABELS = {name: key for key, name in official.FUNDS_ROW_NAMES.items()}
# Header cells start with these (年初预算数(A), 全年预算数（万元）); other regions' words too.
FUNDS_HEADER_LABELS = (
    ("年初预算", "initial"),
    ("全年预算", "annual"),
    ("全年执行", "executed"),
    (OFFICIAL_FUNDS["weight"], "weight"),
    ("分数", "weight"),
    ("权重", "weight"),
    (OFFICIAL_FUNDS["rate"], "rate"),
    (OFFICIAL_FUNDS["score"], "score"),
)
DEFAULT_FUNDS_ORDER = ("initial", "annual", "executed", "weight", "rate", "score")

# The official column labels first, then the words other regions print.
INDICATOR_HEADER_LABELS = (
    (OFFICIAL_INDICATORS["level1"], "level1"),
    (OFFICIAL_INDICATORS["level2"], "level2"),
    (OFFICIAL_INDICATORS["name"], "name"),
    (OFFICIAL_INDICATORS["target"], "target"),
    ("指标值", "target"),
    ("目标值", "target"),
    (OFFICIAL_INDICATORS["actual"], "actual"),
    ("实际值", "actual"),
    ("完成值", "actual"),
    (OFFICIAL_INDICATORS["weight"], "weight"),
    ("权重", "weight"),
    ("分数", "weight"),
    (OFFICIAL_INDICATORS["score"], "score"),
    ("偏差原因", "reason"),
    ("原因分析", "reason"),
    ("未完成原因", "reason"),
)
DEFAULT_INDICATOR_COLUMNS = {
    "level1": 0,
    "level2": 1,
    "name": 2,
    "target": 3,
    "actual": 4,
    "weight": 5,
    "score": 6,
    "reason": 7,
}
GOAL_LABELS = {
    official.GOALS,
    official.GOAL_EXPECTED,
    official.GOAL_ACHIEVED,
    "总体目标",
    "年度目标",
    "实际完成",
}
TOTAL_LABELS = {official.TOTAL, official.GRADE, "合计", "总计", "自评得分", "自评总分", "等级"}
GOAL_LABEL_RE = re.compile(
    rf"^(?:{re.escape(official.GOAL_EXPECTED)}|{re.escape(official.GOAL_ACHIEVED)})\s*[:：]?\s*"
)


@dataclass
class ParsedSheet:
    """An unsaved sheet as read from text, with the figures the text itself printed."""

    first_line: int
    title: str = ""
    year: int | None = None
    project: str = ""
    department: str = ""
    unit: str = ""
    funds: dict[str, FundsLine] = field(default_factory=dict)
    budget_weight: Decimal | None = None
    goal_expected: str = ""
    goal_achieved: str = ""
    rows: list[IndicatorInput] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)
    unplaced: list[tuple[int, str]] = field(default_factory=list)
    # What the sheet printed, for comparison with what the rules compute.
    printed_rates: dict[str, Decimal | None] = field(default_factory=dict)
    printed_budget_score: Decimal | None = None
    printed_total_weight: Decimal | None = None
    printed_total: Decimal | None = None
    printed_grade: str = ""

    def to_input(self) -> SheetInput:
        return SheetInput(
            project=self.project,
            department=self.department,
            unit=self.unit,
            funds=dict(self.funds),
            budget_weight=self.budget_weight,
            indicators=tuple(self.rows),
            unplaced=tuple(self.unplaced),
        )


@dataclass
class ParseResult:
    sheets: list[ParsedSheet]
    # Non-empty lines before the first sheet: nothing to attach them to.
    stray: list[tuple[int, str]]


def clean_goal(text: str) -> str:
    """Goal text without HTML tags or a leading 预期目标 / 实际完成情况 label; paragraphs kept."""
    s = re.sub(r"</p>\s*<p[^>]*>", "\n", text, flags=re.I)
    s = re.sub(r"<br\s*/?>", "\n", s, flags=re.I)
    s = TAG_RE.sub("", s)
    s = html.unescape(s)
    s = re.sub(r"[ \t\u3000]+", " ", s)
    s = "\n".join(line.strip() for line in s.splitlines() if line.strip())
    s = GOAL_LABEL_RE.sub("", s)
    return s.strip()


def _cells(line: str) -> list[str]:
    return [_number_nfkc(html.unescape(c).strip()) for c in line.rstrip("\r\n").split("\t")]


def _number_nfkc(cell: str) -> str:
    """A cell that is a number once its full-width characters are folded (`１２３．５０`, NFKC)
    is read as that number (`123.50`); any other cell stays exactly as printed."""
    if cell.isascii():
        return cell
    folded = unicodedata.normalize("NFKC", cell)
    return folded if parse_decimal(folded) is not None else cell


def _level_name(cell: str) -> str:
    """`产出指标(50分)` → `产出指标`: other regions print the weight inside the level cell."""
    match = LEVEL_WEIGHT_RE.match(cell)
    return (match.group(1) if match else cell).strip()


def _is_number(cell: str) -> bool:
    return parse_decimal(cell) is not None


class _Reader:
    def __init__(self, parents: dict[str, str], level1s: list[str]) -> None:
        self.parents = parents
        self.level1s = set(level1s)
        self.sheets: list[ParsedSheet] = []
        self.stray: list[tuple[int, str]] = []
        self.sheet: ParsedSheet | None = None
        self.stage = "header"
        self.lone_text: list[tuple[int, str]] = []
        self.funds_order: tuple[str, ...] = DEFAULT_FUNDS_ORDER
        self.columns: dict[str, int] = dict(DEFAULT_INDICATOR_COLUMNS)
        self.goal_cells: list[tuple[int, str]] = []
        self.goal_achieved_at: int | None = None
        self.level1 = ""
        self.level2 = ""

    # -- sheet boundaries ----------------------------------------------------------------

    def start(self, number: int, title: str = "") -> None:
        self.finish()
        self.sheet = ParsedSheet(first_line=number, title=title)
        match = YEAR_RE.search(title)
        if match:
            self.sheet.year = int(match.group(1) or match.group(2))
        self.stage = "header"
        self.lone_text = []
        self.funds_order = DEFAULT_FUNDS_ORDER
        self.columns = dict(DEFAULT_INDICATOR_COLUMNS)
        self.goal_cells = []
        self.goal_achieved_at = None
        self.level1 = self.level2 = ""

    def finish(self) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        self.flush_goals()
        # A lone line that never became the project name is unplaced.
        for number, text in self.lone_text:
            sheet.unplaced.append((number, text))
        self.lone_text = []
        self.sheets.append(sheet)
        self.sheet = None

    def unplaced(self, number: int, cells: list[str]) -> None:
        text = " | ".join(c for c in cells if c)
        if self.sheet is None:
            self.stray.append((number, text))
        else:
            self.sheet.unplaced.append((number, text))

    # -- one line ------------------------------------------------------------------------

    def feed(self, number: int, line: str) -> None:
        cells = _cells(line)
        filled = [c for c in cells if c]
        if not filled:
            return
        joined = "".join(filled)
        if TITLE_RE.search(joined) and len(filled) <= 2 and official.PROJECT not in joined:
            self.start(number, joined)
            return
        if any(c.startswith(official.PROJECT) for c in filled):
            if self.sheet is None or self.sheet.project or self.stage != "header":
                self.start(number)
            self.read_project(number, cells)
            return
        if self.sheet is None:
            self.stray.append((number, " | ".join(filled)))
            return
        sheet = self.sheet
        if any(c.startswith((official.DEPARTMENT, official.UNIT)) for c in filled) and (
            self.stage == "header"
        ):
            self.read_parties(cells)
            return
        funds_label = official.FUNDS_LINES[0]
        if any(c.startswith(funds_label) for c in filled) or any("年初预算" in c for c in filled):
            self.read_funds_header(cells)
            label_row = self.funds_row_label(cells)
            if label_row is None:
                return
        if self.funds_row_label(cells) is not None and self.stage in ("header", "funds"):
            self.read_funds_row(number, cells)
            return
        if any(c.startswith(official.GOALS) for c in filled) and self.stage in ("header", "funds"):
            self.stage = "goals"
            self.goal_achieved_at = next(
                (i for i, c in enumerate(cells) if c.startswith("实际完成")), None
            )
            self.goal_cells.extend(
                (i, c) for i, c in enumerate(cells) if c and c not in GOAL_LABELS
            )
            return
        if (
            any(c.startswith(OFFICIAL_INDICATORS["level1"]) for c in filled)
            or OFFICIAL_INDICATORS["name"] in filled
        ):
            self.flush_goals()
            self.read_indicator_header(cells)
            return
        if self.stage == "goals":
            self.goal_cells.extend(
                (i, c) for i, c in enumerate(cells) if c and c not in GOAL_LABELS
            )
            return
        if self.stage == "indicators" or self.stage == "done":
            if self.read_total(filled):
                return
            if self.stage == "indicators" and self.read_row(number, cells):
                return
            self.unplaced(number, cells)
            return
        # Header stage: a lone text before 项目名称 may be the project name printed above it.
        if self.stage == "header" and len(filled) == 1 and not sheet.project:
            self.lone_text.append((number, filled[0]))
            return
        self.unplaced(number, cells)

    # -- header --------------------------------------------------------------------------

    def read_project(self, number: int, cells: list[str]) -> None:
        assert self.sheet is not None
        filled = [c for c in cells if c]
        label_at = next(i for i, c in enumerate(filled) if c.startswith(official.PROJECT))
        inline = filled[label_at][len(official.PROJECT) :].lstrip(":： ")
        rest = [c for c in filled[label_at + 1 :]]
        name = inline or (rest[0] if rest else "")
        if not name and self.lone_text:
            # The project name printed on its own line above an empty 项目名称 cell.
            name = self.lone_text.pop()[1]
        self.sheet.project = name
        for number_, text in self.lone_text:
            self.sheet.unplaced.append((number_, text))
        self.lone_text = []

    def read_parties(self, cells: list[str]) -> None:
        assert self.sheet is not None
        filled = [c for c in cells if c]
        values: list[str] = []
        unit_label_value: str | None = None
        for i, c in enumerate(filled):
            if c.startswith(official.DEPARTMENT):
                inline = c[len(official.DEPARTMENT) :].lstrip(":： ")
                if inline:
                    values.append(inline)
                continue
            if c.startswith(official.UNIT):
                inline = c[len(official.UNIT) :].lstrip(":： ")
                if inline:
                    unit_label_value = inline
                elif i + 1 < len(filled):
                    unit_label_value = filled[i + 1]
                continue
            if c == unit_label_value:
                continue
            values.append(c)
        if values and not self.sheet.department:
            self.sheet.department = values[0]
        if unit_label_value:
            self.sheet.unit = unit_label_value
        elif len(values) > 1 and not self.sheet.unit:
            # The 实施单位 label is missing: the second name on the line is the unit.
            self.sheet.unit = values[1]

    # -- funds ---------------------------------------------------------------------------

    def read_funds_header(self, cells: list[str]) -> None:
        order: list[str] = []
        for c in cells:
            for label, key in FUNDS_HEADER_LABELS:
                if c and c.startswith(label) and key not in order:
                    order.append(key)
                    break
        if len(order) >= 3:
            self.funds_order = tuple(order)
        self.stage = "funds"

    @staticmethod
    def funds_row_label(cells: list[str]) -> tuple[int, str] | None:
        for i, c in enumerate(cells):
            bare = SUB_ROW_PREFIX_RE.sub("", c)
            if bare in FUNDS_LABELS:
                return i, FUNDS_LABELS[bare]
        return None

    def read_funds_row(self, number: int, cells: list[str]) -> None:
        assert self.sheet is not None
        found = self.funds_row_label(cells)
        assert found is not None
        at, key = found
        # The values follow the label in the header's order, blanks skipped: the seed's rows
        # drift from their header by a column or two, so positions cannot be trusted. (A blank
        # amount therefore shifts the ones after it; the sheet's findings then say so.)
        read: dict[str, Decimal | None] = {}
        values = [c for c in cells[at + 1 :] if c]
        unreadable = False
        for column, text in zip(self.funds_order, values, strict=False):
            value = parse_decimal(text)
            # `NaN`, `1e309`, `12万` are no amount, and no funds figure is negative (the
            # editor refuses one too): the cell is read as blank and the line is reported.
            if value is not None and value < 0:
                value = None
            read[column] = value
            if column in STORED_FUNDS_COLUMNS and value is None and text not in NO_AMOUNT:
                unreadable = True
        if unreadable:
            self.unplaced(number, cells)
        self.sheet.funds[key] = FundsLine(
            initial=read.get("initial"), annual=read.get("annual"), executed=read.get("executed")
        )
        self.sheet.printed_rates[key] = read.get("rate")
        if key == "total":
            self.sheet.budget_weight = read.get("weight")
            self.sheet.printed_budget_score = read.get("score")
        self.stage = "funds"

    # -- goals ---------------------------------------------------------------------------

    def flush_goals(self) -> None:
        if self.sheet is None or not self.goal_cells:
            return
        cells = [(i, clean_goal(c)) for i, c in self.goal_cells]
        cells = [(i, t) for i, t in cells if t]
        if (
            len(cells) == 1
            and self.goal_achieved_at is not None
            and cells[0][0] >= self.goal_achieved_at
        ):
            # Only 实际完成情况 is filled: the lone text stands under its label.
            self.sheet.goal_achieved = cells[0][1]
        elif cells:
            self.sheet.goal_expected = cells[0][1]
            self.sheet.goal_achieved = "\n".join(t for _i, t in cells[1:])
        self.goal_cells = []

    # -- indicators ----------------------------------------------------------------------

    def read_indicator_header(self, cells: list[str]) -> None:
        columns: dict[str, int] = {}
        for i, c in enumerate(cells):
            if not c:
                continue
            for label, key in INDICATOR_HEADER_LABELS:
                if label in c and key not in columns:
                    columns[key] = i
                    break
        if "name" in columns:
            self.columns = columns
        self.stage = "indicators"

    def read_total(self, filled: list[str]) -> bool:
        """A total line (`100  96.97`, `评分等级 … 100 96.88 优`) or a grade line (`评分等级 优`)."""
        assert self.sheet is not None
        rest = [c for c in filled if c not in TOTAL_LABELS]
        has_label = len(rest) != len(filled)
        if not rest:
            return has_label
        if not all(_is_number(c) or c in GRADES for c in rest):
            return False
        numbers = [parse_decimal(c) for c in rest if _is_number(c)]
        grades = [c for c in rest if c in GRADES]
        if not has_label and not (len(numbers) >= 2 or grades):
            return False
        if len(numbers) >= 2:
            self.sheet.printed_total_weight, self.sheet.printed_total = numbers[0], numbers[1]
        elif len(numbers) == 1:
            self.sheet.printed_total = numbers[0]
        if grades:
            self.sheet.printed_grade = grades[0]
        self.stage = "done"
        return True

    def read_row(self, number: int, cells: list[str]) -> bool:
        assert self.sheet is not None
        name_at = None
        for i, c in enumerate(cells):
            if not c:
                continue
            level = _level_name(c)
            if level in self.level1s:
                if level != self.level1:
                    self.level2 = ""
                self.level1 = level
                continue
            if level in self.parents:
                self.level2 = level
                # A level-2 name standing in the level-1 column still tells its level 1.
                self.level1 = self.parents[level]
                continue
            name_at = i
            break
        if name_at is None:
            return True  # a line of level names only: context for the rows below
        values = self.positional(cells, name_at) or self.by_shape(cells, name_at)
        target, actual, weight, score, reason = values
        if not (target or actual or weight or score):
            return False
        row = IndicatorInput(
            name=cells[name_at],
            level1=self.level1,
            level2=self.level2,
            target=target,
            actual=actual,
            weight=parse_decimal(weight),
            score=parse_decimal(score),
            reason=reason,
            applicable=actual not in NOT_APPLICABLE_WORDS,
        )
        self.sheet.rows.append(row)
        self.sheet.row_lines.append(number)
        return True

    def positional(self, cells: list[str], name_at: int) -> tuple[str, str, str, str, str] | None:
        """Read the row's values at the header's offsets from the name cell, if they fit."""
        base = self.columns.get("name", 2)

        def at(key: str) -> str:
            if key not in self.columns:
                return ""
            i = name_at + self.columns[key] - base
            return cells[i] if 0 <= i < len(cells) else ""

        weight, score = at("weight"), at("score")
        if not all(_is_number(c) or not c for c in (weight, score)):
            return None
        if not weight and not (at("target") or at("actual")):
            return None
        reason_at = name_at + self.columns.get("reason", base + 5) - base
        reason = " ".join(c for c in cells[max(reason_at, name_at + 1) :] if c)
        return at("target"), at("actual"), weight, score, reason

    @staticmethod
    def by_shape(cells: list[str], name_at: int) -> tuple[str, str, str, str, str]:
        """Read a drifted row by the shape of its values: the last pair of numbers before the
        trailing text is weight and score; what stands between the name and them is target and
        actual (extra columns such as 指标性质 come first and are dropped)."""
        rest = [c for c in cells[name_at + 1 :] if c]
        pair_at = None
        for j in range(len(rest) - 1):
            if _is_number(rest[j]) and _is_number(rest[j + 1]):
                if all(not _is_number(c) for c in rest[j + 2 :]):
                    pair_at = j
                    break
        if pair_at is None:
            # No weight and score: a sub-row without weights, or a cut-off line.
            middle, weight, score, reason_cells = rest[:2], "", "", rest[2:]
        else:
            middle = rest[:pair_at]
            weight, score = rest[pair_at], rest[pair_at + 1]
            reason_cells = rest[pair_at + 2 :]
        target = actual = ""
        if len(middle) >= 2:
            target, actual = middle[-2], middle[-1]
        elif len(middle) == 1:
            only = middle[0]
            looks_actual = parse_actual(only).kind in ("level", "not_applicable")
            looks_target = parse_target(only).operator is not None
            if looks_actual and not looks_target:
                actual = only
            else:
                target = only
        return target, actual, weight, score, " ".join(reason_cells)


def parse_text(
    text: str, *, parents: dict[str, str] | None = None, level1s: list[str] | None = None
) -> ParseResult:
    """Split text into sheets and read each one. Never raises on odd content."""
    reader = _Reader(
        parents if parents is not None else catalogue.level2_parents(),
        level1s if level1s is not None else catalogue.level1_names(),
    )
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        reader.feed(number, line)
    reader.finish()
    return ParseResult(sheets=reader.sheets, stray=reader.stray)
