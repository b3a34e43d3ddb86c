"""Two tiers of review: the 主管部门's approval goes on to 财政, whose approval is final."""

from __future__ import annotations

import pytest

from projects.models import Sheet, SheetTransition
from projects.sheets.services import sheet_transition
from tests.helpers import sheet_of

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
