"""Bulk review and publication in the browser: the 审核人 bulk-approves the inbox, 财政 bulk-
approves the second tier, publishes one sheet, and the public page opens logged out, holding
the official sheet and nothing of the review."""

from __future__ import annotations

from playwright.sync_api import expect

from projects.models import Comment, Sheet

WAITING = ("人才大厦运行维护经费", "科创人才公共服务专项")  # the demo's two 已提交 sheets


def test_bulk_approve_publish_and_read_it_logged_out(e2e_demo, page_for, browser, live_server):
    sheets = [Sheet.objects.get(project__name=name, year=2023) for name in WAITING]
    Comment.objects.create(
        sheet=sheets[0], author=sheets[0].updated_by, body="内部审核意见：请核对"
    )
    Comment.objects.filter(sheet=sheets[0]).update(resolved_at="2026-01-01T00:00:00Z")

    # The 审核人 ticks every sheet of its inbox and approves them at once.
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/review/")
    page.check("#bulk-all")
    expect(page.locator("#bulk-count")).to_contain_text("已选 2 张")
    page.click("#bulk-approve")
    outcomes = page.locator("#bulk-outcomes tbody tr")
    expect(outcomes).to_have_count(2)
    for name in WAITING:
        expect(outcomes.filter(has_text=name)).to_contain_text("主管部门已审核")

    # 财政 does the same in the second tier (its queue also holds the demo's third sheet).
    page = page_for("finance")
    page.goto(f"{live_server.url}/review/")
    for name in WAITING:
        page.locator("#inbox tbody tr", has_text=name).locator("input[type=checkbox]").check()
    page.click("#bulk-approve")
    for name in WAITING:
        expect(page.locator("#bulk-outcomes tbody tr", has_text=name)).to_contain_text("已审核")
    assert {s.status for s in Sheet.objects.filter(pk__in=[s.pk for s in sheets])} == {"approved"}

    # 财政 publishes one of them from its page.
    page.goto(f"{live_server.url}{sheets[0].get_absolute_url()}")
    page.click("#publish-button")
    expect(page.locator("#published-badge")).to_be_visible()

    # Anyone, logged out, opens it: the official sheet, none of the review.
    context = browser.new_context(locale="zh-CN")
    public = context.new_page()
    response = public.goto(f"{live_server.url}/public/sheets/{sheets[0].pk}/")
    assert response.status == 200
    assert "set-cookie" not in {name.lower() for name in response.headers}
    expect(public.locator("body")).to_contain_text(WAITING[0])
    expect(public.locator("body")).to_contain_text("财政项目支出绩效自评表")
    expect(public.locator("body")).not_to_contain_text("内部审核意见")
    expect(public.locator("body")).not_to_contain_text("退出")  # no app navigation or user
    department = sheets[0].project.unit.department
    listed = public.goto(f"{live_server.url}/public/2023/departments/{department.pk}/")
    assert listed.status == 200
    expect(public.locator("body")).to_contain_text(WAITING[0])
    expect(public.locator("body")).not_to_contain_text(WAITING[1])  # not published
    assert public.goto(f"{live_server.url}/public/sheets/{sheets[1].pk}/").status == 404
    context.close()
