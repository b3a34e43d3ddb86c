"""User text is text in every output (issue 10: the XSS acceptance line and item 6).

One sheet is filled with hostile text — `<script>`, `<img onerror>` and `javascript:` payloads
in its goals, indicator names, reasons and comments, and spreadsheet formulas (`=HYPERLINK(…)`,
`+1+1`, `-2`, `@SUM(A1)`, a leading tab or CR) in its project, unit, indicator names and
reasons — and each output is checked: the HTML pages show the payloads as escaped text, the
PDF prints them literally, and every workbook holds them as string cells, value unchanged,
with no formula anywhere in the file.
"""

from __future__ import annotations

import html as html_lib
import io
import re
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.exports.pdf import sheet_html
from projects.exports.xlsx_text import keep_carriage_returns
from projects.models import ExportJob, Indicator, Sheet, Unit
from projects.review.services import comment_add
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import build_sheet_view
from tests.helpers import edit_url, form_data, sheet_of

pytestmark = pytest.mark.django_db

PROJECT = "政府聘用辅助人员经费"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "javascript:alert(1)"
PAYLOADS = (SCRIPT, IMG, JS_LINK)

FORMULA_PROJECT = '=HYPERLINK("http://x","y")'
FORMULA_UNIT = "@SUM(A1)"
# Typed through the editor (the form keeps them as typed).
TYPED = {
    "project_name": FORMULA_PROJECT,
    "goal_expected": SCRIPT,
    "goal_achieved": IMG,
    "rows-0-name": SCRIPT,
    "rows-0-reason": IMG,
    "rows-1-name": IMG,
    "rows-1-reason": JS_LINK,
    "rows-2-name": JS_LINK,
    "rows-2-reason": SCRIPT,
    "rows-3-name": "+1+1",
    "rows-3-reason": "-2",
    "rows-4-name": "@SUM(A1)",
    "rows-4-reason": "=1+2",
}
# Stored directly: the editor and the importers trim a leading tab or CR away, but a workbook
# writer must not depend on that (position → name, reason).
STORED = {5: ("\tx", "\rx"), 6: ("-1 天", "\t=SUM(A1:A9)")}
FORMULA_TEXTS = (
    FORMULA_PROJECT,
    FORMULA_UNIT,
    "+1+1",
    "-2",
    "@SUM(A1)",
    "=1+2",
    "\tx",
    "\rx",
    "-1 天",
    "\t=SUM(A1:A9)",
)


@pytest.fixture
def hostile(filler, reviewer, client_for) -> Sheet:
    """The seed sheet with hostile text in every place a user writes."""
    client = client_for(filler)
    sheet = sheet_of(PROJECT)
    data = form_data(client.get(edit_url(sheet))) | TYPED
    assert client.post(edit_url(sheet), data).status_code == 302
    for position, (name, reason) in STORED.items():
        Indicator.objects.filter(sheet=sheet, position=position).update(name=name, reason=reason)
    Unit.objects.filter(pk=sheet.project.unit_id).update(name=FORMULA_UNIT)
    sheet = Sheet.objects.get(pk=sheet.pk)
    row = sheet.indicators.get(position=0)  # named <script>…: the comment's anchor keeps it
    comment_add(sheet=sheet, user=reviewer, body=SCRIPT, indicator=row)
    comment_add(sheet=sheet, user=reviewer, body=IMG)
    comment_add(sheet=sheet, user=filler, body=f"详见 {JS_LINK}")
    stored = sheet_of(FORMULA_PROJECT)
    assert stored.goal_expected == SCRIPT and stored.indicators.get(position=3).name == "+1+1"
    return stored


# -- HTML: every payload escaped, none live ---------------------------------------------------


class LiveMarkup(HTMLParser):
    """What a browser would run or load from a page: tags, handlers, URLs, script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = attributes
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None and self._in_script.get("type") != "application/json":
            self.scripts[-1] += data


def assert_shown_as_text(page: str, payloads=PAYLOADS) -> None:
    """Each payload appears as escaped text; nothing of them is live: no img with src=x, no
    event handler, no javascript: URL, no script that says alert."""
    for payload in payloads:
        assert html_lib.escape(payload, quote=False) in page or html_lib.escape(payload) in page
    assert SCRIPT not in page and "<img src=x" not in page
    parsed = LiveMarkup()
    parsed.feed(page)
    for tag, attributes in parsed.tags:
        assert not (tag == "img" and attributes.get("src") == "x"), attributes
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith("javascript:"), (tag, value)
    assert not any("alert(" in body for body in parsed.scripts)


def test_the_sheet_page_shows_the_payloads_as_text(hostile, client_for, filler):
    page = client_for(filler).get(hostile.get_absolute_url()).content.decode()

    assert_shown_as_text(page)
    assert html_lib.escape(FORMULA_PROJECT) in page


def test_the_editor_shows_the_payloads_as_text(hostile, client_for, filler):
    response = client_for(filler).get(edit_url(hostile))

    page = response.content.decode()
    assert response.status_code == 200
    assert_shown_as_text(page)
    # The names offered for completion are JSON inside a script element: `<` is escaped there.
    known = re.search(r'<script id="known-indicators"[^>]*>(.*?)</script>', page, re.S).group(1)
    assert "<" not in known and "\\u003Cscript\\u003E" in known


def test_the_review_page_shows_the_payloads_and_the_comments_as_text(
    hostile, client_for, filler, reviewer
):
    client_for(filler).post(reverse("projects:sheet-submit", args=[hostile.pk]))
    assert Sheet.objects.get(pk=hostile.pk).status == "submitted"

    page = client_for(reviewer).get(hostile.get_absolute_url()).content.decode()

    assert 'id="approve-button"' in page  # the reviewer's page, with its actions
    assert_shown_as_text(page)
    assert f"详见 {JS_LINK}" in page


def test_the_history_inbox_and_lists_show_the_payloads_as_text(
    hostile, client_for, filler, reviewer
):
    client_for(filler).post(reverse("projects:sheet-submit", args=[hostile.pk]))
    client = client_for(reviewer)
    history = client.get(reverse("projects:sheet-history", args=[hostile.pk])).content.decode()
    inbox = client.get(reverse("projects:review-inbox")).content.decode()
    listing = client.get(reverse("projects:sheet-list")).content.decode()
    summary = client.get(reverse("projects:summary"), {"year": 2023}).content.decode()

    assert_shown_as_text(history)
    for page in (inbox, listing, summary):
        assert html_lib.escape(FORMULA_PROJECT) in page
        assert SCRIPT not in page and "<img src=x" not in page


# -- PDF: the HTML given to WeasyPrint escapes them, the PDF prints them literally -----------


def test_the_pdf_prints_the_payloads_literally(hostile, client_for, filler, tmp_path):
    view = build_sheet_view(sheet_queryset().get(pk=hostile.pk))
    given_to_weasyprint = sheet_html(view)
    response = client_for(filler).get(reverse("projects:sheet-pdf", args=[hostile.pk]))
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout

    assert_shown_as_text(given_to_weasyprint)
    flowing = "".join(text.split())
    for payload in (*PAYLOADS, FORMULA_PROJECT, "+1+1", "@SUM(A1)", "=1+2"):
        assert "".join(payload.split()) in flowing, payload


# -- Excel: string cells, values unchanged, no formula in the file ---------------------------


def assert_text_cells(data: bytes, texts=FORMULA_TEXTS + PAYLOADS) -> None:
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == []
    for text in texts:
        matching = [c for c in cells if c.value == text]
        assert matching, f"{text!r} is not in any cell as it was typed"
        assert all(c.data_type == "s" for c in matching), text
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.endswith(".xml"):
            xml = archive.read(name)
            assert not re.search(rb"<(\w+:)?f[ >/]", xml), f"a formula element in {name}"


def test_the_sheet_workbook_holds_every_user_text_as_a_string(hostile, client_for, filler):
    response = client_for(filler).get(reverse("projects:sheet-xlsx", args=[hostile.pk]))

    assert response.status_code == 200
    assert_text_cells(response.content)


def download(client, kind: str) -> bytes:
    assert client.post("/exports/", {"kind": kind, "year": "2023"}).status_code == 302
    job = ExportJob.objects.latest("pk")
    assert job.state == "done", job.state
    return b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)


def test_the_batch_workbook_holds_every_user_text_as_a_string(hostile, client_for, reviewer):
    data = download(client_for(reviewer), "workbook")

    assert len(load_workbook(io.BytesIO(data)).worksheets) == 11
    assert_text_cells(data)


def test_the_summary_workbook_holds_no_formula_from_user_text(hostile, client_for, reviewer):
    data = download(client_for(reviewer), "summary")

    assert_text_cells(data, texts=(FORMULA_PROJECT, FORMULA_UNIT))
    ws = load_workbook(io.BytesIO(data)).active
    [row] = [r for r in ws.iter_rows(min_row=4) if r[2].value == FORMULA_PROJECT]
    assert (row[1].value, row[1].data_type) == (FORMULA_UNIT, "s")


def test_a_carriage_return_is_written_as_a_character_reference():
    from openpyxl import Workbook

    from projects.exports.xlsx_text import text_cell, workbook_bytes

    wb = Workbook()
    text_cell(wb.active, 1, 1, "\rx")
    text_cell(wb.active, 2, 1, "第一行\r\n第二行")
    data = workbook_bytes(wb)

    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"\r" not in xml and b"&#13;x</t>" in xml
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "\rx"
    assert ws["A2"].value == "第一行\n第二行"  # a browser's CR LF is Excel's line break
    assert keep_carriage_returns(data) == data  # nothing left to rewrite
