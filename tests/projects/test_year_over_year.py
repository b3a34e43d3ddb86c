"""Year over year: last year's target, actual and score beside each row, on the sheet page and
in the editor (matched by name, then position), never in the PDF, at a fixed query cost."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.exports.pdf import sheet_html
from projects.models import Indicator, Sheet
from projects.sheets.selectors import sheet_queryset, year_over_year
from projects.sheets.services import sheet_create
from projects.sheets.view_model import build_sheet_view
from projects.sheets.year_over_year import match

pytestmark = pytest.mark.django_db

PROJECT = "信息化运维项目"
BIG, SMALL = "人才大厦运行维护经费", "政府聘用辅助人员经费"


def sheet_of(project: str, year: int = 2023) -> Sheet:
    """A project's sheet of a year, with everything a view-model needs."""
    return sheet_queryset().get(project__name=project, year=year)


def next_year(project: str, user) -> Sheet:
    """The 2024 draft of a seed project, started from its 2023 sheet (rows and targets copied;
    actuals and scores blank), read the way the pages read it."""
    last = sheet_of(project)
    sheet = sheet_create(
        unit=last.project.unit, project_name=project, year=2024, user=user, copy_from=last
    )
    return sheet_queryset().get(pk=sheet.pk)


def rows_of(sheet: Sheet) -> list[Indicator]:
    return list(sheet.indicators.order_by("position"))


def rename(row: Indicator, name: str) -> None:
    Indicator.objects.filter(pk=row.pk).update(name=name)


# -- the matching ----------------------------------------------------------------------------


def test_rows_match_by_trimmed_name_in_order_then_by_position_among_the_rest():
    this_year = ["甲", "乙（新）", "丙", "甲", "丁"]
    last_year = ["丙", " 甲 ", "乙", "甲", "戊", "己"]
    assert match(this_year, last_year) == {
        0: (1, False),  # the first 甲 takes last year's first 甲 (its name trimmed)
        2: (0, False),
        3: (3, False),  # the second 甲 takes the second
        1: (2, True),  # left over: 乙（新） and 丁 take 乙 and 戊, in order
        4: (4, True),
    }


def test_blank_names_match_nothing_by_name_and_extra_rows_stay_unmatched():
    assert match(["", "甲", "新"], ["甲", ""]) == {1: (0, False), 0: (1, True)}
    assert match(["甲"], []) == {}
    assert match([], ["甲"]) == {}


# -- the comparison of a stored sheet ----------------------------------------------------------


def test_each_row_gets_last_years_figures_as_last_years_sheet_prints_them(filler):
    sheet = next_year(PROJECT, filler)
    last_view = build_sheet_view(sheet_of(PROJECT))
    compared = year_over_year(sheet)
    assert compared.year == 2023 and compared.sheet_id == sheet_of(PROJECT).pk
    rows = rows_of(sheet)
    assert len(compared.rows) == len(rows) == len(last_view.rows)
    for row, old in zip(rows, last_view.rows, strict=True):
        previous = compared.get(row.pk)
        assert (previous.name, previous.number, previous.by_position) == (
            old.name,
            old.number,
            False,
        )
        assert (previous.target, previous.actual, previous.score) == (
            old.target,
            old.actual,
            old.score_text,
        )
    # Last year's figures are there even though this year's actuals and scores are blank.
    assert all(p.actual and p.score for p in compared.rows.values())
    assert compared.matched_by_name == len(rows) and compared.matched_by_position == 0


def test_a_renamed_row_is_matched_by_position_and_swapped_names_follow_their_names(filler):
    sheet = next_year(PROJECT, filler)
    last = build_sheet_view(sheet_of(PROJECT)).rows
    rows = rows_of(sheet)
    rename(rows[0], last[1].name)
    rename(rows[1], last[0].name)
    rename(rows[3], "新增的考核指标")
    compared = year_over_year(sheet_queryset().get(pk=sheet.pk))
    first, second, renamed = (compared.get(rows[i].pk) for i in (0, 1, 3))
    assert (first.number, first.name, first.by_position) == (2, last[1].name, False)
    assert (second.number, second.name, second.by_position) == (1, last[0].name, False)
    assert (renamed.number, renamed.name, renamed.by_position) == (4, last[3].name, True)
    assert renamed.actual == last[3].actual
    assert (compared.matched_by_name, compared.matched_by_position) == (len(rows) - 1, 1)


def test_a_row_of_last_year_used_by_name_is_not_matched_again_by_position(filler):
    sheet = next_year(PROJECT, filler)
    last = build_sheet_view(sheet_of(PROJECT)).rows
    rows = rows_of(sheet)
    # This year's row 1 takes row 2's old name; row 2 gets a new name: row 2 then takes the
    # only row of last year left over, row 1.
    rename(rows[0], last[1].name)
    rename(rows[1], "改名后的指标")
    compared = year_over_year(sheet_queryset().get(pk=sheet.pk))
    assert (compared.get(rows[0].pk).number, compared.get(rows[0].pk).by_position) == (2, False)
    assert (compared.get(rows[1].pk).number, compared.get(rows[1].pk).by_position) == (1, True)


def test_without_a_sheet_the_year_before_there_is_nothing(client_for, filler):
    sheet = sheet_of(PROJECT)  # 2023, and the project has no 2022 sheet
    assert year_over_year(sheet) is None
    response = client_for(filler).get(sheet.get_absolute_url())
    html = response.content.decode()
    assert response.context["last_year"] is None
    assert all(notes.previous is None for _row, notes in response.context["annotated_rows"])
    assert 'id="year-over-year"' not in html and 'class="yoy' not in html
    edit = client_for(filler).get(reverse("projects:sheet-edit", args=[sheet.pk]))
    assert edit.status_code == 200
    assert 'class="yoy-value' not in edit.content.decode()


def test_a_sheet_two_years_on_compares_with_nothing(filler):
    last = sheet_of(PROJECT)
    sheet = sheet_create(
        unit=last.project.unit, project_name=PROJECT, year=2025, user=filler, copy_from=last
    )
    assert year_over_year(sheet_queryset().get(pk=sheet.pk)) is None


# -- on the page and in the editor ---------------------------------------------------------------


def yoy_blocks(html: str) -> list[str]:
    return re.findall(r'<div class="yoy no-print[^"]*".*?</div>', html, flags=re.S)


def test_the_sheet_page_shows_last_years_target_actual_and_score_beside_each_row(
    client_for, filler
):
    sheet = next_year(PROJECT, filler)
    last_sheet = sheet_of(PROJECT)
    last = build_sheet_view(last_sheet).rows
    rows = rows_of(sheet)
    rename(rows[3], "新增的考核指标")
    response = client_for(filler).get(sheet.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    note = re.search(r'<p class="yoy-note[^"]*" id="year-over-year">.*?</p>', html, re.S).group()
    assert "上年（2023 年度）对照：按指标名称匹配，其次按行次" in note
    assert f'href="{last_sheet.get_absolute_url()}"' in note
    blocks = yoy_blocks(html)
    assert len(blocks) == len(rows)
    for block, old in zip(blocks, last, strict=True):
        for value in (old.target, old.actual, old.score_text):
            assert value in block
    # The renamed row says it was matched by position and names last year's row.
    assert "yoy-by-position" in blocks[3] and f"上年第 4 行“{last[3].name}”" in blocks[3]
    assert "yoy-by-position" not in blocks[0]
    # The previous sheet's link opens for the same user (same project, same scope).
    assert client_for(filler).get(last_sheet.get_absolute_url()).status_code == 200


def test_the_editor_shows_last_years_values_beside_the_inputs_of_stored_rows(client_for, filler):
    sheet = next_year(PROJECT, filler)
    last = build_sheet_view(sheet_of(PROJECT)).rows
    response = client_for(filler).get(reverse("projects:sheet-edit", args=[sheet.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="year-over-year"' in html and "上年（2023 年度）对照" in html
    pairs = response.context["row_pairs"]
    assert [previous.number for _form, _rv, previous in pairs] == [r.number for r in last]
    first_row = re.search(r'<tr class="indicator-row" id="row-0".*?</tr>', html, re.S).group()
    values = re.findall(r'<div class="yoy-value[^"]*".*?</span> (.*?)</div>', first_row, re.S)
    assert values == [last[0].target, last[0].actual, last[0].score_text]
    # The blank row the browser adds has none.
    template = re.search(r'<template id="row-template">.*?</template>', html, re.S).group()
    assert "yoy-value" not in template


def test_the_editor_keeps_the_comparison_when_a_save_is_refused(client_for, filler):
    sheet = next_year(PROJECT, filler)
    client = client_for(filler)
    url = reverse("projects:sheet-edit", args=[sheet.pk])
    form = client.get(url).context["rows"]
    data = {
        **{k: v for k, v in client.get(url).context["header"].initial.items() if v is not None},
        "version": sheet.version,
        "rows-TOTAL_FORMS": len(form.forms),
        "rows-INITIAL_FORMS": 0,
        "rows-MIN_NUM_FORMS": 0,
        "rows-MAX_NUM_FORMS": 1000,
    }
    for i, row_form in enumerate(form.forms):
        for name, value in row_form.initial.items():
            data[f"rows-{i}-{name}"] = "" if value is None else value
        data[f"rows-{i}-ORDER"] = i
    data["rows-0-weight"] = "not a number"
    response = client.post(url, data)
    assert response.status_code == 400
    pairs = response.context["row_pairs"]
    assert pairs[0][2] is not None and pairs[0][2].number == 1
    assert "yoy-value" in response.content.decode()


# -- never in the PDF --------------------------------------------------------------------------


def test_the_pdf_has_no_year_over_year_and_does_not_change_with_it(client_for, filler, tmp_path):
    assert shutil.which("pdftotext"), "poppler-utils is missing: make test installs it"
    sheet = sheet_of(PROJECT)
    before = sheet_html(build_sheet_view(sheet), exported_at="2026-01-01 00:00")
    sheet_create(
        unit=sheet.project.unit, project_name=PROJECT, year=2022, user=filler, copy_from=sheet
    )
    assert year_over_year(sheet_queryset().get(pk=sheet.pk)) is not None
    after = sheet_html(
        build_sheet_view(sheet_queryset().get(pk=sheet.pk)), exported_at="2026-01-01 00:00"
    )
    assert after == before
    assert "yoy" not in after and "对照" not in after
    # The PDF itself, of a sheet that has a previous year.
    page = client_for(filler).get(sheet.get_absolute_url()).content.decode()
    assert "上年（2022 年度）对照" in page
    response = client_for(filler).get(reverse("projects:sheet-pdf", args=[sheet.pk]))
    assert response.status_code == 200
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "对照" not in text and "按行次" not in text and "2022" not in text


# -- the cost ------------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_last_years_rows_cost_the_same_queries_for_40_rows_as_for_12(client_for, filler):
    client = client_for(filler)
    big, small = next_year(BIG, filler), next_year(SMALL, filler)
    assert big.indicators.count() == 40 and small.indicators.count() == 12
    assert len(year_over_year(big).rows) == 40 and len(year_over_year(small).rows) == 12
    big_count = count_queries(client, big.get_absolute_url())
    small_count = count_queries(client, small.get_absolute_url())
    assert big_count == small_count
    # Last year's sheet with its rows, budget lines and rule set: three queries more than a
    # sheet without a previous year (whose own look-up is one).
    without = count_queries(client, sheet_of(BIG).get_absolute_url())
    assert big_count <= without + 3
    edit_big = count_queries(client, reverse("projects:sheet-edit", args=[big.pk]))
    edit_small = count_queries(client, reverse("projects:sheet-edit", args=[small.pk]))
    assert edit_big == edit_small
