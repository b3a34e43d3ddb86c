"""The editor's keyboard and leaving, in the browser: Enter in a single-line field moves to the
next field and never submits; Ctrl+Enter inserts a row below; "=" takes the suggested score;
Ctrl+S saves; leaving with unsaved changes asks first."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from projects.models import Sheet

PROJECT = "信息化运维项目"  # a draft of the demo's filler


def draft() -> Sheet:
    sheet = Sheet.objects.get(project__name=PROJECT, year=2023)
    assert sheet.status == Sheet.Status.DRAFT
    return sheet


def open_editor(page_for, live_server, sheet):
    page = page_for("filler")
    url = f"{live_server.url}/sheets/{sheet.pk}/edit/"
    page.goto(url)
    expect(page.locator("#sheet-form")).to_be_visible()
    return page, url


def test_enter_does_not_submit_and_moves_to_the_next_field(e2e_demo, page_for, live_server):
    sheet = draft()
    page, url = open_editor(page_for, live_server, sheet)
    name = page.locator("#id_project_name")
    name.click()
    name.press("End")
    page.keyboard.type("（二期）")
    page.keyboard.press("Enter")
    # Focus went on to the next field (the unit select), the form was not posted.
    expect(page.locator("#id_amount_unit")).to_be_focused()
    first = page.locator("#rows-body tr.indicator-row").first
    weight = first.locator("input[name$='-weight']")
    weight.click()
    page.keyboard.press("Enter")
    expect(first.locator("input[name$='-score']")).to_be_focused()
    page.wait_for_timeout(500)
    assert page.url == url
    expect(name).to_have_value(f"{sheet.project.name}（二期）")
    unchanged = Sheet.objects.select_related("project").get(pk=sheet.pk)
    assert (unchanged.version, unchanged.project.name) == (sheet.version, PROJECT)
    # In a textarea Enter stays a line break.
    goal = page.locator("#id_goal_expected")
    goal.fill("第一行")
    goal.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("第二行")
    expect(goal).to_have_value("第一行\n第二行")
    assert page.url == url


def test_leaving_with_changes_asks_and_ctrl_s_saves(e2e_demo, page_for, live_server):
    sheet = draft()
    version = sheet.version
    page, url = open_editor(page_for, live_server, sheet)
    page.locator("#id_goal_achieved").fill("已完成全年运维任务。")
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    # Leaving is asked first; staying keeps the page and what was typed.
    with pytest.raises(PlaywrightError):  # the dismissed prompt cancels the navigation
        page.goto(f"{live_server.url}/sheets/", timeout=5_000)
    assert dialogs == ["beforeunload"]
    assert page.url == url
    expect(page.locator("#id_goal_achieved")).to_have_value("已完成全年运维任务。")
    assert Sheet.objects.get(pk=sheet.pk).version == version

    # Ctrl+S saves the draft: a new version, no prompt (the submit clears the change flag).
    page.locator("#id_goal_achieved").focus()
    with page.expect_navigation():
        page.keyboard.press("Control+s")
    saved = Sheet.objects.get(pk=sheet.pk)
    assert saved.version == version + 1
    assert saved.goal_achieved == "已完成全年运维任务。"
    assert dialogs == ["beforeunload"]

    # Saved and unchanged: leaving asks nothing.
    page.goto(f"{live_server.url}/sheets/")
    assert page.url == f"{live_server.url}/sheets/"
    assert dialogs == ["beforeunload"]


def test_discarding_a_kept_draft_reloads_without_asking(e2e_demo, page_for, live_server):
    sheet = draft()
    page, url = open_editor(page_for, live_server, sheet)
    original = page.locator("#id_goal_achieved").input_value()
    page.locator("#id_goal_achieved").fill("未保存的输入")
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", accept)
    # Reloading with changes asks; accepted, the input is kept in this tab and offered back.
    page.reload()
    assert dialogs == ["beforeunload"]
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("#id_goal_achieved")).to_have_value("未保存的输入")
    # Discarding it on purpose reloads the saved sheet without a second prompt.
    page.click("#draft-discard")
    expect(page.locator("#draft-restored")).to_have_count(0)
    expect(page.locator("#id_goal_achieved")).to_have_value(original)
    assert dialogs == ["beforeunload"]
    assert page.url == url


def test_ctrl_enter_inserts_a_row_below_and_equals_takes_the_suggested_score(
    e2e_demo, page_for, live_server
):
    sheet = draft()
    page, _url = open_editor(page_for, live_server, sheet)
    rows = page.locator("#rows-body tr.indicator-row")
    before = rows.count()
    third = rows.nth(2)
    group = third.locator("select[name$='-level2']").input_value()
    third.locator("input[name$='-name']").click()
    page.keyboard.press("Control+Enter")
    expect(rows).to_have_count(before + 1)
    new = rows.nth(3)
    # Below the row, in its 二级, numbered 4, the cursor in it; the old fourth row is fifth.
    assert new.locator("input[name$='-row_id']").input_value() == ""
    assert new.locator("select[name$='-level2']").input_value() == group
    expect(new.locator(".rownum")).to_have_text("4")
    expect(new.locator("select[name$='-level2']")).to_be_focused()
    # The ＋ button does the same.
    rows.nth(0).locator(".js-insert").click()
    expect(rows).to_have_count(before + 2)
    assert rows.nth(1).locator("input[name$='-row_id']").input_value() == ""

    # "=" in a 得分 field takes the row's suggested score, and the total follows.
    target = None
    for i in range(rows.count()):
        cell = rows.nth(i).locator(".calc .suggested .explain")
        if cell.count():
            target = (rows.nth(i), cell.inner_text().strip())
            break
    assert target is not None
    row, suggested = target
    assert suggested != "0.00"
    score = row.locator("input[name$='-score']")
    score.fill("0")
    total = page.locator("#live-total")
    expect(total).not_to_have_text("")
    page.wait_for_timeout(800)  # the live total of the zeroed score
    zeroed = total.inner_text()
    score.press("=")
    expect(score).to_have_value(suggested)
    expect(total).not_to_have_text(zeroed)
