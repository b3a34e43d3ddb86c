"""import_sheets and export_sheets: the conventions of docs/rules.md §8 and the JSON of
docs/sheet-json.md."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.imports.text_reader import parse_text
from projects.models import BudgetLine, Department, Indicator, Project, Sheet, Unit
from tests.conftest import ROOT, SEED

D = Decimal


def tsv(*rows: tuple) -> str:
    return "\n".join("\t".join(str(c) for c in row) for row in rows) + "\n"


def header(
    title="财政项目支出绩效自评表", project="测试项目", department="测试局", unit="测试中心"
):
    return [
        (title,),
        ("项目名称", "", project),
        ("主管部门", "", department, "", "实施单位", "", unit),
    ]


FUNDS_HEADER = (
    "项目资金（万元）",
    "",
    "",
    "年初预算数",
    "全年预算数",
    "全年执行数",
    "分数",
    "执行率",
    "得分",
)
INDICATOR_HEADER = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析",
)


def funds(total, appropriation, carryover=("0.00",) * 3, other=("0.00",) * 3):
    return [
        FUNDS_HEADER,
        ("", "", "年度资金总额", "", *total, "10.00", "", ""),
        ("", "", "其中：当年财政拨款", "", *appropriation, "-", "", "-"),
        ("", "", "上年结转资金", "", *carryover, "-", "", "-"),
        ("", "", "其他资金", "", *other, "-", "", "-"),
    ]


GOALS = [
    ("年度总体目标", "", "预期目标", "", "", "实际完成情况"),
    ("", "", "<p>预期目标</p><p>完成 &lt;4&gt; 轮</p>", "", "", "<p>完成 4 轮</p>"),
]

# One sheet breaking every blocking rule that a saved sheet can break.
BROKEN = tsv(
    *header(title="财政项目支出绩效自评表（2024年度）"),
    *funds(total=("100.00", "0.00", "50.00"), appropriation=("100.00", "10.00", "50.00")),
    *GOALS,
    INDICATOR_HEADER,
    ("产出指标", "数量指标", "超分指标", "=4(轮)", "4.00(轮)", "10.00", "12.00", ""),
    ("", "", "负分指标", "≥90(%)", "95.00(%)", "10.00", "-1.00", "说明"),
    ("", "质量指标", "缺原因指标", "=100(%)", "50.00(%)", "10.00", "5.00", ""),
    (
        "效益指标",
        "社会效益指标",
        "越档指标",
        "健全",
        "部分达成指标并具有一定效果",
        "10.00",
        "9.00",
        "还需完善",
    ),
    ("", "", "缺分值指标", "=1(次)", "1.00(次)", "", "5.00", ""),
    ("满意度指标", "服务对象满意度指标", "缺得分指标", "≥90(%)", "92.00(%)", "10.00", "", ""),
    ("", "", "", "", "", "100", "31.00"),
)

# A `≤` target and a 不适用 row: the total is rescaled over the applicable weights.
NOT_APPLICABLE = tsv(
    *header(title="财政项目支出绩效自评表（2024年度）", project="不适用项目"),
    *funds(total=("100.00", "100.00", "95.00"), appropriation=("100.00", "100.00", "95.00")),
    INDICATOR_HEADER,
    (
        "产出指标",
        "数量指标",
        "投诉件数",
        "≤5(起)",
        "8.00(起)",
        "40.00",
        "25.00",
        "投诉较多，已整改",
    ),
    ("", "质量指标", "验收合格率", "=100(%)", "100.00(%)", "30.00", "30.00", ""),
    ("效益指标", "经济效益指标", "带动收入", "≥10(万元)", "不适用", "10.00", "", ""),
    ("满意度指标", "服务对象满意度指标", "满意度", "≥90(%)", "/", "10.00", "10.00", ""),
)


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "sheets.txt") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_sheets", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> dict:
    tables = {}
    for model in (Department, Unit, Project, Sheet, BudgetLine, Indicator):
        tables[model.__name__] = list(model.objects.order_by("pk").values())
    return tables


def test_import_prints_one_line_per_sheet(empty_db):
    output = run_import(str(SEED), "--year", "2023")
    lines = [line for line in output.splitlines() if not line.startswith(" ")]
    assert len(lines) == 11
    assert lines[0] == "2023 高校毕业生就业服务专项: 19 rows, 0 errors, 2 warnings — 新建"
    assert "2023 人事人才公共服务工作经费: 37 rows, 2 errors, 9 warnings — 新建" in lines


def test_importing_the_seed_twice_leaves_the_database_as_it_was(seed_sheets):
    before = snapshot()
    output = run_import(str(SEED), "--year", "2023")
    assert snapshot() == before
    assert output.count("内容相同，未改动") == 11


def test_reimporting_changed_content_replaces_the_draft_in_place(seed_sheets, seed_text, write):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    changed = seed_text.replace(
        "6.00\t4.00\t长效管理机制还需进一步健全",
        "6.00\t4.00\t长效管理机制还需进一步健全，已制定整改计划",
    )
    output = run_import(write(changed), "--year", "2023")
    assert "2023 信息化运维项目: 19 rows, 0 errors, 0 warnings — 已更新草稿内容" in output
    assert output.count("内容相同，未改动") == 10
    sheet.refresh_from_db()
    assert sheet.version == 2
    assert sheet.indicators.get(name="长效管理机制健全性").reason.endswith("已制定整改计划")
    assert seed_sheets.count() == 11


def test_reimport_never_touches_a_sheet_past_draft(seed_sheets, seed_text, write):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    Sheet.objects.filter(pk=sheet.pk).update(status=Sheet.Status.SUBMITTED)
    changed = seed_text.replace("6.00\t4.00\t长效管理机制还需进一步健全", "6.00\t4.00\t改过的原因")
    output = run_import(write(changed), "--year", "2023")
    assert "信息化运维项目: 19 rows, 0 errors, 0 warnings — 已是“已提交”状态，未改动" in output
    row = Sheet.objects.get(pk=sheet.pk).indicators.get(name="长效管理机制健全性")
    assert row.reason == "长效管理机制还需进一步健全"


def test_a_file_without_a_year_is_refused_and_nothing_is_saved(empty_db):
    with pytest.raises(CommandError, match="^year unknown: pass --year$"):
        run_import(str(SEED))
    assert Sheet.objects.count() == 0
    assert Department.objects.count() == 0


def test_the_year_in_the_title_wins_over_the_option(empty_db, write):
    run_import(write(NOT_APPLICABLE), "--year", "2023")
    assert Sheet.objects.get().year == 2024


def test_the_command_exits_1_with_one_line_and_no_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    for args, reason in (
        ([str(tmp_path / "missing.txt")], "cannot read file"),
        ([str(SEED)], "year unknown: pass --year"),
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", "import_sheets", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        assert reason in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_a_sheet_breaking_every_blocking_rule_imports_with_one_finding_per_break(empty_db, write):
    run_import(write(BROKEN))
    sheet = Sheet.objects.get(project__name="测试项目")
    assert sheet.status == Sheet.Status.DRAFT and sheet.year == 2024
    result = sheet.evaluate()
    errors = sorted((-1 if f.row is None else f.row, f.field or "", f.code) for f in result.errors)
    assert errors == sorted(
        [
            (-1, "funds.total.annual", "funds_not_adding_up"),
            (-1, "funds.total.annual", "funds_no_budget"),
            (0, "score", "score_above_weight"),
            (1, "score", "score_negative"),
            (2, "reason", "reason_required"),
            (3, "score", "qualitative_band"),
            (4, "weight", "value_missing"),
            (5, "score", "value_missing"),
            (-1, "", "weights_not_100"),
        ]
    )
    # Nothing typed is lost: every cell of every row is stored as it was printed.
    rows = list(
        sheet.indicators.values_list(
            "name", "target_text", "actual_text", "weight", "score", "reason"
        )
    )
    assert rows == [
        ("超分指标", "=4(轮)", "4.00(轮)", D("10.00"), D("12.00"), ""),
        ("负分指标", "≥90(%)", "95.00(%)", D("10.00"), D("-1.00"), "说明"),
        ("缺原因指标", "=100(%)", "50.00(%)", D("10.00"), D("5.00"), ""),
        ("越档指标", "健全", "部分达成指标并具有一定效果", D("10.00"), D("9.00"), "还需完善"),
        ("缺分值指标", "=1(次)", "1.00(次)", None, D("5.00"), ""),
        ("缺得分指标", "≥90(%)", "92.00(%)", D("10.00"), None, ""),
    ]
    total = sheet.budget_lines.get(kind="total")
    assert (total.initial, total.annual, total.executed) == (D("100.00"), D("0.00"), D("50.00"))
    assert sheet.goal_expected == "完成 <4> 轮"
    assert sheet.goal_achieved == "完成 4 轮"
    assert result.funds.rate is None and result.funds.score == D("0.00")


def test_a_sheet_without_its_header_names_is_reported_and_not_saved(empty_db, write):
    text = tsv(*header(unit=""), *funds(("1.00",) * 3, ("1.00",) * 3))
    with pytest.raises(CommandError, match="1 sheet"):
        call_command(
            "import_sheets",
            write(text),
            "--year",
            "2023",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert Sheet.objects.count() == 0
    parsed = parse_text(text).sheets[0]
    from indicators.scoring import evaluate

    codes = {(f.field, f.code) for f in evaluate(parsed.to_input()).errors}
    assert ("header.unit", "value_missing") in codes


def test_a_not_applicable_row_rescales_the_total(empty_db, write, tmp_path):
    run_import(write(NOT_APPLICABLE))
    sheet = Sheet.objects.get(project__name="不适用项目")
    result = sheet.evaluate()
    # Budget 95 % of 10 = 9.50; applicable rows 25 + 30; applicable weights 10 + 40 + 30 = 80.
    assert result.raw_score == D("64.50")
    assert result.total == D("80.62")  # 64.50 ÷ 80 × 100 = 80.625, truncated
    assert result.grade == "良"
    assert result.rescaled
    assert result.weight_total == D("100.00")
    assert [r.applicable for r in result.rows] == [True, True, False, False]
    # The `≤` row: 5 ÷ 8 × 40 = 25.00 suggested, as entered.
    assert result.rows[0].suggestion.value == D("25.00")
    assert result.rows[0].suggestion.rule == "inverse_ratio"
    assert not [f for f in result.errors]

    out = tmp_path / "out.json"
    call_command(
        "export_sheets",
        "--format",
        "json",
        "--output",
        str(out),
        "--id",
        str(sheet.pk),
        stdout=io.StringIO(),
    )
    data = json.loads(out.read_text("utf-8"))
    assert data[0]["total"] == {
        "weight": "100.00",
        "score": "80.62",
        "raw_score": "64.50",
        "grade": "良",
    }
    assert [i["applicable"] for i in data[0]["indicators"]] == [True, True, False, False]
    assert data[0]["indicators"][2]["score"] is None


def test_export_writes_every_sheet_as_documented(seed_sheets, tmp_path):
    out = tmp_path / "all.json"
    call_command("export_sheets", "--format", "json", "--output", str(out), stdout=io.StringIO())
    data = json.loads(out.read_text("utf-8"))
    assert len(data) == Sheet.objects.count() == 12
    first = next(d for d in data if d["project"] == "高校毕业生就业服务专项")
    assert set(first) >= {
        "id",
        "year",
        "project",
        "department",
        "unit",
        "status",
        "funds",
        "goal",
        "indicators",
        "total",
        "findings",
    }
    assert first["status"] == "draft"
    assert first["department"] == "上海市人力资源和社会保障局"
    assert first["unit"] == "上海市人才服务中心"
    assert first["funds"]["total"] == {
        "initial": "200.00",
        "annual": "294.00",
        "executed": "293.19",
        "rate": "99.72",
        "weight": "10.00",
        "score": "9.97",
    }
    assert first["funds"]["carryover"] == {
        "initial": "0.00",
        "annual": "0.00",
        "executed": "0.00",
        "rate": "0.00",
    }
    assert first["total"] == {
        "weight": "100.00",
        "score": "96.97",
        "raw_score": "96.97",
        "grade": "优",
    }
    row = first["indicators"][0]
    assert row == {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "高校毕业生就业服务周（月）活动轮次",
        "target": "=4.00(轮)",
        "actual": "4.00(轮)",
        "weight": "8.00",
        "score": "8.00",
        "suggested_score": "8.00",
        "reason": "实际完成5轮",
        "applicable": True,
    }
    qualitative = next(i for i in first["indicators"] if i["name"] == "部门沟通协助机制健全性")
    assert qualitative["actual"] == "部分达成指标并具有一定效果"
    assert qualitative["suggested_score"] is None
    assert first["findings"][0] == {
        "severity": "warning",
        "code": "reason_contradicts_actual",
        "indicator": 0,
        "field": "reason",
        "params": {"quoted": "5.00", "actual": "4.00", "unit": "轮"},
        "message": "偏差原因中写的 5.00轮 与实际完成值 4.00轮 不一致。",
    }
    assert all(f["severity"] != "info" for d in data for f in d["findings"])


def test_export_of_an_unknown_id_fails_cleanly(empty_db, tmp_path):
    with pytest.raises(CommandError, match="no sheet with id 999"):
        call_command("export_sheets", "--output", str(tmp_path / "x.json"), "--id", "999")


# -- real sheets from other regions: the printed unit, the bureau, what was read --------------

REAL = ROOT / "tests" / "data" / "real-sheets"
SPORTS = REAL / "04_shanghai_putuo_sports_centre_settlement_2022.tsv"
LIBRARY = REAL / "09_hubei_huangshi_library_sharing_project_2022_partial.tsv"


def test_a_yuan_sheet_is_stored_in_wan_exactly_with_its_printed_unit(empty_db):
    output = run_import(str(SPORTS))
    sheet = Sheet.objects.get(project__name="普陀体育中心与委托运营方结算费用")
    assert sheet.amount_unit == Sheet.AmountUnit.YUAN
    total = sheet.budget_lines.get(kind="total")
    # 250000.00 元 and 215,457.6 元, in 万元 to the 分.
    assert (total.initial, total.annual, total.executed) == (D("25"), D("25"), D("21.54576"))
    assert sheet.budget_weight == D("10")
    assert "  rules: 全国默认 2022 v1; amounts in 元" in output
    # The figures are the sheet's: 215457.6 / 250000 = 86.18 % (printed 86.19 %).
    assert sheet.evaluate().funds.rows["total"].rate == D("86.18")
    again = run_import(str(SPORTS))
    assert "内容相同，未改动" in again


def test_import_names_the_bureau_and_reports_every_cell_it_could_not_place(empty_db):
    output = run_import(str(LIBRARY), "--bureau", "黄石市财政局")
    department = Department.objects.get(name="黄石市文化和旅游局")
    assert department.bureau.name == "黄石市财政局"
    assert "amounts in 万元" in output
    assert f"{LIBRARY}:7: not placed: 项目类别 | 1、部门预算项目 ☑ 2、市直专项" in output
    assert f"{LIBRARY}:26: not placed: 促进黄石文化经济发展,丰富市民文化活动" in output
    sheet = Sheet.objects.get(project__name="共享工程")
    assert sheet.budget_weight == D("20")
    assert {u["line"] for u in sheet.unplaced_lines} == {7, 8, 9, 26, 30}


def test_a_department_of_another_bureau_keeps_it_and_the_line_says_so(empty_db):
    run_import(str(LIBRARY), "--bureau", "黄石市财政局")
    output = run_import(str(LIBRARY), "--bureau", "别的财政局")
    assert Department.objects.get(name="黄石市文化和旅游局").bureau.name == "黄石市财政局"
    assert "主管部门已属于“黄石市财政局”，未改为“别的财政局”" in output


def test_extra_funds_sources_are_saved_into_other_and_kept_as_unplaced_lines(empty_db, write):
    text = tsv(
        ("项目支出绩效自评表（2022年度）",),
        ("项目名称", "", "多来源项目"),
        ("主管部门", "", "某局", "", "实施单位", "", "某站"),
        (
            "项目资金（元）",
            "",
            "",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ),
        ("", "", "总额", "", "30000", "27000", "10", "90%", "9"),
        ("", "", "财政拨款", "", "10000", "9000", "—", "", "—"),
        ("", "", "财政专户管理资金", "", "20000", "18000", "—", "", "—"),
    )
    run_import(write(text))
    sheet = Sheet.objects.get(project__name="多来源项目")
    other = sheet.budget_lines.get(kind="other")
    assert (other.annual, other.executed) == (D("2"), D("1.8"))
    assert ["财政专户管理资金" in u["text"] for u in sheet.unplaced_lines] == [True]
    assert "funds_not_adding_up" not in {f.code for f in sheet.evaluate().findings}


def test_the_paste_preview_says_which_rules_unit_and_cells_it_read(filler):
    from django.urls import reverse

    from tests.helpers import logged_in

    data = {
        "new_project": "粘贴的元表",
        "year": "2022",
        "mode": "paste",
        "text": LIBRARY.read_text(encoding="utf-8").replace("（万元）", "（元）"),
    }
    response = logged_in(filler).post(reverse("projects:sheet-new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert str(response.context["rule_set"]) in page
    assert response.context["amount_unit_label"] == "元"
    assert "项目类别 | 1、部门预算项目 ☑ 2、市直专项" in page
    # The form trims the pasted text: its leading blank line is gone.
    assert [line for line, _text in response.context["unplaced"]] == [6, 7, 8, 25, 29]


def _clipboard_text() -> str:
    from tests.projects.test_sheet_text import CLIPBOARD_ROWS

    return "\r\n".join("\t".join(row) for row in CLIPBOARD_ROWS) + "\r\n"


def test_import_sheets_reads_excel_clipboard_text_whole(empty_db, tmp_path):
    path = tmp_path / "clipboard.txt"
    path.write_bytes(_clipboard_text().encode("utf-8"))
    run_import(str(path))
    sheet = Sheet.objects.get(project__name="剪贴板项目")
    assert sheet.goal_expected == "第一行目标\n第二行目标"
    assert sheet.goal_achieved == '完成 "两轮" 培训'
    assert sheet.indicators.get(name="培训轮次").reason == '原因："三公"经费压减\n明年改进'


def test_the_paste_box_reads_excel_clipboard_text_whole(filler):
    from django.urls import reverse

    from tests.helpers import logged_in

    data = {"new_project": "剪贴板项目", "year": "2024", "mode": "paste"}
    client = logged_in(filler)
    client.post(reverse("projects:sheet-new"), {**data, "text": _clipboard_text()})
    client.post(
        reverse("projects:sheet-new"), {**data, "text": _clipboard_text(), "action": "confirm"}
    )
    sheet = Sheet.objects.get(project__name="剪贴板项目", year=2024)
    assert sheet.goal_expected == "第一行目标\n第二行目标"
    assert sheet.indicators.get(name="培训轮次").reason == '原因："三公"经费压减\n明年改进'
