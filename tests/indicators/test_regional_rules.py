"""The real regional sheets' figures under their bureaus' rules (docs/rules.md §5).

Plain Python: the engine input is built from the printed values in
tests/data/real-sheets-figures.json (amounts as printed, in the printed unit: the engine only
sees ratios), so these tests do not depend on the reader. Every printed rate, budget score,
total and grade is reproduced under the matching rule set, except the differences the file
lists, each with the reason the sheet's own arithmetic (or way of printing) gives.

`VARIANTS` is each shipped rule set as the engine receives it; tests/projects/
test_bureau_rules.py checks that the rule sets the migration ships give exactly these.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from indicators.findings import Code
from indicators.scoring import (
    FundsLine,
    IndicatorInput,
    RuleParams,
    SheetInput,
    evaluate,
)

D = Decimal
DATA = Path(__file__).resolve().parent.parent / "data" / "real-sheets-figures.json"
FIGURES = json.loads(DATA.read_text(encoding="utf-8"))["sheets"]
NATIONAL = RuleParams()
NATIONAL_GUIDELINE = NATIONAL.guideline

# Each bureau's shipped rules, as the engine receives them (indicators 0008).
VARIANTS = {
    "永德县财政局": RuleParams(rounding=ROUND_HALF_UP, places=0),
    "上海市普陀区财政局": RuleParams(rounding=ROUND_HALF_UP),
    "廊坊市财政局": RuleParams(rounding=ROUND_HALF_UP, places=0),
    "黄石市财政局": RuleParams(
        budget_weight=D("20"),
        guideline=(("产出指标", D("40")), ("效益指标", D("30")), ("满意度指标", D("10"))),
    ),
    "六安市财政局": RuleParams(rounding=ROUND_HALF_UP, places=0),
}
FIGURE_NAMES = ("rate", "budget_score", "total", "grade")


def amount(text: str | None) -> Decimal | None:
    return None if text is None else D(text)


def sheet_input(entry: dict) -> SheetInput:
    """The engine input of a sheet, as printed."""
    funds = {
        key: FundsLine(*(amount(value) for value in values))
        for key, values in entry["funds"].items()
    }
    rows = tuple(
        IndicatorInput(
            name=name,
            level1=level1,
            level2=level2,
            target=target,
            actual=actual,
            weight=D(weight),
            score=D(score),
        )
        for level1, level2, name, target, actual, weight, score in entry["indicators"]
    )
    return SheetInput(
        project="-",
        department="-",
        unit="-",
        funds=funds,
        budget_weight=D(entry["budget_weight"]),
        indicators=rows,
    )


def computed(entry: dict, params: RuleParams) -> dict[str, object]:
    result = evaluate(sheet_input(entry), params)
    return {
        "rate": result.funds.rate,
        "budget_score": result.funds.score,
        "total": result.total,
        "grade": str(result.grade),
    }


def same(figure: str, printed: str, value: object) -> bool:
    return value == printed if figure == "grade" else value == D(printed)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_printed_figure_is_reproduced_under_the_bureaus_rules(name):
    entry = FIGURES[name]
    figures = computed(entry, VARIANTS[entry["bureau"]])
    allowed = {item["figure"]: item for item in entry["allowed"]}

    for figure in FIGURE_NAMES:
        printed = entry["printed"][figure]
        if printed is None or (figure in ("total", "grade") and not entry["complete"]):
            continue
        if figure in allowed:
            assert allowed[figure]["printed"] == printed
            assert same(figure, allowed[figure]["computed"], figures[figure]), figure
            assert not same(figure, printed, figures[figure]), f"{figure}: no longer differs"
        else:
            assert same(figure, printed, figures[figure]), (figure, printed, figures[figure])


def test_the_complete_sheets_print_rate_budget_score_total_and_where_shown_grade():
    complete = {name for name, entry in FIGURES.items() if entry["complete"]}

    assert complete == {
        "02_yunnan_yongde_nutrition_meals_2022",
        "04_shanghai_putuo_sports_centre_settlement_2022",
    }
    yunnan = computed(FIGURES["02_yunnan_yongde_nutrition_meals_2022"], VARIANTS["永德县财政局"])
    assert yunnan == {"rate": D("100"), "budget_score": D("10"), "total": D("96"), "grade": "优"}
    putuo = computed(
        FIGURES["04_shanghai_putuo_sports_centre_settlement_2022"], VARIANTS["上海市普陀区财政局"]
    )
    # 98.62 prints no grade; the rules give 优.
    assert putuo == {
        "rate": D("86.18"),
        "budget_score": D("8.62"),
        "total": D("98.62"),
        "grade": "优",
    }


@pytest.mark.parametrize(
    ("name", "national"),
    [
        # Putuo rounds half up where the seed's unit truncates: 8.618 → 8.62, 4.517 → 4.52.
        ("04_shanghai_putuo_sports_centre_settlement_2022", {"budget_score": D("8.61")}),
        ("11_shanghai_putuo_yunnan_aid_2022_partial", {"budget_score": D("4.51")}),
        # Whole points: 86.20 % and 8.62 under the national default print 86 % and 9.
        (
            "07_hebei_langfang_food_school_hvac_2019_partial",
            {"rate": D("86.20"), "budget_score": D("8.62")},
        ),
        ("13_anhui_luan_public_culture_system_2021_partial", {"budget_score": D("8.97")}),
    ],
)
def test_the_national_default_would_print_other_figures(name, national):
    figures = computed(FIGURES[name], NATIONAL)

    for figure, value in national.items():
        assert figures[figure] == value
        assert not same(figure, FIGURES[name]["printed"][figure], value)


def test_the_20_80_form_scores_its_budget_out_of_20():
    entry = FIGURES["09_hubei_huangshi_library_sharing_project_2022_partial"]

    figures = computed(entry, VARIANTS["黄石市财政局"])

    assert figures["budget_score"] == D("20")
    # A sheet that prints no 分值 gets the bureau's 20, not the national 10.
    bare = sheet_input(entry)
    result = evaluate(SheetInput(funds=bare.funds), VARIANTS["黄石市财政局"])
    assert result.funds.weight == D("20")
    assert result.funds.score == D("20.00")


def test_the_level1_guideline_hint_follows_each_bureaus_weights():
    yunnan = FIGURES["02_yunnan_yongde_nutrition_meals_2022"]
    putuo = FIGURES["04_shanghai_putuo_sports_centre_settlement_2022"]

    # Putuo's 50/30/10 follows the national guideline: no hint.
    putuo_codes = {
        f.code for f in evaluate(sheet_input(putuo), VARIANTS["上海市普陀区财政局"]).findings
    }
    assert Code.WEIGHTS_GUIDELINE not in putuo_codes
    # Yongde prints 40/30/20 against the national 50/30/10: a hint, never an error.
    [hint] = [
        f
        for f in evaluate(sheet_input(yunnan), VARIANTS["永德县财政局"]).findings
        if f.code == Code.WEIGHTS_GUIDELINE
    ]
    assert hint.params["weights"] == "40.00/30.00/20.00"
    assert hint.params["expected"] == "50.00/30.00/10.00"
    assert not hint.blocking


def test_every_shipped_variant_is_one_of_the_documented_forms():
    for name, params in VARIANTS.items():
        assert params.rounding in (ROUND_DOWN, ROUND_HALF_UP), name
        assert params.places in (0, 2), name
        weights = sum((weight for _level1, weight in params.guideline), D("0"))
        assert weights + params.budget_weight == D("100"), name
        assert params.guideline in (NATIONAL_GUIDELINE, VARIANTS["黄石市财政局"].guideline)
