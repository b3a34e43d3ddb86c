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

import csv
import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from indicators import catalogue
from indicators.scoring import FundsLine, Grade, IndicatorInput, SheetInput
from indicators.values import (
    EMPTY_WORDS,
    NOT_APPLICABLE_WORDS,
    parse_actual,
    parse_decimal,
    parse_percent,
    parse_target,
)
from projects import official

OFFICIAL_FUNDS, OFFICIAL_INDICATORS = official.FUNDS_COLUMNS, official.INDICATOR_COLUMNS

# A title: 绩效自评表, 绩效自我评价表, and the variants ending in 自评表 (绩效目标自评表,
# 2022年度共享工程项目自评表), optionally followed by the year.
TITLE_RE = re.compile(r"绩效自(?:评|我评价)|自评表\s*(?:[（(]?\s*\d{4}\s*年度?\s*[)）]?)?\s*$")
YEAR_RE = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度")
LEVEL_WEIGHT_RE = re.compile(r"^(.*?)\s*[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]$")
# A project code printed before the name: `51092324T000000123456-项目名`.
PROJECT_CODE_RE = re.compile(r"^([0-9A-Za-z]{6,}[0-9A-Za-z]*)\s*[-—–_－]\s*(\S.*)$")
AMOUNT_UNITS = ("wan", "yuan")
WAN_RE = re.compile(r"万元")
YUAN_RE = re.compile(r"[（(]\s*元\s*[)）]|单位\s*[:：]?\s*(?:人民币)?\s*元")
# The weight a header prints for the budget block: `得分(20分*执行率)`, `预算执行情况(万元)(20分)`.
HEADER_WEIGHT_RE = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分")
TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
GRADES = tuple(Grade)
# What a funds cell prints for "no amount" (the sub-rows' 分数 and 得分 columns).
NO_AMOUNT = frozenset({"-", "—", "－", "/", "／", "——"})
# The funds figures the sheet keeps (the printed rate and score are recomputed, not read).
STORED_FUNDS_COLUMNS = frozenset({"initial", "annual", "executed", "weight"})
# A 其中： before a sub-row's label (其中：当年财政拨款) is optional.
SUB_ROW_PREFIX_RE = re.compile(r"^其中\s*[:：]?\s*")

# The funds rows by every label the regions print (after 其中： and a trailing colon are
# removed). The sheet keeps four rows; other sources (EXTRA_SOURCES) are added into 其他资金
# and reported (docs/rules.md §8).
FUNDS_LABELS = {name: key for key, name in official.FUNDS_ROW_NAMES.items()} | {
    "年度财政资金总额": "total",
    "资金总额": "total",
    "总额": "total",
    "年度资金总额合计": "total",
    "本年财政拨款": "appropriation",
    "当年财政资金": "appropriation",
    "本年财政资金": "appropriation",
    "财政拨款": "appropriation",
    "财政资金": "appropriation",
    "上年结转": "carryover",
    "以前年度结转资金": "carryover",
    "结转资金": "carryover",
    "其他": "other",
}
EXTRA_SOURCES = ("财政专户管理资金", "单位资金", "单位自有资金", "自筹资金", "社会资金")
EXTRA = "extra"
# A funds header cell (whitespace removed) → its column: 年初预算数; 全年预算数, 调整后预算数,
# 预算数(A), 全年预算数(A); 全年执行数, 执行数(B); 分值 (分数, 权重); 执行率; 得分.
FUNDS_HEADER_PATTERNS = (
    (re.compile(r"^年初预算"), "initial"),
    (re.compile(r"^(?:全年|调整后|调整|年度)?预算数|^全年预算"), "annual"),
    (re.compile(r"^(?:全年|实际)?执行数|^全年执行"), "executed"),
    (re.compile(r"^(?:分值|分数|权重)"), "weight"),
    (re.compile(r"^执行率"), "rate"),
    (re.compile(r"^得分"), "score"),
)
DEFAULT_FUNDS_ORDER = ("initial", "annual", "executed", "weight", "rate", "score")
# How far a funds row's cells may stand from its header's columns (the seed drifts by one),
# nearest first and 0 first.
MAX_SHIFT = 3
SHIFTS = sorted(range(-MAX_SHIFT, MAX_SHIFT + 1), key=lambda s: (abs(s), -s))

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
    ("改进措施", "reason"),
    # The Yunnan form splits 年度指标值 into 指标性质 (the operator) · 指标值 · 度量单位.
    ("指标性质", "nature"),
    ("度量单位", "unit"),
    ("计量单位", "unit"),
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
TOTAL_LABELS = {
    official.TOTAL,
    official.GRADE,
    "合计",
    "总计",
    "自评得分",
    "自评总分",
    "等级",
    "自评等级",
    "自评结果",
}
# Boxes printed after the indicator table (or beside it): never an indicator row. Their text
# is reported as unplaced unless it says nothing (无).
TRAILING_LABELS = (
    "其他需要说明事项",
    "其他需说明事项",
    "偏差大或目标未完成原因分析",
    "改进措施",
    "备注",
    "说明",
    "注：",
    "注:",
    "项目负责人",
    "联系电话",
    "填表人",
    "填报人",
    "审核人",
)
NOTHING = frozenset({"无", "无。", "暂无", "没有", "-", "—", "/", "／"})
# Checkbox rows of the header (项目类别 1、部门预算项目 ☑ 2、市直专项 □).
CHECKBOX_LABELS = ("项目类别", "项目属性", "项目类型", "项目性质")
# Template rows with nothing filled in: `指标2`, `指标2:`, `……`, `...`.
PLACEHOLDER_RE = re.compile(r"^(?:指标\s*\d*\s*[:：]?|[…\.。·、]+|其他|其它)$")
# Lines above the header (`部门:某中学`, `项目单位(盖章):某馆`, `主管部门(盖章):`, `单位:万元`,
# `填报日期:2023.6.28`, `公开14表`): understood, and never overriding the header's own names.
PREAMBLE_RE = re.compile(
    r"^(?P<label>[^:：]{1,12}?)\s*(?:[（(]\s*盖章\s*[)）])?\s*[:：]\s*(?P<value>.*)$"
)
PREAMBLE_UNIT = frozenset(
    {"部门", "单位", "单位名称", "项目单位", "填报单位", "预算单位", official.UNIT}
)
PREAMBLE_DEPARTMENT = frozenset({official.DEPARTMENT, "主管单位"})
PREAMBLE_IGNORED = frozenset(
    {"填报日期", "日期", "填报人", "联系电话", "联系人", "金额单位", "项目负责人"}
)
UNIT_LINE_RE = re.compile(r"^(?:金额)?单位[:：](万元|元)$")
FORM_NUMBER_RE = re.compile(r"^(?:公开|附表|附件|表)\s*\d+\s*表?$")
# Level-2 names printed short or with template residue: 经济效益 → 经济效益指标,
# 环境效益 → 生态效益指标, 服务对象满意度指标等 → 服务对象满意度指标.
LEVEL2_ALIASES = {"环境效益": "生态效益指标", "环境效益指标": "生态效益指标"}
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
    # The unit the funds block prints its amounts in: "wan" (万元) or "yuan" (元); the saving
    # converts to 万元. `amount_unit_printed` says whether the sheet printed it at all.
    amount_unit: str = "wan"
    amount_unit_printed: bool = False
    # A code printed before the project name (`51092324T…-项目名`); the name keeps it.
    project_code: str = ""
    # Funds rows beyond the four the sheet keeps (财政专户管理资金, 单位资金): (label, line).
    extra_sources: list[tuple[str, FundsLine]] = field(default_factory=list)
    # The budget weight printed in a header (`得分(20分*执行率)`), when no 分值 cell gives it.
    header_budget_weight: Decimal | None = None
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


def _clean(cell: str) -> str:
    """One cell as read: HTML references undone, a line break inside kept as `\n`, trimmed,
    and a number printed in full-width characters read as that number."""
    text = html.unescape(cell).replace("\r\n", "\n").replace("\r", "\n")
    return _number_nfkc(text.strip())


def _cells(line: str) -> list[str]:
    return [_clean(c) for c in line.rstrip("\r\n").split("\t")]


def excel_shaped(text: str) -> bool:
    """Whether `text` is quoted as Excel puts cells on the clipboard: at least one cell in
    double quotes, and every cell that starts with a quote is a whole quoted field (inner
    quotes doubled, the closing quote followed by a tab or the end of the line) holding what
    Excel quotes for (a line break, a tab or a quote). Text from Word, WPS or a web page — a
    cell that merely starts with a quote (`"三公"经费压减`), an unbalanced quote — is not."""
    i, n, quoted, cell_start = 0, len(text), False, True
    while i < n:
        if cell_start and text[i] == '"':
            j, body = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    return False
                if text.startswith('""', k):
                    body.append(text[j : k + 1])
                    j = k + 2
                    continue
                body.append(text[j:k])
                break
            if k + 1 < n and text[k + 1] not in "\t\r\n":
                return False
            if not any(c in "".join(body) for c in '"\t\r\n'):
                return False
            quoted, cell_start, i = True, False, k + 1
            continue
        cell_start = text[i] in "\t\r\n"
        i += 1
    return quoted


def split_rows(text: str) -> list[tuple[int, list[str]]]:
    """The text's rows as (line number, cells). Text quoted the way Excel's clipboard quotes
    it is read with the standard library's `excel-tab` dialect, so a quoted cell keeps its
    line breaks and quotes; anything else is read line by line, split at tabs."""
    if '"' in text and excel_shaped(text):
        try:
            reader = csv.reader(io.StringIO(text, newline=""), dialect="excel-tab")
            rows, start = [], 1
            for record in reader:
                rows.append((start, [_clean(c) for c in record]))
                start = reader.line_num + 1
            return rows
        except csv.Error:
            pass  # a cell beyond the csv module's field limit: read the lines as they are
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [(number, _cells(line)) for number, line in enumerate(lines, 1)]


def _number_nfkc(cell: str) -> str:
    """A cell that is a number once its full-width characters are folded (`１２３．５０`, NFKC)
    is read as that number (`123.50`); any other cell stays exactly as printed."""
    if cell.isascii():
        return cell
    folded = unicodedata.normalize("NFKC", cell)
    return folded if parse_decimal(folded) is not None else cell


def _compact(cell: str) -> str:
    return re.sub(r"\s+", "", cell)


def _level_name(cell: str) -> str:
    """`产出指标(50分)` → `产出指标`: other regions print the weight inside the level cell;
    a level split over two lines (`经济效益\n指标`) is joined."""
    compact = _compact(cell)
    match = LEVEL_WEIGHT_RE.match(compact)
    return (match.group(1) if match else compact).strip()


def _is_number(cell: str) -> bool:
    return parse_decimal(cell) is not None


def amount_unit_of(cells: list[str]) -> str | None:
    """The amount unit printed in these cells (`项目资金（元）`, `单位:元`, `(万元)`), if any."""
    for cell in cells:
        compact = _compact(cell)
        if WAN_RE.search(compact):
            return "wan"
        if YUAN_RE.search(compact):
            return "yuan"
    return None


def funds_label(cell: str) -> tuple[str, str] | None:
    """A funds row's label → (key, label as printed without 其中：); EXTRA for other sources."""
    bare = SUB_ROW_PREFIX_RE.sub("", _compact(cell)).rstrip(":：")
    bare = re.sub(r"[（(](?:万元|元)[)）]$", "", bare)
    if bare in FUNDS_LABELS:
        return FUNDS_LABELS[bare], bare
    if bare in EXTRA_SOURCES:
        return EXTRA, bare
    return None


def funds_header_key(cell: str) -> str | None:
    compact = _compact(cell)
    for pattern, key in FUNDS_HEADER_PATTERNS:
        if pattern.search(compact):
            return key
    return None


def _sum(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    return a if b is None else a + b


def _add_lines(a: FundsLine, b: FundsLine) -> FundsLine:
    return FundsLine(
        _sum(a.initial, b.initial), _sum(a.annual, b.annual), _sum(a.executed, b.executed)
    )


def _join_target(nature: str, value: str, unit: str) -> str:
    """指标性质 · 指标值 · 度量单位 as one target text: `≧` `735` `人次` → `≧735人次`. The
    性质 is prefixed only when it is an operator (not 正向指标, 定量), the unit only when
    the value does not already end with it."""
    if not value:
        return ""
    target = value
    if nature and parse_target(nature + "0").operator is not None:
        if parse_target(value).operator is None:
            target = nature + target
    if unit and not target.endswith(unit):
        target += unit
    return target


class _Reader:
    def __init__(self, parents: dict[str, str], level1s: list[str]) -> None:
        self.parents = parents
        self.level1s = set(level1s)
        self.sheets: list[ParsedSheet] = []
        self.stray: list[tuple[int, str]] = []
        self.sheet: ParsedSheet | None = None
        self.stage = "header"
        self.lone_text: list[tuple[int, str]] = []
        self.preamble: dict[str, str] = {}
        self.funds_columns: dict[int, str | None] = {}
        self.pending_funds: list[tuple[int, list[str], int]] = []
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
        self.preamble = {}
        self.funds_columns = {}
        self.pending_funds = []
        self.columns = dict(DEFAULT_INDICATOR_COLUMNS)
        self.goal_cells = []
        self.goal_achieved_at = None
        self.level1 = self.level2 = ""

    def finish(self) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        self.flush_funds()
        self.flush_goals()
        # A lone line that never became the project name is unplaced.
        for number, text in self.lone_text:
            sheet.unplaced.append((number, text))
        self.lone_text = []
        # Names above the header fill only what the header itself left empty.
        sheet.department = sheet.department or self.preamble.get("department", "")
        sheet.unit = sheet.unit or self.preamble.get("unit", "")
        for _label, line in sheet.extra_sources:
            sheet.funds["other"] = _add_lines(sheet.funds.get("other", FundsLine()), line)
        if sheet.budget_weight is None:
            sheet.budget_weight = sheet.header_budget_weight
        sheet.unplaced.sort(key=lambda item: item[0])
        self.sheets.append(sheet)
        self.sheet = None

    def unplaced(self, number: int, cells: list[str], note: str = "") -> None:
        text = " | ".join(c for c in cells if c) + note
        if self.sheet is None:
            self.stray.append((number, text))
        else:
            self.sheet.unplaced.append((number, text))

    # -- one line ------------------------------------------------------------------------

    def feed(self, number: int, cells: list[str]) -> None:
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
        if self.stage == "header" and self.read_preamble(filled):
            return
        if self.stage in ("header", "funds") and len(filled) == 1:
            unit = UNIT_LINE_RE.match(_compact(filled[0]))
            if unit:
                # `单位：元` between the header and the funds block.
                self.set_amount_unit("yuan" if unit.group(1) == "元" else "wan")
                return
        if self.read_header_or_funds(number, cells, filled):
            return
        self.flush_funds()
        self.feed_body(number, cells, filled)

    def read_header_or_funds(self, number: int, cells: list[str], filled: list[str]) -> bool:
        """The parties line, the funds header and the funds rows; True when the line was one."""
        if self.stage == "header" and any(_is_party_label(c) for c in filled):
            self.read_parties(cells)
            return True
        if self.stage in ("header", "funds") and (
            any(c.startswith(official.FUNDS_LINES[0]) for c in filled)
            or self.is_funds_header(cells)
        ):
            self.flush_funds()
            self.read_funds_header(cells)
            if self.funds_row_label(cells) is None:
                return True
        if self.funds_row_label(cells) is not None and self.stage in ("header", "funds"):
            self.read_funds_row(number, cells)
            return True
        if filled[0] in CHECKBOX_LABELS or _compact(filled[0]) in CHECKBOX_LABELS:
            self.unplaced(number, cells)
            return True
        return False

    def feed_body(self, number: int, cells: list[str], filled: list[str]) -> None:
        """Goals, the indicator table, the totals and what follows them."""
        assert self.sheet is not None
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
            self.read_indicator_header(number, cells)
            return
        if self.stage == "goals":
            self.goal_cells.extend(
                (i, c) for i, c in enumerate(cells) if c and c not in GOAL_LABELS
            )
            return
        if self.stage in ("indicators", "done"):
            if self.read_total(filled) or self.read_trailing(number, cells, filled):
                return
            if self.stage == "indicators" and self.read_row(number, cells):
                return
            self.unplaced(number, cells)
            return
        # Header stage: a lone text before 项目名称 may be the project name printed above it.
        if self.stage == "header" and len(filled) == 1 and not self.sheet.project:
            self.lone_text.append((number, filled[0]))
            return
        self.unplaced(number, cells)

    # -- header --------------------------------------------------------------------------

    def read_preamble(self, filled: list[str]) -> bool:
        """Lines above the header: `部门:某中学 | 公开14表`, `项目单位(盖章):某馆 | 填报日期:…`,
        `单位:万元`. Understood when every cell is one; their names are kept as fallbacks."""
        assert self.sheet is not None
        if self.sheet.project:
            return False
        found: dict[str, str] = {}
        unit = None
        for cell in filled:
            if FORM_NUMBER_RE.match(_compact(cell)):
                continue
            match = PREAMBLE_RE.match(cell.strip())
            if not match:
                return False
            label, value = _compact(match.group("label")), match.group("value").strip()
            if label in ("单位", "金额单位") and value in ("元", "万元"):
                unit = "yuan" if value == "元" else "wan"
            elif label in PREAMBLE_UNIT:
                found.setdefault("unit", value)
            elif label in PREAMBLE_DEPARTMENT:
                found.setdefault("department", value)
            elif label not in PREAMBLE_IGNORED:
                return False
        for key, value in found.items():
            if value:
                self.preamble.setdefault(key, value)
        if unit is not None:
            self.set_amount_unit(unit)
        return True

    def set_amount_unit(self, unit: str) -> None:
        assert self.sheet is not None
        self.sheet.amount_unit = unit
        self.sheet.amount_unit_printed = True

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
        code = PROJECT_CODE_RE.match(name)
        if code and any(ch.isdigit() for ch in code.group(1)):
            self.sheet.project_code = code.group(1)
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
                inline = _party_value(c, official.DEPARTMENT)
                if inline:
                    values.append(inline)
                continue
            unit_label = _unit_label(c)
            if unit_label:
                inline = _party_value(c, unit_label)
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

    @staticmethod
    def is_funds_header(cells: list[str]) -> bool:
        keys = [funds_header_key(c) for c in cells if c]
        return len([k for k in keys if k]) >= 2 and ("annual" in keys or "executed" in keys)

    def read_funds_header(self, cells: list[str]) -> None:
        """The funds header's columns by position; the unit and a weight it prints."""
        assert self.sheet is not None
        columns: dict[int, str | None] = {}
        first = None
        for i, c in enumerate(cells):
            key = funds_header_key(c) if c else None
            if key is not None and first is None:
                first = i
            if first is not None and c and funds_label(c) is None:
                columns[i] = key if key not in columns.values() else None
        if len([k for k in columns.values() if k]) >= 2:
            self.funds_columns = columns
        unit = amount_unit_of(cells)
        if unit is not None:
            self.set_amount_unit(unit)
        for c in cells:
            weight = HEADER_WEIGHT_RE.search(_compact(c))
            if weight and funds_label(c) is None:
                self.sheet.header_budget_weight = Decimal(weight.group(1))
        self.stage = "funds"

    @staticmethod
    def funds_row_label(cells: list[str]) -> tuple[int, str, str] | None:
        for i, c in enumerate(cells):
            found = funds_label(c) if c else None
            if found is not None:
                return i, found[0], found[1]
        return None

    @staticmethod
    def _values(cells: list[str], at: int) -> dict[int, str]:
        return {i: c for i, c in enumerate(cells) if i > at and c}

    def fits(self, values: dict[int, str], shift: int) -> bool:
        return all(i + shift in self.funds_columns for i in values)

    def block_shift(self) -> int | None:
        """The offset between the block's rows and its header: the smallest (0 first, so a
        blank cell stays blank) that puts every cell of every row under a header column.
        One offset for the whole block, as a table drifts as a whole."""
        rows = [self._values(cells, at) for _n, cells, at in self.pending_funds]
        for shift in SHIFTS:
            if all(self.fits(values, shift) for values in rows):
                return shift
        return None

    def place_funds(self, cells: list[str], at: int, shift: int | None) -> dict[str, str] | None:
        """The row's cells after its label under the header's columns, at the block's offset
        (else the smallest offset that fits this row alone). None when no offset fits."""
        values = self._values(cells, at)
        columns = self.funds_columns
        if not columns:
            return dict(zip(DEFAULT_FUNDS_ORDER, values.values(), strict=False))
        shifts = [shift] if shift is not None else SHIFTS
        for s in shifts:
            if self.fits(values, s):
                return {columns[i + s] or f"?{i + s}": c for i, c in values.items()}
        return None

    def read_funds_row(self, number: int, cells: list[str]) -> None:
        """Keep the row until its block ends: the block's offset needs all of its rows."""
        found = self.funds_row_label(cells)
        assert found is not None
        self.pending_funds.append((number, cells, found[0]))
        self.stage = "funds"

    def flush_funds(self) -> None:
        if not self.pending_funds:
            return
        shift = self.block_shift()
        pending, self.pending_funds = self.pending_funds, []
        for number, cells, _at in pending:
            self.store_funds_row(number, cells, shift)

    def store_funds_row(self, number: int, cells: list[str], shift: int | None) -> None:
        assert self.sheet is not None
        found = self.funds_row_label(cells)
        assert found is not None
        at, key, label = found
        placed = self.place_funds(cells, at, shift)
        report = placed is None
        if placed is None:
            # No column fits: read the amounts in the header's order and say so.
            order = [k for _i, k in sorted(self.funds_columns.items()) if k]
            values = [c for c in cells[at + 1 :] if c]
            placed = dict(zip(order or DEFAULT_FUNDS_ORDER, values, strict=False))
        read: dict[str, Decimal | None] = {}
        for column, text in placed.items():
            value = parse_percent(text) if column == "rate" else parse_decimal(text)
            # `NaN`, `1e309`, `12万` are no amount, and no funds figure is negative (the
            # editor refuses one too): the cell is read as blank and the line is reported.
            if value is not None and value < 0:
                value = None
            read[column] = value
            unreadable = value is None and text not in NO_AMOUNT and text not in EMPTY_WORDS
            if column.startswith("?") or (column in STORED_FUNDS_COLUMNS and unreadable):
                report = True
        line = FundsLine(
            initial=read.get("initial"), annual=read.get("annual"), executed=read.get("executed")
        )
        self.stage = "funds"
        if key == EXTRA:
            self.sheet.extra_sources.append((label, line))
            self.unplaced(number, cells, note=f"（{label}：已计入{official.FUNDS_ROWS['other']}）")
            return
        # Only the total row's 分值 and 得分 count: a sub-row printing its own (Anhui's 10 | 8)
        # is reported, not read.
        own_score = key != "total" and (read.get("weight") or read.get("score")) is not None
        if report or own_score:
            self.unplaced(number, cells)
        self.sheet.funds[key] = line
        self.sheet.printed_rates[key] = read.get("rate")
        if key == "total":
            self.sheet.budget_weight = read.get("weight")
            self.sheet.printed_budget_score = read.get("score")

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

    def read_indicator_header(self, number: int, cells: list[str]) -> None:
        """The table's columns by their labels, in whatever order; a column no label names
        is reported once (its cells are not read)."""
        columns: dict[str, int] = {}
        extra: list[str] = []
        for i, c in enumerate(cells):
            if not c:
                continue
            compact = _compact(c)
            key = next((k for label, k in INDICATOR_HEADER_LABELS if label in compact), None)
            if key is None or key in columns:
                extra.append(c)
            else:
                columns[key] = i
        if "name" in columns:
            self.columns = columns
        if extra and self.sheet is not None:
            self.sheet.unplaced.append((number, "未读取的列：" + " | ".join(extra)))
        self.stage = "indicators"

    def read_total(self, filled: list[str]) -> bool:
        """A total line (`100  96.97`, `评分等级 … 100 96.88 优`) or a grade line (`评分等级 优`)."""
        assert self.sheet is not None
        rest = [c for c in filled if _compact(c) not in TOTAL_LABELS]
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

    def read_trailing(self, number: int, cells: list[str], filled: list[str]) -> bool:
        """A box after the table (其他需要说明事项, 偏差大或目标未完成原因分析, 改进措施…) or a
        checkbox row: never an indicator row. Reported unless it says nothing (无)."""
        first = _compact(filled[0])
        label = next((t for t in TRAILING_LABELS if _labelled(first, t)), None)
        if label is None and first not in CHECKBOX_LABELS:
            return False
        inline = first[len(label) :].strip(":：") if label else ""
        if any(c and c not in NOTHING for c in [inline, *filled[1:]]):
            self.unplaced(number, cells)
        if label is not None:
            self.stage = "done"
        return True

    def level2_name(self, level: str) -> str | None:
        """A level-2 name as the catalogue spells it, from its printed variants."""
        for name in (level, level.removesuffix("等"), level + "指标", LEVEL2_ALIASES.get(level)):
            if name and name in self.parents:
                return name
        return None

    def read_levels(self, cells: list[str]) -> int | None:
        """Take the level cells at the start of a row; the index of the first other cell."""
        for i, c in enumerate(cells):
            if not c:
                continue
            level = _level_name(c)
            if not level and LEVEL_WEIGHT_RE.match(_compact(c)):
                # A level-1 cell printed only as its weight, `(50分)`: the level-2 names below
                # tell which level 1 it is.
                self.level1 = self.level2 = ""
                continue
            if level in self.level1s:
                if level != self.level1:
                    self.level2 = ""
                self.level1 = level
                continue
            level2 = self.level2_name(level)
            if level2 is not None:
                self.level2 = level2
                # A level-2 name standing in the level-1 column still tells its level 1.
                self.level1 = self.parents[level2]
                continue
            if self.unknown_level2(cells, i):
                self.level2 = level
                continue
            return i
        return None

    def unknown_level2(self, cells: list[str], i: int) -> bool:
        """A level-2 name the catalogue lacks (Hubei's `读者`): in the header's 二级指标
        column, right after this row's level-1 cell, with the 三级指标 cell filled."""
        level1, level2, name = (self.columns.get(k) for k in ("level1", "level2", "name"))
        if level1 is None or level2 != i or name is None or not i < name < len(cells):
            return False
        return bool(cells[name]) and _level_name(cells[level1]) in self.level1s

    def reordered_name_column(self) -> int | None:
        """The header's 三级指标 column when another value column stands before it (a
        reordered table, read by position); None for the usual order, read by anchoring on
        the name (the seed's rows drift from their header)."""
        name = self.columns.get("name")
        others = [i for k, i in self.columns.items() if k not in ("level1", "level2", "name")]
        if name is None or not others or min(others) > name:
            return None
        return name

    def read_row(self, number: int, cells: list[str]) -> bool:
        assert self.sheet is not None
        fixed = self.reordered_name_column()
        if fixed is None:
            name_at = self.read_levels(cells)
        else:
            levels = {self.columns.get("level1"), self.columns.get("level2")}
            self.read_levels([c if i in levels else "" for i, c in enumerate(cells)])
            name_at = fixed if fixed < len(cells) and cells[fixed] else None
            if name_at is None and any(c for i, c in enumerate(cells) if i not in levels):
                return False  # values without a name: unplaced
        if name_at is None:
            return True  # a line of level names only: context for the rows below
        values = self.positional(cells, name_at) or self.by_shape(cells, name_at)
        target, actual, weight, score, reason = values
        if not (target or actual or weight or score):
            # A template placeholder (`指标2`, `……`) is understood; another lone name is not.
            return bool(PLACEHOLDER_RE.match(_compact(cells[name_at])))
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
        if not all(_is_number(c) or not c or c in EMPTY_WORDS for c in (weight, score)):
            return None
        target = _join_target(at("nature"), at("target"), at("unit"))
        if not weight and not (target or at("actual")):
            return None
        reason_column = self.columns.get("reason", base + 5)
        # The reason runs to the next column the header names after it (or the line's end).
        after = [i for i in self.columns.values() if i > reason_column]
        last = name_at + min(after) - base if after else len(cells)
        first = name_at + reason_column - base
        if self.reordered_name_column() is None:
            first = max(first, name_at + 1)
        reason = " ".join(c for c in cells[first:last] if c)
        return target, at("actual"), weight, score, reason

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


def _labelled(cell: str, label: str) -> bool:
    """`cell` is the box `label`: the label alone, or followed by a colon or a bracket (a
    long label may run on: 改进措施及…); an indicator named 说明书发放数量 is not 说明."""
    if not cell.startswith(label):
        return False
    return len(cell) == len(label) or cell[len(label)] in ":：(（" or len(label) >= 5


def _unit_label(cell: str) -> str | None:
    """The 实施单位 label as printed: 实施单位, or 项目实施单位."""
    for label in ("项目" + official.UNIT, official.UNIT):
        if cell.startswith(label):
            return label
    return None


def _is_party_label(cell: str) -> bool:
    return cell.startswith(official.DEPARTMENT) or _unit_label(cell) is not None


def _party_value(cell: str, label: str) -> str:
    """What follows a label inside its cell (`主管部门：某局`); `(盖章)` and colons dropped."""
    rest = re.sub(r"^\s*[（(]\s*盖章\s*[)）]", "", cell[len(label) :])
    return rest.lstrip(":： ")


def parse_text(
    text: str, *, parents: dict[str, str] | None = None, level1s: list[str] | None = None
) -> ParseResult:
    """Split text into sheets and read each one. Never raises on odd content."""
    reader = _Reader(
        parents if parents is not None else catalogue.level2_parents(),
        level1s if level1s is not None else catalogue.level1_names(),
    )
    for number, cells in split_rows(text):
        reader.feed(number, cells)
    reader.finish()
    return ParseResult(sheets=reader.sheets, stray=reader.stray)
