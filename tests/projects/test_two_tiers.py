"""Two tiers of review: the 主管部门's approval goes on to 财政, whose approval is final."""

from __future__ import annotations

import pytest

from projects.models import Sheet, SheetTransition
from projects.sheets.services import sheet_transition
from tests.helpers import logged_in, sheet_of

PROJECT = "信息化运维项目"


def test_a_two_tier_sheet_goes_through_both(filler, reviewer, finance):
    sheet = sheet_of(PROJECT)
    sheet = sheet_transition(sheet=sheet, user=filler, action="submit")
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    assert sheet.status == Sheet.Status.DEPT_APPROVED
    sheet = sheet_transition(sheet=sheet, user=finance, action="return", comment="请补充依据")
    assert sheet.status == Sheet.Status.RETURNED
    sheet = sheet_transition(sheet=sheet, user=filler, action="submit")
    assert sheet.status == Sheet.Status.SUBMITTED  # back to the 主管部门 first
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    sheet = sheet_transition(sheet=sheet, user=finance, action="approve")
    assert sheet.status == Sheet.Status.APPROVED
    steps = list(
        SheetTransition.objects.filter(sheet=sheet)
        .order_by("pk")
        .values_list("user__username", "to_status")
    )
    assert steps == [
        ("filler", "submitted"),
        ("reviewer", "dept_approved"),
        ("finance", "returned"),
        ("filler", "submitted"),
        ("reviewer", "dept_approved"),
        ("finance", "approved"),
    ]


@pytest.mark.parametrize("tiers", [1, 2])
def test_the_rule_set_says_one_tier_or_two(seed, filler, reviewer, tiers):
    from tests.conftest import bureau_of

    bureau_of(tiers=tiers)
    sheet = sheet_transition(sheet=sheet_of(PROJECT), user=filler, action="submit")
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    assert sheet.status == ("approved" if tiers == 1 else "dept_approved")


def test_each_tier_finds_the_sheet_in_its_own_inbox(filler, reviewer, finance, admin_user):
    sheet = sheet_transition(sheet=sheet_of(PROJECT), user=filler, action="submit")
    assert PROJECT in logged_in(reviewer).get("/review/").content.decode()
    assert PROJECT not in logged_in(finance).get("/review/").content.decode()
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    assert PROJECT not in logged_in(reviewer).get("/review/").content.decode()
    assert PROJECT in logged_in(finance).get("/review/").content.decode()
    assert PROJECT in logged_in(admin_user).get("/review/").content.decode()


def test_the_approve_button_says_where_the_sheet_goes(filler, reviewer, finance):
    sheet = sheet_transition(sheet=sheet_of(PROJECT), user=filler, action="submit")
    page = logged_in(reviewer).get(f"/sheets/{sheet.pk}/").content.decode()
    assert "审核通过，报财政复核" in page and "两级审核" in page
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    page = logged_in(finance).get(f"/sheets/{sheet.pk}/").content.decode()
    assert "财政复核通过" in page
    assert (
        'id="approve-button"'
        not in logged_in(reviewer).get(f"/sheets/{sheet.pk}/").content.decode()
    )


def test_the_finance_account_sees_its_bureaus_sheets_only(filler_other, finance):
    mine = sheet_of(PROJECT)
    other = Sheet.objects.get(project__unit=filler_other.profile.unit, year=2023)
    client = logged_in(finance)
    assert client.get(f"/sheets/{mine.pk}/").status_code == 200
    assert client.get(f"/sheets/{other.pk}/").status_code == 404
    listed = client.get("/sheets/").content.decode()
    assert PROJECT in listed and other.project.name not in listed
