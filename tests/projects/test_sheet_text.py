"""The text reader on layouts other than Shanghai's, without the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.scoring import evaluate
from projects.imports.text_reader import clean_goal, excel_shaped, parse_text

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


# -- Excel's clipboard, and text that only looks quoted ---------------------------------------

CLIPBOARD_ROWS = [
    ("财政项目支出绩效自评表（2024年度）",),
    ("项目名称", "", "剪贴板项目"),
    ("主管部门", "", "某局", "", "实施单位", "", "某中心"),
    (
        "项目资金（万元）",
        "",
        "",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ),
    ("", "", "年度资金总额", "10", "10", "9", "10", "90.00", "9.00"),
    ("", "", "其中：当年财政拨款", "10", "10", "9", "-", "90.00", "-"),
    ("年度总体目标", "", "预期目标", "", "", "实际完成情况"),
    ("", "", '"第一行目标\n第二行目标"', "", "", '"完成 ""两轮"" 培训"'),
    (
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ),
    (
        "产出指标",
        "数量指标",
        "培训轮次",
        "=2(轮)",
        "1(轮)",
        "50",
        "25",
        '"原因：""三公""经费压减\n明年改进"',
    ),
    ("效益指标", "社会效益指标", "覆盖面", "≥90%", "95%", "40", "40", ""),
]


def test_text_copied_from_excel_arrives_whole_quoted_cells_and_crlf():
    text = "\r\n".join("\t".join(row) for row in CLIPBOARD_ROWS) + "\r\n"
    assert excel_shaped(text)
    [sheet] = parse_text(text).sheets
    assert sheet.goal_expected == "第一行目标\n第二行目标"
    assert sheet.goal_achieved == '完成 "两轮" 培训'
    assert sheet.rows[0].reason == '原因："三公"经费压减\n明年改进'
    assert [row.name for row in sheet.rows] == ["培训轮次", "覆盖面"]
    assert sheet.unplaced == []
    # The row after the two-line cell keeps the number of the line it starts on.
    assert sheet.row_lines == [11, 13]


def test_text_from_word_or_a_web_page_is_read_line_by_line_whatever_its_quotes():
    rows = [list(row) for row in CLIPBOARD_ROWS]
    rows[7] = ["", "", '"三公"经费压减', "", "", "完成"]
    rows[9][7] = '"未闭合的引号'
    text = "\n".join("\t".join(row) for row in rows) + "\n"
    assert not excel_shaped(text)
    [sheet] = parse_text(text).sheets
    assert sheet.goal_expected == '"三公"经费压减'
    assert sheet.rows[0].reason == '"未闭合的引号'
    assert [row.name for row in sheet.rows] == ["培训轮次", "覆盖面"]


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ('a\t"b\nc"\n', True),
        ('a\t"say ""hi"""\n', True),
        ('a\t"三公"经费\n', False),  # the quote closes inside the cell
        ('a\t"unbalanced\nb\tc\n', False),
        ('a\t"plain"\n', False),  # nothing Excel would quote for
        ("no quotes\tat all\n", False),
        ('x"y\t"p\nq"\n', True),  # a quote inside a cell is not a quoted cell
    ],
)
def test_excel_quoting_is_recognised_only_when_balanced_and_excel_shaped(text, shaped):
    assert excel_shaped(text) is shaped


# -- header noise, labels, extra sources ---------------------------------------------------


def test_noise_above_the_header_never_overrides_it_and_gives_fallbacks():
    text = tsv(
        ("2023年度项目支出绩效自评表",),
        ("主管部门(盖章):", "", "单位:万元"),
        ("单位名称:备用单位",),
        ("项目名称", "", "51092324T000000123456-某项目"),
        ("主管部门", "", "真正的局"),
    )
    [sheet] = parse_text(text).sheets
    assert (sheet.year, sheet.department, sheet.unit) == (2023, "真正的局", "备用单位")
    assert sheet.project == "51092324T000000123456-某项目"
    assert sheet.project_code == "51092324T000000123456"
    assert (sheet.amount_unit, sheet.amount_unit_printed) == ("wan", True)
    assert sheet.unplaced == []


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("项目支出绩效自评表（2022年度）", 2022),
        ("绩效目标自评表(2021 年度)", 2021),
        ("2022年度共享工程项目自评表", 2022),
        ("项目支出绩效自评表 2019年度)", 2019),
    ],
)
def test_titles_in_their_variants_give_the_year(title, year):
    [sheet] = parse_text(tsv((title,), ("项目名称", "", "某项目"))).sheets
    assert sheet.year == year


FUNDS_VARIANTS = tsv(
    ("项目支出绩效自评表（2022年度）",),
    ("项目名称", "", "资金来源多的项目"),
    ("主管部门", "", "某局", "", "项目实施单位", "", "某站"),
    ("项目资金（元）", "", "", "年初预算数", "调整后预算数", "执行数(B)", "分值", "执行率", "得分"),
    ("", "", "年度财政资金总额：", "", "30000", "27,000.50", "10", "90%", "9"),
    ("", "", "其中：本年财政拨款", "", "10000", "9000", "—", "", "—"),
    ("", "", "上年结转资金", "", "", "", "—", "", "—"),
    ("", "", "财政专户管理资金", "", "15000", "13500.50", "—", "", "—"),
    ("", "", "单位资金", "", "5000", "4500", "—", "", "—"),
)


def test_funds_label_variants_and_extra_sources_are_kept_visible_and_add_up():
    [sheet] = parse_text(FUNDS_VARIANTS).sheets
    assert sheet.unit == "某站"
    assert sheet.amount_unit == "yuan"
    total = sheet.funds["total"]
    assert (total.initial, total.annual, total.executed) == (None, D("30000"), D("27000.50"))
    assert sheet.funds["appropriation"].annual == D("10000")
    # 财政专户管理资金 and 单位资金 go into 其他资金, each line reported.
    other = sheet.funds["other"]
    assert (other.annual, other.executed) == (D("20000"), D("18000.50"))
    assert [label for label, _line in sheet.extra_sources] == ["财政专户管理资金", "单位资金"]
    notes = [text for _n, text in sheet.unplaced]
    assert len(notes) == 2 and all("已计入其他资金" in note for note in notes)
    codes = {f.code for f in evaluate(sheet.to_input()).findings}
    assert "funds_not_adding_up" not in codes
    assert sheet.printed_rates["total"] == D("90")


def test_level_cells_printed_only_as_their_weight_take_the_level_from_level_two():
    text = tsv(
        ("项目名称", "", "权重项目"),
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"),
        ("(50分)", "数量指标", "场次", "=2(场)", "2(场)", "50", "50"),
        ("产出指标(50分)", "质量指标", "合格率", "=100%", "100%", "", ""),
        ("(30分)", "可持续影响指标", "长效机制", "健全", "健全", "30", "30"),
    )
    [sheet] = parse_text(text).sheets
    assert [(r.level1, r.level2) for r in sheet.rows] == [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("效益指标", "可持续影响指标"),
    ]


PIECES = list('"\t\r\n ab1.,%—-/≧═') + [
    "项目名称",
    "年度资金总额",
    "年初预算数",
    "一级指标",
    "全年执行数",
    "分值",
    "三级指标",
    "（元）",
    "其中：",
    "指标2",
    "总分",
    "(50分)",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
def test_no_text_makes_the_reader_raise_quotes_and_line_ends_included(text):
    for sheet in parse_text(text).sheets:
        evaluate(sheet.to_input())


def test_a_unit_line_between_the_header_and_the_funds_gives_the_unit():
    text = tsv(
        ("项目名称", "", "元项目"),
        ("主管部门", "", "某局", "", "实施单位", "", "某站"),
        ("金额单位：元",),
        ("项目资金", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
        ("年度资金总额", "", "", "25000", "20000", "10", "80%", "8"),
    )
    [sheet] = parse_text(text).sheets
    assert (sheet.amount_unit, sheet.amount_unit_printed) == ("yuan", True)
    assert sheet.funds["total"].annual == D("25000") and sheet.funds["total"].initial is None
    assert sheet.unplaced == []
