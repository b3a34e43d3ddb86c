"""Errors where they are (issue 16, item 4): 分值 and 得分 have range checks in the editor's
save, worded as the live check words them, and a refused save names each offending row and
field, marks it, and links to it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators import scoring
from indicators.findings import Code, Severity
from indicators.scoring import IndicatorInput, SheetInput
from projects.models import Sheet
from projects.sheets.forms import IndicatorForm
from tests.helpers import edit_url, form_data, logged_in, sheet_of

D = Decimal


def row_form(**values) -> IndicatorForm:
    data = {"name": "数量指标", "weight": "10", "score": "10"} | values
    form = IndicatorForm(data)
    form.is_valid()
    return form


@pytest.mark.parametrize("weight", ["0", "10", "100", "99.99"])
def test_a_weight_from_0_to_100_is_accepted(weight):
    assert row_form(weight=weight, score="0").is_valid()


@pytest.mark.parametrize("weight", ["100.01", "1010", "-1"])
def test_a_weight_outside_0_to_100_is_refused_in_the_engines_words(weight):
    form = row_form(weight=weight, score="0")
    assert not form.is_valid()
    shown = f"{D(weight):.2f}"
    assert form.errors["weight"] == [f"分值 {shown} 应在 0 至 100 之间。"]


def test_a_score_above_its_weight_is_refused_not_totalled():
    form = row_form(weight="10", score="1010")
    assert not form.is_valid()
    assert form.errors["score"] == ["得分 1010.00 高于分值 10.00。"]
    # The live check still reads the typed figure, so it says the same about the cell.
    assert form.content().score == D("1010")


def test_a_negative_score_is_refused():
    form = row_form(weight="10", score="-1")
    assert not form.is_valid()
    assert form.errors["score"] == ["得分 -1.00 不能为负数。"]


@pytest.mark.parametrize("score", ["0", "7.5", "10"])
def test_a_score_from_0_to_its_weight_is_accepted(score):
    assert row_form(weight="10", score=score).is_valid()


def test_a_not_applicable_rows_score_is_not_checked_as_the_engine_does_not():
    assert row_form(weight="10", score="1010", not_applicable="on").is_valid()
    assert not row_form(weight="1010", score="", not_applicable="on").is_valid()


def test_the_engine_holds_a_weight_above_100_as_an_error():
    sheet = SheetInput(
        project="项目",
        department="部门",
        unit="单位",
        indicators=(
            IndicatorInput(
                level1="产出指标",
                level2="数量指标",
                name="甲",
                target="≥1个",
                actual="1个",
                weight=D("1010"),
                score=D("10"),
            ),
        ),
    )
    found = [f for f in scoring.evaluate(sheet).findings if f.code == Code.WEIGHT_OUT_OF_RANGE]
    assert [(f.row, f.field, f.params, f.severity) for f in found] == [
        (0, "weight", {"weight": "1010.00"}, Severity.ERROR)
    ]


@pytest.mark.django_db
def test_a_save_with_a_score_of_1010_is_refused_naming_the_row_and_keeping_the_input(filler):
    client = logged_in(filler)
    sheet = sheet_of("信息化运维项目")
    data = form_data(client.get(edit_url(sheet)))
    weight = data["rows-2-weight"]
    data["rows-2-score"] = "1010"
    data["rows-0-reason"] = "新写的偏差原因，不能丢"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[
        html.index('id="save-errors"') : html.index("</div>", html.index('id="save-errors"'))
    ]
    message = f"得分 1010.00 高于分值 {D(weight):.2f}。"
    assert 'href="#id_rows-2-score"' in summary
    assert "第 3 行 · 得分" in summary and message in summary
    # The field itself is marked, with its message beside it.
    field = re.search(r'<input[^>]*id="id_rows-2-score"[^>]*>', html).group(0)
    assert "is-invalid" in field and 'value="1010"' in field
    assert 'aria-describedby="id_rows-2-score-error"' in field
    assert f'id="id_rows-2-score-error">{message}</div>' in html
    # Only that field is marked.
    assert html.count("is-invalid") == 1
    # The live check beside the row says the same thing about the same cell.
    assert html.count(message) >= 3
    assert "新写的偏差原因，不能丢" in html
    assert Sheet.objects.get(pk=sheet.pk).version == sheet.version


@pytest.mark.django_db
def test_the_live_check_words_an_out_of_range_score_as_the_save_does(filler):
    client = logged_in(filler)
    sheet = sheet_of("信息化运维项目")
    data = form_data(client.get(edit_url(sheet)))
    weight = data["rows-2-weight"]
    data["rows-2-score"] = "1010"
    live = client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), data)
    assert live.status_code == 200
    assert f"得分 1010.00 高于分值 {D(weight):.2f}。" in live.content.decode()
    saved = client.post(edit_url(sheet), data)
    assert f"得分 1010.00 高于分值 {D(weight):.2f}。" in saved.content.decode()


def calc_cell(html: str, prefix: str) -> str:
    return re.search(rf'<div id="calc-{prefix}" class="calc".*?\n</div>', html, re.S).group(0)


@pytest.mark.django_db
def test_the_live_check_and_the_save_say_the_same_of_an_unreadable_cell(filler):
    client = logged_in(filler)
    sheet = sheet_of("信息化运维项目")
    data = form_data(client.get(edit_url(sheet)))
    data["rows-5-weight"] = "abc"
    live = client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), data)
    live_cell = calc_cell(live.content.decode(), "rows-5")
    saved = client.post(edit_url(sheet), {**data, "action": "save"})
    assert saved.status_code == 400
    saved_html = saved.content.decode()
    saved_cell = calc_cell(saved_html, "rows-5")
    said = "分值：输入一个数字。"
    assert said in live_cell and said in saved_cell
    # The same words as the save's list and the message under the field.
    assert "输入一个数字。" in saved_html.split('id="save-errors"')[1].split("</div>")[0]
    # Put right, the live check says nothing of it any more.
    data["rows-5-weight"] = "5"
    again = client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), data)
    assert said not in again.content.decode()


@pytest.mark.django_db
def test_a_save_with_a_funds_error_links_to_the_amount(filler):
    client = logged_in(filler)
    sheet = sheet_of("信息化运维项目")
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_executed"] = "一百"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_appropriation_executed"' in html
    assert "当年财政拨款全年执行数</a>" in html
