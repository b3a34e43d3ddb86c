"""The unit's clerk in the browser at 1366×768: 新建 proposes the reporting year (the open task's),
and a draft can be deleted after a confirmation (its task item back to 未开始), a submitted
sheet never."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from projects.models import Sheet

DRAFT = "信息化运维项目"  # a demo draft in the 2023 task
SUBMITTED = "人才大厦运行维护经费"  # 已提交 in the demo


def test_a_new_sheet_proposes_the_open_tasks_year(e2e_demo, page_for, live_server):
    page = page_for("filler")
    page.goto(f"{live_server.url}/sheets/new/")
    # The unit's sheets are of 2023 and its open task is 2023: not "the latest sheet + 1".
    expect(page.locator("[name=year]")).to_have_value("2023")


def test_a_draft_is_deleted_after_confirming_and_a_submitted_sheet_never(
    e2e_demo, page_for, live_server
):
    draft = Sheet.objects.get(project__name=DRAFT, year=2023)
    page = page_for("filler")
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    page.click("#delete-draft")
    expect(page).to_have_url(re.compile(rf"/sheets/{draft.pk}/delete/$"))
    expect(page.locator("body")).to_contain_text("删除后无法恢复")
    expect(page.locator("body")).to_contain_text("未开始")  # its task item goes back
    page.click("#confirm-delete")
    expect(page).to_have_url(re.compile(r"/overview/$"))
    assert not Sheet.objects.filter(pk=draft.pk).exists()
    page.goto(f"{live_server.url}/tasks/")
    row = page.locator("#unit-tasks tbody tr", has_text=DRAFT)
    expect(row).to_contain_text("未开始")
    expect(row.locator("button")).to_have_text("开始填报")

    submitted = Sheet.objects.get(project__name=SUBMITTED, year=2023)
    page.goto(f"{live_server.url}{submitted.get_absolute_url()}")
    expect(page.locator("#delete-draft")).to_have_count(0)
    assert page.goto(f"{live_server.url}/sheets/{submitted.pk}/delete/").status == 403
    assert Sheet.objects.filter(pk=submitted.pk).exists()
