"""The text reader on layouts other than Shanghai's, without the database."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.scoring import evaluate
from projects.imports.text_reader import clean_goal, parse_text

D = Decimal


def tsv(*rows: tuple) -> str:
    return "\n".join("\t".join(str(c) for c in row) for row in rows) + "\n"


OTHER_REGION = tsv(
    ("财政项目支出绩效自评表（2022年度）",),
    ("项目名称", "乡村道路养护"),
    ("主管部门", "某县交通运输局", "实施单位", "某县公路站"),
    ("项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
    ("", "年度资金总额", "50", "50", "45", "10", "90.00", "9.00"),
    ("", "其中：当年财政拨款", "50", "50", "45", "-", "90.00", "-"),
    ("", "上年结转资金", "0", "0", "0", "-", "0.00", "-"),
    ("", "其他资金", "0", "0", "0", "-", "0.00", "-"),
    ("年度总体目标", "预期目标：养护道路 30 公里", "实际完成情况：养护 28 公里"),
    (
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ),
    (
        "产出指标(50分)",
        "数量指标(30分)",
        "养护里程",
        "正向指标",
        "≥30(公里)",
        "28(公里)",
        "30",
        "28",
        "两段道路并入明年计划",
    ),
    ("", "", "其中：村道", "正向指标", "≥10(公里)", "9(公里)", "", "", ""),
    ("", "质量指标(20分)", "验收合格率", "正向指标", "=100%", "100%", "20", "20", ""),
    (
        "效益指标(30分)",
        "社会效益指标",
        "群众出行时间缩短",
        "正向指标",
        "效果明显",
        "达成预期指标",
        "30",
        "30",
        "",
    ),
    ("注：本表金额单位为万元",),
    ("满意度指标(10分)", "服务对象满意度指标", "群众满意度", "正向指标", "≥90%", "93%"),
)

CUT_OFF = tsv(
    ("财政项目支出绩效自评表",),
    ("项目名称", "", "被截断的项目"),
    ("主管部门", "", "某局", "", "实施单位", "", "某中心"),
    (
        "项目资金（万元）",
        "",
        "",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分数",
        "执行率",
        "得分",
    ),
    ("", "", "年度资金总额", "", "10.00", "10.00", "9.00", "10.00", "90.00", "9.00"),
    (
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析",
    ),
    ("产出指标", "数量指标", "培训场次", "=2(场)", "2.00(场)", "20.00", "20.00"),
    ("", "", "培训人数"),
)


def test_another_region_sheet_is_read_with_its_extra_column_and_weights_in_level_cells():
    result = parse_text(OTHER_REGION)
    [sheet] = result.sheets
    assert (sheet.year, sheet.project, sheet.department, sheet.unit) == (
        2022,
        "乡村道路养护",
        "某县交通运输局",
        "某县公路站",
    )
    assert sheet.goal_expected == "养护道路 30 公里"
    assert sheet.goal_achieved == "养护 28 公里"
    names = [
        (r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.score) for r in sheet.rows
    ]
    assert names == [
        ("产出指标", "数量指标", "养护里程", "≥30(公里)", "28(公里)", D("30"), D("28")),
        ("产出指标", "数量指标", "其中：村道", "≥10(公里)", "9(公里)", None, None),
        ("产出指标", "质量指标", "验收合格率", "=100%", "100%", D("20"), D("20")),
        (
            "效益指标",
            "社会效益指标",
            "群众出行时间缩短",
            "效果明显",
            "达成预期指标",
            D("30"),
            D("30"),
        ),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", None, None),
    ]
    assert sheet.rows[0].reason == "两段道路并入明年计划"
    # The note line could not be placed: it is reported with its line number, not dropped.
    assert sheet.unplaced == [(15, "注：本表金额单位为万元")]
    findings = evaluate(sheet.to_input()).findings
    assert ("import_unplaced", None) in {(f.code, f.row) for f in findings}
    missing = {(f.row, f.field) for f in findings if f.code == "value_missing"}
    assert missing == {(1, "weight"), (1, "score"), (4, "weight"), (4, "score")}


def test_a_cut_off_sheet_keeps_what_it_has():
    [sheet] = parse_text(CUT_OFF).sheets
    assert sheet.project == "被截断的项目"
    assert [r.name for r in sheet.rows] == ["培训场次"]
    assert sheet.unplaced == [(8, "培训人数")]
    assert sheet.year is None
    result = evaluate(sheet.to_input())
    assert result.funds.rows["total"].rate == D("90.00")
    assert "weights_not_100" in {f.code for f in result.errors}


def test_several_sheets_in_one_text_are_split_at_their_titles(seed_text):
    result = parse_text(seed_text + CUT_OFF + OTHER_REGION)
    assert len(result.sheets) == 13
    assert [s.first_line for s in result.sheets][:2] == [3, 37]


def test_lines_before_the_first_sheet_are_reported_as_stray():
    result = parse_text("随便写的一行\t内容\n" + CUT_OFF)
    assert result.stray == [(1, "随便写的一行 | 内容")]
    assert len(result.sheets) == 1


def test_goal_texts_are_stripped_of_tags_and_labels_but_keep_entities_as_text():
    assert clean_goal("<p>预期目标</p> <p>满意度&gt;90%</p>") == "满意度>90%"
    assert clean_goal("实际完成情况：完成 <b>4</b> 轮") == "完成 4 轮"
    assert clean_goal("<p>一</p><p>二</p>") == "一\n二"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), max_size=10), max_size=30))
def test_the_reader_never_raises_on_any_table(rows):
    text = "\n".join("\t".join(cells) for cells in rows)
    for sheet in parse_text(text).sheets:
        evaluate(sheet.to_input())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(CUT_OFF.splitlines() + OTHER_REGION.splitlines() + ["", "\t\t"]),
        max_size=40,
    )
)
def test_the_reader_never_raises_on_shuffled_sheet_lines(lines):
    for sheet in parse_text("\n".join(lines)).sheets:
        evaluate(sheet.to_input())


def test_a_lone_achieved_goal_is_read_under_its_label():
    text = tsv(
        ("财政项目支出绩效自评表（2024年度）",),
        ("项目名称", "", "目标项目"),
        ("年度总体目标", "", "预期目标", "", "", "实际完成情况"),
        ("", "", "", "", "", "全部完成"),
    )
    [sheet] = parse_text(text).sheets
    assert (sheet.goal_expected, sheet.goal_achieved) == ("", "全部完成")
