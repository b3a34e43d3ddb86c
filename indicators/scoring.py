"""The scoring rules of the self-evaluation sheet (docs/rules.md §4–§6), as plain Python.

`Decimal` in, `Decimal` and findings out. Nothing here imports Django or reads settings: the
rule parameters arrive as a `RuleParams` value, and findings leave as `Code`s with parameters
(2-decimal strings) that the Django side words in the user's language.

Rounding: the printed Shanghai sheets truncate (ROUND_DOWN) every computed figure to two
decimals — 69.14 / 70.00 prints 98.77 and 10 × 98.77 % prints 9.87, where half-up would give
9.88. The budget score is computed from the rate *as printed*, so a reader can redo it by hand.
Other finance bureaus round half up, or to whole points (`RuleParams.rounding`, `places`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from .findings import Code, Finding, Severity
from .grouping import scattered_levels
from .numbers import CENT
from .numbers import two as fmt
from .values import (
    Actual,
    ActualKind,
    Level,
    Operator,
    Target,
    TargetKind,
    parse_actual,
    parse_target,
)

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# The rows and columns of the 项目资金 block, as keys (their printed labels are
# `projects.official`'s). 年度资金总额 ("total") is the sum of the three source rows.
FUNDS_ROWS = ("total", "appropriation", "carryover", "other")
FUNDS_SOURCES = ("appropriation", "carryover", "other")
FUNDS_COLUMNS = ("initial", "annual", "executed")


class Grade(StrEnum):
    """评分等级, as the official sheet prints it."""

    EXCELLENT = "优"
    GOOD = "良"
    PASS = "中"
    FAIL = "差"


class Denominator(StrEnum):
    """The execution rate's denominator: 全年预算数 (调整后预算数, the default) or 年初预算数."""

    ANNUAL = "annual"
    INITIAL = "initial"


class SuggestionRule(StrEnum):
    """How a quantitative row's suggested score was reached (docs/rules.md §4.4)."""

    MET = "met"  # the target is met: the full weight
    RATIO = "ratio"  # actual ÷ target × weight
    INVERSE_RATIO = "inverse_ratio"  # target ÷ actual × weight
    ALL_OR_NOTHING = "all_or_nothing"  # an `=0` target missed
    ZERO = "zero"  # a missed target of 0 or below, where no ratio exists


@dataclass(frozen=True)
class RuleParams:
    """One rule set, as the engine receives it. Defaults reproduce the Shanghai seed."""

    rounding: str = ROUND_DOWN
    # Decimal places of every computed figure (rates, scores, totals): 2, or 0 for whole points.
    places: int = 2
    # The execution rate's denominator (`Denominator`): 全年预算数 or 年初预算数.
    rate_denominator: str = Denominator.ANNUAL
    # Qualitative bands as fractions of the weight; both ends inclusive, so a boundary
    # (exactly 80 %) belongs to both neighbouring levels.
    bands: tuple[tuple[Level, Decimal, Decimal], ...] = (
        (Level.ACHIEVED, Decimal("0.80"), Decimal("1.00")),
        (Level.PARTIAL, Decimal("0.60"), Decimal("0.80")),
        (Level.NOT_ACHIEVED, Decimal("0.00"), Decimal("0.60")),
    )
    budget_weight: Decimal = Decimal("10.00")
    # (lower bound inclusive, grade), highest first; below the last bound the grade is 差.
    grades: tuple[tuple[Decimal, Grade], ...] = (
        (Decimal("90"), Grade.EXCELLENT),
        (Decimal("80"), Grade.GOOD),
        (Decimal("60"), Grade.PASS),
    )
    lowest_grade: Grade = Grade.FAIL
    execution_warning_below: Decimal = Decimal("90")
    over_achievement_factor: Decimal = Decimal("1.3")
    # Implausible funds (docs/rules.md §4.2, §6), fixed like the stock phrases: a rate above
    # this is not scored; an executed amount this many times the largest budget figure, or
    # any amount at or above the limit (万元: 1 万亿元), is an input error.
    execution_implausible_above: Decimal = Decimal("200")
    magnitude_factor: Decimal = Decimal("10")
    amount_limit: Decimal = Decimal("100000000")
    stock_phrases: tuple[str, ...] = (
        "根据实际工作情况",
        "根据实际情况",
        "以实际业务发生情况为准",
        "根据实际业务情况",
    )
    # Level-1 weights the sheet is expected to follow, by default the national guideline
    # (产出 50, 效益 30, 满意度 10); empty: no `weights_guideline` hint.
    guideline: tuple[tuple[str, Decimal], ...] = (
        ("产出指标", Decimal("50")),
        ("效益指标", Decimal("30")),
        ("满意度指标", Decimal("10")),
    )
    # Codes whose severity this rule set changes, e.g. a score other than the suggested one
    # as an error (`score_differs_from_suggested`); every other code keeps its own.
    severities: tuple[tuple[Code, Severity], ...] = ()

    @property
    def quantum(self) -> Decimal:
        return CENT if self.places == 2 else Decimal(1).scaleb(-self.places)

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.rounding)

    def ceiling(self, weight: Decimal) -> Decimal:
        """The most a figure of this weight may score in the rule set's places: the weight
        itself (weights have two decimals), or its whole part when scores are whole points,
        so rounding never lifts a score above its weight."""
        return weight.quantize(self.quantum, rounding=ROUND_DOWN)

    def severity(self, code: Code) -> Severity:
        """The code's severity under this rule set."""
        return dict(self.severities).get(code, code.severity)

    def band(self, level: Level) -> tuple[Decimal, Decimal]:
        for band_level, low, high in self.bands:
            if band_level == level:
                return low, high
        return ZERO, Decimal("1")


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundsLine:
    initial: Decimal | None = None
    annual: Decimal | None = None
    executed: Decimal | None = None

    def get(self, column: str) -> Decimal | None:
        return getattr(self, column)


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    level1: str = ""
    level2: str = ""
    target: str = ""
    actual: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None
    reason: str = ""
    applicable: bool = True


@dataclass(frozen=True)
class SheetInput:
    project: str = ""
    department: str = ""
    unit: str = ""
    funds: dict[str, FundsLine] = dataclasses.field(default_factory=dict)
    budget_weight: Decimal | None = None
    indicators: tuple[IndicatorInput, ...] = ()
    # Lines an importer could not place: (line number, text).
    unplaced: tuple[tuple[int, str], ...] = ()


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A suggested score and how it was reached, so the page can explain it."""

    value: Decimal
    rule: SuggestionRule
    met: bool


@dataclass(frozen=True)
class FundsRowResult:
    key: str
    initial: Decimal | None
    annual: Decimal | None
    executed: Decimal | None
    rate: Decimal | None


@dataclass(frozen=True)
class FundsResult:
    rows: dict[str, FundsRowResult]
    weight: Decimal
    score: Decimal
    # The rate before capping, as used for the score (equal to rows["total"].rate).
    rate: Decimal | None
    # False when the 年度资金总额 figures cannot be right (`funds_plausible`): the score is 0.
    plausible: bool = True


@dataclass(frozen=True)
class RowResult:
    index: int
    target: Target
    actual: Actual
    applicable: bool
    quantitative: bool
    suggestion: Suggestion | None


@dataclass(frozen=True)
class SheetResult:
    funds: FundsResult
    rows: tuple[RowResult, ...]
    weight_total: Decimal
    raw_score: Decimal
    total: Decimal
    rescaled: bool
    applicable_weight: Decimal
    grade: Grade
    level1_weights: dict[str, Decimal]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.WARNING)

    def findings_for_row(self, index: int) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.row == index)


# --- budget ----------------------------------------------------------------------------------


def execution_rate(
    executed: Decimal | None, budget: Decimal | None, params: RuleParams
) -> Decimal | None:
    """执行率 = 全年执行数 ÷ budget × 100, in the rule set's places and rounding.

    `budget` is the rule set's denominator (`rate_budget`): 全年预算数 by default, 年初预算数
    where the bureau says so. A budget of 0 or missing gives no rate (None); the caller decides
    what that means for its row. A missing 全年执行数 counts as 0.
    """
    if budget is None or budget == 0:
        return None
    return params.round((executed or ZERO) * HUNDRED / budget)


def rate_budget(line: FundsLine, params: RuleParams) -> Decimal | None:
    """The amount the rate divides by: 年初预算数 or 全年预算数, as the rule set says."""
    return line.initial if params.rate_denominator == Denominator.INITIAL else line.annual


def budget_score(rate: Decimal | None, weight: Decimal, params: RuleParams) -> Decimal:
    """得分 = 分值 × 执行率 ÷ 100, from the rate as printed, never above 分值.

    An execution above 100 % scores exactly the weight; no rate (no 全年预算数) scores 0.
    """
    if rate is None:
        return params.round(ZERO)
    score = params.round(weight * rate / HUNDRED)
    return min(score, params.ceiling(weight))


def funds_plausible(line: FundsLine, rate: Decimal | None, params: RuleParams) -> bool:
    """Whether the 年度资金总额 figures can be scored: a rate not above 200 %, an executed
    amount below 10 times the largest budget figure, every amount below 1 万亿元."""
    if rate is not None and rate > params.execution_implausible_above:
        return False
    if _magnitude_reference(line, params) is not None:
        return False
    return not any(_beyond_limit(line.get(column), params) for column in FUNDS_COLUMNS)


def _magnitude_reference(line: FundsLine, params: RuleParams) -> Decimal | None:
    """The largest budget figure, when the executed amount is `magnitude_factor` times it or
    more (an amount typed in 元 into a 万元 cell); None when the amount is in proportion."""
    budgets = [value for value in (line.initial, line.annual) if value is not None and value > 0]
    if not budgets or line.executed is None:
        return None
    largest = max(budgets)
    return largest if line.executed >= largest * params.magnitude_factor else None


def _beyond_limit(value: Decimal | None, params: RuleParams) -> bool:
    return value is not None and abs(value) >= params.amount_limit


def compute_funds(sheet: SheetInput, params: RuleParams) -> FundsResult:
    """Rates of all four funds rows and the budget score.

    A sub-row (当年财政拨款 / 上年结转资金 / 其他资金) whose budget (the rule set's
    denominator) is 0 prints rate 0; the 年度资金总额 row without one has no rate and scores
    0, and so does a total row whose figures are implausible (`funds_plausible`): its rate is
    printed, not scored.
    """
    rows: dict[str, FundsRowResult] = {}
    for key in FUNDS_ROWS:
        line = sheet.funds.get(key, FundsLine())
        rate = execution_rate(line.executed, rate_budget(line, params), params)
        if rate is None and key != "total":
            rate = params.round(ZERO)
        rows[key] = FundsRowResult(key, line.initial, line.annual, line.executed, rate)
    weight = sheet.budget_weight if sheet.budget_weight is not None else params.budget_weight
    total_rate = rows["total"].rate
    plausible = funds_plausible(sheet.funds.get("total", FundsLine()), total_rate, params)
    score = budget_score(total_rate if plausible else None, weight, params)
    return FundsResult(rows=rows, weight=weight, score=score, rate=total_rate, plausible=plausible)


# --- indicators ------------------------------------------------------------------------------


def is_quantitative(target: Target) -> bool:
    """A row is quantitative when its target has an operator and a readable number."""
    return target.kind == TargetKind.QUANTITATIVE and target.number is not None


def target_met(target: Target, actual: Decimal) -> bool:
    """Whether a numeric actual meets a quantitative target.

    `≥`, `>` and a positive `=` are met at or above the target (`>` is scored like `≥`, so
    hitting the number exactly counts as met; over-achieving an `=` target is met). `≤` and `<`
    are met at or below. An `=` target of 0 or below is met only when hit exactly.
    """
    op, number = target.operator, target.number
    assert number is not None
    if op in (Operator.GE, Operator.GT):
        return actual >= number
    if op in (Operator.LE, Operator.LT):
        return actual <= number
    if number > 0:
        return actual >= number
    return actual == number


def suggest_score(
    target: Target, actual: Actual, weight: Decimal | None, params: RuleParams
) -> Suggestion | None:
    """The score the rules suggest for a quantitative row (docs/rules.md §4.4).

    Met → the full weight. A missed `≥`/`>`/positive `=` target → actual ÷ target × weight. A
    missed `≤`/`<` target → target ÷ actual × weight. A missed `=0` → 0 (all or nothing). A
    missed `≥` target of 0 or below has no ratio and suggests 0. The result is clamped into
    0 … weight and rounded with the rule set's mode. None when the row is not quantitative,
    the actual is not a number or the weight is missing.
    """
    if weight is None or not is_quantitative(target) or actual.kind != ActualKind.NUMBER:
        return None
    assert target.number is not None and actual.number is not None
    value = actual.number
    if target_met(target, value):
        return Suggestion(params.ceiling(weight), SuggestionRule.MET, True)
    op, number = target.operator, target.number
    nothing = params.round(ZERO)
    if op == Operator.EQ and number <= 0:
        return Suggestion(nothing, SuggestionRule.ALL_OR_NOTHING, False)
    if op in (Operator.LE, Operator.LT):
        # Missed means actual > target; with a target of 0 or below no ratio is meaningful.
        if number <= 0 or value <= 0:
            return Suggestion(nothing, SuggestionRule.ZERO, False)
        ratio_score = weight * number / value
        rule = SuggestionRule.INVERSE_RATIO
    else:
        if number <= 0:
            return Suggestion(nothing, SuggestionRule.ZERO, False)
        ratio_score = weight * value / number
        rule = SuggestionRule.RATIO
    clamped = max(ZERO, min(weight, ratio_score))
    return Suggestion(min(params.round(clamped), params.ceiling(weight)), rule, False)


def grade_for(total: Decimal, params: RuleParams) -> Grade:
    """优 ≥ 90; 良 80 to below 90; 中 60 to below 80; 差 below 60 (lower bounds inclusive)."""
    for bound, grade in params.grades:
        if total >= bound:
            return grade
    return params.lowest_grade


_PUNCTUATION_RE = re.compile(r"[\s\W_]+", re.UNICODE)


def is_boilerplate(reason: str, params: RuleParams) -> bool:
    """Whether the whole reason, punctuation and spaces aside, is one of the stock phrases."""
    bare = _PUNCTUATION_RE.sub("", reason)
    return bare in {_PUNCTUATION_RE.sub("", p) for p in params.stock_phrases}


def quoted_numbers(reason: str, unit: str) -> list[Decimal]:
    """Numbers the reason quotes in the given unit: `实际完成5轮` with unit 轮 → [5].

    Only a number directly followed by the unit counts; `2023年` is ignored unless the unit is
    年, and a number inside a longer number (`12.5`, `1,200`) is read whole.
    """
    unit = unit.strip()
    if not unit or not reason:
        return []
    pattern = re.compile(
        r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*[(（]?\s*" + re.escape(unit)
    )
    found = []
    for match in pattern.finditer(reason):
        try:
            found.append(Decimal(match.group(1).replace(",", "")))
        except ArithmeticError:  # pragma: no cover - the regex only lets digits through
            continue
    return found


# --- checking a whole sheet ------------------------------------------------------------------

Add = Callable[..., None]


class _Findings:
    """Collects findings in the order the rules run; one finding per rule per place. A code
    whose severity the rule set changes carries that severity (`Finding.override`)."""

    def __init__(self, severities: tuple[tuple[Code, Severity], ...] = ()) -> None:
        self.items: list[Finding] = []
        self.overrides = {code: sev for code, sev in severities if sev != code.severity}

    def add(
        self,
        code: Code,
        row: int | None = None,
        field: str | None = None,
        *,
        severity: Severity | None = None,
        **params,
    ) -> None:
        """One finding; `severity` gives this one finding another severity than its code's
        (a missing 年初预算数 that no figure needs is only a warning)."""
        values = {k: str(v) for k, v in params.items()}
        override = severity if severity is not None else self.overrides.get(code)
        if override == code.severity:
            override = None
        self.items.append(Finding(code, row, field, values, override))


@dataclass
class _Sums:
    """Running sums over the budget line and the indicator rows."""

    weight_total: Decimal
    applicable_weight: Decimal
    score_sum: Decimal
    level1_weights: dict[str, Decimal] = dataclasses.field(default_factory=dict)


def evaluate(sheet: SheetInput, params: RuleParams | None = None) -> SheetResult:
    """Compute every figure of a sheet and check it against every rule of docs/rules.md §6."""
    params = params or RuleParams()
    found = _Findings(params.severities)
    _check_header(sheet, found.add)
    funds = compute_funds(sheet, params)
    _check_funds(sheet, funds, params, found.add)
    sums = _Sums(funds.weight, funds.weight, funds.score)
    rows = tuple(
        _check_row(index, item, params, sums, found.add)
        for index, item in enumerate(sheet.indicators)
    )
    _check_repeated_reasons(sheet.indicators, rows, found.add)
    _check_grouping(sheet.indicators, found.add)
    if sums.weight_total != HUNDRED:
        found.add(Code.WEIGHTS_NOT_100, total=fmt(sums.weight_total), expected="100.00")
    for number, text in sheet.unplaced:
        found.add(Code.IMPORT_UNPLACED, line=number, text=text)
    _check_guideline(sums.level1_weights, params, found.add)
    return _result(funds, rows, sums, params, tuple(found.items))


def _check_header(sheet: SheetInput, add: Add) -> None:
    """`value_missing` for an empty 项目名称, 主管部门 or 实施单位."""
    for key in ("project", "department", "unit"):
        if not getattr(sheet, key).strip():
            add(Code.VALUE_MISSING, None, f"header.{key}")


def _check_funds(sheet: SheetInput, funds: FundsResult, params: RuleParams, add: Add) -> None:
    """The 年度资金总额 row: every amount present, each column the sum of the three sources,
    a 全年预算数 to compute a rate from, and a rate not below the warning line."""
    total_line = sheet.funds.get("total", FundsLine())
    for column in FUNDS_COLUMNS:
        if total_line.get(column) is None:
            # 年初预算数 is needed only as the rate's denominator; many regional forms print no
            # 年初 column at all, so elsewhere its absence is a warning, not a block.
            needed = column != "initial" or params.rate_denominator == Denominator.INITIAL
            severity = None if needed else Severity.WARNING
            add(Code.VALUE_MISSING, None, f"funds.total.{column}", severity=severity)
    for column in FUNDS_COLUMNS:
        total_value = total_line.get(column)
        if total_value is None:
            continue
        parts = sum(
            (sheet.funds.get(k, FundsLine()).get(column) or ZERO for k in FUNDS_SOURCES), ZERO
        )
        if parts != total_value:
            add(
                Code.FUNDS_NOT_ADDING_UP,
                None,
                f"funds.total.{column}",
                total=fmt(total_value),
                sum=fmt(parts),
            )
    denominator = "initial" if params.rate_denominator == Denominator.INITIAL else "annual"
    if not total_line.get(denominator):
        add(Code.FUNDS_NO_BUDGET, None, f"funds.total.{denominator}")
    elif funds.rate is not None:
        _check_rate(funds.rate, params, add)
    _check_magnitude(total_line, params, add)


def _check_rate(rate: Decimal, params: RuleParams, add: Add) -> None:
    """Below 90 % a warning; above 100 % a warning (more spent than budgeted); above 200 % an
    error, and the budget score is 0 (`compute_funds`)."""
    field, limit = "funds.total.rate", params.execution_implausible_above
    if rate < params.execution_warning_below:
        add(
            Code.EXECUTION_BELOW_90,
            None,
            field,
            rate=fmt(rate),
            threshold=fmt(params.execution_warning_below),
        )
    elif rate > limit:
        add(Code.EXECUTION_RATE_IMPLAUSIBLE, None, field, rate=fmt(rate), limit=fmt(limit))
    elif rate > HUNDRED:
        add(Code.EXECUTION_ABOVE_100, None, field, rate=fmt(rate))


def _check_magnitude(line: FundsLine, params: RuleParams, add: Add) -> None:
    """`amount_magnitude`: an executed amount 10 times the largest budget figure or more, or
    any amount of the total row at or above 1 万亿元 — once per amount."""
    reference = _magnitude_reference(line, params)
    for column in FUNDS_COLUMNS:
        value = line.get(column)
        if value is None:
            continue
        if column == "executed" and reference is not None:
            add(
                Code.AMOUNT_MAGNITUDE,
                None,
                f"funds.total.{column}",
                amount=fmt(value),
                reference=fmt(reference),
                factor=fmt(params.magnitude_factor),
            )
        elif _beyond_limit(value, params):
            add(
                Code.AMOUNT_OUT_OF_RANGE,
                None,
                f"funds.total.{column}",
                amount=fmt(value),
                limit=fmt(params.amount_limit),
            )


def _check_row(
    index: int, item: IndicatorInput, params: RuleParams, sums: _Sums, add: Add
) -> RowResult:
    """One indicator row: its figures into the sums, and every per-row rule.

    A 不适用 row is left out of the score and of every per-row check; its weight still counts
    towards the 100 the weights must add up to.
    """
    target, actual = parse_target(item.target), parse_actual(item.actual)
    applicable = item.applicable and actual.kind != ActualKind.NOT_APPLICABLE
    quantitative = is_quantitative(target)
    weight, score = item.weight, item.score
    if weight is None:
        add(Code.VALUE_MISSING, index, "weight")
    else:
        sums.weight_total += weight
        for code, field, found in range_checks(weight, None, applicable=False):
            add(code, index, field, **found)
        if item.level1:
            sums.level1_weights[item.level1] = sums.level1_weights.get(item.level1, ZERO) + weight
    suggestion = suggest_score(target, actual, weight, params) if applicable else None
    row = RowResult(index, target, actual, applicable, quantitative, suggestion)
    if not applicable:
        return row
    if weight is not None:
        sums.applicable_weight += weight
    if score is None:
        add(Code.VALUE_MISSING, index, "score")
    else:
        sums.score_sum += score
    _check_values(row, add)
    if score is not None and weight is not None:
        _check_score(row, weight, score, item.reason.strip(), params, add)
    return row


def _check_values(row: RowResult, add: Add) -> None:
    """`unparsed_value` for a target that starts with an operator but has no readable number,
    and for an actual that is not a number on a quantitative row (or is an unreadable `≥**`);
    `value_missing` for a quantitative row's empty actual (nothing to read is not unreadable)."""
    target, actual = row.target, row.actual
    if target.kind == TargetKind.UNPARSED:
        add(Code.UNPARSED_VALUE, row.index, "target", text=target.raw)
    if row.quantitative and actual.kind == ActualKind.EMPTY:
        add(Code.VALUE_MISSING, row.index, "actual")
    elif (
        row.quantitative and actual.kind not in (ActualKind.NUMBER, ActualKind.NOT_APPLICABLE)
    ) or (actual.kind == ActualKind.TEXT and parse_target(actual.raw).kind == TargetKind.UNPARSED):
        add(Code.UNPARSED_VALUE, row.index, "actual", text=actual.raw)


def range_checks(
    weight: Decimal | None, score: Decimal | None, *, applicable: bool
) -> list[tuple[Code, str, dict[str, str]]]:
    """The bounds of one row's 分值 and 得分 as (code, field, params): a weight from 0 to 100,
    a score from 0 to the weight (a score is checked on an applicable row with a weight).
    The engine and the editor's save both read them here, so the save refuses exactly the cells
    the live check marks, in the same words."""
    found: list[tuple[Code, str, dict[str, str]]] = []
    if weight is not None and not ZERO <= weight <= HUNDRED:
        found.append((Code.WEIGHT_OUT_OF_RANGE, "weight", {"weight": fmt(weight)}))
    if not applicable or score is None or weight is None:
        return found
    if score > weight:
        found.append(
            (Code.SCORE_ABOVE_WEIGHT, "score", {"score": fmt(score), "weight": fmt(weight)})
        )
    if score < 0:
        found.append((Code.SCORE_NEGATIVE, "score", {"score": fmt(score)}))
    return found


def _check_score(
    row: RowResult, weight: Decimal, score: Decimal, reason: str, params: RuleParams, add: Add
) -> None:
    """The rules on an entered score: bounds, reason, qualitative band, suggested score."""
    index = row.index
    for code, field, found in range_checks(weight, score, applicable=True):
        if field == "score":
            add(code, index, field, **found)
    if score < weight and not reason:
        add(Code.REASON_REQUIRED, index, "reason", score=fmt(score), weight=fmt(weight))
    if not row.quantitative and row.actual.kind == ActualKind.LEVEL and row.actual.level:
        _check_band(row, weight, score, params, add)
    suggestion = row.suggestion
    if suggestion is not None:
        if score != suggestion.value:
            add(
                Code.SCORE_DIFFERS_FROM_SUGGESTED,
                index,
                "score",
                score=fmt(score),
                suggested=fmt(suggestion.value),
            )
        if suggestion.met and score < weight:
            add(Code.TARGET_MET_SCORE_CUT, index, "score", score=fmt(score), weight=fmt(weight))
    if row.quantitative and row.actual.kind == ActualKind.NUMBER:
        if reason:
            _check_quoted_numbers(row, reason, add)
        else:
            _check_deviation(row, params, add)
        _check_exceeded(row, params, add)
    if score < weight and reason and is_boilerplate(reason, params):
        add(Code.BOILERPLATE_REASON, index, "reason", text=reason)


def _check_band(
    row: RowResult, weight: Decimal, score: Decimal, params: RuleParams, add: Add
) -> None:
    """`qualitative_band`: the score of a qualitative row lies in its level's band (both ends
    inclusive, so exactly 80 % of the weight is right for 达成 and for 部分达成)."""
    level = row.actual.level
    assert level is not None
    low, high = params.band(level)
    low_score, high_score = weight * low, weight * high
    if not (low_score <= score <= high_score):
        add(
            Code.QUALITATIVE_BAND,
            row.index,
            "score",
            level=level.value,
            score=fmt(score),
            weight=fmt(weight),
            low=fmt(low_score),
            high=fmt(high_score),
        )


def _check_quoted_numbers(row: RowResult, reason: str, add: Add) -> None:
    """`reason_contradicts_actual`: the reason quotes, in the row's unit, a number other than
    the actual (`实际完成5轮` against `4.00(轮)`); the first such number is reported."""
    actual, unit = row.actual, row.actual.unit or row.target.unit
    for quoted in quoted_numbers(reason, unit):
        if quoted != actual.number:
            add(
                Code.REASON_CONTRADICTS_ACTUAL,
                row.index,
                "reason",
                quoted=fmt(quoted),
                actual=fmt(actual.number),
                unit=unit,
            )
            return


def _check_deviation(row: RowResult, params: RuleParams, add: Add) -> None:
    """`deviation_unexplained`: an `=` target not hit exactly, or a positive `≥` target reached
    1.3 times or more (the factor is inclusive), with no reason. Targets of 0 are left out."""
    target, actual = row.target, row.actual
    assert target.number is not None and actual.number is not None
    if target.number == 0:
        return
    missed_exactly = target.operator == Operator.EQ and actual.number != target.number
    far_above = (
        target.operator in (Operator.GE, Operator.GT)
        and target.number > 0
        and actual.number >= target.number * params.over_achievement_factor
    )
    if missed_exactly or far_above:
        add(
            Code.DEVIATION_UNEXPLAINED,
            row.index,
            "reason",
            target=fmt(target.number),
            actual=fmt(actual.number),
        )


def _check_exceeded(row: RowResult, params: RuleParams, add: Add) -> None:
    """`target_exceeded` (a hint): a positive `≥`/`>` target reached `over_achievement_factor`
    times or more (inclusive), reason or not — the target may have been set too low."""
    target, actual = row.target, row.actual
    assert target.number is not None and actual.number is not None
    if (
        target.operator in (Operator.GE, Operator.GT)
        and target.number > 0
        and actual.number >= target.number * params.over_achievement_factor
    ):
        add(
            Code.TARGET_EXCEEDED,
            row.index,
            "actual",
            target=fmt(target.number),
            actual=fmt(actual.number),
            factor=fmt(params.over_achievement_factor),
        )


# A reason on this many applicable rows of one sheet or more is `reason_repeated`.
REPEATED_REASON_ROWS = 3


def _check_repeated_reasons(
    items: tuple[IndicatorInput, ...], rows: tuple[RowResult, ...], add: Add
) -> None:
    """`reason_repeated` (a hint): one finding per reason text (trimmed) written on 3 or more
    applicable rows, on the first of them, naming how many rows and which (1-based)."""
    seen: dict[str, list[int]] = {}
    for item, row in zip(items, rows, strict=True):
        text = item.reason.strip()
        if text and row.applicable:
            seen.setdefault(text, []).append(row.index)
    for text, indices in seen.items():
        if len(indices) >= REPEATED_REASON_ROWS:
            add(
                Code.REASON_REPEATED,
                indices[0],
                "reason",
                text=text,
                count=len(indices),
                rows="、".join(str(i + 1) for i in indices),
            )


def _check_grouping(items: tuple[IndicatorInput, ...], add: Add) -> None:
    """`rows_not_grouped`: at most one per sheet, on the first row that starts a second block
    of a 二级指标 (or 一级指标), naming every level that prints as more than one block
    (docs/rules.md §2.1). A sheet saved since the rule came in is always grouped."""
    names, first = scattered_levels([(item.level1, item.level2) for item in items])
    if names:
        add(Code.ROWS_NOT_GROUPED, first, "level2", levels="、".join(names))


def _check_guideline(level1_weights: dict[str, Decimal], params: RuleParams, add: Add) -> None:
    """One `weights_guideline` hint for the whole sheet, naming every level-1 sum beside the
    rule set's guideline, when any of them differs; none when the rule set has no guideline."""
    if not params.guideline:
        return
    sums = [level1_weights.get(level1, ZERO) for level1, _ in params.guideline]
    if any(got != expected for got, (_, expected) in zip(sums, params.guideline, strict=True)):
        add(
            Code.WEIGHTS_GUIDELINE,
            levels="/".join(level1 for level1, _ in params.guideline),
            weights="/".join(fmt(w) for w in sums),
            expected="/".join(fmt(e) for _, e in params.guideline),
        )


def _result(
    funds: FundsResult,
    rows: tuple[RowResult, ...],
    sums: _Sums,
    params: RuleParams,
    findings: tuple[Finding, ...],
) -> SheetResult:
    """Total and grade: the plain sum, or with 不适用 rows the sum of applicable scores
    rescaled to 100 (Σ applicable scores ÷ Σ applicable weights × 100)."""
    raw_score = params.round(sums.score_sum)
    rescaled = sums.applicable_weight != sums.weight_total
    if rescaled and sums.applicable_weight > 0:
        total = params.round(sums.score_sum * HUNDRED / sums.applicable_weight)
    else:
        total = raw_score
    return SheetResult(
        funds=funds,
        rows=rows,
        weight_total=sums.weight_total.quantize(CENT),
        raw_score=raw_score,
        total=total,
        rescaled=rescaled,
        applicable_weight=sums.applicable_weight.quantize(CENT),
        grade=grade_for(total, params),
        level1_weights=sums.level1_weights,
        findings=findings,
    )
