"""Errors where they are, in the browser: a refused save names the row and the field, marks the
field, and puts the cursor in it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from projects.models import Sheet

PROJECT = "信息化运维项目"  # a draft of the demo's filler


def test_a_failed_save_focuses_the_bad_field(e2e_demo, page_for, live_server):
    sheet = Sheet.objects.get(project__name=PROJECT, year=2023)
    assert sheet.status == Sheet.Status.DRAFT
    page = page_for("filler")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    weight = page.locator("#id_rows-2-weight").input_value()
    page.locator("#id_rows-2-score").fill("1010")
    page.locator("#id_rows-0-reason").fill("保存失败也不能丢的偏差原因")
    page.locator("button[value=save]").click()

    summary = page.locator("#save-errors")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("第 3 行 · 得分")
    expect(summary).to_contain_text(f"得分 1010.00 高于分值 {float(weight):.2f}。")
    expect(summary.locator("a[href='#id_rows-2-score']")).to_have_count(1)

    score = page.locator("#id_rows-2-score")
    expect(score).to_be_focused()
    expect(score).to_have_value("1010")
    expect(score).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_rows-0-reason")).to_have_value("保存失败也不能丢的偏差原因")

    # The summary's link takes the cursor back to the field from anywhere on the page.
    page.locator("#id_rows-0-name").focus()
    summary.locator("a[href='#id_rows-2-score']").click()
    expect(score).to_be_focused()

    # Put right, the save goes through.
    score.fill(weight)
    page.locator("button[value=save]").click()
    expect(page.locator("#save-errors")).to_have_count(0)
    sheet.refresh_from_db()
    assert sheet.version == 2
