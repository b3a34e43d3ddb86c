"""The whole review loop in the browser: submit, comment on a row, return, answer, fix,
resubmit, see the diff, resolve, approve; 财政 approves in the second tier; then only a
reopening administrator unlocks it."""

from __future__ import annotations

from playwright.sync_api import expect

from projects.models import Sheet

ROW = 15  # 长效管理机制健全性 of 信息化运维项目


def test_the_whole_review_loop(e2e_demo, page_for, live_server):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    url = f"{live_server.url}{sheet.get_absolute_url()}"

    # The unit submits.
    page = page_for("filler")
    page.goto(url)
    page.click("text=提交审核")
    expect(page.locator("#sheet-status")).to_have_text("已提交")

    # The reviewer finds it in the inbox, comments on one row and returns the sheet.
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/review/")
    page.click("#inbox >> text=信息化运维项目")
    row = page.locator(f"#row-{ROW}")
    expect(row).to_contain_text("长效管理机制健全性")
    row.locator("details.comment-form summary").click()
    row.locator("details.comment-form textarea").fill("请说明长效管理机制具体缺什么，何时完善。")
    row.locator("details.comment-form button").click()
    expect(page.locator(f"#row-{ROW}")).to_contain_text("请说明长效管理机制具体缺什么")
    page.click("#return-button")
    expect(page.locator("#sheet-status")).to_have_text("已退回")

    # The unit sees the comment at that row, answers, fixes the row and resubmits.
    page = page_for("filler")
    page.goto(f"{live_server.url}/overview/")
    expect(page.locator("#state-returned")).to_contain_text("信息化运维项目")
    page.goto(url)
    row = page.locator(f"#row-{ROW}")
    expect(row).to_contain_text("请说明长效管理机制具体缺什么")
    row.locator("details.reply-form summary").click()
    row.locator("details.reply-form textarea").fill("已补充：缺少考核细则，2024年6月前印发。")
    row.locator("details.reply-form button").click()
    expect(page.locator(f"#row-{ROW}")).to_contain_text("已补充：缺少考核细则")
    page.click("text=填报 / 修改")
    reason = page.locator(f"#row-{ROW} textarea[name$='-reason']")
    reason.fill("长效管理机制还需进一步健全：缺少考核细则，2024年6月前印发")
    page.click("button[value=submit]")
    expect(page.locator("#sheet-status")).to_have_text("已提交")

    # The reviewer sees what changed beside the comment, resolves it and approves.
    page = page_for("reviewer")
    page.goto(url)
    expect(page.locator("#changes")).to_contain_text("缺少考核细则，2024年6月前印发")
    row = page.locator(f"#row-{ROW}")
    expect(row.locator(".change")).to_contain_text("偏差原因分析及改进措施")
    expect(row.locator(".thread")).to_contain_text("请说明长效管理机制具体缺什么")
    row.locator(".js-resolve").click()
    expect(page.locator(f"#row-{ROW} .thread")).to_contain_text("已解决")
    expect(page.locator("#approve-button")).to_have_text("审核通过，报财政复核")
    asked = []

    def confirm(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.click("#approve-button")
    expect(page.locator("#sheet-status")).to_have_text("主管部门已审核")
    assert asked == ["确认审核通过？通过后该表不能再修改。"]  # 审核通过 asks first

    # 2023 is reviewed in two tiers: 财政 finds it in its inbox and approves it.
    page = page_for("finance")
    page.goto(f"{live_server.url}/review/")
    page.click("#inbox >> text=信息化运维项目")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#approve-button")
    expect(page.locator("#sheet-status")).to_have_text("已审核")

    # Approved: nobody edits it, until an administrator reopens it.
    for user in ("filler", "reviewer", "finance", "admin"):
        page = page_for(user)
        page.goto(url)
        expect(page.locator("text=填报 / 修改")).to_have_count(0)
        response = page.goto(f"{url}edit/")
        assert response.status == 403
    page.goto(url)
    page.fill("#reopen-comment", "财政局抽查发现分值需调整，重新打开。")
    page.click("text=重新打开 >> nth=-1")
    expect(page.locator("#sheet-status")).to_have_text("已退回")
    page = page_for("filler")
    page.goto(url)
    expect(page.locator("text=填报 / 修改")).to_have_count(1)
    sheet.refresh_from_db()
    assert sheet.status == Sheet.Status.RETURNED
    assert [t.to_status for t in sheet.transitions.all()] == [
        "submitted",
        "returned",
        "submitted",
        "dept_approved",
        "approved",
        "returned",
    ]
