"""财政 in the browser, the year at a glance: from the dashboard follow a chart to its sheets and a
report line to its row; draw a re-check sample, re-score a row and see the deviation report."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from projects.models import ReCheck, ReCheckRow, Sheet

APPROVED = "上海市流动人才党员服务管理专项"  # the demo's sheet approved at both tiers


def test_finance_follows_the_dashboard_and_the_report_and_rechecks_a_sheet(
    e2e_demo, page_for, live_server
):
    page = page_for("finance")

    # The dashboard is 财政's landing page; the 已提交 bar of the review chart leads to the
    # two submitted sheets.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/dashboard/"))
    expect(page.locator("h1")).to_contain_text("2023")
    page.locator("svg.chart-stacked a[href*='status=submitted']").click()
    expect(page).to_have_url(re.compile(r"/sheets/\?.*status=submitted"))
    submitted = Sheet.objects.filter(status="submitted", year=2023).order_by("pk")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(submitted.count())
    for sheet in submitted:
        expect(page.locator("table tbody")).to_contain_text(sheet.project.name)

    # The cross-sheet report: a line whose reason contradicts its actual value leads to its row.
    page.goto(f"{live_server.url}/checks/?year=2023&kind=reason_contradicts_actual")
    line = page.locator("a[href*='#row-']").first
    target = line.get_attribute("href")
    line.click()
    anchor = target.split("#", 1)[1]
    expect(page).to_have_url(re.compile(rf"/sheets/\d+/#{anchor}$"))
    expect(page.locator(f"#{anchor}")).to_be_visible()

    # Re-check: draw one approved sheet at random with a recorded seed, cut a row by 2 points.
    page.goto(f"{live_server.url}/rechecks/")
    form = page.locator("#draw-random")
    form.locator("input[name=title]").fill("2023 年度抽查复核")
    form.locator("input[name=size]").fill("1")
    form.locator("input[name=seed]").fill("2026")
    form.locator("button[type=submit]").click()
    expect(page.locator("#sample")).to_contain_text(APPROVED)
    recheck = ReCheck.objects.get()
    assert recheck.seed == 2026
    page.locator("#sample a", has_text="复核评分").click()
    row = (
        ReCheckRow.objects.filter(
            recheck_sheet__recheck=recheck, is_budget=False, self_score__gte=5
        )
        .order_by("position")
        .first()
    )
    page.fill(f"#score-{row.pk}", str(row.self_score - 2))
    page.fill(f"textarea[name=note-{row.pk}]", "佐证材料不足，扣 2 分。")
    page.click("text=保存复核得分")
    page.goto(f"{live_server.url}/rechecks/{recheck.pk}/")
    expect(page.locator("#sample")).to_contain_text("-2.00")
    expect(page.locator("#by-unit")).to_contain_text("上海市人才服务中心")
    expect(page.locator("#by-unit")).to_contain_text("-2.00")
    # The unit's sheet is untouched: the re-check score lives on the re-check's own row.
    row.indicator.refresh_from_db()
    assert row.indicator.score == row.self_score
    assert ReCheckRow.objects.get(pk=row.pk).recheck_score == row.self_score - 2
