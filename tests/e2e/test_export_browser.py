"""Batch exports in the browser: start one, watch it finish, download it."""

from __future__ import annotations

from playwright.sync_api import expect


def test_a_reviewer_exports_the_departments_pdfs_and_downloads_them(e2e_demo, login, live_server):
    page = login("reviewer")
    page.click("text=导出与汇总")
    page.select_option("#id_kind", "pdf_zip")
    page.select_option("#id_year", "2023")
    page.click("text=开始导出")
    row = page.locator("#jobs tbody tr").first
    expect(row).to_contain_text("已完成", timeout=60_000)
    expect(row.locator(".progress-bar")).to_have_text("11/11")
    with page.expect_download() as download:
        row.locator("text=下载").click()
    assert download.value.suggested_filename.endswith(".zip")


def test_the_sheet_page_offers_its_pdf(e2e_demo, login, live_server):
    page = login("filler")
    page.goto(f"{live_server.url}/sheets/")
    page.click("text=人才大厦运行维护经费")
    with page.expect_download() as download:
        page.click("a:text-is('PDF')")
    assert download.value.suggested_filename == "2023_上海市人才服务中心_人才大厦运行维护经费.pdf"
