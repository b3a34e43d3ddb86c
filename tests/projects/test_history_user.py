"""Who the history records outside a web request (the demo loader, a command): the person a
service acts for, not 系统导入; a change nobody acted for stays 系统导入."""

from __future__ import annotations

import pytest

from projects.acting import acting_as, history_user
from projects.models import Comment, Sheet
from projects.review.selectors import COMMENT, STATUS, history
from projects.review.services import comment_add, review_action
from projects.sheets.services import sheet_transition
from tests.helpers import sheet_of

pytestmark = pytest.mark.django_db


def test_changes_made_by_services_outside_a_request_are_the_acting_persons(filler, reviewer):
    sheet = sheet_of("信息化运维项目")
    sheet_transition(sheet=sheet, user=filler, action="submit")
    sheet.refresh_from_db()
    comment_add(sheet=sheet, user=reviewer, body="请补充佐证。")
    review_action(sheet=sheet, user=reviewer, action="return", version=sheet.version)
    records = list(Sheet.history.filter(id=sheet.pk).order_by("history_date"))
    assert [r.history_user for r in records[-2:]] == [filler, reviewer]
    assert Comment.history.get(body="请补充佐证。").history_user == reviewer
    entries = history(sheet)
    status = [e.who for e in entries if e.kind == STATUS]
    assert status[:2] == ["人社局审核人", "人才服务中心填报人"]  # newest first
    assert [e.who for e in entries if e.kind == COMMENT] == ["人社局审核人"]


def test_a_change_nobody_acted_for_is_the_systems(seed):
    sheet = sheet_of("信息化运维项目")
    # The seed was imported from the command line, by nobody.
    first = Sheet.history.filter(id=sheet.pk).earliest("history_date")
    assert first.history_user is None
    assert {e.who for e in history(sheet)} == {"系统导入"}


def test_the_request_user_wins_over_the_acting_one(filler, reviewer, rf):
    request = rf.get("/")
    request.user = reviewer
    with acting_as(filler):
        assert history_user(request=request) == reviewer
        assert history_user(request=None) == filler
    assert history_user(request=None) is None
