"""Rows grouped as the form groups them (docs/rules.md §2.1, issue 16 item 6): whatever order the
editor posts, an import reads or last year's sheet holds, the rows are stored grouped, so each
二级指标 is one block on the sheet page, in the PDF and in the Excel file; a sheet on record
that is not grouped still prints, with a warning, and its next save groups it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime

from django.db.models import F
from django.urls import reverse

from indicators.findings import Code
from indicators.grouping import is_grouped, place_of, runs
from projects import figures
from projects.exports.pdf import sheet_html
from projects.exports.xlsx import sheet_workbook
from projects.imports.services import preview_input, save_parsed
from projects.imports.text_reader import parse_text
from projects.models import Indicator, Sheet, rule_set_for
from projects.sheets.services import sheet_create
from tests.helpers import edit_url, form_data, logged_in, sheet_of, view_of

EXPORTED_AT = datetime(2024, 5, 6, 14, 30)
PROJECT = "政府聘用辅助人员经费"  # 12 rows, a draft of the filler's unit
# Its rows as the seed stores them: 0 数量 · 1–2 质量 · 3–4 时效 · 5–6 社会效益 ·
# 7–10 可持续影响 · 11 服务对象满意度.


def stored(sheet: Sheet) -> list[tuple[str, str]]:
    """(三级指标, 二级指标) of the stored rows, in their order."""
    rows = Indicator.objects.filter(sheet=sheet).select_related("level2").order_by("position")
    return [(row.name, row.level2.name if row.level2 else "") for row in rows]


def blocks(view) -> list[str]:
    """The level-2 blocks the view prints (a merged cell each), top to bottom."""
    return [row.level2 for row in view.rows if row.level2_span]


def assert_one_block_per_level2(view) -> None:
    printed = blocks(view)
    assert len(printed) == len(set(printed)), printed
    level1s = [row.level1 for row in view.rows if row.level1_span]
    assert len(level1s) == len(set(level1s)), level1s


def scatter(sheet: Sheet, order: list[int]) -> None:
    """Store the sheet's rows in another order, as a sheet saved before the rule might be
    (positions are unique: out of the way first), and refresh its stored figures."""
    rows = list(Indicator.objects.filter(sheet=sheet).order_by("position"))
    Indicator.objects.filter(sheet=sheet).update(position=F("position") + 10_000)
    for position, index in enumerate(order):
        Indicator.objects.filter(pk=rows[index].pk).update(position=position)
    figures.store(sheet_of(sheet.project.name))


SCATTERED = [0, 1, 3, 4, 2, 5, 6, 7, 8, 9, 10, 11]  # a 质量 row moved after the 时效 rows


# -- the editor's save ---------------------------------------------------------------------


def test_a_posted_order_that_splits_a_group_is_saved_grouped(filler):
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    before = stored(sheet)
    data = form_data(client.get(edit_url(sheet)))
    # The 满意度 row first, the 数量 row last, a 质量 row between the 社会效益 rows.
    data["rows-11-ORDER"] = "0"
    data["rows-0-ORDER"] = "99"
    data["rows-1-ORDER"] = "6"
    data["rows-5-ORDER"] = "6"

    assert client.post(edit_url(sheet), {**data, "action": "save"}).status_code == 302

    after = stored(sheet)
    assert sorted(after) == sorted(before)
    assert [level2 for level2, _start in runs([l2 for _n, l2 in after])] == [
        "数量指标",
        "质量指标",
        "时效指标",
        "社会效益指标",
        "可持续影响指标",
        "服务对象满意度指标",
    ]
    # Within a group the clerk's order stands: row 2 now comes before row 1 (ORDER 3 < 6).
    assert [name for name, level2 in after if level2 == "质量指标"] == [before[2][0], before[1][0]]
    view = view_of(sheet)
    assert_one_block_per_level2(view)
    assert not [f for f in view.findings if f.code == Code.ROWS_NOT_GROUPED]


def test_a_row_given_another_level2_is_saved_in_that_group(filler):
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    data = form_data(client.get(edit_url(sheet)))
    name = data["rows-11-name"]
    data["rows-11-level2"] = data["rows-1-level2"]  # 满意度's row becomes a 质量指标

    assert client.post(edit_url(sheet), {**data, "action": "save"}).status_code == 302

    after = stored(sheet)
    # It follows the two 质量 rows it came after in the clerk's order.
    assert after[3] == (name, "质量指标")
    assert_one_block_per_level2(view_of(sheet))


def test_saving_leaves_the_totals_as_they_were(filler):
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    before = view_of(sheet)
    data = form_data(client.get(edit_url(sheet)))
    data["rows-11-ORDER"] = "0"

    assert client.post(edit_url(sheet), {**data, "action": "save"}).status_code == 302

    after = view_of(sheet)
    assert (after.total_text, after.weight_total_text, after.grade) == (
        before.total_text,
        before.weight_total_text,
        before.grade,
    )


def test_the_editor_refuses_a_stranger_a_reviewer_and_another_method(
    filler, filler_other, reviewer
):
    sheet = sheet_of(PROJECT)
    data = form_data(logged_in(filler).get(edit_url(sheet)))
    data["rows-11-ORDER"] = "0"
    assert logged_in(filler_other).post(edit_url(sheet), data).status_code == 404
    assert logged_in(reviewer).post(edit_url(sheet), data).status_code == 403
    assert logged_in(filler).put(edit_url(sheet)).status_code == 405
    assert stored(sheet_of(PROJECT))[0][1] == "数量指标"


# -- imports and copies ----------------------------------------------------------------------


def scattered_paste(seed_text: str):
    """The seed's sheet of PROJECT as pasted, renamed, with its rows in a scattered order."""
    parsed = next(s for s in parse_text(seed_text).sheets if s.project == PROJECT)
    rows = [parsed.rows[i] for i in [11, 0, 1, 5, 2, 3, 4, 6, 7, 8, 9, 10]]
    return dataclasses.replace(parsed, project="分组导入测试项目", rows=rows)


def test_an_imported_sheet_is_saved_grouped_and_its_preview_shows_that_order(seed, seed_text):
    parsed = scattered_paste(seed_text)
    assert runs([row.level2 for row in parsed.rows])[0][0] == "服务对象满意度指标"

    outcome = save_parsed(parsed, year=2023)

    assert outcome.action == "created"
    levels = [level2 for _name, level2 in stored(outcome.sheet)]
    assert levels[0] == "数量指标" and levels[-1] == "服务对象满意度指标"
    assert len(runs(levels)) == len(set(levels))
    view = view_of(outcome.sheet)
    assert_one_block_per_level2(view)
    preview = preview_input(parsed, rule_set=rule_set_for(outcome.sheet))
    assert [row.name for row in preview.indicators] == [name for name, _ in stored(outcome.sheet)]


def test_importing_the_same_scattered_sheet_again_changes_nothing(seed, seed_text):
    parsed = scattered_paste(seed_text)
    first = save_parsed(parsed, year=2023)
    again = save_parsed(parsed, year=2023)
    assert again.action == "unchanged"
    assert again.sheet.pk == first.sheet.pk


def test_a_copy_of_a_scattered_sheet_of_last_year_is_grouped(filler):
    last_year = sheet_of(PROJECT)
    scatter(last_year, SCATTERED)
    assert not is_grouped(
        [place_of(r.level1, r.level2) for r in sheet_of(PROJECT).indicators.all()]
    )

    copy = sheet_create(
        unit=last_year.project.unit,
        project_name=PROJECT,
        year=last_year.year + 1,
        user=filler,
        copy_from=sheet_of(PROJECT),
    )

    levels = [level2 for _name, level2 in stored(copy)]
    assert len(runs(levels)) == len(set(levels)) == 6
    assert Counter(stored(copy)) == Counter(stored(last_year))
    assert_one_block_per_level2(view_of(copy))


# -- sheets on record ------------------------------------------------------------------------


def test_every_seed_sheet_is_already_grouped_and_has_no_warning(seed_sheets):
    for sheet in seed_sheets:
        full = sheet_of(sheet.project.name)
        assert is_grouped([place_of(r.level1, r.level2) for r in full.indicators.all()])
        assert not [f for f in view_of(full).findings if f.code == Code.ROWS_NOT_GROUPED]


def test_a_scattered_sheet_on_record_still_prints_with_a_warning_on_its_stray_row(
    filler, client_for
):
    sheet = sheet_of(PROJECT)
    before = view_of(sheet)
    scatter(sheet, SCATTERED)

    view = view_of(sheet)
    [warning] = [f for f in view.findings if f.code == Code.ROWS_NOT_GROUPED]
    assert warning.row == 4 and warning.params == {"levels": "质量指标"}
    assert "质量指标的指标行不相邻" in warning.message
    # The figures do not depend on the order.
    assert (view.total_text, view.grade) == (before.total_text, before.grade)
    assert blocks(view).count("质量指标") == 2
    # It prints as stored: the PDF's HTML and the sheet page show the two blocks.
    html = sheet_html(view)
    assert html.count('data-level="2" rowspan="1">质量指标<') == 2
    page = logged_in(filler).get(reverse("projects:sheet-detail", args=[sheet.pk]))
    assert page.status_code == 200
    assert "指标行不相邻" in page.content.decode()


def test_the_next_save_of_a_scattered_sheet_groups_it(filler):
    sheet = sheet_of(PROJECT)
    scatter(sheet, SCATTERED)
    client = logged_in(filler)
    editor = client.get(edit_url(sheet))
    # The editor says so above the rows (shown by its script when the rows are not grouped).
    assert 'id="row-group-warning"' in editor.content.decode()

    assert client.post(edit_url(sheet), {**form_data(editor), "action": "save"}).status_code == 302

    view = view_of(sheet)
    assert_one_block_per_level2(view)
    assert not [f for f in view.findings if f.code == Code.ROWS_NOT_GROUPED]


# -- what prints ---------------------------------------------------------------------------


def saved_scattered(filler) -> Sheet:
    """PROJECT saved through the editor from a posted order that scatters three groups."""
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    data = form_data(client.get(edit_url(sheet)))
    data.update({"rows-11-ORDER": "0", "rows-0-ORDER": "99", "rows-1-ORDER": "6"})
    assert client.post(edit_url(sheet), {**data, "action": "save"}).status_code == 302
    return sheet_of(PROJECT)


def test_the_pdf_prints_one_merged_cell_per_level2(filler):
    view = view_of(saved_scattered(filler))
    html = sheet_html(view)
    for level2, count in Counter(row.level2 for row in view.rows).items():
        assert html.count(f'data-level="2" rowspan="{count}">{level2}<') == 1, level2
    assert html.count('data-level="1" ') == 3


def test_the_excel_file_merges_one_range_per_level2(filler):
    view = view_of(saved_scattered(filler))
    ws = sheet_workbook([(view, view.status_label)], exported_at=EXPORTED_AT).worksheets[0]
    first = next(r for r in range(1, ws.max_row + 1) if ws[f"C{r}"].value == view.rows[0].name)
    last = first + len(view.rows) - 1
    names = [ws[f"B{r}"].value for r in range(first, last + 1) if ws[f"B{r}"].value]
    assert sorted(names) == sorted(set(row.level2 for row in view.rows))
    merged = [
        str(cell_range)
        for cell_range in ws.merged_cells.ranges
        if cell_range.min_col == 2 and first <= cell_range.min_row <= last
    ]
    counts = Counter(row.level2 for row in view.rows)
    assert len(merged) == sum(1 for count in counts.values() if count > 1)
    for cell_range in merged:
        top = int(cell_range.split(":")[0][1:])
        bottom = int(cell_range.split(":")[1][1:])
        assert bottom - top + 1 == counts[ws[f"B{top}"].value]
