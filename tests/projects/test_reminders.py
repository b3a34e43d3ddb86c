"""Reminders: each role's pending work, the 待办 page, and the daily reminder e-mails."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from smtplib import SMTPException

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import figures
from projects.models import (
    EvaluationTask,
    Profile,
    Project,
    ReminderSent,
    Sheet,
    TaskItem,
)
from projects.reminders.selectors import (
    DUE_SOON,
    FILL,
    FIX,
    LATE,
    LISTED,
    REVIEW,
    pending_work,
)
from projects.reminders.services import send_reminders
from projects.sheets.services import sheet_transition
from projects.tasks.selectors import today
from tests.conftest import persona
from tests.helpers import sheet_of

pytestmark = pytest.mark.django_db

RETURNED = "人才公寓运行维护经费"
SUBMITTED = ("信息化运维项目", "人才大厦运行维护经费")
IN_TASK = "政府聘用辅助人员经费"  # a draft in the task
RETURN_COMMENT = "请补充绩效目标的佐证材料，并核对全年执行数。" * 3


def kinds(items) -> dict[str, list]:
    found: dict[str, list] = {}
    for item in items:
        found.setdefault(item.kind, []).append(item)
    return found


def issue_task(by, *, days: int, projects, title="2023年度项目支出绩效自评") -> EvaluationTask:
    task = EvaluationTask.objects.create(
        year=2023, title=title, deadline=today() + timedelta(days=days), created_by=by
    )
    TaskItem.objects.bulk_create(
        [TaskItem(task=task, project=project, unit=project.unit) for project in projects]
    )
    return task


def new_project(name: str) -> Project:
    """A project of unit A without a 2023 sheet: its task item is 未开始."""
    return Project.objects.create(unit=sheet_of(IN_TASK).project.unit, name=name)


@pytest.fixture
def work(filler, reviewer, admin_user):
    """A task due in 3 days (a draft and a project not started), a sheet returned with a
    comment, two sheets awaiting the 审核人."""
    issue_task(admin_user, days=3, projects=[sheet_of(IN_TASK).project, new_project("新建项目甲")])
    returned = sheet_transition(sheet=sheet_of(RETURNED), user=filler, action="submit")
    sheet_transition(sheet=returned, user=reviewer, action="return", comment=RETURN_COMMENT)
    for name in SUBMITTED:
        sheet_transition(sheet=sheet_of(name), user=filler, action="submit")


# -- pending work, role by role -----------------------------------------------------------------


def test_the_filler_sees_its_task_items_to_fill_and_its_returned_sheet(work, filler):
    found = kinds(pending_work(filler))
    assert set(found) == {FILL, FIX}
    fill = {item.label: item for item in found[FILL]}
    assert set(fill) == {IN_TASK, "新建项目甲"}
    assert all(item.days_left == 3 and item.urgency == "soon" for item in fill.values())
    assert fill[IN_TASK].url == reverse("projects:sheet-edit", args=[sheet_of(IN_TASK).pk])
    assert "未开始" in fill["新建项目甲"].detail
    [fix] = found[FIX]
    assert fix.label == RETURNED
    assert fix.url == sheet_of(RETURNED).get_absolute_url()
    # The reviewer's comment, shortened.
    assert "请补充绩效目标的佐证材料" in fix.detail
    shown = fix.detail.split("退回意见：")[1]
    assert RETURN_COMMENT not in fix.detail and len(shown) == 60
    # Not in a task: no deadline.
    assert fix.due is None and fix.urgency == ""


def test_a_returned_sheet_in_a_task_carries_its_deadline(filler, reviewer, admin_user):
    sheet = sheet_transition(sheet=sheet_of(RETURNED), user=filler, action="submit")
    sheet_transition(sheet=sheet, user=reviewer, action="return", comment="请修改")
    issue_task(admin_user, days=-2, projects=[sheet.project])
    [fix] = pending_work(filler)
    assert fix.kind == FIX and fix.days_left == -2 and fix.urgency == "late"
    assert "已逾期 2 天" in fix.due_text


def test_submitted_items_and_cancelled_tasks_are_not_work(filler, admin_user):
    task = issue_task(admin_user, days=3, projects=[sheet_of(SUBMITTED[0]).project])
    sheet_transition(sheet=sheet_of(SUBMITTED[0]), user=filler, action="submit")
    assert pending_work(filler) == []
    issue_task(admin_user, days=3, projects=[sheet_of(IN_TASK).project], title="另一任务")
    assert [item.label for item in pending_work(filler)] == [IN_TASK]
    EvaluationTask.objects.exclude(pk=task.pk).update(cancelled_at=task.created_at)
    assert pending_work(filler) == []


def test_the_filler_list_is_capped_with_the_rest_counted(filler, admin_user):
    projects = [new_project(f"新建项目{n:02d}") for n in range(LISTED + 5)]
    issue_task(admin_user, days=30, projects=projects)
    items = pending_work(filler)
    assert len(items) == LISTED + 1
    more = items[-1]
    assert more.count == 5 and "还有 5 项" in more.label
    assert sum(item.count for item in items) == LISTED + 5
    assert all(item.urgency == "" for item in items)  # 30 days away: not yet 临近截止


def test_the_reviewer_sees_the_sheets_awaiting_it_and_late_items(work, reviewer, admin_user):
    issue_task(admin_user, days=-1, projects=[new_project("逾期项目")], title="逾期任务")
    found = kinds(pending_work(reviewer))
    [review] = found[REVIEW]
    assert review.count == 2 and review.url == reverse("projects:review-inbox")
    [late] = found[LATE]
    assert late.count == 1 and late.url == reverse("projects:task-list")
    [soon] = found[DUE_SOON]
    assert soon.count == 2 and soon.days_left == 3  # the first task's two items


def test_finance_sees_the_sheets_its_departments_approved(finance, filler, reviewer):
    sheet = sheet_transition(sheet=sheet_of(SUBMITTED[0]), user=filler, action="submit")
    assert pending_work(finance) == []
    sheet_transition(sheet=sheet, user=reviewer, action="approve")
    [review] = pending_work(finance)
    assert review.kind == REVIEW and review.count == 1 and "财政" in review.label
    assert pending_work(reviewer) == []  # no longer the 主管部门's


def test_finance_sees_its_bureaus_deadlines_within_seven_days(finance, admin_user):
    task = issue_task(admin_user, days=7, projects=[sheet_of(IN_TASK).project])
    assert pending_work(finance) == []  # a task of no bureau is not its
    task.bureau_id = finance.profile.bureau_id
    task.save()
    [soon] = pending_work(finance)
    assert soon.kind == DUE_SOON and soon.count == 1 and soon.days_left == 7
    EvaluationTask.objects.filter(pk=task.pk).update(deadline=today() + timedelta(days=8))
    assert pending_work(finance) == []


def test_the_administrator_sees_both_tiers_and_late_items(finance, filler, reviewer, admin_user):
    first = sheet_transition(sheet=sheet_of(SUBMITTED[0]), user=filler, action="submit")
    sheet_transition(sheet=first, user=reviewer, action="approve")
    sheet_transition(sheet=sheet_of(SUBMITTED[1]), user=filler, action="submit")
    issue_task(admin_user, days=-5, projects=[sheet_of(IN_TASK).project])
    found = kinds(pending_work(admin_user))
    assert sorted(item.count for item in found[REVIEW]) == [1, 1]
    assert {item.label for item in found[REVIEW]} == {
        "待主管部门审核的自评表",
        "待财政审核的自评表",
    }
    assert found[LATE][0].count == 1


def auditor():
    user = persona("auditor", full_name="审计员")
    Profile.objects.create(user=user, auditor=True)
    return user


def test_the_auditor_and_users_without_a_role_have_nothing(work):
    assert pending_work(auditor()) == []
    assert pending_work(persona("nobody")) == []


# -- the 待办 page -------------------------------------------------------------------------------


def test_each_working_role_sees_its_page(work, client_for, filler, reviewer, finance, admin_user):
    url = reverse("projects:todo")
    html = client_for(filler).get(url).content.decode()
    assert IN_TASK in html and RETURNED in html and "临近截止" in html
    assert reverse("projects:sheet-edit", args=[sheet_of(IN_TASK).pk]) in html
    html = client_for(reviewer).get(url).content.decode()
    assert "待主管部门审核的自评表" in html and reverse("projects:review-inbox") in html
    for user in (finance, admin_user):
        assert client_for(user).get(url).status_code == 200


def test_the_page_says_when_nothing_waits(client_for, filler_other):
    response = client_for(filler_other).get(reverse("projects:todo"))
    assert response.status_code == 200
    assert "暂无待办事项" in response.content.decode()


def test_the_page_refuses_the_auditor_strangers_and_posts(seed, client, client_for, filler):
    url = reverse("projects:todo")
    assert client_for(auditor()).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert client_for(filler).post(url).status_code == 405


# -- the e-mails ------------------------------------------------------------------------------


@pytest.fixture
def addresses(work, filler, filler_other, reviewer, admin_user):
    """The filler and the reviewer (with work) and filler_other (without) have addresses;
    the 管理员, who has work too, has none."""
    for user, email in ((filler, "filler@example.cn"), (reviewer, "reviewer@example.cn")):
        user.email = email
        user.save()
    filler_other.email = "other@example.cn"
    filler_other.save()


def test_one_mail_goes_to_each_user_with_pending_work(addresses, mailoutbox, settings):
    settings.PERFEVAL_SITE_URL = "https://jx.example.cn"
    report = send_reminders()
    assert len(report.sent) == 2
    assert (report.no_work, report.no_address, report.already) == (1, 1, 0)
    assert report.summary() == (
        "sent 2, already reminded today 0, no pending work 1, no e-mail address 1"
    )
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert set(mails) == {"filler@example.cn", "reviewer@example.cn"}
    filler_mail = mails["filler@example.cn"]
    assert filler_mail.subject == "【绩效自评】您有 3 项待办"
    assert IN_TASK in filler_mail.body and "请补充绩效目标的佐证材料" in filler_mail.body
    edit = reverse("projects:sheet-edit", args=[sheet_of(IN_TASK).pk])
    assert f"https://jx.example.cn{edit}" in filler_mail.body
    assert "&quot;" not in filler_mail.body and "&#x27;" not in filler_mail.body
    reviewer_mail = mails["reviewer@example.cn"]
    assert "待主管部门审核的自评表：2 项" in reviewer_mail.body
    assert "https://jx.example.cn" + reverse("projects:review-inbox") in reviewer_mail.body
    assert ReminderSent.objects.count() == 2
    assert ReminderSent.objects.get(user__email="filler@example.cn").items == 3


def test_nobody_is_reminded_twice_a_day_and_again_the_next(addresses, mailoutbox):
    send_reminders()
    second = send_reminders()
    assert len(second.sent) == 0 and second.already == 2
    assert len(mailoutbox) == 2
    tomorrow = send_reminders(today=today() + timedelta(days=1))
    assert len(tomorrow.sent) == 2 and len(mailoutbox) == 4
    assert ReminderSent.objects.count() == 4


def test_a_failed_send_records_nothing_and_the_next_run_sends(addresses, mailoutbox, monkeypatch):
    from django.core.mail.backends import locmem

    def refuse(self, messages):
        raise SMTPException("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(locmem.EmailBackend, "send_messages", refuse)
        report = send_reminders()
    assert len(report.sent) == 0 and sorted(report.failed) == ["filler", "reviewer"]
    assert ReminderSent.objects.count() == 0 and mailoutbox == []
    again = send_reminders()
    assert len(again.sent) == 2 and len(mailoutbox) == 2


def test_the_command_prints_its_counts_and_a_dry_run_sends_nothing(addresses, mailoutbox):
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "filler <filler@example.cn>: 【绩效自评】您有 3 项待办" in text
    assert "would send 2, already reminded today 0" in text
    assert mailoutbox == [] and ReminderSent.objects.count() == 0
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert (
        out.getvalue()
        .strip()
        .endswith("sent 2, already reminded today 0, no pending work 1, no e-mail address 1")
    )
    assert len(mailoutbox) == 2


def test_the_command_fails_after_its_report_when_a_send_fails(addresses, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(SMTPException("down")),
    )
    out = StringIO()
    with pytest.raises(CommandError, match="filler"):
        call_command("send_reminders", stdout=out)
    assert "failed 2" in out.getvalue()


def test_inactive_users_get_nothing(addresses, filler, reviewer, mailoutbox):
    reviewer.is_active = False
    reviewer.save()
    report = send_reminders()
    assert [outcome.username for outcome in report.sent] == [filler.username]


# -- cost ---------------------------------------------------------------------------------------


def sheets_in(status: str, count: int) -> None:
    """`count` sheets of unit A in `status`: the seed's 11 of 2023, then copies in 2022."""
    seed = list(Sheet.objects.filter(project__unit__name=sheet_of(IN_TASK).project.unit.name))
    sheets = seed[:count]
    for sheet in seed[: count - len(sheets)]:
        sheets.append(Sheet.objects.create(project=sheet.project, year=2022))
    ids = [sheet.pk for sheet in sheets]
    Sheet.objects.filter(pk__in=ids).update(status=status)
    figures.store_many(ids)


def queries(user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        items = pending_work(user)
    return len(ctx.captured_queries), sum(item.count for item in items)


@pytest.mark.parametrize("status, role", [("submitted", "reviewer"), ("returned", "filler")])
def test_pending_work_costs_the_same_for_2_and_20_sheets(request, status, role, admin_user):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.select_related("profile")
    user = request.getfixturevalue(role)
    # The item list too: 2 items, then 20 (past the cap).
    task_projects = [new_project(f"任务项目{n:02d}") for n in range(LISTED + 2)]
    issue_task(admin_user, days=-1, projects=task_projects[:2])
    sheets_in(status, 2)
    small_queries, small = queries(users.get(pk=user.pk))
    Sheet.objects.filter(status=status).update(status="draft")
    TaskItem.objects.all().delete()
    issue_task(admin_user, days=-1, projects=task_projects, title="第二个任务")
    sheets_in(status, 20)
    big_queries, big = queries(users.get(pk=user.pk))
    assert (small, big) == (4, 42)
    assert small_queries == big_queries
