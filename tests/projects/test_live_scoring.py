"""Live scoring's answer: the totals and the changed rows only, in as many queries for a
40-row sheet as for a 12-row one."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Sheet
from projects.sheets.services import sheet_transition
from projects.templatetags.content import finding_message
from tests.helpers import edit_url, form_data, logged_in, sheet_of, view_of

SIG = re.compile(r'id="calc-([^"]+)"[^>]*data-sig="([0-9a-f]+)"')
LONG = "人才大厦运行维护经费"  # 40 rows, 已提交 in the seed: returned to be edited


def preview(client, sheet, data, sigs=None):
    body = {**data, "live_sigs": json.dumps(sigs or {})}
    return client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), body)


def editable_long_sheet(reviewer) -> Sheet:
    sheet = sheet_of(LONG)
    if sheet.status == Sheet.Status.SUBMITTED:
        sheet_transition(sheet=sheet, user=reviewer, action="return", comment="请核对")
    return sheet_of(LONG)


def test_a_changed_score_answers_the_new_total_and_only_the_changed_row(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    first = preview(client, sheet, data).content.decode()
    shown = dict(SIG.findall(first))
    assert len(shown) == 12  # the editor's page held no signatures: every row is sent

    before = view_of(sheet).rows[0].score
    data["rows-0-score"] = str(before + Decimal("1"))
    response = preview(client, sheet, data, shown)
    assert response.status_code == 200
    html = response.content.decode()
    expected_total = view_of(sheet).total + Decimal("1")
    assert f'id="live-total">{expected_total:.2f}<' in html
    # Row 0's computed cell changed (its score is no longer the suggested one's); no other.
    assert [prefix for prefix, _ in SIG.findall(html)] == ["rows-0"]
    assert 'id="calc-rows-0" class="calc" hx-swap-oob="true"' in html
    assert 'id="calc-rows-5"' not in html and 'id="rownum-rows-5"' not in html
    # The form's own fields are never sent back: the browser keeps what is typed.
    assert 'name="rows-0-score"' not in html
    assert Sheet.objects.get(pk=sheet.pk).version == sheet.version  # nothing saved


def test_signatures_that_do_not_match_get_the_rows_again(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    shown = dict(SIG.findall(preview(client, sheet, data).content.decode()))
    shown["rows-3"] = "0000000000000000"
    html = preview(client, sheet, data, shown).content.decode()
    assert [prefix for prefix, _ in SIG.findall(html)] == ["rows-3"]
    # Malformed signatures count as none: everything is sent.
    response = client.post(
        reverse("projects:sheet-edit-preview", args=[sheet.pk]), {**data, "live_sigs": "[1"}
    )
    assert len(SIG.findall(response.content.decode())) == 12


def test_an_unknown_level2_still_reads_as_empty_in_live_scoring(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    data["rows-0-level2"] = "999999"
    response = preview(client, sheet, data)
    assert response.status_code == 200
    assert 'id="live-total"' in response.content.decode()


def test_live_scoring_queries_are_as_many_for_40_rows_as_for_12(filler, reviewer):
    client = logged_in(filler)
    counts = {}
    for sheet in (sheet_of("政府聘用辅助人员经费"), editable_long_sheet(reviewer)):
        data = form_data(client.get(edit_url(sheet)))
        data["rows-0-score"] = "1.00"
        preview(client, sheet, data)  # the session and caches warmed as a browser leaves them
        with CaptureQueriesContext(connection) as queries:
            assert preview(client, sheet, data).status_code == 200
        counts[sheet.indicators.count()] = len(queries)
    assert set(counts) == {12, 40}
    assert counts[12] == counts[40]


def test_live_scoring_reads_the_form_as_saving_it_does(filler):
    """A deleted row, an untouched new blank row, a changed level 2 and a score: the live
    total and findings are those of the sheet once saved."""
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    data["rows-2-DELETE"] = "on"
    data["rows-0-score"] = "3.00"
    data["rows-1-level2"] = data["rows-4-level2"]
    data["rows-TOTAL_FORMS"] = "13"  # a row added and left blank
    live_html = preview(client, sheet, data).content.decode()
    assert client.post(edit_url(sheet), {**data, "action": "save"}).status_code == 302
    saved = view_of(sheet)
    assert len(saved.rows) == 11
    assert f'id="live-total">{saved.total_text}<' in live_html
    assert f'id="live-weight-total">{saved.weight_total_text}<' in live_html
    for finding in saved.findings:
        assert finding_message(finding) in live_html  # as the page prints it, content marked


def preview_json(client, sheet, data, sigs=None, **extra):
    body = json.dumps({**data, "live_sigs": json.dumps(sigs or {})})
    return client.post(
        reverse("projects:sheet-edit-preview", args=[sheet.pk]),
        body,
        content_type="application/json",
        **extra,
    )


def test_the_editor_posts_live_scoring_as_json_and_it_answers_as_the_form_does(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    page = client.get(edit_url(sheet)).content.decode()
    assert 'hx-ext="json-enc"' in page and "htmx-ext-json-enc/json-enc.min.js" in page
    data = form_data(client.get(edit_url(sheet)))
    data["rows-0-score"] = "1.00"
    as_form = preview(client, sheet, data).content.decode()
    as_json = preview_json(client, sheet, data)
    assert as_json.status_code == 200
    assert as_json.content.decode() == as_form


def test_live_scoring_as_json_needs_the_csrf_header(filler, settings):
    from django.test import Client

    client = logged_in(filler, Client(enforce_csrf_checks=True))
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    assert preview_json(client, sheet, data).status_code == 403
    token = (
        client.cookies[settings.CSRF_COOKIE_NAME].value
        if not settings.CSRF_USE_SESSIONS
        else (data["csrfmiddlewaretoken"])
    )
    ok = preview_json(client, sheet, data, HTTP_X_CSRFTOKEN=data.get("csrfmiddlewaretoken", token))
    assert ok.status_code == 200


def test_live_scoring_refuses_json_that_is_not_an_editors_fields(filler, settings):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    url = reverse("projects:sheet-edit-preview", args=[sheet.pk])
    for body in ("[1, 2]", "{not json", '"text"'):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    many = json.dumps({f"field-{i}": "1" for i in range(11)})
    assert client.post(url, many, content_type="application/json").status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    big = json.dumps({"rows-0-reason": "长" * 200})
    assert client.post(url, big, content_type="application/json").status_code == 400
