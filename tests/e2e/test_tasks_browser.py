"""财政 in the browser: issue a year's task for two units with a deadline, see it in a unit's
task list, take a sheet through both tiers of review with one 财政 return between, and see
the late unit marked."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from projects.models import EvaluationTask, Sheet

PROJECT = "信息化运维项目"


def test_finance_issues_a_task_reviews_in_the_second_tier_and_sees_the_late_unit(
    e2e_demo, page_for, live_server
):
    today = timezone.localdate()

    # 财政 issues the 2024 task for two units, due in ten days.
    page = page_for("finance")
    page.goto(f"{live_server.url}/tasks/")
    page.click("text=下达任务")
    page.fill("#id_title", "2024 年度项目支出绩效自评")
    page.fill("#id_year", "2024")
    page.fill("#id_deadline", (today + timedelta(days=10)).isoformat())
    page.select_option(
        "#id_units",
        label=[
            "上海市人力资源和社会保障局 / 上海市人才服务中心",
            "上海市民政局 / 上海市社会福利中心",
        ],
    )
    page.click("button:has-text('下达任务')")
    expect(page.locator("h1")).to_contain_text("2024 年度项目支出绩效自评")
    task = EvaluationTask.objects.get(year=2024)
    assert {item.unit.name for item in task.items.all()} == {
        "上海市人才服务中心",
        "上海市社会福利中心",
    }
    # 上海市民政局's own deadline has already passed: its unit has not started, so it is late.
    page.select_option("#id_department", label="上海市民政局")
    page.fill("#id_deadline", (today - timedelta(days=2)).isoformat())
    page.click("text=设置部门截止日期")
    late_row = page.locator("#task-progress tbody tr", has_text="上海市社会福利中心")
    expect(late_row).to_contain_text("逾期")
    expect(late_row).to_have_class("table-danger")
    on_time = page.locator("#task-progress tbody tr", has_text="上海市人才服务中心")
    expect(on_time).not_to_contain_text("逾期")

    # The unit sees the new task in its list, ten days left, and starts a sheet from it.
    page = page_for("filler")
    page.goto(f"{live_server.url}/tasks/")
    row = page.locator("#unit-tasks tbody tr", has_text="2024 年度项目支出绩效自评").filter(
        has_text=PROJECT
    )
    expect(row).to_contain_text("还剩 10 天")
    row.locator("button:has-text('开始填报')").click()
    expect(page).to_have_url(
        f"{live_server.url}/sheets/{Sheet.objects.get(project__name=PROJECT, year=2024).pk}/edit/"
    )

    # The 2023 sheet of the same project goes through both tiers, with one 财政 return.
    sheet = Sheet.objects.get(project__name=PROJECT, year=2023)
    url = f"{live_server.url}{sheet.get_absolute_url()}"
    page.goto(url)
    page.click("text=提交审核")
    expect(page.locator("#sheet-status")).to_have_text("已提交")

    reviewer = page_for("reviewer")
    reviewer.goto(url)
    reviewer.once("dialog", lambda dialog: dialog.accept())  # 审核通过 asks first
    reviewer.click("#approve-button")
    expect(reviewer.locator("#sheet-status")).to_have_text("主管部门已审核")

    finance = page_for("finance")
    finance.goto(f"{live_server.url}/review/")
    finance.click(f"#inbox >> text={PROJECT}")
    finance.fill("#return-comment", "请补充运维合同的验收依据后重新报送。")
    finance.click("#return-button")
    expect(finance.locator("#sheet-status")).to_have_text("已退回")

    page.goto(url)
    expect(page.locator("#timeline")).to_contain_text("请补充运维合同的验收依据后重新报送。")
    page.click("text=提交审核")
    expect(page.locator("#sheet-status")).to_have_text("已提交")  # the 主管部门 first again
    reviewer.goto(url)
    reviewer.once("dialog", lambda dialog: dialog.accept())  # 审核通过 asks first
    reviewer.click("#approve-button")
    expect(reviewer.locator("#sheet-status")).to_have_text("主管部门已审核")
    finance.goto(url)
    expect(finance.locator("#approve-button")).to_have_text("财政复核通过")
    finance.once("dialog", lambda dialog: dialog.accept())
    finance.click("#approve-button")
    expect(finance.locator("#sheet-status")).to_have_text("已审核")

    sheet.refresh_from_db()
    assert [(t.user.username, t.to_status) for t in sheet.transitions.order_by("pk")] == [
        ("filler", "submitted"),
        ("reviewer", "dept_approved"),
        ("finance", "returned"),
        ("filler", "submitted"),
        ("reviewer", "dept_approved"),
        ("finance", "approved"),
    ]
    # The 2023 task counts it approved; the late unit is still marked on the 2024 task.
    finance.goto(f"{live_server.url}/tasks/{task.pk}/")
    expect(finance.locator("#task-progress tbody tr.table-danger")).to_contain_text(
        "上海市社会福利中心"
    )
