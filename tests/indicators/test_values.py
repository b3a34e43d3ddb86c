"""Reading 年度指标值 and 实际完成值 as the official sheets print them (docs/rules.md §3).

Plain Python: no database, no Django models.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.values import (
    ActualKind,
    Level,
    Operator,
    TargetKind,
    format_actual,
    format_target,
    parse_actual,
    parse_decimal,
    parse_level,
    parse_percent,
    parse_target,
)
from projects import official

# --- parse_target ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "operator", "number", "unit"),
    [
        ("=4.00(轮)", Operator.EQ, Decimal("4.00"), "轮"),
        ("≥90(%)", Operator.GE, Decimal("90"), "%"),
        ("≤5(起)", Operator.LE, Decimal("5"), "起"),
        ("<1.00(%)", Operator.LT, Decimal("1.00"), "%"),
        (">0(个)", Operator.GT, Decimal("0"), "个"),
        ("≥50个", Operator.GE, Decimal("50"), "个"),
        ("≤90万元", Operator.LE, Decimal("90"), "万元"),
        ("≥30.00(50份)", Operator.GE, Decimal("30.00"), "50份"),
        (">=90%", Operator.GE, Decimal("90"), "%"),
        ("<=5(起)", Operator.LE, Decimal("5"), "起"),
        ("＝4(轮)", Operator.EQ, Decimal("4"), "轮"),
        ("≥90（%）", Operator.GE, Decimal("90"), "%"),
        ("≥350000.00(页)", Operator.GE, Decimal("350000.00"), "页"),
        ("=6,000.00(箱)", Operator.EQ, Decimal("6000.00"), "箱"),
        ("=0(起)", Operator.EQ, Decimal("0"), "起"),
    ],
)
def test_a_target_with_an_operator_is_quantitative_with_its_number_and_unit(
    text, operator, number, unit
):
    target = parse_target(text)

    assert target.kind == TargetKind.QUANTITATIVE
    assert target.operator == operator
    assert target.number == number
    assert target.unit == unit


def test_a_target_keeps_the_number_as_printed_including_its_decimals():
    assert str(parse_target("=4.00(轮)").number) == "4.00"
    assert str(parse_target("=4(轮)").number) == "4"


def test_a_target_of_fifty_copies_keeps_the_fifty_in_the_unit_not_the_number():
    target = parse_target("≥30.00(50份)")

    assert (target.number, target.unit) == (Decimal("30.00"), "50份")


@pytest.mark.parametrize(
    "text", ["健全", "效果明显", "有效", "共享", "完备", "达标", "三级", "100%"]
)
def test_a_target_without_an_operator_is_qualitative(text):
    target = parse_target(text)

    assert target.kind == TargetKind.QUALITATIVE
    assert target.operator is None
    assert target.number is None


def test_a_bare_percentage_without_an_operator_is_qualitative_not_a_number():
    target = parse_target("100%")

    assert target.kind == TargetKind.QUALITATIVE
    assert target.display == "100%"


@pytest.mark.parametrize(("text", "operator"), [("≥**", Operator.GE), ("=xx(轮)", Operator.EQ)])
def test_an_operator_without_a_readable_number_is_unparsed_and_keeps_its_text(text, operator):
    target = parse_target(text)

    assert target.kind == TargetKind.UNPARSED
    assert target.operator == operator
    assert target.number is None
    assert target.display == text


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_target_is_empty(text):
    target = parse_target(text)

    assert target.kind == TargetKind.EMPTY
    assert target.display == ""


@pytest.mark.parametrize(
    "text",
    ["=4.00(轮)", "≥90(%)", ">=90%", "＝4(轮)", "≥30.00(50份)", "≥90（%）", "健全", "100%", "≥**"],
)
def test_display_prints_the_target_exactly_as_typed(text):
    assert parse_target(text).display == text


def test_display_of_a_target_drops_only_the_surrounding_blanks_of_the_cell():
    assert parse_target("  ≥90(%)\t").display == "≥90(%)"


# --- parse_actual ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("4.00(轮)", Decimal("4.00"), "轮"),
        ("90.10(%)", Decimal("90.10"), "%"),
        ("1,087.50", Decimal("1087.50"), ""),
        ("4201.00(份)", Decimal("4201.00"), "份"),
        ("10.00(50份)", Decimal("10.00"), "50份"),
        ("0.00(起)", Decimal("0.00"), "起"),
        ("90%", Decimal("90"), "%"),
        ("≥95%", Decimal("95"), "%"),
    ],
)
def test_a_numeric_actual_is_a_number_with_its_unit(text, number, unit):
    actual = parse_actual(text)

    assert actual.kind == ActualKind.NUMBER
    assert actual.number == number
    assert actual.unit == unit
    assert actual.level is None


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("达成年度指标", Level.ACHIEVED),
        ("达成指标", Level.ACHIEVED),
        ("达成预期指标", Level.ACHIEVED),
        ("部分达成年度指标并具有一定效果", Level.PARTIAL),
        ("部分达成指标并具有一定效果", Level.PARTIAL),
        ("未达成年度指标且效果较差", Level.NOT_ACHIEVED),
    ],
)
def test_every_regional_wording_of_an_achievement_level_is_read_as_that_level(text, level):
    actual = parse_actual(text)

    assert actual.kind == ActualKind.LEVEL
    assert actual.level == level
    assert actual.number is None


def test_a_level_keeps_its_printed_wording_for_display():
    assert parse_actual("达成指标").display == "达成指标"


def test_the_labels_this_application_prints_read_back_as_their_own_level():
    for level, label in official.ACHIEVEMENT_WORDING.items():
        assert parse_level(label) == level


@pytest.mark.parametrize("text", ["不适用", "/", "／"])
def test_not_applicable_wordings_mark_the_actual_not_applicable(text):
    actual = parse_actual(text)

    assert actual.kind == ActualKind.NOT_APPLICABLE
    assert actual.display == text


@pytest.mark.parametrize("text", ["随便写写", "见附件", "≥**", "**"])
def test_an_actual_that_is_neither_number_level_nor_not_applicable_is_text(text):
    actual = parse_actual(text)

    assert actual.kind == ActualKind.TEXT
    assert actual.number is None
    assert actual.level is None
    assert actual.display == text


@pytest.mark.parametrize("text", ["", "  ", None])
def test_an_empty_actual_is_empty(text):
    assert parse_actual(text).kind == ActualKind.EMPTY


# --- parse_decimal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,087.50", Decimal("1087.50")),
        ("10.00", Decimal("10.00")),
        (" 98.80 ", Decimal("98.80")),
        ("0.00", Decimal("0.00")),
        ("-", None),
        ("", None),
        (None, None),
        ("abc", None),
        ("10.00万元", None),
        ("1,2345", None),
    ],
)
def test_parse_decimal_reads_printed_amounts_and_nothing_else(text, expected):
    assert parse_decimal(text) == expected


def test_parse_decimal_keeps_the_two_printed_decimals():
    assert str(parse_decimal("1,087.50")) == "1087.50"


# --- formatting ------------------------------------------------------------------------------


def test_format_target_prints_the_official_bracketed_form():
    assert format_target(Operator.EQ, Decimal("4.00"), "轮") == "=4.00(轮)"
    assert format_target(Operator.GE, Decimal("90"), "") == "≥90"
    assert format_target(Operator.GE, None, "轮") == ""


def test_format_target_never_prints_a_number_in_exponent_notation():
    assert format_target(Operator.GE, Decimal("1E+2"), "个") == "≥100(个)"


def test_format_actual_prints_two_decimals_as_the_sheet_does():
    assert format_actual(Decimal("4"), "轮") == "4.00(轮)"
    assert format_actual(Decimal("90.1"), "%") == "90.10(%)"
    assert format_actual(Decimal("1087.5"), "") == "1087.50"
    assert format_actual(Decimal("0.125"), "%") == "0.125(%)"
    assert format_actual(None, "轮") == ""


def test_format_actual_never_prints_a_number_in_exponent_notation():
    assert format_actual(Decimal("1E-7"), "个") == "0.0000001(个)"


# --- properties ------------------------------------------------------------------------------

OPERATOR_SPELLINGS = {
    "=": Operator.EQ,
    "＝": Operator.EQ,
    "==": Operator.EQ,
    "≥": Operator.GE,
    ">=": Operator.GE,
    "≧": Operator.GE,
    "＞＝": Operator.GE,
    "≤": Operator.LE,
    "<=": Operator.LE,
    "≦": Operator.LE,
    "＜＝": Operator.LE,
    ">": Operator.GT,
    "＞": Operator.GT,
    "<": Operator.LT,
    "＜": Operator.LT,
}
UNIT_CHARACTERS = "轮场个份万元人次起天套台箱页张期种家层块%批"

sheet_fragments = st.one_of(
    st.sampled_from(sorted(OPERATOR_SPELLINGS)),
    st.sampled_from(["(", ")", "（", "）", ".", ",", "，", "-", "+", "*", "%", "/", " ", "\t"]),
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.sampled_from(["轮", "万元", "50份", "人次", "不适用", "达成指标", "部分达成", "未达成"]),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(),
)
sheet_like_text = st.lists(sheet_fragments, max_size=12).map("".join)
any_text = st.one_of(st.text(), sheet_like_text)


@given(any_text)
def test_parse_target_never_raises_and_keeps_the_text(text):
    target = parse_target(text)

    assert target.kind in set(TargetKind)
    assert target.display == target.raw
    if target.kind == TargetKind.QUANTITATIVE:
        assert isinstance(target.number, Decimal)
        assert target.number.is_finite()


@given(any_text)
def test_parse_actual_never_raises(text):
    actual = parse_actual(text)

    assert actual.kind in set(ActualKind)
    if actual.kind == ActualKind.NUMBER:
        assert actual.number.is_finite()
    if actual.kind == ActualKind.LEVEL:
        assert actual.level in set(Level)


@given(any_text)
def test_parse_decimal_never_raises(text):
    value = parse_decimal(text)

    assert value is None or (isinstance(value, Decimal) and value.is_finite())


numbers = st.integers(min_value=0, max_value=4).flatmap(
    lambda places: st.decimals(
        min_value=Decimal("-1000000000"),
        max_value=Decimal("1000000000"),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )
)
# What a form or a database may hand over: also normalised values such as Decimal("1E+2").
any_decimal_form = st.one_of(numbers, numbers.map(Decimal.normalize))
# A unit written right after the number must not start with something a number could continue.
plain_units = st.text(alphabet=UNIT_CHARACTERS + "abcXYZ", max_size=4)
bracketed_units = st.text(alphabet=UNIT_CHARACTERS + "0123456789abc", max_size=5)


@given(
    spelling=st.sampled_from(sorted(OPERATOR_SPELLINGS)),
    number=numbers,
    grouped=st.booleans(),
    unit_and_form=st.one_of(
        st.tuples(plain_units, st.just(("", ""))),
        st.tuples(bracketed_units, st.sampled_from([("(", ")"), ("（", "）")])),
    ),
)
def test_a_quantitative_target_round_trips_its_operator_number_and_unit(
    spelling, number, grouped, unit_and_form
):
    unit, (opening, closing) = unit_and_form
    printed_number = f"{number:,f}" if grouped else f"{number:f}"
    text = f"{spelling}{printed_number}{opening}{unit}{closing}"

    target = parse_target(text)

    assert target.kind == TargetKind.QUANTITATIVE
    assert target.operator == OPERATOR_SPELLINGS[spelling]
    assert target.number == number
    assert target.unit == unit
    assert target.display == text


@given(
    operator=st.sampled_from(list(Operator)),
    number=any_decimal_form,
    unit=bracketed_units,
)
def test_format_target_output_parses_back_to_the_same_target(operator, number, unit):
    target = parse_target(format_target(operator, number, unit))

    assert target.kind == TargetKind.QUANTITATIVE
    assert (target.operator, target.number, target.unit) == (operator, number, unit)


@given(number=any_decimal_form, unit=bracketed_units)
def test_format_actual_output_parses_back_to_the_same_number_and_unit(number, unit):
    actual = parse_actual(format_actual(number, unit))

    assert actual.kind == ActualKind.NUMBER
    assert (actual.number, actual.unit) == (number, unit)


# --- values as other regions print them (docs/rules.md §3) --------------------------------


@pytest.mark.parametrize(
    ("text", "operator", "number", "unit"),
    [
        ("≧735人次", Operator.GE, Decimal("735"), "人次"),
        ("≦5(起)", Operator.LE, Decimal("5"), "起"),
        ("═100%", Operator.EQ, Decimal("100"), "%"),
        ("＞０", Operator.GT, Decimal("0"), ""),
        ("＜１０．５％", Operator.LT, Decimal("10.5"), "%"),
        (">=215,457.6", Operator.GE, Decimal("215457.6"), ""),
        ("≥１２３(个)", Operator.GE, Decimal("123"), "个"),
    ],
)
def test_other_regions_operators_and_full_width_digits_are_read(text, operator, number, unit):
    target = parse_target(text)
    assert (target.kind, target.operator, target.number, target.unit) == (
        TargetKind.QUANTITATIVE,
        operator,
        number,
        unit,
    )
    assert target.raw == text  # the text is kept as printed


@pytest.mark.parametrize("text", ["—", "-", "－", "——", "/", "／"])
def test_a_dash_or_slash_target_is_empty(text):
    assert parse_target(text).kind == TargetKind.EMPTY


@pytest.mark.parametrize("text", ["—", "-", "——"])
def test_a_dash_actual_is_empty_and_a_slash_stays_not_applicable(text):
    assert parse_actual(text).kind == ActualKind.EMPTY
    assert parse_actual("/").kind == ActualKind.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("215,457.6", Decimal("215457.6")),
        ("9,034", Decimal("9034")),
        ("１２３．５０", Decimal("123.50")),
        ("10", Decimal("10")),
        ("—", None),
        ("-", None),
        ("/", None),
    ],
)
def test_amounts_and_scores_as_printed(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("86.19%", Decimal("86.19")),
        ("86.19", Decimal("86.19")),
        ("100％", Decimal("100")),
        ("%", None),
    ],
)
def test_rates_are_read_with_or_without_their_percent_sign(text, value):
    assert parse_percent(text) == value


def test_a_full_width_actual_is_a_number_kept_as_printed():
    actual = parse_actual("９８％")
    assert (actual.kind, actual.number, actual.unit, actual.raw) == (
        ActualKind.NUMBER,
        Decimal("98"),
        "%",
        "９８％",
    )
