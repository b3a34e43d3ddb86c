"""The browser's 打印: the sheet page prints as the PDF does (A4 landscape, the official sheet
alone, the PDF's column widths), so a short sheet fits on one page in both."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from projects import official

SHORT = "政府聘用辅助人员经费"  # 12 rows: one page as PDF, two before the print styles matched
# The indicator columns' share of the width in templates/projects/exports/pdf.css.
PDF_COLUMNS = [0.07, 0.085, 0.22, 0.10, 0.13, 0.06, 0.06, 0.275]


def pdf_info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(re.findall(r"^([^:]+):\s+(.*)$", out.stdout, re.MULTILINE))


def test_a_short_sheet_prints_on_one_a4_landscape_page_as_its_pdf_does(
    e2e_demo, login, live_server, tmp_path
):
    from projects.models import Sheet

    sheet = Sheet.objects.get(project__name=SHORT)
    page = login("filler")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/")
    expect(page.locator(".js-print")).to_be_visible()
    page.emulate_media(media="print")

    # Only the official sheet prints: no navigation, buttons, findings or comments.
    for hidden in (".navbar", ".js-print", "#comments", ".findings-summary"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".findings-cell").first).to_be_hidden()
    shares = page.evaluate(
        """() => {
          const table = document.querySelector('.sheet-indicators');
          const width = table.getBoundingClientRect().width;
          return Array.from(table.querySelectorAll('thead th'))
            .filter(th => th.offsetParent !== null)
            .map(th => th.getBoundingClientRect().width / width);
        }"""
    )
    assert [round(s, 3) for s in shares] == PDF_COLUMNS

    printed = tmp_path / "print.pdf"
    page.pdf(path=str(printed), prefer_css_page_size=True)
    info = pdf_info(printed)
    assert info["Pages"] == "1"
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    text = subprocess.run(
        ["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert SHORT in flat and official.GRADE in flat  # the last row is on the page

    exported = tmp_path / "export.pdf"
    response = page.request.get(f"{live_server.url}/sheets/{sheet.pk}.pdf")
    exported.write_bytes(response.body())
    assert pdf_info(exported)["Pages"] == "1"
