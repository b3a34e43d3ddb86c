"""The official sheet as an Excel workbook, and Excel workbooks read back through the text reader."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell

from indicators import scoring
from indicators.models import RuleSet
from projects.exports.xlsx import (
    SANS,
    SERIF,
    line_count,
    sheet_title,
    sheet_workbook,
    text_units,
    workbook_bytes,
)
from projects.imports.services import ImportRefused, read_workbook, save_parsed
from projects.imports.text_reader import parse_text
from projects.imports.xlsx_reader import UnreadableWorkbook, xlsx_to_text
from projects.models import Sheet
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import build_sheet_view
from tests.conftest import UNIT_A
from tests.helpers import json_of

D = Decimal
EXPORTED_AT = datetime(2024, 5, 6, 14, 30)

# Total and grade each seed sheet prints (docs/rules.md §4: the printed sheets are the reference).
PRINTED_TOTALS = {
    "高校毕业生就业服务专项": ("96.97", "优"),
    "回国留学人员创业服务专项": ("95.87", "优"),
    "科创人才公共服务专项": ("96.76", "优"),
    "流动人员人事档案管理专项": ("95.88", "优"),
    "人才大厦运行维护经费": ("96.63", "优"),
    "人才公寓运行维护经费": ("96.88", "优"),
    "人才引进一网通办服务专项": ("92.74", "优"),
    "人事人才公共服务工作经费": ("92.58", "优"),
    "上海市流动人才党员服务管理专项": ("96.79", "优"),
    "信息化运维项目": ("97.91", "优"),
    "政府聘用辅助人员经费": ("95.79", "优"),
}

# Rows of the layout before the indicators: title, 2 header rows, 5 funds rows, 2 goal rows.
INDICATOR_HEADER_ROW = 11
FIRST_INDICATOR_ROW = 12


def shanghai():
    """The 11 Shanghai seed sheets, in import order."""
    return sheet_queryset().filter(project__unit__name=UNIT_A).order_by("pk")


def views_of(sheets=None):
    qs = shanghai()
    if sheets is not None:
        qs = qs.filter(pk__in=[s.pk for s in sheets])
    return [build_sheet_view(sheet) for sheet in qs]


def export(views) -> bytes:
    wb = sheet_workbook([(v, v.status_label) for v in views], exported_at=EXPORTED_AT)
    return workbook_bytes(wb)


def reopen(data: bytes):
    return load_workbook(io.BytesIO(data))


def cell_decimal(cell) -> Decimal:
    assert cell.data_type == "n", (cell.coordinate, cell.value)
    return D(str(cell.value)).quantize(D("0.01"))


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


@pytest.fixture
def exported(seed_sheets):
    """Each seed sheet's view and its worksheet, written into one workbook and read back."""
    views = views_of()
    assert len(views) == 11
    wb = reopen(export(views))
    return [(view, wb.worksheets[i]) for i, view in enumerate(views)]


def view_named(exported, project):
    return next((v, ws) for v, ws in exported if v.project == project)


# -- the layout -----------------------------------------------------------------------------


def test_each_sheet_gets_its_own_worksheet_named_after_its_project(exported):
    assert [ws.title for _v, ws in exported] == [v.project for v, _ws in exported]


def test_the_title_header_funds_and_goals_merge_like_the_official_form(exported):
    for view, ws in exported:
        last = FIRST_INDICATOR_ROW + len(view.rows)
        assert {
            "A1:H1",
            "B2:H2",
            "B3:D3",
            "F3:H3",
            "A4:A8",
            "A9:A10",
            "B9:E9",
            "F9:H9",
            "B10:E10",
            "F10:H10",
            f"A{last}:E{last}",
            f"A{last + 1}:E{last + 1}",
            f"F{last + 1}:H{last + 1}",
        } <= merged(ws), view.project
        assert ws["A1"].value == view.title == "财政项目支出绩效自评表（2023年度）"
        assert ws["A1"].font.bold and ws["A1"].font.name == SERIF and ws["A1"].font.size == 16
        assert (ws["A2"].value, ws["B2"].value) == ("项目名称", view.project)
        assert [ws[c].value for c in ("A3", "B3", "E3", "F3")] == [
            "主管部门",
            view.department,
            "实施单位",
            view.unit,
        ]
        assert ws["A4"].value == "项目资金\n（万元）"
        assert [ws.cell(4, c).value for c in range(3, 9)] == [
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ]
        assert [ws.cell(r, 2).value for r in range(5, 9)] == [
            "年度资金总额",
            "其中：当年财政拨款",
            "上年结转资金",
            "其他资金",
        ]
        assert (ws["A9"].value, ws["B9"].value, ws["F9"].value) == (
            "年度总体目标",
            "预期目标",
            "实际完成情况",
        )
        assert (ws["B10"].value, ws["F10"].value) == (view.goal_expected, view.goal_achieved)
        assert [ws.cell(INDICATOR_HEADER_ROW, c).value for c in range(1, 9)] == [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
        assert ws.cell(last, 1).value == "总分"
        assert (ws.cell(last + 1, 1).value, ws.cell(last + 1, 6).value) == ("评分等级", "优")
        assert ws.max_row == last + 1


def test_level1_and_level2_cells_merge_over_the_rows_they_group(exported):
    for view, ws in exported:
        for row in view.rows:
            r = FIRST_INDICATOR_ROW + row.index
            for column, name, span in (
                ("A", row.level1, row.level1_span),
                ("B", row.level2, row.level2_span),
            ):
                if span == 0:
                    assert ws[f"{column}{r}"].value is None
                    continue
                assert ws[f"{column}{r}"].value == (name or None)
                if span > 1:
                    assert f"{column}{r}:{column}{r + span - 1}" in merged(ws), view.project
            assert ws[f"C{r}"].value == row.name


def test_the_output_level_of_the_building_maintenance_sheet_merges_25_rows(exported):
    _view, ws = view_named(exported, "人才大厦运行维护经费")
    assert ws["A12"].value == "产出指标"
    assert "A12:A36" in merged(ws)
    assert ws["A37"].value == "效益指标"
    assert ws["B12"].value == "数量指标"


def test_amounts_are_numeric_cells_with_thousands_separators_and_two_decimals(exported):
    view, ws = view_named(exported, "人才大厦运行维护经费")
    assert [cell_decimal(ws.cell(5, c)) for c in (3, 4, 5)] == [
        D("1087.50"),
        D("1092.30"),
        D("1052.02"),
    ]
    for view, ws in exported:
        for i, funds in enumerate(view.funds):
            for column, value in zip(
                (3, 4, 5), (funds.initial, funds.annual, funds.executed), strict=True
            ):
                cell = ws.cell(5 + i, column)
                assert cell_decimal(cell) == value
                assert cell.number_format == "#,##0.00"


def test_rates_weights_and_scores_are_numeric_cells_with_two_decimals(exported):
    view, ws = view_named(exported, "高校毕业生就业服务专项")
    assert [cell_decimal(ws.cell(5, c)) for c in (6, 7, 8)] == [D("10.00"), D("99.72"), D("9.97")]
    for view, ws in exported:
        total_row = FIRST_INDICATOR_ROW + len(view.rows)
        numeric = [
            (ws["F5"], view.budget_weight),
            (ws["G5"], view.funds[0].rate),
            (ws["H5"], view.budget_score),
            (ws.cell(total_row, 6), view.weight_total),
            (ws.cell(total_row, 7), view.total),
        ]
        numeric += [(ws.cell(6 + i, 7), f.rate) for i, f in enumerate(view.funds[1:])]
        for row in view.rows:
            r = FIRST_INDICATOR_ROW + row.index
            numeric += [(ws.cell(r, 6), row.weight), (ws.cell(r, 7), row.score)]
        for cell, value in numeric:
            assert cell_decimal(cell) == value, (view.project, cell.coordinate)
            assert cell.number_format == "0.00"
        assert cell_decimal(ws.cell(total_row, 7)) == D(PRINTED_TOTALS[view.project][0])
        assert cell_decimal(ws.cell(total_row, 6)) == D("100.00")


def test_the_funds_sub_rows_print_a_dash_as_text_in_weight_and_score(exported):
    for _view, ws in exported:
        for r in (6, 7, 8):
            for column in ("F", "H"):
                assert ws[f"{column}{r}"].value == "-"
                assert ws[f"{column}{r}"].data_type == "s"


def test_targets_beginning_with_an_equals_sign_are_text_never_formulas(exported):
    _view, ws = view_named(exported, "高校毕业生就业服务专项")
    assert ws["D12"].value == "=4.00(轮)"
    assert ws["D12"].data_type == "s"
    seen = 0
    for view, ws in exported:
        for row in view.rows:
            cell = ws.cell(FIRST_INDICATOR_ROW + row.index, 4)
            assert cell.value == row.target
            if row.target.startswith("="):
                assert cell.data_type == "s"
                seen += 1
    assert seen > 100


def test_the_saved_file_holds_no_formula_at_all(seed_sheets):
    data = export(views_of())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_an_empty_value_stays_an_empty_cell(seed_sheets):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    row = sheet.indicators.order_by("position").first()
    row.score = None
    row.save()
    (view,) = views_of([sheet])
    ws = reopen(export([view])).active
    assert ws["G12"].value is None
    assert ws["F12"].value is not None


def test_every_cell_of_the_table_has_a_cjk_font_a_thin_frame_and_wraps(exported):
    for view, ws in exported:
        ranges = list(ws.merged_cells.ranges)
        for row in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=8):
            for cell in row:
                assert cell.font.name == SANS, (view.project, cell.coordinate)
                if not isinstance(cell, MergedCell):
                    assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
                # A cell inside a merged range draws the range's outer frame only.
                area = next((r for r in ranges if cell.coordinate in r), None)
                sides = {
                    "top": area is None or cell.row == area.min_row,
                    "bottom": area is None or cell.row == area.max_row,
                    "left": area is None or cell.column == area.min_col,
                    "right": area is None or cell.column == area.max_col,
                }
                for side, framed in sides.items():
                    if framed:
                        assert getattr(cell.border, side).style == "thin", cell.coordinate
        labels = [ws["A2"], ws["A3"], ws["E3"], ws["C4"], ws["A11"], ws["H11"]]
        assert all(cell.font.bold for cell in labels)
        assert not ws["B2"].font.bold


def test_the_columns_have_fixed_widths_and_rows_are_tall_enough_for_their_wrapped_text(exported):
    for view, ws in exported:
        widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGH"}
        assert widths == {"A": 12, "B": 14, "C": 28, "D": 14, "E": 16, "F": 8, "G": 8, "H": 30}
        # The goal texts: merged over B:E (72 units) and F:H (46 units).
        lines = max(line_count(view.goal_expected, 72), line_count(view.goal_achieved, 46))
        assert ws.row_dimensions[10].height == lines * 15 + 4
        assert lines >= 4
        for row in view.rows:
            r = FIRST_INDICATOR_ROW + row.index
            needed = max(line_count(row.name, 28), line_count(row.reason, 30))
            assert ws.row_dimensions[r].height >= needed * 15 + 4


def test_text_width_counts_a_cjk_character_as_two_units():
    assert text_units("年度ab1") == 7
    assert text_units("（万元）") == 8
    assert line_count("", 10) == 1
    assert line_count("一" * 13, 28) == 1
    assert line_count("一" * 14, 28) == 2
    assert line_count("一\n二\n三", 28) == 3


def test_the_page_prints_on_a4_landscape_one_page_wide_with_the_indicator_header_repeated(
    exported,
):
    for view, ws in exported:
        setup = ws.page_setup
        assert int(setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
        assert setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
        assert ws.print_title_rows == "$11:$11"
        assert ws.print_options.horizontalCentered
        assert 0.3 <= ws.page_margins.left <= 0.5 and 0.3 <= ws.page_margins.right <= 0.5
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.oddFooter.right.text == f"{view.status_label}  导出于 2024-05-06 14:30"
        assert ws.freeze_panes is None


def test_worksheet_titles_are_cut_to_31_characters_cleaned_and_unique():
    taken: set[str] = set()
    assert sheet_title("a/b\\c[d]e:f*g?h", taken) == "abcdefgh"
    long = "上海市" + "流动人才党员服务管理专项" * 3
    first = sheet_title(long, taken)
    second = sheet_title(long, taken)
    assert first == long[:31] and len(second) <= 31
    assert second.endswith(" (2)") and second != first
    assert sheet_title("", taken) == "Sheet"


def test_two_sheets_of_one_project_get_distinct_worksheets(seed_sheets):
    (view,) = views_of([Sheet.objects.get(project__name="信息化运维项目")])
    wb = reopen(export([view, view]))
    assert wb.sheetnames == ["信息化运维项目", "信息化运维项目 (2)"]


def test_a_rescaled_total_carries_its_explanation_as_a_note_beside_the_printed_total(
    seed_sheets,
):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    row = sheet.indicators.order_by("position").first()
    row.actual_text = "不适用"
    row.sync_parsed()
    row.save()
    (view,) = views_of([sheet])
    assert view.rescaled
    ws = reopen(export([view])).active
    total_row = FIRST_INDICATOR_ROW + len(view.rows)
    assert cell_decimal(ws.cell(total_row, 7)) == view.total
    assert "折算" in ws.cell(total_row, 7).comment.text
    assert ws.cell(total_row, 8).value is None


# -- reading workbooks back -----------------------------------------------------------------


def comparable(sheet: Sheet) -> dict:
    data = json_of(sheet)
    for key in ("id", "year", "project", "version"):
        data.pop(key)
    return data


def reimport(data: bytes, suffix: str) -> list[Sheet]:
    parsed = parse_text(xlsx_to_text(data))
    assert parsed.stray == []
    saved = []
    for sheet in parsed.sheets:
        assert sheet.unplaced == [], (sheet.project, sheet.unplaced)
        assert sheet.year == 2023  # read from the title
        renamed = dataclasses.replace(sheet, project=f"{sheet.project}{suffix}")
        outcome = save_parsed(renamed, year=sheet.year)
        assert outcome.action == "created"
        saved.append(outcome.sheet)
    return saved


def test_every_seed_sheet_exported_and_read_back_is_the_same_sheet(seed_sheets):
    originals = list(shanghai())
    for original in originals:
        (copy,) = reimport(export(views_of([original])), "（xlsx）")
        assert copy.project.name == f"{original.project.name}（xlsx）"
        assert comparable(copy) == comparable(original), original.project.name


def test_a_workbook_of_all_eleven_sheets_reads_back_as_eleven_sheets(seed_sheets):
    originals = list(shanghai())
    copies = reimport(export(views_of()), "（全部）")
    assert [c.project.name for c in copies] == [f"{o.project.name}（全部）" for o in originals]
    for original, copy in zip(originals, copies, strict=True):
        assert comparable(copy) == comparable(original)
        result = copy.evaluate()
        assert (str(result.total), result.grade) == PRINTED_TOTALS[original.project.name]


def test_the_figures_read_back_are_the_printed_ones_and_evaluate_the_same(seed_sheets):
    rule_set = RuleSet.for_year(2023)
    params = rule_set.to_params()
    for original in shanghai():
        (view,) = views_of([original])
        (parsed,) = parse_text(xlsx_to_text(export([view]))).sheets
        assert parsed.printed_total == view.total
        assert parsed.printed_total_weight == view.weight_total
        assert parsed.printed_grade == view.grade
        assert parsed.printed_budget_score == view.budget_score
        assert parsed.printed_rates["total"] == view.funds[0].rate
        again = scoring.evaluate(parsed.to_input(), params)
        before = original.evaluate(rule_set)
        assert (again.total, again.grade, again.raw_score) == (
            before.total,
            before.grade,
            before.raw_score,
        )
        assert [(f.code, f.row, f.field) for f in again.findings] == [
            (f.code, f.row, f.field) for f in before.findings
        ]


def test_edited_texts_survive_the_round_trip_line_breaks_ampersands_and_not_applicable_rows(
    seed_sheets,
):
    original = Sheet.objects.get(project__name="人才公寓运行维护经费")
    rows = list(original.indicators.order_by("position"))
    rows[0].reason = "第一行：原因\n第二行：改进措施 R&D <b>"
    rows[0].save()
    rows[1].actual_text = "不适用"
    rows[1].sync_parsed()
    rows[1].save()
    rows[2].name = "=SUM(A1:A2) 不是公式"
    rows[2].save()
    original.goal_expected = "第一段\n第二段：= 也只是文字"
    original.save()
    (copy,) = reimport(export(views_of([original])), "（编辑）")
    assert comparable(copy) == comparable(original)
    copy_rows = list(copy.indicators.order_by("position"))
    assert copy_rows[0].reason == "第一行：原因\n第二行：改进措施 R&D <b>"
    assert copy_rows[1].applicable is False
    assert copy_rows[2].name == "=SUM(A1:A2) 不是公式"
    assert copy.goal_expected == "第一段\n第二段：= 也只是文字"


# -- workbooks made elsewhere ---------------------------------------------------------------


def seed_cells(line: str) -> list:
    """One seed line as a program would write it into a worksheet: a cell per tab-cell,
    amounts and scores as numbers, everything else (`=4.00(轮)` included) as it stands."""
    out: list = []
    for cell in line.split("\t"):
        if not cell:
            out.append(None)
            continue
        try:
            out.append(float(cell.replace(",", "")) if "(" not in cell else cell)
        except ValueError:
            out.append(cell)
    return out


def without_line_numbers(parsed):
    return dataclasses.replace(
        parsed,
        first_line=0,
        row_lines=[],
        unplaced=[text for _n, text in parsed.unplaced],
    )


def test_the_seed_written_cell_by_cell_into_one_worksheet_reads_like_the_seed_text(seed_text):
    wb = Workbook()
    ws = wb.active
    for number, line in enumerate(seed_text.splitlines(), 1):
        for column, value in enumerate(seed_cells(line), 1):
            if value is not None:
                # As openpyxl does: a text starting with "=" becomes a formula nobody computed.
                ws.cell(row=number, column=column, value=value)
    assert any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    from_xlsx = parse_text(xlsx_to_text(workbook_bytes(wb)))
    from_text = parse_text(seed_text)
    assert len(from_xlsx.sheets) == 11
    assert [s.project for s in from_xlsx.sheets] == list(PRINTED_TOTALS)
    for a, b in zip(from_xlsx.sheets, from_text.sheets, strict=True):
        assert a == b, a.project
        assert (str(a.printed_total), a.printed_grade) == PRINTED_TOTALS[a.project]
    high_school = from_xlsx.sheets[0]
    assert high_school.rows[0].target == "=4.00(轮)"
    assert high_school.rows[0].weight == D("8.00")


def test_the_seed_split_into_one_worksheet_per_sheet_with_text_numbers_reads_the_same(
    seed_sheets, seed_text
):
    wb = Workbook()
    wb.remove(wb.active)
    ws = None
    for line in seed_text.splitlines():
        cells = line.split("\t")
        if "绩效自" in line and len([c for c in cells if c]) == 1:
            ws = wb.create_sheet(f"表{len(wb.worksheets) + 1}")
        if ws is None:
            continue
        ws.append([c or None for c in cells])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text cells, as a spreadsheet user would type them
    assert len(wb.worksheets) == 11
    from_xlsx = parse_text(xlsx_to_text(workbook_bytes(wb)))
    from_text = parse_text(seed_text)
    assert [without_line_numbers(s) for s in from_xlsx.sheets] == [
        without_line_numbers(s) for s in from_text.sheets
    ]
    params = RuleSet.for_year(2023).to_params()
    for parsed in from_xlsx.sheets:
        result = scoring.evaluate(parsed.to_input(), params)
        assert result.total == parsed.printed_total == D(PRINTED_TOTALS[parsed.project][0])
        assert result.grade == parsed.printed_grade


def test_cells_read_as_the_sheet_shows_them():
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", None, 1087.5, 8, 0.9972, 3.0, 1e16, "  text  ", True])
    ws["C1"].number_format = "#,##0.00"
    ws["D1"].number_format = "0.00"
    ws["E1"].number_format = "0.00%"
    ws["J1"] = "两行\n文字"
    ws.merge_cells("K1:L2")
    ws["K1"] = "合并"
    ws["K3"] = "=4.00(轮)"
    ws["K3"].data_type = "s"
    text = xlsx_to_text(workbook_bytes(wb))
    lines = text.split("\n")
    assert lines[0].split("\t") == [
        "项目名称",
        "",
        "1,087.50",
        "8.00",
        "99.72%",
        "3",
        "10000000000000000",
        "  text  ",
        "TRUE",
        "两行&#10;文字",
        "合并",
    ]
    assert lines[1] == ""
    assert lines[2] == "\t" * 10 + "=4.00(轮)"


def test_every_worksheet_is_read_and_separated_by_a_blank_line():
    wb = Workbook()
    wb.active.append(["a", "b"])
    wb.create_sheet("second").append(["c"])
    assert xlsx_to_text(workbook_bytes(wb)) == "a\tb\n\nc\n"


def test_an_upload_or_a_binary_file_is_read_like_bytes(seed_sheets):
    data = export(views_of([Sheet.objects.get(project__name="信息化运维项目")]))
    upload = SimpleUploadedFile("sheet.xlsx", data)
    assert xlsx_to_text(upload) == xlsx_to_text(io.BytesIO(data)) == xlsx_to_text(data)


@pytest.mark.parametrize(
    ("garbage", "kind"),
    [
        (b"", "empty"),
        (b"this is not a workbook", "not_zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old_xls"),
        (b"PK\x03\x04 broken zip", "not_zip"),
    ],
    ids=["empty", "text", "old-xls", "broken-zip"],
)
def test_a_file_that_is_not_a_readable_xlsx_is_refused_in_one_line(garbage, kind):
    with pytest.raises(UnreadableWorkbook) as caught:
        xlsx_to_text(garbage)
    assert caught.value.kind == kind
    with pytest.raises(ImportRefused) as refused:
        read_workbook(garbage)
    message = str(refused.value)
    assert message.startswith("无法读取 Excel 文件") and "\n" not in message
    if kind == "old_xls":
        assert "另存为 .xlsx" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportRefused, match="不是有效的 .xlsx 工作簿"):
        read_workbook(buffer.getvalue())


# -- any exported sheet reads back, whatever the column order and blank cells -----------------

SAFE = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
LEVELS = [
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("效益指标", "社会效益指标"),
    ("效益指标", "可持续影响指标"),
    ("满意度指标", "服务对象满意度指标"),
]
TARGETS = ["=4(轮)", "≥90(%)", "≤5(起)", "健全", "≧735人次", "=100%", ">=90%", "及时"]
ACTUALS = ["4.00(轮)", "95.00(%)", "达成年度指标", "不适用", "100%", "", "及时", "/"]


def _words(min_size: int = 1):
    return st.text(alphabet=SAFE, min_size=min_size, max_size=8)


def _amount():
    return st.none() | st.decimals(
        min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False
    )


def _score():
    return st.none() | st.decimals(
        min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False
    )


@st.composite
def exported_sheets(draw):
    """A sheet as the app holds it: amounts in the printed unit, rows of any shape."""
    unit = draw(st.sampled_from(["wan", "yuan"]))
    funds = {
        key: scoring.FundsLine(draw(_amount()), draw(_amount()), draw(_amount()))
        for key in scoring.FUNDS_ROWS
    }
    rows = []
    for _i in range(draw(st.integers(min_value=1, max_value=7))):
        level1, level2 = draw(st.sampled_from(LEVELS))
        actual = draw(st.sampled_from(ACTUALS))
        rows.append(
            scoring.IndicatorInput(
                name="指标" + draw(_words()),
                level1=level1,
                level2=level2,
                target=draw(st.sampled_from(TARGETS)),
                actual=actual,
                weight=draw(_score()),
                score=draw(_score()),
                reason=draw(_words(0)),
                applicable=actual not in ("不适用", "/"),
            )
        )
    rows.sort(key=lambda r: LEVELS.index((r.level1, r.level2)))
    sheet = scoring.SheetInput(
        project="项目" + draw(_words()),
        department="部门" + draw(_words()),
        unit="单位" + draw(_words()),
        funds=funds,
        # Never blank: the export prints the weight the rules use (the default when none).
        budget_weight=draw(_score().filter(lambda w: w is not None)),
        indicators=tuple(rows),
    )
    goals = (draw(_words(0)), draw(_words(0)))
    return sheet, unit, goals


def _exported_text(sheet, unit, goals) -> str:
    """The sheet written by the app's Excel export and read as text (amounts in 万元 go in,
    the workbook prints them in the sheet's unit)."""
    from projects.sheets.view_model import SheetData, build_view

    def stored(line):
        values = (line.initial, line.annual, line.executed)
        return scoring.FundsLine(
            *(None if v is None else (v.scaleb(-4) if unit == "yuan" else v) for v in values)
        )

    wan = dataclasses.replace(sheet, funds={k: stored(v) for k, v in sheet.funds.items()})
    data = SheetData(
        input=wan, year=2023, goal_expected=goals[0], goal_achieved=goals[1], amount_unit=unit
    )
    view = build_view(data, RuleSet(year=2023))
    return xlsx_to_text(export([view]))


def _permute(lines: list[str], first: str, count: int | None, order: list[int]) -> list[str]:
    """Columns 2–7 of the block whose header starts with `first` put in `order`."""
    out = [line.split("\t") for line in lines]
    at = next(i for i, cells in enumerate(out) if cells and cells[0].startswith(first))
    end = (
        at + 1 + count
        if count is not None
        else next(i for i in range(at + 1, len(out)) if out[i] and out[i][0] == "总分")
    )
    for i in range(at, end):
        cells = out[i] + [""] * (8 - len(out[i]))
        out[i] = cells[:2] + [cells[2 + k] for k in order] + cells[8:]
    return ["\t".join(cells) for cells in out]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exported_sheets(),
    st.permutations(range(6)),
    st.permutations(range(6)),
)
def test_any_exported_sheet_reads_back_identically_whatever_the_column_order(
    content, funds_order, table_order
):
    sheet, unit, goals = content
    lines = _exported_text(sheet, unit, goals).split("\n")
    lines = _permute(lines, "项目资金", 4, list(funds_order))
    lines = _permute(lines, "一级指标", None, list(table_order))
    [parsed] = parse_text("\n".join(lines)).sheets
    assert (parsed.project, parsed.department, parsed.unit) == (
        sheet.project,
        sheet.department,
        sheet.unit,
    )
    assert parsed.amount_unit == unit
    assert parsed.funds == sheet.funds
    assert parsed.budget_weight == sheet.budget_weight
    assert (parsed.goal_expected, parsed.goal_achieved) == goals
    assert list(parsed.rows) == list(sheet.indicators)
    assert parsed.unplaced == []


def test_a_workbook_cell_that_starts_with_a_quote_is_read_as_typed():
    """Its text is never taken for Excel's clipboard quoting, which would unquote it."""
    wb = Workbook()
    ws = wb.active
    rows = [
        ["财政项目支出绩效自评表（2024年度）"],
        ["项目名称", None, "引号项目"],
        ["主管部门", None, "某局", None, "实施单位", None, "某站"],
        ["年度总体目标", None, "预期目标", None, None, "实际完成情况"],
        [None, None, "两行\n目标", None, None, "完成"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", '"say ""hi"""', "=1(次)", "1(次)", "100", "100"],
    ]
    for row in rows:
        ws.append(row)
    [sheet] = parse_text(xlsx_to_text(workbook_bytes(wb))).sheets
    assert sheet.goal_expected == "两行\n目标"
    assert sheet.goal_achieved == "完成"
    assert sheet.rows[0].name == '"say ""hi"""'
