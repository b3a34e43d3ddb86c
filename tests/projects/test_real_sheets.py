"""Real published sheets from other regions (tests/data/real-sheets, see its SOURCES.md): every
field `fields.json` lists is read, from the normalised transcription and from the layouts the
sources really had, re-created here from it (split 指标性质/指标值/度量单位 columns, 分值 before
年度指标值, `预算数(A)`/`执行数(B)` headers without a 年初 column, the 20/80 form's weight in
`得分(20分*执行率)`, extra columns, the unit on its own line). Plain Python, no database."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from projects.imports.text_reader import ParsedSheet, parse_text

DATA = Path(__file__).resolve().parent.parent / "data" / "real-sheets"
FIELDS = json.loads((DATA / "fields.json").read_text(encoding="utf-8"))
FILES = sorted(FIELDS)


def lines_of(name: str) -> list[list[str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.split("\n") if line != ""]


def text_of(lines: list[list[str]]) -> str:
    return "\n".join("\t".join(cells) for cells in lines) + "\n"


def read(lines: list[list[str]]) -> ParsedSheet:
    [sheet] = parse_text(text_of(lines)).sheets
    return sheet


def amount(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def check_fields(sheet: ParsedSheet, expected: dict) -> None:
    """Every field fields.json gives, amounts in the sheet's printed unit."""
    total = sheet.funds["total"]
    assert (sheet.project, sheet.department, sheet.unit) == (
        expected["project"],
        expected["department"],
        expected["unit"],
    )
    assert (total.initial, total.annual, total.executed) == (
        amount(expected["initial"]),
        amount(expected["annual"]),
        amount(expected["executed"]),
    )
    assert sheet.budget_weight == Decimal(expected["budget_weight"])
    if "indicators" in expected:
        assert len(sheet.rows) == expected["indicators"]
        assert all(row.weight is not None or row.score is not None for row in sheet.rows)


# The unit each sheet prints its amounts in (its funds header: 项目资金（元） or （万元）).
UNITS = {name: "yuan" if "（元）" in (DATA / name).read_text() else "wan" for name in FILES}


@pytest.mark.parametrize("name", FILES)
def test_each_real_sheet_reads_every_printed_field(name):
    sheet = read(lines_of(name))
    check_fields(sheet, FIELDS[name])
    assert (sheet.amount_unit, sheet.amount_unit_printed) == (UNITS[name], True)


def test_the_units_are_what_the_sheets_print():
    assert {n[:2]: u for n, u in UNITS.items()} == {
        "02": "yuan",
        "04": "yuan",
        "07": "wan",
        "09": "wan",
        "11": "yuan",
        "13": "wan",
    }


def test_a_blank_funds_cell_stays_blank_and_nothing_shifts_into_the_weight():
    """02 prints only 全年预算数 and 全年执行数: its 全年执行数 must not become its 分值."""
    sheet = read(lines_of(FILES[0]))
    assert sheet.funds["total"].initial is None
    assert sheet.budget_weight == Decimal("10")
    assert sheet.printed_budget_score == Decimal("10")
    assert sheet.printed_rates["total"] == Decimal("100")
    assert sheet.funds["carryover"].annual is None


def test_the_yunnan_sheet_reads_its_operators_levels_totals_and_trailing_boxes():
    sheet = read(lines_of("02_yunnan_yongde_nutrition_meals_2022.tsv"))
    assert [row.target for row in sheet.rows][:4] == ["≧735人次", "≧100%", "≧100%", "═100%"]
    assert sheet.rows[-1].level2 == "服务对象满意度指标"  # printed 服务对象满意度指标等
    assert (sheet.printed_total, sheet.printed_grade, sheet.year) == (Decimal("96"), "优", 2022)
    # 生态效益指标 (declared, empty), 其他需要说明事项 (无): understood, neither a row nor a note.
    assert sheet.unplaced == []
    assert "其他需要说明事项" not in {row.name for row in sheet.rows}


def test_the_hebei_placeholders_are_understood_and_no_row():
    sheet = read(lines_of("07_hebei_langfang_food_school_hvac_2019_partial.tsv"))
    assert sheet.year == 2019
    names = [row.name for row in sheet.rows]
    assert len(names) == 9 and not any(n in ("指标2", "……", "指标1") for n in names)
    assert sheet.unplaced == []


def test_the_hubei_checkbox_rows_and_the_20_point_weight():
    sheet = read(lines_of("09_hubei_huangshi_library_sharing_project_2022_partial.tsv"))
    assert sheet.year == 2022  # 2022年度共享工程项目自评表
    assert sheet.unit == "黄石市图书馆"  # 项目实施单位; 项目单位(盖章): never overrides it
    unplaced = [text for _line, text in sheet.unplaced]
    assert [t.split(" | ")[0] for t in unplaced[:3]] == ["项目类别", "项目属性", "项目类型"]
    assert not {row.name for row in sheet.rows} & {"项目类别", "项目属性", "项目类型"}
    levels = {row.level2 for row in sheet.rows}
    assert {"经济效益指标", "社会效益指标", "生态效益指标"} <= levels  # 经济效益, 环境效益 …


def test_funds_that_do_not_add_up_are_read_as_printed():
    sheet = read(lines_of("11_shanghai_putuo_yunnan_aid_2022_partial.tsv"))
    assert sheet.funds["appropriation"].annual == Decimal("0")
    assert sheet.funds["total"].executed == Decimal("9034")  # 9,034


# -- the layouts the sources really had ------------------------------------------------------


def _header_at(lines: list[list[str]], first: str) -> int:
    return next(i for i, cells in enumerate(lines) if cells and cells[0].startswith(first))


def _table(lines: list[list[str]]) -> tuple[int, list[str]]:
    at = _header_at(lines, "一级指标")
    return at, lines[at]


def _pad(lines: list[list[str]], width: int = 14) -> list[list[str]]:
    return [cells + [""] * (width - len(cells)) for cells in lines]


def split_target_columns(lines: list[list[str]]) -> list[list[str]]:
    """Yunnan: 年度指标值 printed as 指标性质 · 指标值 · 度量单位 (`≧` `735` `人次`)."""
    lines = _pad(lines)
    at, header = _table(lines)
    t = header.index("年度指标值")
    out = lines[:at]
    for cells in lines[at:]:
        if cells is header:
            parts = ["指标性质", "指标值", "度量单位"]
        else:
            match = re.fullmatch(
                r"(≧|≦|≥|≤|>=|<=|═|=|＞|＜|>|<)?(\d[\d,]*(?:\.\d+)?)?(.*)", cells[t]
            )
            op, number, unit = match.groups() if match else ("", "", cells[t])
            parts = [op or "", number or "", unit] if number else ["", cells[t], ""]
        out.append(cells[:t] + parts + cells[t + 1 :])
    return out


def weight_before_target(lines: list[list[str]]) -> list[list[str]]:
    """01, 06: 分值 printed before 年度指标值."""
    lines = _pad(lines)
    at, header = _table(lines)
    t = header.index("指标性质" if "指标性质" in header else "年度指标值")
    w = header.index("分值")
    out = lines[:at]
    for cells in lines[at:]:
        moved = cells[:t] + [cells[w]] + cells[t:w] + cells[w + 1 :]
        out.append(moved)
    return out


def ab_headers(lines: list[list[str]], weight: str) -> list[list[str]]:
    """`全年预算数(A) 全年执行数(B)` and no 年初 column; the 20/80 form: `预算数(A) 执行数(B)
    执行率(B/A) 得分(20分*执行率)` with no 分值 column (its weight only in the header)."""
    lines = _pad(lines)
    at = _header_at(lines, "项目资金")
    header = lines[at]
    i, w = header.index("年初预算数"), header.index("分值")
    twenty = weight == "20"
    drop = {i, w} if twenty else {i}
    names = {
        "全年预算数": "预算数(A)" if twenty else "全年预算数(A)",
        "全年执行数": "执行数(B)" if twenty else "全年执行数(B)",
        "执行率": "执行率(B/A)",
        "得分": "得分(20分*执行率)" if twenty else "得分",
    }
    for n in range(at, at + 5):
        cells = lines[n]
        if n == at:
            cells = [names.get(c, c) for c in cells]
        lines[n] = [c for k, c in enumerate(cells) if k not in drop]
    return lines


def extra_columns(lines: list[list[str]]) -> list[list[str]]:
    """A 指标类型 column between 三级指标 and 年度指标值, a 备注 column after the funds'
    得分, and an extra 未完成原因 column at the end of the table."""
    lines = _pad(lines)
    at, header = _table(lines)
    n = header.index("三级指标")
    out = []
    for k, cells in enumerate(lines):
        if k == at:
            cells = cells[: n + 1] + ["指标类型"] + cells[n + 1 : 9] + ["未完成原因"] + cells[9:]
        elif k > at:
            first = cells[n + 1][:1]
            kind = "定量" if cells[n] and first and first in "≧≥=═><" else ""
            cells = cells[: n + 1] + [kind] + cells[n + 1 :]
        out.append(cells)
    funds = _header_at(out, "项目资金")
    out[funds] = out[funds][:10] + ["备注"] + out[funds][10:]
    return out


def unit_on_its_own_line(lines: list[list[str]]) -> list[list[str]]:
    """The unit as a line under the title (`单位:元`), the funds label without it."""
    lines = [list(cells) for cells in lines]
    at = _header_at(lines, "项目资金")
    unit = "元" if "（元）" in lines[at][0] else "万元"
    lines[at][0] = "项目资金"
    title = next(i for i, cells in enumerate(lines) if "自评" in cells[0])
    return lines[: title + 1] + [[f"单位:{unit}", "", "主管部门(盖章):"]] + lines[title + 1 :]


def everything(lines: list[list[str]], expected: dict) -> list[list[str]]:
    if expected["initial"] is None:
        lines = ab_headers(lines, expected["budget_weight"])
    return unit_on_its_own_line(extra_columns(weight_before_target(split_target_columns(lines))))


LAYOUTS = {
    "split_target": lambda lines, expected: split_target_columns(lines),
    "weight_first": lambda lines, expected: weight_before_target(lines),
    "extra_columns": lambda lines, expected: extra_columns(lines),
    "unit_line": lambda lines, expected: unit_on_its_own_line(lines),
    "everything": everything,
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", FILES)
def test_each_real_sheet_in_each_derived_layout_reads_the_same_fields(name, layout):
    expected = FIELDS[name]
    original = read(lines_of(name))
    sheet = read(LAYOUTS[layout](lines_of(name), expected))
    check_fields(sheet, expected)
    assert sheet.amount_unit == UNITS[name]
    compare = ("level1", "level2", "name", "target", "actual", "weight", "score")
    assert [[getattr(r, f) for f in compare] for r in sheet.rows] == [
        [getattr(r, f) for f in compare] for r in original.rows
    ]


@pytest.mark.parametrize("name", [n for n in FILES if FIELDS[n]["initial"] is None])
def test_the_ab_headers_without_an_initial_column_read_the_same_fields(name):
    expected = FIELDS[name]
    sheet = read(ab_headers(lines_of(name), expected["budget_weight"]))
    check_fields(sheet, expected)
    if expected["budget_weight"] == "20":
        # The 20/80 form prints its weight only in the header: 得分(20分*执行率).
        assert sheet.header_budget_weight == Decimal("20")


def test_an_extra_column_is_reported_once_and_not_read():
    sheet = read(extra_columns(lines_of("04_shanghai_putuo_sports_centre_settlement_2022.tsv")))
    notes = [text for _line, text in sheet.unplaced]
    assert any("指标类型" in note for note in notes)
    assert all(row.target != "定量" for row in sheet.rows)


def test_the_split_target_columns_join_into_the_printed_target():
    lines = split_target_columns(lines_of("02_yunnan_yongde_nutrition_meals_2022.tsv"))
    at, header = _table(lines)
    assert header[3:6] == ["指标性质", "指标值", "度量单位"]
    assert lines[at + 1][3:6] == ["≧", "735", "人次"]
    assert read(lines).rows[0].target == "≧735人次"


def test_a_level_two_name_the_catalogue_lacks_is_no_indicator_name():
    """Hubei's 满意度 block: `满意度指标(10分) | 读者 | 在网络上设置读者满意度调查` (cut off)."""
    sheet = read(lines_of("09_hubei_huangshi_library_sharing_project_2022_partial.tsv"))
    assert "读者" not in {row.name for row in sheet.rows}
    assert sheet.unplaced[-1] == (30, "满意度指标(10分) | 读者 | 在网络上设置读者满意度调查")


def test_a_sub_row_printing_its_own_weight_and_score_is_reported_not_read():
    """Anhui: 年度资金总额 … 10 | 89.7% | 9, but 其中：当年财政拨款 … 10 | 89.7% | 8."""
    sheet = read(lines_of("13_anhui_luan_public_culture_system_2021_partial.tsv"))
    assert (sheet.budget_weight, sheet.printed_budget_score) == (Decimal("10"), Decimal("9"))
    assert sheet.unplaced == [(8, "其中：当年财政拨款 | 200 | 200 | 179.43 | 10 | 89.7% | 8")]
