"""The scoring rules of the self-evaluation sheet (docs/rules.md §4–§6).

Plain Python: no database, no Django models. Every finding test starts from `valid_sheet()`,
which has no errors and no warnings, changes one thing, and asserts exactly the errors and
warnings that follow (info lines are hints and are left out, docs/rules.md §6).
"""

import dataclasses
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.findings import Code, Severity
from indicators.scoring import (
    Denominator,
    FundsLine,
    IndicatorInput,
    RuleParams,
    SheetInput,
    budget_score,
    compute_funds,
    evaluate,
    execution_rate,
    grade_for,
    rate_budget,
    suggest_score,
)
from indicators.values import (
    Actual,
    ActualKind,
    Level,
    Operator,
    Target,
    TargetKind,
    parse_actual,
)
from indicators.values import parse_target as target

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
D = Decimal
PARAMS = RuleParams()


# --- building sheets -------------------------------------------------------------------------


def funds(initial="100.00", annual="100.00", executed="95.00") -> dict[str, FundsLine]:
    """Funds whose total is all 当年财政拨款: the sub-rows add up in every column."""
    line = FundsLine(D(initial), D(annual), D(executed))
    zero = FundsLine(D("0.00"), D("0.00"), D("0.00"))
    return {"total": line, "appropriation": line, "carryover": zero, "other": zero}


def valid_sheet() -> SheetInput:
    """A sheet without errors or warnings: budget 10 (95 % executed → 9.50) + 90 of indicators.

    Rows: 0 `=4.00(轮)` weight 30 · 1 `≥90(%)` weight 20 · 2 `≤5(起)` weight 20 (效益)
    · 3 qualitative 健全 weight 10 (效益) · 4 satisfaction `≥90(%)` weight 10.
    Level-1 weights follow the 50/30/10 guideline, so not even an info line is produced.
    """
    return SheetInput(
        project="高校毕业生就业服务专项",
        department="上海市人力资源和社会保障局",
        unit="上海市人才服务中心",
        funds=funds(),
        budget_weight=D("10.00"),
        indicators=(
            IndicatorInput(
                name="就业服务周活动轮次",
                level1="产出指标",
                level2="数量指标",
                target="=4.00(轮)",
                actual="4.00(轮)",
                weight=D("30.00"),
                score=D("30.00"),
            ),
            IndicatorInput(
                name="岗位专业覆盖率",
                level1="产出指标",
                level2="质量指标",
                target="≥90(%)",
                actual="90.10(%)",
                weight=D("20.00"),
                score=D("20.00"),
            ),
            IndicatorInput(
                name="安全事故发生数",
                level1="效益指标",
                level2="社会效益指标",
                target="≤5(起)",
                actual="0.00(起)",
                weight=D("20.00"),
                score=D("20.00"),
            ),
            IndicatorInput(
                name="长效管理机制健全性",
                level1="效益指标",
                level2="可持续影响指标",
                target="健全",
                actual="达成指标",
                weight=D("10.00"),
                score=D("10.00"),
            ),
            IndicatorInput(
                name="服务对象满意度",
                level1="满意度指标",
                level2="服务对象满意度指标",
                target="≥90(%)",
                actual="92.00(%)",
                weight=D("10.00"),
                score=D("10.00"),
            ),
        ),
    )


ROUNDS, COVERAGE, ACCIDENTS, MECHANISM, SATISFACTION = range(5)


def with_row(sheet: SheetInput, index: int, **changes) -> SheetInput:
    rows = list(sheet.indicators)
    rows[index] = dataclasses.replace(rows[index], **changes)
    return dataclasses.replace(sheet, indicators=tuple(rows))


def with_funds(sheet: SheetInput, row: str, **changes) -> SheetInput:
    lines = dict(sheet.funds)
    lines[row] = dataclasses.replace(lines[row], **changes)
    return dataclasses.replace(sheet, funds=lines)


def problems(result) -> list[tuple[str, int | None, str | None]]:
    """Errors and warnings as (code, row, field), sorted; info lines are left out."""
    return sorted(
        ((f.code, f.row, f.field) for f in result.findings if f.severity != INFO),
        key=lambda p: (p[0], -1 if p[1] is None else p[1], p[2] or ""),
    )


def only(result, code: str):
    [finding] = [f for f in result.findings if f.code == code]
    return finding


def test_the_baseline_sheet_has_no_errors_and_no_warnings():
    result = evaluate(valid_sheet())

    assert result.findings == ()
    assert result.funds.rate == D("95.00")
    assert result.funds.score == D("9.50")
    assert result.weight_total == D("100.00")
    assert result.raw_score == D("99.50")
    assert result.total == D("99.50")
    assert result.rescaled is False
    assert result.grade == "优"


# --- budget execution ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("executed", "annual", "rate", "score"),
    [
        # The eleven printed sheets of the seed, 执行率 and 得分 to the cent.
        ("293.19", "294.00", "99.72", "9.97"),
        ("69.14", "70.00", "98.77", "9.87"),
        ("34.17", "35.00", "97.62", "9.76"),
        ("148.21", "150.00", "98.80", "9.88"),
        ("1052.02", "1092.30", "96.31", "9.63"),
        ("1187.12", "1200.70", "98.86", "9.88"),
        ("12.24", "14.00", "87.42", "8.74"),
        ("1081.77", "1128.80", "95.83", "9.58"),
        ("78.36", "80.00", "97.95", "9.79"),
        ("21.77", "21.96", "99.13", "9.91"),
        ("921.04", "1047.30", "87.94", "8.79"),
    ],
)
def test_execution_rate_and_budget_score_reproduce_the_printed_seed_sheets(
    executed, annual, rate, score
):
    printed_rate = execution_rate(D(executed), D(annual), PARAMS)

    assert printed_rate == D(rate)
    assert budget_score(printed_rate, D("10.00"), PARAMS) == D(score)


def test_execution_rate_truncates_293_19_of_294_to_99_72_and_scores_9_97():
    rate = execution_rate(D("293.19"), D("294.00"), PARAMS)

    assert rate == D("99.72")
    assert budget_score(rate, D("10.00"), PARAMS) == D("9.97")


def test_the_budget_score_is_computed_from_the_printed_rate_and_truncated_98_77_gives_9_87():
    rate = execution_rate(D("69.14"), D("70.00"), PARAMS)

    assert rate == D("98.77")
    # Half-up rounding would give 9.88 here; the printed sheet says 9.87.
    assert budget_score(rate, D("10.00"), PARAMS) == D("9.87")


def test_execution_rate_truncates_34_17_of_35_to_97_62():
    assert execution_rate(D("34.17"), D("35"), PARAMS) == D("97.62")


def test_execution_rate_of_78_36_of_80_is_97_95_and_scores_9_79_not_9_80():
    rate = execution_rate(D("78.36"), D("80"), PARAMS)

    assert rate == D("97.95")
    assert budget_score(rate, D("10.00"), PARAMS) == D("9.79")


def test_execution_above_100_percent_scores_exactly_the_weight():
    rate = execution_rate(D("120.00"), D("100.00"), PARAMS)

    assert rate == D("120.00")
    assert budget_score(rate, D("10.00"), PARAMS) == D("10.00")
    assert budget_score(D("100.01"), D("8.00"), PARAMS) == D("8.00")


def test_an_annual_budget_of_zero_gives_no_rate_and_a_budget_score_of_zero():
    assert execution_rate(D("5.00"), D("0.00"), PARAMS) is None
    assert execution_rate(D("5.00"), None, PARAMS) is None
    assert budget_score(None, D("10.00"), PARAMS) == D("0.00")


def test_the_rate_divides_by_the_annual_budget_not_the_initial_one():
    sheet = dataclasses.replace(
        valid_sheet(), funds=funds(initial="200.00", annual="294.00", executed="293.19")
    )

    result = compute_funds(sheet, PARAMS)

    assert result.rate == D("99.72")
    assert result.score == D("9.97")


def test_every_funds_row_has_its_own_rate_and_a_sub_row_with_annual_zero_has_rate_0_00():
    result = compute_funds(valid_sheet(), PARAMS)

    assert result.rows["total"].rate == D("95.00")
    assert result.rows["appropriation"].rate == D("95.00")
    assert result.rows["carryover"].rate == D("0.00")
    assert result.rows["other"].rate == D("0.00")


def test_a_total_row_with_annual_zero_has_no_rate_scores_zero_and_is_an_error():
    sheet = dataclasses.replace(valid_sheet(), funds=funds(annual="0.00", executed="0.00"))

    result = evaluate(sheet)

    assert result.funds.rows["total"].rate is None
    assert result.funds.rate is None
    assert result.funds.score == D("0.00")
    assert problems(result) == [("funds_no_budget", None, "funds.total.annual")]
    assert only(result, "funds_no_budget").severity == ERROR


def test_an_imported_budget_weight_is_kept_and_scored():
    sheet = dataclasses.replace(valid_sheet(), budget_weight=D("8.00"))

    result = evaluate(sheet)

    assert result.funds.weight == D("8.00")
    assert result.funds.score == D("7.60")


def test_without_a_budget_weight_the_rule_set_default_of_10_applies():
    sheet = dataclasses.replace(valid_sheet(), budget_weight=None)

    assert evaluate(sheet).funds.weight == D("10.00")


def test_half_up_rounding_is_a_rule_set_setting():
    half_up = RuleParams(rounding=ROUND_HALF_UP)

    rate = execution_rate(D("69.14"), D("70.00"), half_up)

    assert rate == D("98.77")
    assert budget_score(rate, D("10.00"), half_up) == D("9.88")


# --- suggested scores ------------------------------------------------------------------------


def suggest(target_text: str, actual_text: str, weight: str):
    return suggest_score(target(target_text), parse_actual(actual_text), D(weight), PARAMS)


def test_a_met_target_suggests_the_full_weight():
    suggestion = suggest("≥90(%)", "90.00(%)", "5.00")

    assert (suggestion.value, suggestion.rule, suggestion.met) == (D("5.00"), "met", True)


def test_a_missed_ge_target_scores_actual_over_target_times_weight():
    suggestion = suggest("≥6000(份)", "4201.00(份)", "5.00")

    assert (suggestion.value, suggestion.rule, suggestion.met) == (D("3.50"), "ratio", False)


def test_a_missed_ratio_is_truncated_to_two_decimals():
    # 19963 / 20000 × 6 = 5.9889
    assert suggest("≥20000.00(份)", "19963.00(份)", "6.00").value == D("5.98")


def test_a_missed_le_target_scores_target_over_actual_times_weight():
    suggestion = suggest("≤5(起)", "8.00(起)", "4.00")

    assert (suggestion.value, suggestion.rule, suggestion.met) == (
        D("2.50"),
        "inverse_ratio",
        False,
    )


def test_a_missed_le_ratio_is_truncated_to_two_decimals():
    # 3 / 7 × 10 = 4.2857
    assert suggest("≤3(起)", "7.00(起)", "10.00").value == D("4.28")


def test_a_positive_eq_target_is_scored_like_ge_and_over_achievement_is_met():
    assert suggest("=4.00(轮)", "5.00(轮)", "8.00") == suggest("≥4.00(轮)", "5.00(轮)", "8.00")
    assert suggest("=4.00(轮)", "5.00(轮)", "8.00").met is True
    assert suggest("=4.00(轮)", "5.00(轮)", "8.00").value == D("8.00")


def test_a_missed_positive_eq_target_scores_actual_over_target_times_weight():
    suggestion = suggest("=1200(张)", "800.00(张)", "6.00")

    assert (suggestion.value, suggestion.rule) == (D("4.00"), "ratio")


def test_an_eq_zero_target_hit_scores_the_full_weight():
    assert suggest("=0(起)", "0.00(起)", "4.00").value == D("4.00")


@pytest.mark.parametrize("actual", ["1.00(起)", "0.01(起)", "-1.00(起)"])
def test_an_eq_zero_target_missed_scores_nothing(actual):
    suggestion = suggest("=0(起)", actual, "4.00")

    assert (suggestion.value, suggestion.rule, suggestion.met) == (
        D("0.00"),
        "all_or_nothing",
        False,
    )


def test_a_lt_target_is_scored_like_le():
    assert suggest("<1.00(%)", "0.00(%)", "3.00").value == D("3.00")
    assert suggest("<1.00(%)", "1.00(%)", "3.00") == suggest("≤1.00(%)", "1.00(%)", "3.00")
    assert suggest("<1(%)", "2.00(%)", "3.00") == suggest("≤1(%)", "2.00(%)", "3.00")
    assert suggest("<1(%)", "2.00(%)", "3.00").value == D("1.50")


def test_a_gt_target_is_scored_like_ge():
    assert suggest(">10(个)", "10.00(个)", "5.00") == suggest("≥10(个)", "10.00(个)", "5.00")
    assert suggest(">10(个)", "8.00(个)", "5.00") == suggest("≥10(个)", "8.00(个)", "5.00")
    assert suggest(">10(个)", "8.00(个)", "5.00").value == D("4.00")


def test_a_suggestion_below_zero_is_clamped_to_zero():
    assert suggest("≥10(个)", "-5.00(个)", "5.00").value == D("0.00")


def test_a_missed_target_of_zero_or_below_has_no_ratio_and_suggests_zero():
    assert suggest("≥0(%)", "-1.00(%)", "4.00").value == D("0.00")
    assert suggest("≤0(起)", "2.00(起)", "4.00").value == D("0.00")


@pytest.mark.parametrize(
    ("target_text", "actual_text", "weight"),
    [
        ("健全", "达成指标", D("4.00")),
        ("≥**", "90.00(%)", D("4.00")),
        ("≥90(%)", "达成指标", D("4.00")),
        ("≥90(%)", "不适用", D("4.00")),
        ("≥90(%)", "90.00(%)", None),
    ],
)
def test_no_suggestion_without_a_quantitative_target_a_numeric_actual_and_a_weight(
    target_text, actual_text, weight
):
    assert suggest_score(target(target_text), parse_actual(actual_text), weight, PARAMS) is None


weights = st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2)
any_number = st.integers(min_value=0, max_value=6).flatmap(
    lambda places: st.decimals(
        min_value=D("-1000000000000"), max_value=D("1000000000000"), places=places
    )
)


@given(
    weight=weights,
    operator=st.sampled_from(list(Operator)),
    target_number=any_number,
    actual_number=any_number,
    rounding=st.sampled_from([ROUND_DOWN, ROUND_HALF_UP]),
)
def test_a_suggestion_always_lies_between_zero_and_the_weight(
    weight, operator, target_number, actual_number, rounding
):
    params = RuleParams(rounding=rounding)
    quantitative = Target(
        f"{operator}{target_number}", TargetKind.QUANTITATIVE, operator, target_number
    )
    actual = Actual(f"{actual_number}", ActualKind.NUMBER, actual_number)

    suggestion = suggest_score(quantitative, actual, weight, params)

    assert D("0") <= suggestion.value <= weight
    assert suggestion.value == suggestion.value.quantize(D("0.01"))
    assert (suggestion.value == weight) or not suggestion.met


# --- grades ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100.00", "优"),
        ("90.00", "优"),
        ("89.99", "良"),
        ("80.00", "良"),
        ("79.99", "中"),
        ("60.00", "中"),
        ("59.99", "差"),
        ("0.00", "差"),
    ],
)
def test_grade_bands_include_their_lower_bound(total, grade):
    assert grade_for(D(total), PARAMS) == grade


GRADE_ORDER = ["差", "中", "良", "优"]
totals = st.decimals(min_value=D("-10"), max_value=D("110"), places=2)


@given(low=totals, high=totals)
def test_a_higher_total_never_gets_a_worse_grade(low, high):
    low, high = sorted((low, high))

    assert GRADE_ORDER.index(grade_for(low, PARAMS)) <= GRADE_ORDER.index(grade_for(high, PARAMS))


# --- findings, one rule at a time ------------------------------------------------------------


def test_a_score_above_its_weight_is_an_error_and_not_capped():
    sheet = with_row(valid_sheet(), MECHANISM, score=D("10.50"))

    result = evaluate(sheet)

    # Also outside the achieved band (8.00–10.00): one finding per rule.
    assert problems(result) == [
        ("qualitative_band", MECHANISM, "score"),
        ("score_above_weight", MECHANISM, "score"),
    ]
    finding = only(result, "score_above_weight")
    assert finding.severity == ERROR
    assert finding.params == {"score": "10.50", "weight": "10.00"}
    assert result.raw_score == D("100.00")


def test_a_score_above_its_weight_on_a_quantitative_row_also_differs_from_the_suggestion():
    result = evaluate(with_row(valid_sheet(), ROUNDS, score=D("31.00")))

    assert problems(result) == [
        ("score_above_weight", ROUNDS, "score"),
        ("score_differs_from_suggested", ROUNDS, "score"),
    ]


def test_a_negative_score_is_an_error():
    sheet = with_row(
        valid_sheet(), MECHANISM, actual="见附件说明", score=D("-1.00"), reason="未开展"
    )

    result = evaluate(sheet)

    assert problems(result) == [("score_negative", MECHANISM, "score")]
    assert only(result, "score_negative").severity == ERROR
    assert only(result, "score_negative").params == {"score": "-1.00"}


def test_a_score_below_its_weight_without_a_reason_is_an_error():
    sheet = with_row(valid_sheet(), MECHANISM, actual="部分达成指标并具有一定效果", score=D("7.00"))

    result = evaluate(sheet)

    assert problems(result) == [("reason_required", MECHANISM, "reason")]
    assert only(result, "reason_required").severity == ERROR
    assert only(result, "reason_required").params == {"score": "7.00", "weight": "10.00"}


def test_a_blank_reason_counts_as_no_reason():
    sheet = with_row(
        valid_sheet(),
        MECHANISM,
        actual="部分达成指标并具有一定效果",
        score=D("7.00"),
        reason="  \n ",
    )

    assert problems(evaluate(sheet)) == [("reason_required", MECHANISM, "reason")]


def test_a_qualitative_score_outside_its_level_band_is_an_error():
    sheet = with_row(
        valid_sheet(),
        MECHANISM,
        actual="部分达成指标并具有一定效果",
        score=D("8.50"),
        reason="机制还需进一步完善",
    )

    result = evaluate(sheet)

    assert problems(result) == [("qualitative_band", MECHANISM, "score")]
    finding = only(result, "qualitative_band")
    assert finding.severity == ERROR
    assert finding.params == {
        "level": "partial",
        "score": "8.50",
        "weight": "10.00",
        "low": "6.00",
        "high": "8.00",
    }


@pytest.mark.parametrize(
    ("actual", "score", "in_band"),
    [
        ("达成指标", "10.00", True),
        ("达成指标", "8.00", True),  # exactly 80 % belongs to 达成 …
        ("达成指标", "7.99", False),
        ("部分达成指标并具有一定效果", "8.00", True),  # … and to 部分达成, as real sheets score it
        ("部分达成指标并具有一定效果", "8.01", False),
        ("部分达成指标并具有一定效果", "6.00", True),
        ("部分达成指标并具有一定效果", "5.99", False),
        ("未达成年度指标且效果较差", "6.00", True),
        ("未达成年度指标且效果较差", "6.01", False),
        ("未达成年度指标且效果较差", "0.00", True),
    ],
)
def test_band_boundaries_belong_to_both_neighbouring_levels(actual, score, in_band):
    sheet = with_row(valid_sheet(), MECHANISM, actual=actual, score=D(score), reason="仍需完善")

    expected = [] if in_band else [("qualitative_band", MECHANISM, "score")]
    assert problems(evaluate(sheet)) == expected


def test_the_seed_scores_partial_at_4_of_5_and_4_of_6_which_are_in_band():
    # 长效管理机制健全性: weight 6, 部分达成, score 4.00 (66.7 %); weight 5, score 4.00 (80 %).
    for weight in ("6.00", "5.00"):
        sheet = with_row(
            valid_sheet(),
            MECHANISM,
            actual="部分达成指标并具有一定效果",
            weight=D(weight),
            score=D("4.00"),
            reason="长效管理机制还需进一步完善",
        )
        assert "qualitative_band" not in {code for code, _, _ in problems(evaluate(sheet))}


def test_the_bands_are_configuration():
    eighty_fifty = RuleParams(
        bands=(
            (parse_actual("达成指标").level, D("0.80"), D("1.00")),
            (parse_actual("部分达成指标").level, D("0.50"), D("0.80")),
            (parse_actual("未达成指标").level, D("0.00"), D("0.50")),
        )
    )
    sheet = with_row(
        valid_sheet(),
        MECHANISM,
        actual="部分达成指标并具有一定效果",
        score=D("5.50"),
        reason="仍需完善",
    )

    assert problems(evaluate(sheet, eighty_fifty)) == []
    assert problems(evaluate(sheet)) == [("qualitative_band", MECHANISM, "score")]


def test_a_row_without_a_weight_is_missing_a_value():
    result = evaluate(with_row(valid_sheet(), MECHANISM, weight=None))

    # Its weight is also missing from the 100.
    assert problems(result) == [
        ("value_missing", MECHANISM, "weight"),
        ("weights_not_100", None, None),
    ]
    assert only(result, "value_missing").severity == ERROR


def test_a_row_without_a_score_is_missing_a_value():
    result = evaluate(with_row(valid_sheet(), MECHANISM, score=None))

    assert problems(result) == [("value_missing", MECHANISM, "score")]
    assert only(result, "value_missing").severity == ERROR


@pytest.mark.parametrize("field", ["project", "department", "unit"])
def test_a_missing_header_field_is_missing_a_value(field):
    result = evaluate(dataclasses.replace(valid_sheet(), **{field: "  "}))

    assert problems(result) == [("value_missing", None, f"header.{field}")]
    assert only(result, "value_missing").severity == ERROR


def test_a_missing_initial_budget_on_the_total_row_is_missing_a_value():
    result = evaluate(with_funds(valid_sheet(), "total", initial=None))

    assert problems(result) == [("value_missing", None, "funds.total.initial")]
    # Not the rate's denominator: a warning (regional forms print no 年初 column) …
    assert only(result, "value_missing").severity == Severity.WARNING
    assert not result.errors


def test_a_missing_initial_budget_blocks_when_it_is_the_rates_denominator():
    params = dataclasses.replace(RuleParams(), rate_denominator="initial")
    result = evaluate(with_funds(valid_sheet(), "total", initial=None), params)

    assert ("value_missing", None, "funds.total.initial") in problems(result)
    assert only(result, "value_missing").severity == Severity.ERROR


def test_a_missing_annual_budget_on_the_total_row_is_missing_and_leaves_no_budget():
    result = evaluate(with_funds(valid_sheet(), "total", annual=None))

    assert problems(result) == [
        ("funds_no_budget", None, "funds.total.annual"),
        ("value_missing", None, "funds.total.annual"),
    ]
    assert result.funds.score == D("0.00")


def test_a_missing_executed_amount_on_the_total_row_is_missing_and_counts_as_zero():
    result = evaluate(with_funds(valid_sheet(), "total", executed=None))

    assert problems(result) == [
        ("execution_below_90", None, "funds.total.rate"),
        ("value_missing", None, "funds.total.executed"),
    ]
    assert result.funds.rate == D("0.00")


def test_weights_not_adding_up_to_100_is_an_error():
    result = evaluate(with_row(valid_sheet(), ROUNDS, weight=D("31.00"), score=D("31.00")))

    assert problems(result) == [("weights_not_100", None, None)]
    finding = only(result, "weights_not_100")
    assert finding.severity == ERROR
    assert finding.params == {"total": "101.00", "expected": "100.00"}


def test_the_weight_of_a_not_applicable_row_still_counts_towards_the_100():
    sheet = with_row(valid_sheet(), ROUNDS, actual="不适用", score=None)

    result = evaluate(sheet)

    assert problems(result) == []
    assert result.weight_total == D("100.00")


def test_a_not_applicable_row_missing_from_the_100_is_still_an_error():
    sheet = with_row(valid_sheet(), ROUNDS, actual="不适用", weight=D("25.00"), score=None)

    result = evaluate(sheet)

    assert problems(result) == [("weights_not_100", None, None)]
    assert only(result, "weights_not_100").params["total"] == "95.00"


def test_the_budget_weight_counts_towards_the_100():
    result = evaluate(dataclasses.replace(valid_sheet(), budget_weight=D("8.00")))

    assert problems(result) == [("weights_not_100", None, None)]
    assert only(result, "weights_not_100").params["total"] == "98.00"


def test_funds_not_adding_up_in_one_column_is_one_error_on_that_column():
    sheet = with_funds(valid_sheet(), "appropriation", annual=D("90.00"))
    sheet = with_funds(sheet, "carryover", annual=D("5.00"))

    result = evaluate(sheet)

    assert problems(result) == [("funds_not_adding_up", None, "funds.total.annual")]
    finding = only(result, "funds_not_adding_up")
    assert finding.severity == ERROR
    assert finding.params == {"total": "100.00", "sum": "95.00"}


def test_funds_not_adding_up_in_every_column_is_one_error_per_column():
    sheet = with_funds(
        valid_sheet(),
        "appropriation",
        initial=D("99.00"),
        annual=D("99.00"),
        executed=D("94.00"),
    )

    result = evaluate(sheet)

    assert problems(result) == [
        ("funds_not_adding_up", None, "funds.total.annual"),
        ("funds_not_adding_up", None, "funds.total.executed"),
        ("funds_not_adding_up", None, "funds.total.initial"),
    ]


def test_funds_made_of_appropriation_carryover_and_other_add_up():
    sheet = dataclasses.replace(
        valid_sheet(),
        funds={
            "total": FundsLine(D("100.00"), D("100.00"), D("95.00")),
            "appropriation": FundsLine(D("60.00"), D("50.00"), D("50.00")),
            "carryover": FundsLine(D("30.00"), D("30.00"), D("25.00")),
            "other": FundsLine(D("10.00"), D("20.00"), D("20.00")),
        },
    )

    result = evaluate(sheet)

    assert problems(result) == []
    assert result.funds.rows["carryover"].rate == D("83.33")


def test_an_annual_budget_of_zero_is_an_error_on_the_total_row():
    sheet = dataclasses.replace(valid_sheet(), funds=funds(annual="0.00", executed="0.00"))

    finding = only(evaluate(sheet), "funds_no_budget")

    assert (finding.severity, finding.row, finding.field) == (ERROR, None, "funds.total.annual")


def test_a_quantitative_score_different_from_the_suggested_one_is_a_warning():
    # 81 / 90 × 20 = 18.00 suggested; the unit entered 19.00.
    sheet = with_row(
        valid_sheet(), COVERAGE, actual="81.00(%)", score=D("19.00"), reason="部分岗位未覆盖"
    )

    result = evaluate(sheet)

    assert problems(result) == [("score_differs_from_suggested", COVERAGE, "score")]
    finding = only(result, "score_differs_from_suggested")
    assert finding.severity == WARNING
    assert finding.params == {"score": "19.00", "suggested": "18.00"}
    assert result.rows[COVERAGE].suggestion.value == D("18.00")


def test_a_quantitative_score_equal_to_the_suggested_one_is_fine():
    sheet = with_row(
        valid_sheet(), COVERAGE, actual="81.00(%)", score=D("18.00"), reason="部分岗位未覆盖"
    )

    assert problems(evaluate(sheet)) == []


def test_a_met_target_with_a_cut_score_is_a_warning():
    sheet = with_row(valid_sheet(), ROUNDS, score=D("29.00"), reason="活动质量有待提高")

    result = evaluate(sheet)

    assert problems(result) == [
        ("score_differs_from_suggested", ROUNDS, "score"),
        ("target_met_score_cut", ROUNDS, "score"),
    ]
    finding = only(result, "target_met_score_cut")
    assert finding.severity == WARNING
    assert finding.params == {"score": "29.00", "weight": "30.00"}


def test_a_reason_quoting_another_number_in_the_rows_unit_contradicts_the_actual():
    sheet = with_row(valid_sheet(), ROUNDS, reason="实际完成5轮")

    result = evaluate(sheet)

    assert problems(result) == [("reason_contradicts_actual", ROUNDS, "reason")]
    finding = only(result, "reason_contradicts_actual")
    assert finding.severity == WARNING
    assert finding.params == {"quoted": "5.00", "actual": "4.00", "unit": "轮"}


def test_a_reason_quoting_the_actual_itself_after_a_year_does_not_contradict_it():
    sheet = with_row(
        valid_sheet(),
        ROUNDS,
        target="=1200(张)",
        actual="800.00(张)",
        score=D("20.00"),  # 800 / 1200 × 30
        reason="根据实际情况,2023年实际发放党建教育电影票800张",
    )

    assert problems(evaluate(sheet)) == []


def test_a_reason_quoting_numbers_in_other_units_does_not_contradict_the_actual():
    sheet = with_row(valid_sheet(), ROUNDS, reason="2023年共4轮，覆盖12场、300人")

    assert problems(evaluate(sheet)) == []


def test_a_reason_quoting_a_number_with_thousands_separators_is_read_whole():
    sheet = with_row(
        valid_sheet(),
        ROUNDS,
        target="=1200(张)",
        actual="800.00(张)",
        score=D("20.00"),
        reason="实际发放1,200张",
    )

    result = evaluate(sheet)

    assert problems(result) == [("reason_contradicts_actual", ROUNDS, "reason")]
    assert only(result, "reason_contradicts_actual").params["quoted"] == "1200.00"


def test_a_reason_quoting_a_number_too_long_to_print_with_cents_is_reported_as_typed():
    quoted = "9" * 30
    sheet = with_row(valid_sheet(), ROUNDS, reason=f"实际完成{quoted}轮")

    result = evaluate(sheet)

    assert problems(result) == [("reason_contradicts_actual", ROUNDS, "reason")]
    assert only(result, "reason_contradicts_actual").params["quoted"] == quoted


def test_an_eq_target_over_achieved_without_a_reason_is_unexplained():
    result = evaluate(with_row(valid_sheet(), ROUNDS, actual="5.00(轮)"))

    assert problems(result) == [("deviation_unexplained", ROUNDS, "reason")]
    finding = only(result, "deviation_unexplained")
    assert finding.severity == WARNING
    assert finding.params == {"target": "4.00", "actual": "5.00"}


def test_an_eq_target_missed_without_a_reason_is_unexplained_and_needs_a_reason():
    # 3 / 4 × 30 = 22.50, entered as suggested.
    sheet = with_row(valid_sheet(), ROUNDS, actual="3.00(轮)", score=D("22.50"))

    assert problems(evaluate(sheet)) == [
        ("deviation_unexplained", ROUNDS, "reason"),
        ("reason_required", ROUNDS, "reason"),
    ]


def test_an_eq_target_missed_with_a_reason_is_explained():
    sheet = with_row(
        valid_sheet(), ROUNDS, actual="3.00(轮)", score=D("22.50"), reason="受场地影响取消一轮"
    )

    assert problems(evaluate(sheet)) == []


def test_a_ge_target_reached_exactly_1_3_times_without_a_reason_is_unexplained():
    sheet = with_row(valid_sheet(), COVERAGE, target="≥10(个)", actual="13.00(个)")

    result = evaluate(sheet)

    assert problems(result) == [("deviation_unexplained", COVERAGE, "reason")]
    assert only(result, "deviation_unexplained").params == {"target": "10.00", "actual": "13.00"}


def test_a_ge_target_reached_just_under_1_3_times_is_not_a_deviation():
    sheet = with_row(valid_sheet(), COVERAGE, target="≥10(个)", actual="12.99(个)")

    assert problems(evaluate(sheet)) == []


def test_a_ge_target_far_exceeded_with_a_reason_is_explained():
    sheet = with_row(
        valid_sheet(), COVERAGE, target="≥10(个)", actual="13.00(个)", reason="需求增加"
    )

    assert problems(evaluate(sheet)) == []


@pytest.mark.parametrize("actual", ["10.00(%)", "1000.00(%)"])
def test_a_ge_zero_target_is_never_a_deviation(actual):
    sheet = with_row(valid_sheet(), COVERAGE, target="≥0(%)", actual=actual)

    assert problems(evaluate(sheet)) == []


def test_an_eq_zero_target_missed_is_not_a_deviation_but_scores_nothing():
    sheet = with_row(valid_sheet(), ACCIDENTS, target="=0(起)", actual="1.00(起)", score=D("0.00"))

    assert problems(evaluate(sheet)) == [("reason_required", ACCIDENTS, "reason")]


@pytest.mark.parametrize(
    "reason",
    [
        "根据实际工作情况",
        "根据实际工作情况。",
        " 根据实际情况！",
        "以实际业务发生情况为准",
        "根据实际业务情况",
    ],
)
def test_a_cut_score_whose_whole_reason_is_a_stock_phrase_is_boilerplate(reason):
    # 81 / 90 × 20 = 18.00, entered as suggested.
    sheet = with_row(valid_sheet(), COVERAGE, actual="81.00(%)", score=D("18.00"), reason=reason)

    result = evaluate(sheet)

    assert problems(result) == [("boilerplate_reason", COVERAGE, "reason")]
    assert only(result, "boilerplate_reason").severity == WARNING


def test_a_stock_phrase_followed_by_real_content_is_not_boilerplate():
    sheet = with_row(
        valid_sheet(),
        COVERAGE,
        actual="81.00(%)",
        score=D("18.00"),
        reason="根据实际情况，未举行会议",
    )

    assert problems(evaluate(sheet)) == []


def test_a_stock_phrase_on_a_full_score_is_not_boilerplate():
    assert problems(evaluate(with_row(valid_sheet(), COVERAGE, reason="根据实际工作情况"))) == []


def test_execution_below_90_percent_is_a_warning():
    sheet = dataclasses.replace(valid_sheet(), funds=funds(executed="89.99"))

    result = evaluate(sheet)

    assert problems(result) == [("execution_below_90", None, "funds.total.rate")]
    finding = only(result, "execution_below_90")
    assert finding.severity == WARNING
    assert finding.params == {"rate": "89.99", "threshold": "90.00"}
    assert result.funds.score == D("8.99")


def test_execution_of_exactly_90_percent_is_fine():
    sheet = dataclasses.replace(valid_sheet(), funds=funds(executed="90.00"))

    assert problems(evaluate(sheet)) == []


def test_a_target_starting_with_an_operator_without_a_readable_number_is_unparsed():
    result = evaluate(with_row(valid_sheet(), ROUNDS, target="≥**"))

    assert problems(result) == [("unparsed_value", ROUNDS, "target")]
    finding = only(result, "unparsed_value")
    assert finding.severity == WARNING
    assert finding.params == {"text": "≥**"}
    assert result.rows[ROUNDS].quantitative is False


def test_a_quantitative_row_whose_actual_is_a_level_is_unparsed():
    result = evaluate(with_row(valid_sheet(), ROUNDS, actual="达成指标"))

    assert problems(result) == [("unparsed_value", ROUNDS, "actual")]
    assert only(result, "unparsed_value").params == {"text": "达成指标"}


def test_an_empty_actual_on_a_quantitative_row_is_missing_not_unreadable():
    result = evaluate(with_row(valid_sheet(), ROUNDS, actual=""))

    assert ("value_missing", ROUNDS, "actual") in problems(result)
    assert not [p for p in problems(result) if p[0] == "unparsed_value"]
    assert only(result, "value_missing").severity == Severity.ERROR


def test_an_actual_starting_with_an_operator_without_a_readable_number_is_unparsed():
    result = evaluate(with_row(valid_sheet(), MECHANISM, actual="≥**"))

    assert problems(result) == [("unparsed_value", MECHANISM, "actual")]


def test_a_qualitative_row_with_a_free_text_actual_is_not_unparsed():
    assert problems(evaluate(with_row(valid_sheet(), MECHANISM, actual="机制已建立"))) == []


def test_an_unplaced_imported_line_is_a_warning_that_keeps_its_text():
    sheet = dataclasses.replace(valid_sheet(), unplaced=((12, "备注：另见附件"),))

    result = evaluate(sheet)

    assert problems(result) == [("import_unplaced", None, None)]
    finding = only(result, "import_unplaced")
    assert finding.severity == WARNING
    assert finding.params == {"line": "12", "text": "备注：另见附件"}


def test_level1_weights_off_the_national_guideline_are_only_an_info_line():
    sheet = with_row(valid_sheet(), ACCIDENTS, level1="产出指标")

    result = evaluate(sheet)

    assert problems(result) == []
    [guideline] = [f for f in result.findings if f.code == "weights_guideline"]
    assert guideline.severity == INFO
    assert not guideline.blocking
    assert guideline.params == {
        "levels": "产出指标/效益指标/满意度指标",
        "weights": "70.00/10.00/10.00",
        "expected": "50.00/30.00/10.00",
    }


def test_a_row_breaking_two_rules_has_two_findings_with_distinct_codes():
    sheet = with_row(valid_sheet(), MECHANISM, actual="部分达成指标并具有一定效果", score=D("5.00"))

    result = evaluate(sheet)

    row_findings = result.findings_for_row(MECHANISM)
    assert sorted(f.code for f in row_findings) == ["qualitative_band", "reason_required"]
    assert {f.severity for f in row_findings} == {ERROR}


def test_errors_block_and_warnings_do_not():
    sheet = with_row(valid_sheet(), MECHANISM, score=None)
    sheet = dataclasses.replace(sheet, unplaced=((3, "？"),))

    result = evaluate(sheet)

    assert [f.code for f in result.errors] == ["value_missing"]
    assert [f.code for f in result.warnings] == ["import_unplaced"]
    assert result.errors[0].blocking and not result.warnings[0].blocking


# --- not applicable and totals ---------------------------------------------------------------


def sheet_with_a_not_applicable_row(**not_applicable) -> SheetInput:
    """Budget 10 (9.50) · `≤5(起)` weight 30 · a 不适用 row weight 20 · 健全 weight 40."""
    row = {"target": "=2(场)", "actual": "不适用", "score": None} | not_applicable
    return dataclasses.replace(
        valid_sheet(),
        indicators=(
            IndicatorInput(
                name="安全事故发生数",
                level1="效益指标",
                target="≤5(起)",
                actual="8.00(起)",
                weight=D("30.00"),
                score=D("18.75"),  # 5 / 8 × 30
                reason="年内事故增多，已加强巡查",
            ),
            IndicatorInput(
                name="赴外省市招聘会",
                level1="产出指标",
                weight=D("20.00"),
                **row,
            ),
            IndicatorInput(
                name="长效管理机制健全性",
                level1="效益指标",
                target="健全",
                actual="达成指标",
                weight=D("40.00"),
                score=D("35.01"),
                reason="机制还需进一步完善",
            ),
        ),
    )


def test_a_not_applicable_row_is_left_out_and_the_total_rescaled_and_truncated():
    result = evaluate(sheet_with_a_not_applicable_row())

    assert problems(result) == []
    assert result.rows[1].applicable is False
    assert result.rows[1].suggestion is None
    assert result.weight_total == D("100.00")
    assert result.applicable_weight == D("80.00")
    # 9.50 + 18.75 + 35.01 = 63.26
    assert result.raw_score == D("63.26")
    assert result.rescaled is True
    # 63.26 / 80 × 100 = 79.075: truncated, not 79.08
    assert result.total == D("79.07")
    assert result.grade == "中"


@pytest.mark.parametrize(
    "not_applicable",
    [
        {"actual": "/", "score": None},
        {"actual": "不适用", "score": D("20.00")},
        {"actual": "2.00(场)", "score": D("20.00"), "applicable": False},
    ],
)
def test_a_row_is_not_applicable_by_its_actual_whatever_its_score_or_by_its_flag(
    not_applicable,
):
    result = evaluate(sheet_with_a_not_applicable_row(**not_applicable))

    assert problems(result) == []
    assert result.rows[1].applicable is False
    assert result.raw_score == D("63.26")
    assert result.total == D("79.07")


def test_a_not_applicable_row_is_left_out_of_every_row_check():
    result = evaluate(
        sheet_with_a_not_applicable_row(
            target="≥**", actual="不适用", score=D("99.00"), reason="根据实际情况"
        )
    )

    assert problems(result) == []


def test_without_not_applicable_rows_the_total_is_the_plain_sum():
    sheet = with_row(
        valid_sheet(), COVERAGE, actual="81.00(%)", score=D("18.00"), reason="部分岗位未覆盖"
    )

    result = evaluate(sheet)

    assert result.rescaled is False
    assert result.raw_score == D("97.50")
    assert result.total == D("97.50")
    assert result.grade == "优"


def test_a_seed_sheet_reproduces_its_printed_total_grade_and_findings():
    """人才引进一网通办服务专项 (seed sheet 7): printed 87.42, 8.74, total 92.74, 优."""
    rows = [
        ("产出指标", "≥30.00(50份)", "10.00(50份)", "6.00", "4.00", "根据实际工作情况"),
        ("产出指标", "=1(次)", "0.00(次)", "2.00", "0.00", "根据实际情况,未举行会议"),
        ("产出指标", "=3.00(次)", "3.00(次)", "6.00", "6.00", "实际开展培训5次"),
        ("产出指标", "=100(%)", "100.00(%)", "5.00", "5.00", ""),
        ("产出指标", "符合", "达成指标", "5.00", "5.00", ""),
        ("产出指标", "≥90(%)", "90.00(%)", "5.00", "5.00", ""),
        ("产出指标", "≥90(%)", "0.00(%)", "2.00", "0.00", "根据实际情况,未举行会议"),
        ("产出指标", "≥90(%)", "90.00(%)", "4.00", "4.00", ""),
        ("产出指标", "=100(%)", "100.00(%)", "4.00", "4.00", ""),
        ("效益指标", "≥0(%)", "5.00(%)", "5.00", "5.00", ""),
        ("效益指标", "=0(起)", "0.00(起)", "6.00", "6.00", ""),
        ("效益指标", "共享", "达成指标", "4.00", "4.00", ""),
        ("效益指标", "健全", "达成指标", "6.00", "6.00", ""),
        ("效益指标", "健全", "达成指标", "6.00", "6.00", ""),
        ("效益指标", "健全", "达成指标", "6.00", "6.00", ""),
        ("满意度指标", "≥90(%)", "90.00(%)", "6.00", "6.00", ""),
        ("满意度指标", "≥90(%)", "90.00(%)", "6.00", "6.00", ""),
        ("满意度指标", "≥90(%)", "90.00(%)", "6.00", "6.00", ""),
    ]
    sheet = SheetInput(
        project="人才引进一网通办服务专项",
        department="上海市人力资源和社会保障局",
        unit="上海市人才服务中心",
        funds=funds(initial="14.00", annual="14.00", executed="12.24"),
        budget_weight=D("10.00"),
        indicators=tuple(
            IndicatorInput(
                name=f"指标{i}",
                level1=level1,
                target=target_text,
                actual=actual_text,
                weight=D(weight),
                score=D(score),
                reason=reason,
            )
            for i, (level1, target_text, actual_text, weight, score, reason) in enumerate(rows)
        ),
    )

    result = evaluate(sheet)

    assert result.funds.rate == D("87.42")
    assert result.funds.score == D("8.74")
    assert result.total == D("92.74")
    assert result.grade == "优"
    assert problems(result) == [
        ("boilerplate_reason", 0, "reason"),
        ("execution_below_90", None, "funds.total.rate"),
        ("reason_contradicts_actual", 2, "reason"),
        ("score_differs_from_suggested", 0, "score"),
    ]
    assert only(result, "score_differs_from_suggested").params == {
        "score": "4.00",
        "suggested": "2.00",
    }


# --- robustness ------------------------------------------------------------------------------

cell_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["=4.00(轮)", "≥90(%)", "≤5(起)", "=0(起)", "≥**", "健全", "不适用", "/"]),
    st.sampled_from(
        ["4.00(轮)", "达成指标", "部分达成指标并具有一定效果", "未达成年度指标且效果较差"]
    ),
    st.builds(
        lambda op, digits, unit: f"{op}{digits}{unit}",
        st.sampled_from(["", "=", "≥", "≤", "<", ">"]),
        st.text(alphabet="0123456789.,", min_size=1, max_size=40),
        st.sampled_from(["", "(轮)", "%", "个", "(50份)"]),
    ),
)
amounts = st.one_of(st.none(), st.decimals(min_value=D("-100"), max_value=D("1000"), places=2))


@given(
    cells=st.lists(
        st.tuples(cell_text, cell_text, amounts, amounts, cell_text, st.booleans()), max_size=6
    ),
    annual=amounts,
    executed=amounts,
)
def test_evaluate_never_raises_on_whatever_the_cells_hold(cells, annual, executed):
    sheet = SheetInput(
        funds={"total": FundsLine(annual, annual, executed)},
        indicators=tuple(
            IndicatorInput(
                name="指标",
                target=target_text,
                actual=actual_text,
                weight=weight,
                score=score,
                reason=reason,
                applicable=applicable,
            )
            for target_text, actual_text, weight, score, reason, applicable in cells
        ),
    )

    result = evaluate(sheet)

    assert result.grade in GRADE_ORDER
    assert result.total == result.total.quantize(D("0.01"))
    assert all(f.severity in {ERROR, WARNING, INFO} for f in result.findings)


# --- implausible funds (docs/rules.md §4.2, §6) ----------------------------------------------


def with_total(initial="100.00", annual="100.00", executed="95.00") -> SheetInput:
    return dataclasses.replace(valid_sheet(), funds=funds(initial, annual, executed))


def test_a_rate_above_100_is_a_warning_and_still_scores_the_weight():
    result = evaluate(with_total(executed="120.00"))

    assert problems(result) == [("execution_above_100", None, "funds.total.rate")]
    assert only(result, "execution_above_100").severity == WARNING
    assert only(result, "execution_above_100").params == {"rate": "120.00"}
    assert result.funds.score == D("10.00")
    assert result.funds.plausible is True


def test_a_rate_of_exactly_200_is_still_plausible_and_200_01_is_an_error_scoring_zero():
    at_limit = evaluate(with_total(executed="200.00"))
    above = evaluate(with_total(executed="200.01"))

    assert problems(at_limit) == [("execution_above_100", None, "funds.total.rate")]
    assert at_limit.funds.score == D("10.00")
    assert problems(above) == [("execution_rate_implausible", None, "funds.total.rate")]
    finding = only(above, "execution_rate_implausible")
    assert finding.blocking
    assert finding.params == {"rate": "200.01", "limit": "200.00"}
    assert above.funds.rate == D("200.01")
    assert above.funds.score == D("0.00")
    assert above.funds.plausible is False
    assert above.total == D("90.00")


def test_an_executed_amount_ten_times_the_budget_is_a_magnitude_error_and_scores_zero():
    # 全年执行数 typed in 元 (1,000,000) against a budget in 万元 (100): orders of magnitude.
    result = evaluate(with_total(executed="1000.00"))

    assert problems(result) == [
        ("amount_magnitude", None, "funds.total.executed"),
        ("execution_rate_implausible", None, "funds.total.rate"),
    ]
    assert only(result, "amount_magnitude").params == {
        "amount": "1000.00",
        "reference": "100.00",
        "factor": "10.00",
    }
    assert all(f.blocking for f in result.findings if f.field and f.field.startswith("funds"))
    assert result.funds.score == D("0.00")


def test_the_magnitude_is_measured_against_the_larger_budget_figure():
    # 年初预算数 500, 全年预算数 cut to 100, executed 1000: 10 × 100 but not 10 × 500.
    result = evaluate(with_total(initial="500.00", annual="100.00", executed="1000.00"))

    assert problems(result) == [("execution_rate_implausible", None, "funds.total.rate")]
    assert result.funds.score == D("0.00")


def test_an_executed_amount_just_under_ten_times_the_budget_is_no_magnitude_error():
    result = evaluate(with_total(executed="999.99"))

    assert "amount_magnitude" not in {f.code for f in result.findings}


def test_an_amount_of_one_trillion_yuan_or_more_is_out_of_range_and_scores_zero():
    # 100,000,000 万元 = 1 万亿元 for one project: a rate of 95 % does not make it right.
    result = evaluate(
        with_total(initial="100000000.00", annual="100000000.00", executed="95000000.00")
    )

    assert problems(result) == [
        ("amount_out_of_range", None, "funds.total.annual"),
        ("amount_out_of_range", None, "funds.total.initial"),
    ]
    assert only_at(result, "funds.total.annual").params == {
        "amount": "100000000.00",
        "limit": "100000000.00",
    }
    assert result.funds.rate == D("95.00")
    assert result.funds.score == D("0.00")
    assert result.errors


def only_at(result, field: str):
    [finding] = [f for f in result.findings if f.field == field]
    return finding


def test_without_a_budget_a_huge_executed_amount_is_still_reported():
    result = evaluate(with_total(initial="0.00", annual="0.00", executed="100000000.00"))

    assert ("amount_out_of_range", None, "funds.total.executed") in problems(result)
    assert ("funds_no_budget", None, "funds.total.annual") in problems(result)
    assert result.funds.score == D("0.00")


budgets = st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2)
spent = st.decimals(min_value=D("0.00"), max_value=D("999999999999.99"), places=2)


@given(initial=budgets, annual=budgets, executed=spent, weight=weights)
def test_an_implausible_total_never_gets_budget_marks_and_always_blocks_submission(
    initial, annual, executed, weight
):
    sheet = dataclasses.replace(
        with_total(str(initial), str(annual), str(executed)), budget_weight=weight
    )

    result = evaluate(sheet)

    rate = result.funds.rate
    implausible = (
        rate > D("200")
        or executed >= max(initial, annual) * 10
        or max(initial, annual, executed) >= D("100000000")
    )
    codes = {f.code for f in result.errors}
    new_errors = {"execution_rate_implausible", "amount_magnitude", "amount_out_of_range"}
    if implausible:
        assert result.funds.score == D("0.00")
        assert result.funds.plausible is False
        assert codes & new_errors
    else:
        assert result.funds.score == budget_score(rate, weight, PARAMS)
        assert result.funds.plausible is True
        assert not codes & new_errors
    assert (rate > D("200")) == ("execution_rate_implausible" in codes)


@given(annual=budgets, rate_percent=st.decimals(min_value=D("0"), max_value=D("100"), places=2))
def test_a_rate_up_to_100_adds_no_new_finding(annual, rate_percent):
    executed = (annual * rate_percent / 100).quantize(D("0.01"), rounding=ROUND_DOWN)
    result = evaluate(with_total(str(annual), str(annual), str(executed)))

    new = {"execution_above_100", "execution_rate_implausible", "amount_magnitude"}
    assert not new & {f.code for f in result.findings}


# --- what varies between finance bureaus (docs/rules.md §5) ----------------------------------

WHOLE_POINTS = RuleParams(rounding=ROUND_HALF_UP, places=0)
INITIAL = RuleParams(rate_denominator=Denominator.INITIAL)
MISMATCH_IS_AN_ERROR = RuleParams(severities=((Code.SCORE_DIFFERS_FROM_SUGGESTED, ERROR),))
whole_weights = st.integers(min_value=1, max_value=100).map(D)
rates = st.decimals(min_value=D("0"), max_value=D("250"), places=4)


def test_the_rate_divides_by_the_initial_budget_where_the_rule_set_says_so():
    sheet = dataclasses.replace(
        valid_sheet(), funds=funds(initial="200.00", annual="294.00", executed="190.00")
    )

    assert compute_funds(sheet, PARAMS).rate == D("64.62")
    result = compute_funds(sheet, INITIAL)
    assert result.rate == D("95.00")
    assert result.score == D("9.50")
    assert result.rows["appropriation"].rate == D("95.00")
    assert result.rows["carryover"].rate == D("0.00")


def test_without_an_initial_budget_the_initial_denominator_gives_no_rate_and_an_error():
    sheet = dataclasses.replace(valid_sheet(), funds=funds(initial="0.00"))

    result = evaluate(sheet, INITIAL)

    assert result.funds.rate is None
    assert result.funds.score == D("0.00")
    assert ("funds_no_budget", None, "funds.total.initial") in problems(result)
    assert evaluate(sheet).funds.rate == D("95.00")  # the default divides by 全年预算数


@given(initial=budgets, annual=budgets, executed=spent)
def test_each_denominator_divides_by_its_own_budget(initial, annual, executed):
    line = FundsLine(initial, annual, executed)

    assert rate_budget(line, INITIAL) == initial
    assert rate_budget(line, PARAMS) == annual
    assert compute_funds(SheetInput(funds={"total": line}), INITIAL).rate == execution_rate(
        executed, initial, INITIAL
    )
    if initial == annual:
        same = SheetInput(funds={"total": line})
        assert compute_funds(same, INITIAL).rate == compute_funds(same, PARAMS).rate


def test_whole_points_round_the_rate_and_the_budget_score_half_up():
    # 廊坊 2019: 37.24 ÷ 43.2 = 86.2 % prints 86 %, and 10 × 86 % = 8.6 prints 9.
    rate = execution_rate(D("37.24"), D("43.2"), WHOLE_POINTS)

    assert rate == D("86")
    assert budget_score(rate, D("10"), WHOLE_POINTS) == D("9")
    assert execution_rate(D("37.24"), D("43.2"), PARAMS) == D("86.20")


@given(rate=rates, weight=st.one_of(whole_weights, weights))
def test_whole_points_give_whole_budget_scores_never_above_the_weight(rate, weight):
    score = budget_score(WHOLE_POINTS.round(rate), weight, WHOLE_POINTS)

    assert score == score.to_integral_value()
    assert D("0") <= score <= weight


@given(target_number=st.integers(1, 10_000), actual=st.integers(0, 20_000), weight=weights)
def test_whole_points_give_whole_suggestions_never_above_the_weight(target_number, actual, weight):
    suggestion = suggest_score(
        target(f"≥{target_number}(个)"), parse_actual(f"{actual}(个)"), weight, WHOLE_POINTS
    )

    assert suggestion is not None
    assert suggestion.value == suggestion.value.to_integral_value()
    assert D("0") <= suggestion.value <= weight


@given(score=st.integers(0, 30), rate_percent=st.integers(0, 100))
def test_whole_points_give_a_whole_total_and_the_grade_follows_it(score, rate_percent):
    sheet = dataclasses.replace(
        with_row(valid_sheet(), ROUNDS, score=D(score), reason="说明"),
        funds=funds(initial="43.20", annual="43.20", executed=str(D("0.432") * rate_percent)),
    )

    result = evaluate(sheet, WHOLE_POINTS)

    assert result.total == result.total.to_integral_value()
    assert result.funds.rate == D(rate_percent)
    assert result.total == result.funds.score + D(score) + D("60")
    assert result.grade == grade_for(result.total, WHOLE_POINTS)


def test_a_score_other_than_the_suggested_one_is_an_error_where_the_rule_set_says_so():
    sheet = with_row(
        valid_sheet(), COVERAGE, actual="85.50(%)", score=D("18.00"), reason="个别专业未覆盖"
    )

    default, strict = evaluate(sheet), evaluate(sheet, MISMATCH_IS_AN_ERROR)

    assert [f.code for f in default.warnings] == ["score_differs_from_suggested"]
    assert default.errors == ()
    assert [f.code for f in strict.errors] == ["score_differs_from_suggested"]
    assert strict.warnings == ()
    assert only(strict, "score_differs_from_suggested").blocking
    # Only that code changes: a reason left out is an error under both.
    blank = with_row(sheet, COVERAGE, reason="")
    assert [f.code for f in evaluate(blank, MISMATCH_IS_AN_ERROR).errors] == [
        "reason_required",
        "score_differs_from_suggested",
    ]


def test_a_severity_override_equal_to_the_codes_own_changes_nothing():
    sheet = with_row(
        valid_sheet(), COVERAGE, actual="85.50(%)", score=D("18.00"), reason="个别专业未覆盖"
    )
    same = RuleParams(severities=((Code.SCORE_DIFFERS_FROM_SUGGESTED, WARNING),))

    assert evaluate(sheet, same).findings == evaluate(sheet).findings


@given(
    code=st.sampled_from(list(Code)),
    severity=st.sampled_from(list(Severity)),
    score=st.integers(0, 25),
    executed=st.integers(0, 130),
)
def test_an_overridden_code_has_the_rule_sets_severity_and_every_count_follows(
    code, severity, score, executed
):
    sheet = dataclasses.replace(
        with_row(valid_sheet(), COVERAGE, score=D(score)), funds=funds(executed=str(executed))
    )
    params = RuleParams(severities=((code, severity),))

    base, result = evaluate(sheet), evaluate(sheet, params)

    assert [f.code for f in result.findings] == [f.code for f in base.findings]
    for finding in result.findings:
        expected = severity if finding.code == code else finding.code.severity
        assert finding.severity == expected
        assert finding.blocking == (expected == ERROR)
    assert len(result.errors) == sum(f.severity == ERROR for f in result.findings)
    assert len(result.warnings) == sum(f.severity == WARNING for f in result.findings)
    assert params.severity(code) == severity


def test_the_guideline_comes_from_the_rule_set_and_none_means_no_hint():
    sheet = with_row(valid_sheet(), ACCIDENTS, level1="产出指标")  # 70/10/10
    seventy = RuleParams(
        guideline=(("产出指标", D("70")), ("效益指标", D("10")), ("满意度指标", D("10")))
    )

    assert "weights_guideline" in {f.code for f in evaluate(sheet).findings}
    assert evaluate(sheet, seventy).findings == ()
    assert evaluate(sheet, RuleParams(guideline=())).findings == ()
    [hint] = evaluate(valid_sheet(), seventy).findings
    assert hint.params["expected"] == "70.00/10.00/10.00"


def test_the_20_80_form_keeps_its_20_point_budget_weight():
    # 黄石 2022: 预算执行情况(20分); the rule set's default weight of 10 does not replace it.
    rows = tuple(
        dataclasses.replace(row, weight=row.weight * D("80") / D("90"))
        for row in valid_sheet().indicators
    )
    sheet = dataclasses.replace(valid_sheet(), budget_weight=D("20"), indicators=rows)

    result = evaluate(sheet, PARAMS)

    assert result.funds.weight == D("20")
    assert result.funds.score == D("19.00")
    assert result.weight_total == D("100.00")


@given(
    factor=st.decimals(min_value=D("1.01"), max_value=D("3"), places=2), actual=st.integers(91, 400)
)
def test_the_over_achievement_factor_is_the_rule_sets(factor, actual):
    sheet = with_row(valid_sheet(), COVERAGE, actual=f"{actual}(%)")

    result = evaluate(sheet, RuleParams(over_achievement_factor=factor))

    fires = D(actual) >= D("90") * factor
    codes = {f.code for f in result.findings_for_row(COVERAGE)}
    assert ("deviation_unexplained" in codes) == fires


@given(threshold=st.integers(50, 100), executed=st.integers(40, 100))
def test_the_execution_warning_line_is_the_rule_sets(threshold, executed):
    sheet = dataclasses.replace(valid_sheet(), funds=funds(executed=str(executed)))

    result = evaluate(sheet, RuleParams(execution_warning_below=D(threshold)))

    assert ("execution_below_90" in {f.code for f in result.findings}) == (executed < threshold)


def test_80_50_bands_accept_a_partial_score_of_half_the_weight():
    sheet = with_row(
        valid_sheet(),
        MECHANISM,
        actual="部分达成指标并具有一定效果",
        score=D("5.00"),
        reason="部分完成",
    )
    eighty_fifty = RuleParams(
        bands=(
            (Level.ACHIEVED, D("0.80"), D("1.00")),
            (Level.PARTIAL, D("0.50"), D("0.80")),
            (Level.NOT_ACHIEVED, D("0.00"), D("0.50")),
        )
    )

    assert "qualitative_band" in {f.code for f in evaluate(sheet).findings}
    assert "qualitative_band" not in {f.code for f in evaluate(sheet, eighty_fifty).findings}
