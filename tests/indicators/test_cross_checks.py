"""The two hints of the cross-sheet report (docs/rules.md §6, docs/checks.md): a target
reached 1.3 times or more (`target_exceeded`, reason or not) and one reason pasted on three
rows or more (`reason_repeated`). Both are info lines: they change no figure and no count of
errors or warnings. Plain Python, from the baseline sheet of test_scoring."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from indicators.findings import Code, Severity
from indicators.scoring import RuleParams, evaluate
from tests.indicators.test_scoring import (
    COVERAGE,
    MECHANISM,
    ROUNDS,
    SATISFACTION,
    problems,
    valid_sheet,
    with_row,
)

D = Decimal


def hints(result, code: Code) -> list:
    return [f for f in result.findings if f.code == code]


def figures(result) -> tuple:
    return (result.total, result.raw_score, result.grade, result.funds.score, len(result.errors))


# -- target_exceeded ----------------------------------------------------------------------------


def test_the_baseline_sheet_has_neither_hint():
    result = evaluate(valid_sheet())
    assert hints(result, Code.TARGET_EXCEEDED) == []
    assert hints(result, Code.REASON_REPEATED) == []


def test_an_actual_of_1_3_times_a_ge_target_is_a_hint_even_with_a_reason():
    sheet = with_row(valid_sheet(), COVERAGE, target="≥10(%)", actual="13(%)", reason="目标偏低")
    result = evaluate(sheet)
    [finding] = hints(result, Code.TARGET_EXCEEDED)
    assert (finding.row, finding.field, finding.severity) == (COVERAGE, "actual", Severity.INFO)
    assert finding.params == {"target": "10.00", "actual": "13.00", "factor": "1.30"}
    # With a reason it is no deviation left unexplained: no warning, only the hint.
    assert problems(result) == []


def test_without_a_reason_the_row_also_carries_the_deviation_warning():
    sheet = with_row(valid_sheet(), COVERAGE, target="≥10(%)", actual="13(%)")
    result = evaluate(sheet)
    assert problems(result) == [("deviation_unexplained", COVERAGE, "reason")]
    assert len(hints(result, Code.TARGET_EXCEEDED)) == 1


def test_a_gt_target_counts_too_and_just_under_the_factor_does_not():
    assert hints(
        evaluate(with_row(valid_sheet(), COVERAGE, target=">10(%)", actual="13")),
        Code.TARGET_EXCEEDED,
    )
    under = with_row(valid_sheet(), COVERAGE, target="≥10(%)", actual="12.99(%)", reason="x")
    assert hints(evaluate(under), Code.TARGET_EXCEEDED) == []


def test_eq_le_zero_and_qualitative_targets_are_never_exceeded():
    for target, actual in (("=4.00(轮)", "9(轮)"), ("≤5(起)", "0.00(起)"), ("≥0(个)", "8(个)")):
        sheet = with_row(valid_sheet(), ROUNDS, target=target, actual=actual, reason="说明")
        assert hints(evaluate(sheet), Code.TARGET_EXCEEDED) == [], target
    assert hints(evaluate(valid_sheet()), Code.TARGET_EXCEEDED) == []  # 健全 / 达成指标


def test_a_not_applicable_row_is_not_checked():
    sheet = with_row(
        valid_sheet(), COVERAGE, target="≥10(%)", actual="13(%)", applicable=False, reason="x"
    )
    assert hints(evaluate(sheet), Code.TARGET_EXCEEDED) == []


def test_the_factor_is_the_rule_sets():
    sheet = with_row(valid_sheet(), COVERAGE, target="≥10(%)", actual="15(%)", reason="x")
    params = RuleParams(over_achievement_factor=D("1.6"))
    assert hints(evaluate(sheet, params), Code.TARGET_EXCEEDED) == []
    assert hints(
        evaluate(sheet, RuleParams(over_achievement_factor=D("1.5"))), Code.TARGET_EXCEEDED
    )


@given(
    target=st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
    ratio=st.decimals(min_value=D("0"), max_value=D("5"), places=3),
    reason=st.sampled_from(["", "完成情况良好"]),
)
def test_the_hint_fires_exactly_at_and_above_the_factor_and_changes_no_figure(
    target, ratio, reason
):
    actual = (target * ratio).quantize(D("0.01"))
    sheet = with_row(
        valid_sheet(), SATISFACTION, target=f"≥{target}(%)", actual=f"{actual}(%)", reason=reason
    )
    result = evaluate(sheet)
    found = hints(result, Code.TARGET_EXCEEDED)
    assert bool(found) == (actual >= target * D("1.3"))
    assert all(f.severity == Severity.INFO and f.row == SATISFACTION for f in found)
    # An info line only: the total, the grade and the count of errors are the baseline's.
    assert figures(result) == figures(evaluate(valid_sheet()))


# -- reason_repeated ------------------------------------------------------------------------


def with_reasons(*pairs: tuple[int, str]):
    sheet = valid_sheet()
    for index, reason in pairs:
        sheet = with_row(sheet, index, reason=reason)
    return sheet


def test_one_reason_on_three_rows_is_one_hint_on_the_first_naming_them():
    sheet = with_reasons(
        (COVERAGE, "按实际需求开展"),
        (MECHANISM, " 按实际需求开展 "),
        (SATISFACTION, "按实际需求开展"),
    )
    result = evaluate(sheet)
    [finding] = hints(result, Code.REASON_REPEATED)
    assert (finding.row, finding.field, finding.severity) == (COVERAGE, "reason", Severity.INFO)
    assert finding.params == {"text": "按实际需求开展", "count": "3", "rows": "2、4、5"}
    assert problems(result) == []


def test_two_rows_are_not_a_repetition_and_different_texts_are_counted_apart():
    sheet = with_reasons((COVERAGE, "甲"), (MECHANISM, "甲"), (SATISFACTION, "乙"))
    assert hints(evaluate(sheet), Code.REASON_REPEATED) == []


def test_each_repeated_text_gets_its_own_hint():
    base = valid_sheet()
    extra = dataclasses.replace(
        base.indicators[MECHANISM], name="附加", weight=D("0"), score=D("0")
    )
    texts = ["甲", "甲", "甲", "乙", "乙", "乙"]
    rows = (*base.indicators, extra)
    sheet = dataclasses.replace(
        base,
        indicators=tuple(
            dataclasses.replace(row, reason=text) for row, text in zip(rows, texts, strict=True)
        ),
    )
    found = [
        (f.row, f.params["text"], f.params["count"])
        for f in hints(evaluate(sheet), Code.REASON_REPEATED)
    ]
    assert found == [(0, "甲", "3"), (3, "乙", "3")]


def test_blank_reasons_and_not_applicable_rows_do_not_count():
    sheet = with_reasons((ROUNDS, " "), (COVERAGE, ""), (MECHANISM, " "), (SATISFACTION, ""))
    assert hints(evaluate(sheet), Code.REASON_REPEATED) == []
    sheet = with_reasons((ROUNDS, "同"), (COVERAGE, "同"), (MECHANISM, "同"))
    sheet = with_row(sheet, MECHANISM, applicable=False)
    assert hints(evaluate(sheet), Code.REASON_REPEATED) == []


@given(st.lists(st.sampled_from(["", "甲", "乙", "丙"]), min_size=5, max_size=5))
def test_a_hint_for_every_text_on_three_rows_or_more_and_no_figure_moves(reasons):
    sheet = valid_sheet()
    sheet = dataclasses.replace(
        sheet,
        indicators=tuple(
            dataclasses.replace(row, reason=reason)
            for row, reason in zip(sheet.indicators, reasons, strict=True)
        ),
    )
    result = evaluate(sheet)
    expected = {t: reasons.count(t) for t in set(reasons) if t and reasons.count(t) >= 3}
    found = {f.params["text"]: int(f.params["count"]) for f in hints(result, Code.REASON_REPEATED)}
    assert found == expected
    for f in hints(result, Code.REASON_REPEATED):
        assert f.row == reasons.index(f.params["text"])
    assert figures(result) == figures(evaluate(valid_sheet()))


def test_the_hints_are_worded():
    from indicators.messages import finding_message

    sheet = with_row(valid_sheet(), COVERAGE, target="≥10(%)", actual="13(%)", reason="x")
    [exceeded] = hints(evaluate(sheet), Code.TARGET_EXCEEDED)
    assert finding_message(exceeded) == (
        "实际完成值 13.00 达到年度指标值 10.00 的 1.30 倍及以上，年度指标值可能设定偏低。"
    )
    sheet = with_reasons((ROUNDS, "同"), (COVERAGE, "同"), (MECHANISM, "同"))
    [repeated] = hints(evaluate(sheet), Code.REASON_REPEATED)
    assert finding_message(repeated) == "偏差原因“同”在 3 行中重复填写（第 1、2、4 行）。"
