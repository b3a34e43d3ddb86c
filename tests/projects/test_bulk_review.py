"""Bulk review (issue 15): the inbox's selected sheets approved or returned at once, each
through the single action, each refused on its own with its reason, each audited."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.audit.models import AuditRecord
from projects.models import Comment, Indicator, Sheet
from projects.review.bulk import BULK_LIMIT, BulkTooLarge, bulk_review
from projects.review.services import comment_add
from projects.sheets.services import sheet_transition
from tests.helpers import logged_in, sheet_of

CLEAN = [
    "高校毕业生就业服务专项",
    "回国留学人员创业服务专项",
    "科创人才公共服务专项",
    "流动人员人事档案管理专项",
    "人才大厦运行维护经费",
    "人才公寓运行维护经费",
    "人才引进一网通办服务专项",
    "上海市流动人才党员服务管理专项",
    "信息化运维项目",
    "政府聘用辅助人员经费",
]
# The demo sheet whose rows still lack the reasons the rules require (two blocking errors).
WITH_ERRORS = "人事人才公共服务工作经费"
OTHER_DEPARTMENT = "社区公共服务设施运营补助"
BULK_URL = "/review/bulk/"


def submitted(filler, *names) -> list[Sheet]:
    return [sheet_transition(sheet=sheet_of(name), user=filler, action="submit") for name in names]


def submitted_with_errors(filler) -> Sheet:
    """The sheet with errors, submitted while its reasons were filled in, then emptied again
    (as an import of the sheet's rows could): in the inbox with two blocking errors."""
    sheet = sheet_of(WITH_ERRORS)
    rows = list(sheet.indicators.all())
    broken = [rows[f.row].pk for f in sheet.evaluate().errors]
    assert len(broken) == 2
    Indicator.objects.filter(pk__in=broken).update(reason="偏差原因")
    sheet = sheet_transition(sheet=sheet_of(WITH_ERRORS), user=filler, action="submit")
    Indicator.objects.filter(pk__in=broken).update(reason="")
    assert len(sheet_of(WITH_ERRORS).evaluate().errors) == 2
    return Sheet.objects.get(pk=sheet.pk)


def inbox_values(client) -> dict[int, str]:
    """The inbox's checkboxes as rendered: sheet id → "<id>:<version>"."""
    page = client.get("/review/").content.decode()
    values = re.findall(r'name="sheet" value="(\d+:\d+)"', page)
    return {int(v.split(":")[0]): v for v in values}


def saved_since(sheet: Sheet, user) -> None:
    """A content save after the reviewer's page was rendered: the version moves on."""
    Sheet.objects.filter(pk=sheet.pk).update(
        version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )


def status_of(sheet: Sheet) -> str:
    return Sheet.objects.values_list("status", flat=True).get(pk=sheet.pk)


def test_five_sheets_one_with_errors_one_changed_approves_three(filler, reviewer):
    good = submitted(filler, *CLEAN[:4])
    broken = submitted_with_errors(filler)
    changed = good.pop()
    client = logged_in(reviewer)
    values = inbox_values(client)
    chosen = [*good, changed, broken]
    assert all(s.pk in values for s in chosen)
    saved_since(changed, filler)
    audit_before = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first()

    response = client.post(BULK_URL, {"action": "approve", "sheet": [values[s.pk] for s in chosen]})

    assert response.status_code == 200
    outcomes = {o.sheet_id: o for o in response.context["outcomes"]}
    assert response.context["counts"] == {"done": 3, "refused": 2, "not_found": 0}
    for sheet in good:
        assert outcomes[sheet.pk].result == "done"
        assert status_of(sheet) in (Sheet.Status.DEPT_APPROVED, Sheet.Status.APPROVED)
    assert outcomes[broken.pk].result == "refused"
    assert outcomes[broken.pk].reason == "errors"
    assert "2 处错误" in outcomes[broken.pk].message
    assert outcomes[changed.pk].reason == "stale"
    assert "人才服务中心填报人" in outcomes[changed.pk].message
    assert f"第 {changed.version + 1} 版" in outcomes[changed.pk].message
    assert status_of(broken) == status_of(changed) == Sheet.Status.SUBMITTED
    page = response.content.decode()
    assert outcomes[broken.pk].message in page and outcomes[changed.pk].message in page
    assert WITH_ERRORS in page

    # Every sheet in the audit log: the transitions done, the refusals with their reasons.
    log = AuditRecord.objects.filter(id__gt=audit_before)
    for sheet in good:
        done = log.get(action="transition", object_id=str(sheet.pk))
        assert done.result == "ok" and done.params["action"] == "approve"
        assert done.username == "reviewer"
    for sheet, reason in ((broken, "errors"), (changed, "stale")):
        refused = log.get(action="transition", object_id=str(sheet.pk))
        assert refused.result == "refused"
        assert refused.params == {"action": "approve", "reason": reason, "bulk": True}
    summary = log.get(action="bulk_review")
    assert summary.params["done"] == 3 and summary.params["refused"] == 2
    assert sorted(summary.params["sheets"]) == sorted(s.pk for s in chosen)

    # The inbox says it too, and no longer lists the approved sheets.
    inbox = client.get("/review/").content.decode()
    assert "批量审核：3 张已审核通过，2 张未执行。" in inbox
    assert CLEAN[0] not in inbox and WITH_ERRORS in inbox


def test_open_comments_refuse_an_approval_unless_the_reviewer_chose_otherwise(filler, reviewer):
    quiet, discussed = submitted(filler, *CLEAN[:2])
    comment_add(sheet=discussed, user=reviewer, body="请补充佐证材料")
    entries = [(quiet.pk, quiet.version), (discussed.pk, discussed.version)]

    outcomes = bulk_review(reviewer, "approve", entries)
    assert [o.result for o in outcomes] == ["done", "refused"]
    assert outcomes[1].reason == "open_comments"
    assert "1 条待处理意见" in outcomes[1].message
    assert status_of(discussed) == Sheet.Status.SUBMITTED

    again = bulk_review(
        reviewer, "approve", [(discussed.pk, discussed.version)], allow_open_comments=True
    )
    assert again[0].result == "done"
    assert "1 条待处理意见" in again[0].note
    assert status_of(discussed) != Sheet.Status.SUBMITTED


def test_a_bulk_return_needs_a_comment_or_open_comments(filler, reviewer):
    quiet, discussed = submitted(filler, *CLEAN[:2])
    comment_add(sheet=discussed, user=reviewer, body="第 3 行目标值有误")
    client = logged_in(reviewer)
    values = inbox_values(client)

    response = client.post(
        BULK_URL, {"action": "return", "sheet": [values[quiet.pk], values[discussed.pk]]}
    )
    outcomes = {o.sheet_id: o for o in response.context["outcomes"]}
    assert outcomes[quiet.pk].reason == "comment_required"
    assert outcomes[discussed.pk].result == "done"
    assert status_of(quiet) == Sheet.Status.SUBMITTED
    assert status_of(discussed) == Sheet.Status.RETURNED
    assert AuditRecord.objects.get(
        action="transition", result="refused", object_id=str(quiet.pk)
    ).params == {"action": "return", "reason": "comment_required", "bulk": True}

    response = client.post(
        BULK_URL, {"action": "return", "sheet": [values[quiet.pk]], "comment": "请核对预算数"}
    )
    assert response.context["counts"]["done"] == 1
    assert status_of(quiet) == Sheet.Status.RETURNED
    assert Comment.objects.filter(sheet=quiet, body="请核对预算数", parent=None).exists()


def test_another_departments_sheet_is_not_found_and_unchanged(filler, filler_other, reviewer):
    (mine,) = submitted(filler, CLEAN[0])
    other = sheet_transition(
        sheet=Sheet.objects.get(project__name=OTHER_DEPARTMENT), user=filler_other, action="submit"
    )
    client = logged_in(reviewer)
    response = client.post(
        BULK_URL,
        {
            "action": "approve",
            "sheet": [f"{other.pk}:{other.version}", f"{mine.pk}:{mine.version}"],
        },
    )
    assert response.status_code == 200
    outcomes = response.context["outcomes"]
    assert [(o.sheet_id, o.result) for o in outcomes] == [
        (other.pk, "not_found"),
        (mine.pk, "done"),
    ]
    assert outcomes[0].sheet is None and outcomes[0].status == ""
    assert OTHER_DEPARTMENT not in response.content.decode()
    assert status_of(other) == Sheet.Status.SUBMITTED
    assert not other.transitions.filter(user=reviewer).exists()
    refusal = AuditRecord.objects.get(action="access", object_id=str(other.pk))
    assert refusal.result == "refused" and refusal.params["status"] == 404


def test_finance_bulk_approves_its_bureaus_department_approved_sheets(filler, reviewer, finance):
    first, second, waiting = submitted(filler, *CLEAN[:3])
    for sheet in (first, second):
        sheet_transition(sheet=sheet, user=reviewer, action="approve")
    assert status_of(first) == Sheet.Status.DEPT_APPROVED
    client = logged_in(finance)
    values = inbox_values(client)
    assert set(values) == {first.pk, second.pk}

    response = client.post(
        BULK_URL,
        {
            "action": "approve",
            "sheet": [values[first.pk], values[second.pk], f"{waiting.pk}:{waiting.version}"],
        },
    )
    outcomes = {o.sheet_id: o for o in response.context["outcomes"]}
    assert status_of(first) == status_of(second) == Sheet.Status.APPROVED
    assert outcomes[first.pk].status == Sheet.Status.APPROVED
    # Still awaiting the 主管部门: in the bureau's scope, but not the bureau's to decide.
    assert outcomes[waiting.pk].reason == "not_awaiting"
    assert status_of(waiting) == Sheet.Status.SUBMITTED
    assert "财政复核" not in outcomes[waiting.pk].message
    assert "已提交" in outcomes[waiting.pk].message


def test_at_most_a_hundred_sheets_a_request(filler, reviewer):
    (sheet,) = submitted(filler, CLEAN[0])
    entries = [(sheet.pk, sheet.version)] + [(10_000 + i, 1) for i in range(BULK_LIMIT)]
    with pytest.raises(BulkTooLarge):
        bulk_review(reviewer, "approve", entries)
    assert status_of(sheet) == Sheet.Status.SUBMITTED

    response = logged_in(reviewer).post(
        BULK_URL, {"action": "approve", "sheet": [f"{pk}:{v}" for pk, v in entries]}
    )
    assert response.status_code == 302 and response.url == "/review/"
    assert status_of(sheet) == Sheet.Status.SUBMITTED
    assert (
        AuditRecord.objects.filter(
            action="bulk_review", result="refused", params__count=BULK_LIMIT + 1
        ).count()
        == 2
    )
    assert (
        not AuditRecord.objects.filter(action="transition", object_id=str(sheet.pk))
        .exclude(username="filler")
        .exists()
    )


def test_the_form_is_checked(filler, reviewer):
    (sheet,) = submitted(filler, CLEAN[0])
    client = logged_in(reviewer)
    assert (
        client.post(BULK_URL, {"action": "reopen", "sheet": [f"{sheet.pk}:1"]}).status_code == 400
    )
    assert client.post(BULK_URL, {"action": "approve", "sheet": ["x:1"]}).status_code == 400
    empty = client.post(BULK_URL, {"action": "approve"})
    assert empty.status_code == 302
    # A value without the version the reviewer saw is stale, as in the single action.
    response = client.post(BULK_URL, {"action": "approve", "sheet": [str(sheet.pk)]})
    assert response.context["outcomes"][0].reason == "stale"
    assert status_of(sheet) == Sheet.Status.SUBMITTED
    # Not a reviewer: the page is refused altogether.
    assert (
        logged_in(filler)
        .post(BULK_URL, {"action": "approve", "sheet": [f"{sheet.pk}:{sheet.version}"]})
        .status_code
        == 403
    )
    assert status_of(sheet) == Sheet.Status.SUBMITTED


def test_the_inbox_carries_each_sheets_id_and_version(filler, reviewer):
    (sheet,) = submitted(filler, CLEAN[0])
    saved_since(sheet, filler)
    client = logged_in(reviewer)
    page = client.get("/review/").content.decode()
    assert f'value="{sheet.pk}:{sheet.version + 1}"' in page
    assert 'id="bulk-all"' in page and "js/bulk-review.js" in page
    assert "批量审核通过" in page and "批量退回" in page


def test_the_queries_grow_at_most_linearly(filler, reviewer):
    sheets = submitted(filler, *CLEAN[:9])

    def cost(batch) -> int:
        with CaptureQueriesContext(connection) as queries:
            outcomes = bulk_review(reviewer, "approve", [(s.pk, s.version) for s in batch])
        assert all(o.result == "done" for o in outcomes)
        return len(queries)

    one, three, five = cost(sheets[:1]), cost(sheets[1:4]), cost(sheets[4:9])
    per_sheet = (three - one) / 2
    assert per_sheet > 0
    assert five - three <= 2 * per_sheet + 4  # no sheet costs more than the ones before
