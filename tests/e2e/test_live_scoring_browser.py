"""Live scoring on a long sheet in the browser: typing a score updates the total, and only
the changed row's computed cell comes back."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from projects.models import Sheet
from projects.sheets.services import sheet_transition
from tests.helpers import sheet_of, view_of

LONG = "人才大厦运行维护经费"  # 40 rows; 已提交 in the demo, so the reviewer returns it first


def test_a_40_row_sheets_live_total_updates_after_typing_a_score(e2e_demo, page_for, live_server):
    reviewer = get_user_model().objects.get(username="reviewer")
    sheet = sheet_of(LONG)
    assert sheet.status == Sheet.Status.SUBMITTED
    sheet_transition(sheet=sheet, user=reviewer, action="return", comment="请核对第 40 行")
    sheet = sheet_of(LONG)
    view = view_of(sheet)
    assert len(view.rows) == 40
    last = view.rows[-1]
    new_score = last.score + Decimal("1") if last.score < last.weight else last.score - 1
    expected = view.total + (new_score - last.score)

    page = page_for("filler")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    expect(page.locator("#rows-body tr.indicator-row")).to_have_count(40)
    expect(page.locator("#live-total")).to_have_text(view.total_text)
    score = page.locator("#rows-body tr.indicator-row").nth(39).locator("input[name$='-score']")
    score.fill(f"{new_score:.2f}")
    expect(page.locator("#live-total")).to_have_text(f"{expected:.2f}")
    # What was typed stays as typed; the row's computed cell now carries its signature.
    expect(score).to_have_value(f"{new_score:.2f}")
    expect(page.locator("#rows-body .calc[data-sig]")).not_to_have_count(0)
    # A second keystroke elsewhere: the total follows again, the typed value untouched.
    first = page.locator("#rows-body tr.indicator-row").nth(0).locator("input[name$='-score']")
    first_score = view.rows[0].score
    first.fill(f"{first_score - 1:.2f}")
    expect(page.locator("#live-total")).to_have_text(f"{expected - 1:.2f}")
    expect(score).to_have_value(f"{new_score:.2f}")
