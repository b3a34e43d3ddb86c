"""Rows grouped as the form groups them, in the browser (docs/rules.md §2.1): a new row given a
known indicator's name takes its usual 二级指标 and moves into that group at once, the focus
stays where the clerk types, a polite note says where the row went, ↓ stops at the group's
edge, the live total still follows, and the save keeps the order shown."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F
from playwright.sync_api import expect

from projects.models import Indicator
from tests.helpers import sheet_of, view_of

PROJECT = "政府聘用辅助人员经费"  # 12 rows: 数量 · 质量 ×2 · 时效 ×2 · … · 服务对象满意度 last
KNOWN = "政府聘用服务人员资质达标率"  # a 质量指标 row of the sheet: a known indicator


def test_a_known_indicator_typed_into_a_new_row_moves_it_into_its_group(
    e2e_demo, page_for, live_server
):
    sheet = sheet_of(PROJECT)
    view = view_of(sheet)
    assert [row.level2 for row in view.rows][-1] == "服务对象满意度指标"
    page = page_for("filler")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    rows = page.locator("#rows-body tr.indicator-row:visible")
    expect(rows).to_have_count(12)
    expect(page.locator("#row-group-warning")).to_be_hidden()

    # A new row takes the 二级指标 of the row above it: the last group's.
    page.click("#add-row")
    expect(rows).to_have_count(13)
    new = rows.nth(12)
    expect(new.locator("select[name$='-level2'] option:checked")).to_have_text("服务对象满意度指标")
    name = new.locator("input[name$='-name']")
    name.fill(KNOWN)
    name.press("Tab")

    # Its usual 二级指标 is set and the row joins the 质量指标 rows (now the 4th row).
    moved = rows.nth(3)
    expect(moved.locator("input[name$='-name']")).to_have_value(KNOWN)
    expect(moved.locator("select[name$='-level2'] option:checked")).to_have_text("质量指标")
    expect(moved.locator(".rownum")).to_have_text("4")
    expect(page.locator("#row-group-note")).to_have_text(
        "第 13 行已移到“质量指标”一组，现为第 4 行。"
    )
    # The focus went on with the clerk's Tab, inside the moved row.
    assert page.evaluate(
        "() => document.activeElement.closest('tr') === document.querySelectorAll("
        "'#rows-body tr.indicator-row')[3]"
    )
    # The known target came with it.
    expect(moved.locator("select[name$='-target_operator']")).to_have_value("=")

    # ↓ on the last 质量指标 row would leave the group: it stays and says why.
    down = moved.locator(".js-down")
    expect(down).to_have_attribute("aria-disabled", "true")
    down.focus()
    page.keyboard.press("Enter")
    expect(rows.nth(3).locator("input[name$='-name']")).to_have_value(KNOWN)
    expect(page.locator("#row-group-note")).to_contain_text("已是“质量指标”的最后一行")

    # The live total still follows what is typed in the moved row.
    moved.locator("input[name$='-actual_number']").fill("100")
    moved.locator("input[name$='-weight']").fill("5")
    moved.locator("input[name$='-score']").fill("5")
    expect(page.locator("#live-total")).to_have_text(f"{view.total + Decimal('5'):.2f}")

    # Saved in the order shown.
    page.click("button[name=action][value=save]")
    expect(page.locator(".alert-success")).to_be_visible()
    stored = list(
        Indicator.objects.filter(sheet=sheet)
        .order_by("position")
        .values_list("name", "level2__name")
    )
    assert stored[3] == (KNOWN, "质量指标")
    assert [level2 for _name, level2 in stored][-1] == "服务对象满意度指标"


def test_choosing_another_level2_moves_the_row_and_a_chosen_level2_stays(
    e2e_demo, page_for, live_server
):
    sheet = sheet_of(PROJECT)
    page = page_for("filler")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    rows = page.locator("#rows-body tr.indicator-row:visible")
    expect(rows).to_have_count(12)
    last = rows.nth(11)
    name = last.locator("input[name$='-name']").input_value()

    # The clerk chooses 数量指标 for the last row: it moves to the end of the 数量 group.
    level2 = last.locator("select[name$='-level2']")
    level2.focus()
    level2.select_option(label="数量指标")
    first_group = rows.nth(1)
    expect(first_group.locator("input[name$='-name']")).to_have_value(name)
    assert page.evaluate("() => (document.activeElement.name || '').endsWith('-level2')")

    # A known name typed over it now keeps the 二级指标 the clerk chose.
    first_group.locator("input[name$='-name']").fill(KNOWN)
    first_group.locator("input[name$='-name']").press("Tab")
    expect(rows.nth(1).locator("select[name$='-level2'] option:checked")).to_have_text("数量指标")


def test_a_scattered_sheet_on_record_is_pointed_out_and_grouped_on_request(
    e2e_demo, page_for, live_server
):
    sheet = sheet_of(PROJECT)
    rows_on_record = list(Indicator.objects.filter(sheet=sheet).order_by("position"))
    # Stored before the rule: a 质量指标 row after the 时效指标 rows (positions out of the way
    # first, as they are unique).
    order = [0, 1, 3, 4, 2, *range(5, 12)]
    Indicator.objects.filter(sheet=sheet).update(position=F("position") + 10_000)
    for position, index in enumerate(order):
        Indicator.objects.filter(pk=rows_on_record[index].pk).update(position=position)
    page = page_for("filler")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    warning = page.locator("#row-group-warning")
    expect(warning).to_be_visible()
    expect(page.locator("#live-findings")).to_contain_text("质量指标的指标行不相邻")
    rows = page.locator("#rows-body tr.indicator-row:visible")
    expect(rows.nth(4).locator("input[name$='-name']")).to_have_value(rows_on_record[2].name)

    page.click("#regroup-now")
    expect(warning).to_be_hidden()
    expect(rows.nth(2).locator("input[name$='-name']")).to_have_value(rows_on_record[2].name)
    expect(page.locator("#row-group-note")).to_have_text("已按一级、二级指标归组。")
    # The live check follows the order shown: no warning left.
    expect(page.locator("#live-findings")).not_to_contain_text("指标行不相邻")
