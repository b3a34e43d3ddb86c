"""Golden tests: importing the 11 seed sheets reproduces every figure they print, and finds
exactly the rule breaks that are really there."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from indicators.catalogue import level1_names, level2_parents
from projects.models import Sheet
from tests.conftest import ROOT, SEED

D = Decimal

# Project → (执行率 of 年度资金总额 and 当年财政拨款, budget 得分, 总分, 评分等级), as printed.
PRINTED = {
    "高校毕业生就业服务专项": ("99.72", "9.97", "96.97", "优"),
    "回国留学人员创业服务专项": ("98.77", "9.87", "95.87", "优"),
    "科创人才公共服务专项": ("97.62", "9.76", "96.76", "优"),
    "流动人员人事档案管理专项": ("98.80", "9.88", "95.88", "优"),
    "人才大厦运行维护经费": ("96.31", "9.63", "96.63", "优"),
    "人才公寓运行维护经费": ("98.86", "9.88", "96.88", "优"),
    "人才引进一网通办服务专项": ("87.42", "8.74", "92.74", "优"),
    "人事人才公共服务工作经费": ("95.83", "9.58", "92.58", "优"),
    "上海市流动人才党员服务管理专项": ("97.95", "9.79", "96.79", "优"),
    "信息化运维项目": ("99.13", "9.91", "97.91", "优"),
    "政府聘用辅助人员经费": ("87.94", "8.79", "95.79", "优"),
}

# Every error and warning the seed really deserves: project → {(row name or None, code)}.
EXPECTED_FINDINGS = {
    "高校毕业生就业服务专项": {
        ("高校毕业生就业服务周（月）活动轮次", "reason_contradicts_actual"),
        ("“梦想进校园、精彩绘人生”系列校园招聘招聘会举办场次", "reason_contradicts_actual"),
    },
    "回国留学人员创业服务专项": {
        ("开展品牌宣传留创园数量", "reason_contradicts_actual"),
    },
    "科创人才公共服务专项": {
        ("科创人才专场招聘活动", "reason_contradicts_actual"),
    },
    "流动人员人事档案管理专项": {
        ("转出人事档案整理装订数量", "score_differs_from_suggested"),
        ("转出人事档案整理装订数量", "boilerplate_reason"),
        ("其他零星邮件邮寄份数", "score_differs_from_suggested"),
        ("其他零星邮件邮寄份数", "boilerplate_reason"),
        ("转入人事档案整理装订数量", "deviation_unexplained"),
        ("人事档案数字化处理份数", "score_differs_from_suggested"),
        ("人事档案数字化处理份数", "boilerplate_reason"),
    },
    "人才大厦运行维护经费": {
        ("电梯设备维保数量", "reason_contradicts_actual"),
    },
    "人才公寓运行维护经费": set(),
    "人才引进一网通办服务专项": {
        (None, "execution_below_90"),
        ("留学回国小语种成绩单翻译份数", "score_differs_from_suggested"),
        ("留学回国小语种成绩单翻译份数", "boilerplate_reason"),
        ("业务人员培训次数", "reason_contradicts_actual"),
    },
    "人事人才公共服务工作经费": {
        ("回聘及实习人数", "score_differs_from_suggested"),
        ("回聘及实习人数", "boilerplate_reason"),
        ("各类培训开展场次", "reason_contradicts_actual"),
        ("会议开展次数", "score_differs_from_suggested"),
        ("会议开展次数", "boilerplate_reason"),
        ("信息化系统重大安全事件发生数", "reason_required"),
        ("信息化系统重大安全事件发生数", "score_differs_from_suggested"),
        ("信息化系统重大安全事件发生数", "target_met_score_cut"),
        ("办事人员满意度", "reason_required"),
        ("办事人员满意度", "score_differs_from_suggested"),
        ("办事人员满意度", "target_met_score_cut"),
    },
    "上海市流动人才党员服务管理专项": {
        ("党建教育观影票发放数量", "score_differs_from_suggested"),
    },
    "信息化运维项目": set(),
    "政府聘用辅助人员经费": {
        (None, "execution_below_90"),
        ("政府聘用服务人员数量", "score_differs_from_suggested"),
    },
}

# The only blocking errors in the seed: two cut scores without a reason, in one sheet.
EXPECTED_ERRORS = {
    "人事人才公共服务工作经费": {
        ("信息化系统重大安全事件发生数", "reason_required"),
        ("办事人员满意度", "reason_required"),
    }
}

ROW_COUNTS = {
    "高校毕业生就业服务专项": 19,
    "回国留学人员创业服务专项": 20,
    "科创人才公共服务专项": 15,
    "流动人员人事档案管理专项": 24,
    "人才大厦运行维护经费": 40,
    "人才公寓运行维护经费": 21,
    "人才引进一网通办服务专项": 18,
    "人事人才公共服务工作经费": 37,
    "上海市流动人才党员服务管理专项": 18,
    "信息化运维项目": 19,
    "政府聘用辅助人员经费": 12,
}


def printed_rows() -> dict[str, list[tuple[str, Decimal, Decimal]]]:
    """Each sheet's (name, 分值, 得分) read straight off the seed's lines, independently of the
    importer: an indicator line is one holding a target-like cell followed later by two
    2-decimal cells."""
    catalogue = set(level1_names()) | set(level2_parents())
    rows: dict[str, list] = {}
    project = None
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.split("\t")]
        filled = [c for c in cells if c]
        if filled and filled[0] == "项目名称":
            project = filled[1] if len(filled) > 1 else lines[i - 1].strip()
            rows[project] = []
            continue
        if any("资金" in c or "拨款" in c for c in filled):
            continue
        numbers = [j for j, c in enumerate(filled) if re.fullmatch(r"\d+\.\d{2}", c)]
        pair = [j for j in numbers if j + 1 in numbers]
        if not pair:
            continue
        j = pair[0]
        name = next(c for c in filled if c not in catalogue)
        rows[project].append((name, D(filled[j]), D(filled[j + 1])))
    return rows


@pytest.fixture
def evaluated(seed_sheets):
    out = {}
    for sheet in seed_sheets.prefetch_related(
        "budget_lines", "indicators__level1", "indicators__level2"
    ).select_related("project__unit__department"):
        out[sheet.project.name] = (sheet, sheet.evaluate())
    return out


def test_the_seed_holds_eleven_sheets_of_2023(evaluated):
    assert set(evaluated) == set(PRINTED)
    assert {s.year for s, _ in evaluated.values()} == {2023}
    assert {s.status for s, _ in evaluated.values()} == {Sheet.Status.DRAFT}


@pytest.mark.parametrize("project", list(PRINTED))
def test_each_sheet_reproduces_its_printed_figures(evaluated, project):
    sheet, result = evaluated[project]
    rate, budget_score, total, grade = PRINTED[project]
    funds = result.funds
    assert funds.rows["total"].rate == D(rate)
    assert funds.rows["appropriation"].rate == D(rate)
    assert funds.rows["carryover"].rate == D("0.00")
    assert funds.rows["other"].rate == D("0.00")
    assert str(funds.rows["carryover"].rate) == "0.00"
    assert funds.weight == D("10.00")
    assert funds.score == D(budget_score)
    assert str(result.total) == total
    assert result.raw_score == D(total)
    assert result.weight_total == D("100")
    assert result.grade == grade
    assert not result.rescaled


@pytest.mark.parametrize("project", list(PRINTED))
def test_each_row_keeps_its_printed_weight_and_score(evaluated, project):
    sheet, _ = evaluated[project]
    stored = [(r.name, r.weight, r.score) for r in sheet.indicators.all()]
    assert len(stored) == ROW_COUNTS[project]
    assert stored == printed_rows()[project]


@pytest.mark.parametrize("project", list(PRINTED))
def test_each_sheet_has_exactly_the_findings_it_deserves(evaluated, project):
    sheet, result = evaluated[project]
    names = [r.name for r in sheet.indicators.all()]
    found = {
        (names[f.row] if f.row is not None else None, f.code)
        for f in result.findings
        if f.severity in ("error", "warning")
    }
    assert found == EXPECTED_FINDINGS[project]
    errors = {(names[f.row] if f.row is not None else None, f.code) for f in result.errors}
    assert errors == EXPECTED_ERRORS.get(project, set())
    # One finding per rule per place.
    keys = [(f.row, f.field, f.code) for f in result.findings if f.severity != "info"]
    assert len(keys) == len(set(keys))


def test_contradicting_reasons_quote_both_numbers(evaluated):
    sheet, result = evaluated["高校毕业生就业服务专项"]
    finding = next(f for f in result.findings if f.code == "reason_contradicts_actual")
    assert finding.row == 0
    assert finding.field == "reason"
    assert finding.params == {"quoted": "5.00", "actual": "4.00", "unit": "轮"}


def test_suggested_scores_show_the_rule_on_cut_rows(evaluated):
    sheet, result = evaluated["流动人员人事档案管理专项"]
    names = [r.name for r in sheet.indicators.all()]
    row = result.rows[names.index("转出人事档案整理装订数量")]
    assert row.suggestion.value == D("3.50")  # 4201 ÷ 6000 × 5 = 3.5008, truncated
    assert row.suggestion.rule == "ratio"


def test_goal_texts_lose_their_html_and_labels_but_keep_the_text(evaluated):
    sheet, _ = evaluated["人才公寓运行维护经费"]
    assert sheet.goal_expected.startswith("通过项目的开展，在2023年计划修缮松园别墅")
    assert "<p>" not in sheet.goal_expected and "预期目标" not in sheet.goal_expected[:6]
    assert sheet.goal_achieved.startswith("2023年，松园别墅做好委托管理服务")
    # Two <p> paragraphs become two lines.
    assert "\n博士后公寓做好委托管理服务" in sheet.goal_achieved


def test_qualitative_actuals_keep_their_wording_and_store_their_level(evaluated):
    sheet, _ = evaluated["高校毕业生就业服务专项"]
    row = sheet.indicators.get(name="部门沟通协助机制健全性")
    assert row.actual_text == "部分达成指标并具有一定效果"
    assert row.actual_level == "partial"
    assert row.target_kind == "qualitative"
    quantitative = sheet.indicators.get(name="岗位专业覆盖率")
    assert (quantitative.target_operator, quantitative.target_number) == ("≥", D("90"))
    assert quantitative.target_unit == "%"


def test_a_level_two_name_in_the_level_one_column_still_files_the_row(evaluated):
    sheet, _ = evaluated["人事人才公共服务工作经费"]
    first = sheet.indicators.first()
    assert (first.level1.name, first.level2.name) == ("产出指标", "数量指标")
    shifted = sheet.indicators.get(name="信息化系统运行稳定性")
    assert (shifted.level1.name, shifted.level2.name) == ("效益指标", "社会效益指标")


def test_the_project_copy_of_the_seed_matches_the_shared_one():
    shared = ROOT.parent / "shared" / "seed" / "000_8db70a21b77abcfc.txt"
    if not shared.exists():
        pytest.skip("no shared/ beside the project")
    assert shared.read_bytes() == SEED.read_bytes()
