"""Amounts printed in 元 as well as 万元 (issue 11 item 3): stored in 万元 with 6 places, shown,
typed and exported in the sheet's printed unit, and added across sheets only in 万元."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from indicators import numbers
from projects import figures
from projects.imports.services import save_parsed
from projects.imports.text_reader import parse_text
from projects.imports.xlsx_reader import xlsx_to_text
from projects.models import BudgetLine, Sheet, Unit, rule_set_for
from projects.review.diff import diff_snapshots
from projects.review.selectors import history
from projects.sheets.selectors import content_snapshot, sheet_queryset
from projects.sheets.services import sheet_create
from projects.sheets.view_model import build_sheet_view
from tests.conftest import UNIT_A
from tests.helpers import edit_url, form_data, json_of, logged_in, sheet_of, view_of

pytestmark = pytest.mark.django_db
D = Decimal
PROJECT = "政府聘用辅助人员经费"
# 387,664.62 元 budgeted and 215,457.60 元 executed, stored in 万元.
ANNUAL, EXECUTED = D("38.766462"), D("21.545760")


def set_lines(sheet: Sheet, lines: dict[str, tuple]) -> None:
    """Budget lines in 万元 (the stored unit): {kind: (initial, annual, executed)}."""
    for kind, (initial, annual, executed) in lines.items():
        BudgetLine.objects.filter(sheet=sheet, kind=kind).update(
            initial=initial, annual=annual, executed=executed
        )
    figures.store(sheet)  # written around the services: the stored figures follow by hand


def yuan_sheet(**lines) -> Sheet:
    """A seed sheet printed in 元: 387,664.62 元 budgeted, 215,457.60 元 executed."""
    sheet = sheet_of(PROJECT)
    Sheet.objects.filter(pk=sheet.pk).update(amount_unit=Sheet.AmountUnit.YUAN)
    zero = (D(0), D(0), D(0))
    set_lines(
        sheet,
        {
            "total": (ANNUAL, ANNUAL, EXECUTED),
            "appropriation": (ANNUAL, ANNUAL, EXECUTED),
            "carryover": zero,
            "other": zero,
            **lines,
        },
    )
    return sheet_of(PROJECT)


def stored(sheet: Sheet, kind: str) -> tuple:
    line = BudgetLine.objects.get(sheet=sheet, kind=kind)
    return (line.initial, line.annual, line.executed)


# -- the conversions -------------------------------------------------------------------------


def test_a_yuan_amount_is_stored_in_wan_exactly_and_comes_back_to_the_cent():
    assert numbers.from_unit(D("215457.60"), numbers.YUAN) == D("21.545760")
    assert numbers.in_unit(ANNUAL, numbers.YUAN) == D("387664.62")
    assert numbers.in_unit(ANNUAL, numbers.WAN) == ANNUAL
    for cents in (D("0.01"), D("1.00"), D("999999999.99"), D("387664.62")):
        assert numbers.in_unit(numbers.from_unit(cents, numbers.YUAN), numbers.YUAN) == cents
    assert numbers.amount(numbers.in_unit(ANNUAL, numbers.YUAN)) == "387,664.62"
    # Shown in 万元 across sheets: two decimals rounded half up, as printed tables do.
    assert numbers.wan(ANNUAL) == "38.77" and numbers.wan(D("1092.30")) == "1,092.30"


# -- every renderer prints the sheet's unit --------------------------------------------------


def test_a_yuan_sheet_prints_yuan_on_its_page(filler):
    sheet = yuan_sheet()
    view = view_of(sheet)
    total = view.funds[0]
    assert (view.amount_unit, view.funds_lines) == ("yuan", ("项目资金", "（元）"))
    assert (total.annual, total.annual_text, total.executed_text) == (
        D("387664.62"),
        "387,664.62",
        "215,457.60",
    )
    assert total.rate_text == "55.57"  # a ratio: the same in either unit
    assert total.rate_explanation == "215,457.60 ÷ 387,664.62 = 55.57%"
    html = logged_in(filler).get(sheet.get_absolute_url()).content.decode()
    assert "项目资金<br>（元）" in html and "（万元）" not in html
    assert "387,664.62" in html and "215,457.60" in html


def test_the_rate_explanation_divides_by_the_rule_sets_denominator_in_the_sheets_unit(filler):
    budget = (D("30"), ANNUAL, EXECUTED)
    sheet = yuan_sheet(total=budget, appropriation=budget)
    rule_set = rule_set_for(sheet)
    rule_set.rate_denominator = rule_set.Denominator.INITIAL  # unsaved: this test's rules only
    total = build_sheet_view(sheet_queryset().get(pk=sheet.pk), rule_set).funds[0]
    assert total.rate_explanation == "215,457.60 ÷ 300,000.00 = 71.81%"


def test_a_wan_sheet_prints_as_before(filler):
    view = view_of(sheet_of(PROJECT))
    assert (view.amount_unit, view.funds_lines) == ("wan", ("项目资金", "（万元）"))
    html = logged_in(filler).get(sheet_of(PROJECT).get_absolute_url()).content.decode()
    assert "项目资金<br>（万元）" in html and "（元）" not in html


def test_the_pdf_of_a_yuan_sheet_prints_yuan(filler, tmp_path):
    assert shutil.which("pdftotext"), "poppler-utils is missing: make test installs it"
    sheet = yuan_sheet()
    response = logged_in(filler).get(reverse("projects:sheet-pdf", args=[sheet.pk]))
    assert response.status_code == 200
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flowing = "".join(text.split())
    assert "387,664.62" in flowing and "215,457.60" in flowing
    assert "（元）" in flowing and "（万元）" not in flowing


def test_the_excel_export_of_a_yuan_sheet_holds_yuan(filler):
    sheet = yuan_sheet()
    response = logged_in(filler).get(reverse("projects:sheet-xlsx", args=[sheet.pk]))
    ws = load_workbook(io.BytesIO(response.content)).active
    texts = {c.value for row in ws.iter_rows() for c in row if c.data_type == "s"}
    assert "项目资金\n（元）" in texts and "项目资金\n（万元）" not in texts
    amounts = {
        D(str(c.value)).quantize(D("0.01"))
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "n" and c.value is not None and c.number_format == "#,##0.00"
    }
    assert {D("387664.62"), D("215457.60")} <= amounts
    assert ANNUAL.quantize(D("0.01")) not in amounts


def test_the_json_of_a_yuan_sheet_keeps_wan_and_says_what_it_prints(filler):
    data = json_of(yuan_sheet())
    assert data["amount_unit"] == "yuan"
    # The documented fields keep their meaning (万元), exact to the 分.
    assert data["funds"]["total"]["annual"] == "38.766462"
    assert data["funds"]["total"]["executed"] == "21.54576"
    assert data["printed_funds"]["total"] == {
        "initial": "387664.62",
        "annual": "387664.62",
        "executed": "215457.60",
    }
    seed = json_of(sheet_of("人才大厦运行维护经费"))
    assert seed["amount_unit"] == "wan"
    assert seed["funds"]["total"]["annual"] == seed["printed_funds"]["total"]["annual"] == "1092.30"


def test_a_finding_about_amounts_speaks_the_sheets_unit(filler):
    # The total's 全年预算数 is 1 分 short of its sources' sum.
    short = ANNUAL - D("0.000001")
    view = view_of(yuan_sheet(total=(ANNUAL, short, EXECUTED)))
    message = next(f.message for f in view.findings if f.code == "funds_not_adding_up")
    assert message == (
        "年度资金总额的全年预算数为 387,664.61 元，"
        "但当年财政拨款、上年结转资金与其他资金之和为 387,664.62 元。"
    )
    finding = next(f for f in view.findings if f.code == "funds_not_adding_up")
    assert finding.params == {"total": "38.76", "sum": "38.76"}  # the engine's, in 万元


def test_a_finding_about_amounts_on_a_wan_sheet_says_wan(filler):
    sheet = sheet_of(PROJECT)
    set_lines(sheet, {"total": (D("100"), D("100"), D("10000"))})
    view = view_of(sheet)
    message = next(f.message for f in view.findings if f.code == "amount_magnitude")
    assert "为 10,000.00 万元" in message and "最大预算数 100.00 万元" in message


def test_a_yuan_sheet_exported_to_excel_reads_back_as_the_same_sheet(filler):
    sheet = yuan_sheet()
    data = logged_in(filler).get(reverse("projects:sheet-xlsx", args=[sheet.pk])).content
    (parsed,) = parse_text(xlsx_to_text(data)).sheets
    assert parsed.amount_unit == "yuan"
    assert parsed.funds["total"].annual == D("387664.62")
    outcome = save_parsed(replace(parsed, project="元表回读"), year=2023)
    again = Sheet.objects.get(pk=outcome.sheet.pk)
    assert again.amount_unit == "yuan"
    for kind in ("total", "appropriation", "carryover", "other"):
        assert stored(again, kind) == stored(sheet, kind), kind
    assert json_of(again)["printed_funds"] == json_of(sheet)["printed_funds"]


def test_a_pasted_yuan_sheet_is_previewed_in_yuan(filler):
    sheet = yuan_sheet()
    text = xlsx_to_text(
        logged_in(filler).get(reverse("projects:sheet-xlsx", args=[sheet.pk])).content
    )
    data = {"new_project": "粘贴的元表", "year": "2024", "mode": "paste", "text": text}
    preview = logged_in(filler).post(reverse("projects:sheet-new"), data)
    assert preview.status_code == 200
    view = preview.context["view"]
    assert view.funds_lines == ("项目资金", "（元）")
    assert (view.funds[0].annual_text, view.funds[0].executed_text) == (
        "387,664.62",
        "215,457.60",
    )


# -- the editor ------------------------------------------------------------------------------


def test_the_editor_shows_yuan_and_saving_untouched_changes_no_amount(filler):
    sheet = yuan_sheet()
    before = {kind: stored(sheet, kind) for kind in ("total", "appropriation", "carryover")}
    client = logged_in(filler)
    response = client.get(edit_url(sheet))
    html = response.content.decode()
    assert 'value="387664.62"' in html and 'value="215457.60"' in html
    assert "项目资金（元）" in html and "金额单位" in html
    saved = client.post(edit_url(sheet), form_data(response))
    assert saved.status_code == 302
    assert {kind: stored(sheet, kind) for kind in before} == before
    assert Sheet.objects.get(pk=sheet.pk).amount_unit == "yuan"


def test_an_amount_typed_in_yuan_is_stored_in_wan_exactly(filler):
    sheet = yuan_sheet()
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_executed"] = "215,457.61"
    data["other_annual"] = "0.01"
    assert client.post(edit_url(sheet), data).status_code == 302
    assert stored(sheet, "appropriation")[2] == D("21.545761")
    assert stored(sheet, "other")[1] == D("0.000001")
    assert stored(sheet, "total")[1] == ANNUAL + D("0.000001")
    assert view_of(sheet).funds[0].annual_text == "387,664.63"


def test_a_yuan_amount_past_the_cent_is_refused(filler):
    sheet = yuan_sheet()
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_executed"] = "215457.601"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 400
    assert "以元为单位的金额最多两位小数" in response.content.decode()
    assert stored(sheet, "appropriation")[2] == EXECUTED


def test_a_typed_thousands_separator_is_read_in_a_wan_sheet_too(filler):
    sheet = sheet_of(PROJECT)
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_annual"] = "1,047.30"
    assert client.post(edit_url(sheet), data).status_code == 302
    assert stored(sheet, "appropriation")[1] == D("1047.30")


def test_changing_the_unit_keeps_every_stored_amount(filler):
    """Without the page's script the amounts stay in the unit they were shown in (the hidden
    amount_unit_shown): the sheet prints in 万元 from then on, nothing is re-read."""
    sheet = yuan_sheet()
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    assert (data["amount_unit"], data["amount_unit_shown"]) == ("yuan", "yuan")
    data["amount_unit"] = "wan"
    assert client.post(edit_url(sheet), data).status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).amount_unit == "wan"
    assert stored(sheet, "appropriation") == (ANNUAL, ANNUAL, EXECUTED)
    html = client.get(edit_url(sheet)).content.decode()
    assert 'value="38.766462"' in html and "项目资金（万元）" in html
    # The script converts the typed amounts as the unit changes: they arrive in the new unit.
    data = form_data(client.get(edit_url(sheet)))
    data.update(amount_unit="yuan", amount_unit_shown="yuan")
    for key in ("appropriation_initial", "appropriation_annual"):
        data[key] = "387664.62"
    data["appropriation_executed"] = "215457.6"
    assert client.post(edit_url(sheet), data).status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).amount_unit == "yuan"
    assert stored(sheet, "appropriation") == (ANNUAL, ANNUAL, EXECUTED)


def test_live_scoring_reads_and_shows_the_typed_unit(filler):
    sheet = yuan_sheet()
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_executed"] = "387,664.62"
    response = client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), data)
    html = response.content.decode()
    assert "387,664.62 ÷ 387,664.62 = 100.00%" in html
    assert Sheet.objects.get(pk=sheet.pk).version == 1


# -- across sheets: only 万元 ----------------------------------------------------------------


def two_sheets(filler) -> tuple[Sheet, Sheet]:
    """Year 2031: a sheet printed in 元 (387,664.62 元) and one in 万元 (100.00 万元)."""
    unit = Unit.objects.get(name=UNIT_A)
    made = []
    for name, unit_code, annual, executed in (
        ("元表项目", "yuan", ANNUAL, EXECUTED),
        ("万元表项目", "wan", D("100.00"), D("90.00")),
    ):
        sheet = sheet_create(unit=unit, project_name=name, year=2031, user=filler)
        Sheet.objects.filter(pk=sheet.pk).update(amount_unit=unit_code)
        set_lines(
            sheet,
            {"total": (annual, annual, executed), "appropriation": (annual, annual, executed)},
        )
        made.append(sheet)
    return made[0], made[1]


def test_the_summary_page_adds_a_yuan_and_a_wan_sheet_in_wan(filler, reviewer):
    two_sheets(filler)
    response = logged_in(reviewer).get("/summary/", {"year": 2031})
    summary = response.context["summary"]
    rows = {r.project: r for r in summary.rows}
    assert rows["元表项目"].annual == ANNUAL and rows["元表项目"].annual_text == "38.77"
    assert summary.annual == D("138.766462") and summary.executed == D("111.545760")
    assert summary.annual_text == "138.77" and summary.executed_text == "111.55"
    assert summary.rate == D("80.38")  # 111.545760 ÷ 138.766462, truncated
    html = response.content.decode()
    assert "138.77" in html and "38.77" in html
    assert "387,664.62" not in html and "387,764.62" not in html


def test_the_summary_workbook_adds_a_yuan_and_a_wan_sheet_in_wan(filler, reviewer):
    two_sheets(filler)
    client = logged_in(reviewer)
    assert client.post("/exports/", {"kind": "summary", "year": "2031"}).status_code == 302
    from projects.models import ExportJob

    job = ExportJob.objects.latest("pk")
    data = b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[3]][3:5] == ["全年预算数（万元）", "全年执行数（万元）"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=4, max_row=5, values_only=True)}
    assert D(str(rows["元表项目"][3])) == ANNUAL
    assert D(str(rows["万元表项目"][3])) == D("100")
    total = [c.value for c in ws[6]]
    assert total[0].startswith("合计（2 个项目")
    assert D(str(total[3])) == D("138.766462") and D(str(total[4])) == D("111.54576")
    assert ws.cell(6, 4).number_format == "#,##0.00"


# -- history -----------------------------------------------------------------------------------


def test_the_diff_of_a_yuan_sheet_shows_exact_wan_amounts_labelled_wan(filler):
    sheet = yuan_sheet()
    before = content_snapshot(sheet_queryset().get(pk=sheet.pk))
    set_lines(sheet, {"appropriation": (ANNUAL, ANNUAL, D("21.545761"))})
    after = content_snapshot(sheet_queryset().get(pk=sheet.pk))
    diff = diff_snapshots(before, after)
    assert [(c.label, c.old, c.new) for c in diff.funds] == [
        ("当年财政拨款 · 全年执行数（万元）", "21.54576", "21.545761")
    ]


def test_the_history_of_a_yuan_sheet_shows_exact_wan_amounts_and_the_unit(filler):
    sheet = yuan_sheet()
    client = logged_in(filler)
    # An untouched save first: the ORM updates above left no history record of their own.
    assert client.post(edit_url(sheet), form_data(client.get(edit_url(sheet)))).status_code == 302
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_executed"] = "215,457.61"
    data["amount_unit"] = "wan"  # nothing converted on the page: still read in 元
    assert client.post(edit_url(sheet), data).status_code == 302
    entries = history(Sheet.objects.get(pk=sheet.pk))
    changes = {(e.what, str(label), old, new) for e in entries for label, old, new in e.changes}
    assert ("其中：当年财政拨款", "全年执行数（万元）", "21.54576", "21.545761") in changes
    assert ("整张表", "金额单位", "元", "万元") in changes
