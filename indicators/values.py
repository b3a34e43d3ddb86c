"""Reading targets (年度指标值) and actuals (实际完成值) as the official sheets print them.

Plain Python, no Django. Every parser here returns a value object and never raises: real sheets
hold `≥**`, `10.00(50份)`, `/` and free text, and a value that cannot be read stays as text so
the rules can say so (docs/rules.md §3).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from .numbers import two


class Operator(StrEnum):
    EQ = "="
    GE = "≥"
    LE = "≤"
    GT = ">"
    LT = "<"


class TargetKind(StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"
    # Starts with an operator, but the number after it cannot be read (`≥**`).
    UNPARSED = "unparsed"
    EMPTY = "empty"


class ActualKind(StrEnum):
    NUMBER = "number"
    LEVEL = "level"
    NOT_APPLICABLE = "not_applicable"
    TEXT = "text"
    EMPTY = "empty"


class Level(StrEnum):
    """The three achievement levels of a qualitative actual."""

    ACHIEVED = "achieved"
    PARTIAL = "partial"
    NOT_ACHIEVED = "not_achieved"


# Spellings of each operator met in the wild, full-width and ASCII digraphs included.
_OPERATOR_SPELLINGS = {
    "≥": Operator.GE,
    ">=": Operator.GE,
    "≧": Operator.GE,
    "＞＝": Operator.GE,
    "≤": Operator.LE,
    "<=": Operator.LE,
    "≦": Operator.LE,
    "＜＝": Operator.LE,
    "=": Operator.EQ,
    "＝": Operator.EQ,
    "==": Operator.EQ,
    # U+2550, a box-drawing character some regions print for "=" (Yunnan: `═100%`).
    "═": Operator.EQ,
    ">": Operator.GT,
    "＞": Operator.GT,
    "<": Operator.LT,
    "＜": Operator.LT,
}
# Longest spelling first, so `>=` is not read as `>` followed by `=`.
_OPERATOR_RE = re.compile(
    "^(" + "|".join(re.escape(s) for s in sorted(_OPERATOR_SPELLINGS, key=len, reverse=True)) + ")"
)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|^[+-]?\.\d+")
NOT_APPLICABLE_WORDS = frozenset({"不适用", "/", "／", "不适用。", "N/A", "n/a", "NA"})
# Dashes a cell prints for "nothing here": a target or an actual made of one is empty.
EMPTY_WORDS = frozenset({"-", "—", "－", "——", "--", "–"})
# Full-width ASCII (`１２３．５０`, `％`, `＞＝`, `（`) folded to ASCII for reading a number; the
# text itself is kept as printed.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_width(text: str) -> str:
    """Full-width ASCII characters and the ideographic space as their ASCII forms."""
    return text.translate(_FULL_WIDTH)


def parse_decimal(text: str | None) -> Decimal | None:
    """Read an amount as printed (`1,087.50`, ` 98.80 `); None for anything else, `-` included."""
    if text is None:
        return None
    s = fold_width(str(text)).strip().replace("，", ",")
    if not s:
        return None
    match = _NUMBER_RE.match(s)
    if not match or match.end() != len(s):
        return None
    try:
        value = Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_percent(text: str | None) -> Decimal | None:
    """A printed rate, with or without its `%` (`86.19%`, `86.19`, `１００％`) → 86.19."""
    if text is None:
        return None
    s = fold_width(str(text)).strip()
    return parse_decimal(s[:-1] if s.endswith("%") else s)


def _split_number_unit(text: str) -> tuple[Decimal, str] | None:
    """`4.00(轮)` → (4.00, "轮"); `50个` → (50, "个"); `90%` → (90, "%"). None if no number leads."""
    s = text.strip()
    match = _NUMBER_RE.match(s)
    if not match:
        return None
    try:
        number = Decimal(match.group(0).replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    rest = s[match.end() :].strip()
    # A bracketed unit: `(轮)`, `（%）`; anything after the closing bracket is kept in the unit.
    bracket = re.fullmatch(r"[(（]\s*(.*?)\s*[)）](.*)", rest, flags=re.S)
    if bracket:
        unit = (bracket.group(1) + bracket.group(2).strip()).strip()
    else:
        unit = rest
    return number, unit


@dataclass(frozen=True)
class Target:
    raw: str
    kind: TargetKind
    operator: Operator | None = None
    number: Decimal | None = None
    unit: str = ""

    @property
    def display(self) -> str:
        """The target exactly as the official sheet prints it: what was typed or imported."""
        return self.raw


@dataclass(frozen=True)
class Actual:
    raw: str
    kind: ActualKind
    number: Decimal | None = None
    unit: str = ""
    level: Level | None = None

    @property
    def display(self) -> str:
        # The printed wording (达成指标) stays as the unit wrote it; the level is what is scored.
        return self.raw


def clean_cell(text: str | None) -> str:
    """Trim a cell and undo HTML entities; None becomes empty."""
    if text is None:
        return ""
    return html.unescape(str(text)).strip()


# Both readers are pure and their results immutable (frozen, Decimal): a sheet's targets and
# actuals are read many times a request (the editor's live scoring, the engine, the view-model),
# so each text is read once and remembered.
@functools.lru_cache(maxsize=16384)
def parse_target(text: str | None) -> Target:
    """Read a 年度指标值.

    A leading operator makes it quantitative (`=4.00(轮)`, `≥90(%)`, `≤90万元`); when the
    number after the operator cannot be read (`≥**`) the kind is UNPARSED and the text is kept.
    Without an operator it is qualitative (`健全`, and also a bare `100%`: a target with no
    operator is qualitative, docs/rules.md §3). Never raises.
    """
    raw = clean_cell(text)
    if not raw or raw in EMPTY_WORDS or raw in ("/", "／"):
        return Target(raw=raw, kind=TargetKind.EMPTY)
    # Folding keeps every character's place, so a match on the folded text cuts the raw one.
    folded = fold_width(raw)
    op_match = _OPERATOR_RE.match(folded)
    if not op_match:
        return Target(raw=raw, kind=TargetKind.QUALITATIVE)
    operator = _OPERATOR_SPELLINGS[op_match.group(1)]
    split = _split_number_unit(folded[op_match.end() :])
    if split is None:
        return Target(raw=raw, kind=TargetKind.UNPARSED, operator=operator)
    number, unit = split
    return Target(
        raw=raw, kind=TargetKind.QUANTITATIVE, operator=operator, number=number, unit=unit
    )


def parse_level(text: str) -> Level | None:
    """Recognise the achievement-level wordings of every region.

    达成年度指标 / 达成指标 / 达成预期指标 / 达成 → ACHIEVED; a leading 部分 → PARTIAL;
    a leading 未 (未达成…) → NOT_ACHIEVED. Anything else is not a level.
    """
    s = re.sub(r"\s+", "", text)
    if s.startswith("部分达成") or s.startswith("部分完成"):
        return Level.PARTIAL
    if s.startswith("未达成") or s.startswith("未完成") or s.startswith("没有达成"):
        return Level.NOT_ACHIEVED
    if s.startswith("达成") or s.startswith("已达成") or s in {"完成", "已完成", "全部达成"}:
        return Level.ACHIEVED
    return None


@functools.lru_cache(maxsize=16384)
def parse_actual(text: str | None) -> Actual:
    """Read a 实际完成值.

    `不适用` or `/` mark the row not applicable; a number with an optional unit (`4.00(轮)`,
    `90%`, also after a stray operator such as `≥95%`) is a NUMBER; an achievement wording is a
    LEVEL; anything else is TEXT. Never raises.
    """
    raw = clean_cell(text)
    if not raw or raw in EMPTY_WORDS:
        return Actual(raw=raw, kind=ActualKind.EMPTY)
    if raw in NOT_APPLICABLE_WORDS:
        return Actual(raw=raw, kind=ActualKind.NOT_APPLICABLE)
    level = parse_level(raw)
    if level is not None:
        return Actual(raw=raw, kind=ActualKind.LEVEL, level=level)
    body = fold_width(raw)
    op_match = _OPERATOR_RE.match(body)
    if op_match:
        body = body[op_match.end() :]
    split = _split_number_unit(body)
    if split is None:
        return Actual(raw=raw, kind=ActualKind.TEXT)
    number, unit = split
    return Actual(raw=raw, kind=ActualKind.NUMBER, number=number, unit=unit)


def format_target(operator: Operator | str | None, number: Decimal | None, unit: str) -> str:
    """Print a structured quantitative target the way the official sheet does: `=4.00(轮)`."""
    if number is None:
        return ""
    op = str(operator or "")
    unit = unit.strip()
    # `:f`, not str(): a normalised Decimal("1E+2") must print as 100, as the sheet would.
    return f"{op}{number:f}({unit})" if unit else f"{op}{number:f}"


def format_actual(number: Decimal | None, unit: str) -> str:
    """Print a numeric actual as the official sheet does, two decimals: `4.00(轮)`."""
    if number is None:
        return ""
    exponent = number.as_tuple().exponent
    # Two decimals as printed, unless the unit typed more precision than that.
    text = (
        two(number)
        if isinstance(exponent, int) and exponent >= -2
        else f"{number:f}"  # never exponent notation (1E-7)
    )
    unit = unit.strip()
    return f"{text}({unit})" if unit else text
