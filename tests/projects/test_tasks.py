"""The year's evaluation tasks: issuing (财政, 管理员), the Excel list, who sees what, who
cancels, starting a sheet from an item, late items and department deadlines, and the task
list's queries."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from projects.audit.models import AuditRecord
from projects.models import Department, Project, Sheet, Unit
from projects.tasks.models import EvaluationTask, TaskDeadline, TaskItem
from projects.tasks.selectors import (
    progress,
    progress_by_unit,
    today,
    visible_items,
    with_state,
)
from projects.tasks.services import (
    ListRow,
    TaskRefused,
    issue_task,
    read_task_list,
    set_department_deadline,
    start_sheet,
)
from tests.conftest import DEPARTMENT_A, DEPARTMENT_B, UNIT_A, UNIT_B, persona
from tests.helpers import logged_in

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = 2024
PROJECT = "信息化运维项目"


def unit_a() -> Unit:
    return Unit.objects.get(name=UNIT_A, department__name=DEPARTMENT_A)


def unit_b() -> Unit:
    return Unit.objects.get(name=UNIT_B, department__name=DEPARTMENT_B)


def xlsx(rows, header=("序号", "主管部门", "实施单位", "项目名称", "备注")) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["2024年度绩效自评项目清单"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile("list.xlsx", data.getvalue(), content_type=XLSX_TYPE)


def a_task(user, *, bureau, units=(), rows=(), year=YEAR, deadline=None, title="年度自评"):
    return issue_task(
        user,
        title=title,
        year=year,
        deadline=deadline or today() + timedelta(days=30),
        note="",
        bureau=bureau,
        units=units,
        rows=rows,
    )


def form_data(**extra) -> dict:
    data = {
        "title": "2024年度项目支出绩效自评",
        "year": str(YEAR),
        "deadline": (today() + timedelta(days=30)).isoformat(),
        "note": "请按时提交",
    }
    data.update(extra)
    return data


# -- issuing ----------------------------------------------------------------------------------


def test_finance_issues_a_task_for_its_own_units(finance):
    client = logged_in(finance)
    page = client.get("/tasks/new/")
    assert page.status_code == 200
    # Only its bureau's units are offered.
    offered = set(page.context["form"].fields["units"].queryset)
    assert unit_a() in offered and unit_b() not in offered
    response = client.post("/tasks/new/", form_data(units=[unit_a().pk]))
    task = EvaluationTask.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert task.bureau == finance.profile.bureau and task.created_by == finance
    projects = set(Project.objects.filter(unit=unit_a()).values_list("pk", flat=True))
    assert len(projects) == 11
    assert set(task.items.values_list("project", flat=True)) == projects
    entry = AuditRecord.objects.get(action="task_issue")
    assert entry.params["items"] == 11 and entry.params["year"] == YEAR
    assert entry.object_id == str(task.pk)


def test_finance_cannot_task_a_unit_outside_its_bureau_and_the_form_keeps_what_was_typed(
    finance,
):
    client = logged_in(finance)
    # 示范区公共服务中心 is offered to nobody of this bureau: the choice itself is invalid.
    response = client.post("/tasks/new/", form_data(units=[unit_b().pk]))
    assert response.status_code == 200
    assert "units" in response.context["form"].errors
    assert 'value="2024年度项目支出绩效自评"' in response.content.decode()
    # The service refuses it too, naming the unit.
    with pytest.raises(TaskRefused) as refused:
        a_task(finance, bureau=finance.profile.bureau, units=[unit_b()])
    assert UNIT_B in refused.value.messages[0]
    assert not EvaluationTask.objects.exists()


def test_the_administrator_issues_for_departments_under_no_bureau(admin_user, filler_other):
    client = logged_in(admin_user)
    response = client.post("/tasks/new/", form_data(bureau="", units=[unit_b().pk]))
    assert response.status_code == 302
    task = EvaluationTask.objects.get()
    assert task.bureau is None
    assert set(task.items.values_list("unit", flat=True)) == {unit_b().pk}
    assert AuditRecord.objects.filter(action="task_issue", object_id=str(task.pk)).exists()


def test_a_task_needs_at_least_one_project(admin_user):
    response = logged_in(admin_user).post("/tasks/new/", form_data(bureau=""))
    assert response.status_code == 200
    assert "任务至少要包含一个项目" in response.content.decode()
    assert not EvaluationTask.objects.exists()


def test_a_project_is_in_one_active_task_a_year(admin_user):
    first = a_task(admin_user, bureau=None, units=[unit_a()])
    with pytest.raises(TaskRefused) as refused:
        a_task(admin_user, bureau=None, rows=[(DEPARTMENT_A, UNIT_A, PROJECT)], title="第二次")
    assert PROJECT in refused.value.messages[0] and first.title in refused.value.messages[0]
    # Another year is another matter, and so is a cancelled task's project.
    a_task(admin_user, bureau=None, rows=[(DEPARTMENT_A, UNIT_A, PROJECT)], year=YEAR + 1)
    EvaluationTask.objects.filter(pk=first.pk).update(cancelled_at=first.created_at)
    a_task(admin_user, bureau=None, rows=[(DEPARTMENT_A, UNIT_A, PROJECT)], title="重新下达")
    assert EvaluationTask.objects.count() == 3


@pytest.mark.parametrize("who", ["reviewer", "filler"])
def test_a_reviewer_or_a_unit_cannot_issue(request, who):
    client = logged_in(request.getfixturevalue(who))
    assert client.get("/tasks/new/").status_code == 403
    assert client.post("/tasks/new/", form_data(units=[unit_a().pk])).status_code == 403
    assert not EvaluationTask.objects.exists()
    with pytest.raises(PermissionDenied):
        a_task(request.getfixturevalue(who), bureau=None, units=[unit_a()])
    assert not EvaluationTask.objects.exists()


# -- the Excel list ---------------------------------------------------------------------------


def test_an_excel_list_adds_existing_and_new_projects(admin_user):
    upload = xlsx(
        [
            (1, DEPARTMENT_A, UNIT_A, PROJECT, "原有项目"),
            (None, None, None, None, "说明行"),
            (2, DEPARTMENT_B, UNIT_B, "新建的项目", ""),
        ]
    )
    rows = read_task_list(upload)
    assert rows == [
        ListRow(DEPARTMENT_A, UNIT_A, PROJECT, line=3),
        ListRow(DEPARTMENT_B, UNIT_B, "新建的项目", line=5),
    ]
    upload.seek(0)
    response = logged_in(admin_user).post(
        "/tasks/new/", {**form_data(bureau=""), "listfile": upload}
    )
    assert response.status_code == 302
    task = EvaluationTask.objects.get()
    names = set(task.items.values_list("project__name", flat=True))
    assert names == {PROJECT, "新建的项目"}
    assert Project.objects.filter(unit=unit_b(), name="新建的项目").exists()


def test_only_the_lists_first_worksheet_is_read(admin_user):
    book = Workbook()
    book.active.append(["主管部门", "实施单位", "项目名称"])
    book.active.append([DEPARTMENT_A, UNIT_A, PROJECT])
    notes = book.create_sheet("说明")
    notes.append(["主管部门", "实施单位", "项目名称"])
    notes.append(["示例部门", "示例单位", "示例项目"])
    data = io.BytesIO()
    book.save(data)
    upload = SimpleUploadedFile("list.xlsx", data.getvalue(), content_type=XLSX_TYPE)
    assert read_task_list(upload) == [ListRow(DEPARTMENT_A, UNIT_A, PROJECT, line=2)]


def test_an_excel_list_with_bad_rows_is_refused_row_by_row(admin_user):
    a_task(admin_user, bureau=None, rows=[(DEPARTMENT_A, UNIT_A, "绩效评价项目")], title="先下达")
    upload = xlsx(
        [
            (1, "不存在的部门", UNIT_A, PROJECT, ""),
            (2, DEPARTMENT_A, "不存在的单位", PROJECT, ""),
            (3, DEPARTMENT_A, UNIT_A, None, ""),
            (4, DEPARTMENT_A, UNIT_A, "绩效评价项目", ""),
            (5, DEPARTMENT_B, UNIT_B, "好的一行", ""),
        ]
    )
    # A missing cell is found while reading.
    with pytest.raises(TaskRefused) as refused:
        read_task_list(upload)
    assert refused.value.messages == ["第 5 行：缺少项目名称。"]
    upload.seek(0)
    response = logged_in(admin_user).post(
        "/tasks/new/", {**form_data(bureau=""), "listfile": upload}
    )
    assert response.status_code == 200
    assert "第 5 行：缺少项目名称" in response.content.decode()
    rows = [
        ListRow("不存在的部门", UNIT_A, PROJECT, line=3),
        ListRow(DEPARTMENT_A, "不存在的单位", PROJECT, line=4),
        ListRow(DEPARTMENT_A, UNIT_A, "绩效评价项目", line=6),
        ListRow(DEPARTMENT_B, UNIT_B, "好的一行", line=7),
    ]
    with pytest.raises(TaskRefused) as refused:
        a_task(admin_user, bureau=None, rows=rows, title="第二个")
    messages = refused.value.messages
    assert len(messages) == 3
    assert messages[0].startswith("第 3 行") and "不存在的部门" in messages[0]
    assert messages[1].startswith("第 4 行") and "不存在的单位" in messages[1]
    assert messages[2].startswith("第 6 行") and "先下达" in messages[2]
    # Nothing of the refused task stays: not the task, not the good row's new project.
    assert EvaluationTask.objects.count() == 1
    assert not Project.objects.filter(name="好的一行").exists()


def test_a_list_row_outside_the_bureau_is_refused(finance):
    with pytest.raises(TaskRefused) as refused:
        a_task(
            finance,
            bureau=finance.profile.bureau,
            rows=[ListRow(DEPARTMENT_B, UNIT_B, "示范区项目", line=3)],
        )
    assert refused.value.messages[0].startswith("第 3 行") and UNIT_B in refused.value.messages[0]


def test_a_list_without_its_header_is_refused(admin_user):
    with pytest.raises(TaskRefused) as refused:
        read_task_list(xlsx([(DEPARTMENT_A, UNIT_A, PROJECT)], header=("部门", "单位", "项目")))
    assert "没有找到表头" in refused.value.messages[0]


def test_an_oversized_list_is_refused_before_it_is_read(admin_user, settings):
    upload = xlsx([(1, DEPARTMENT_A, UNIT_A, PROJECT, "")])
    settings.PERFEVAL_IMPORT_MAX_BYTES = 1000
    response = logged_in(admin_user).post(
        "/tasks/new/", {**form_data(bureau=""), "listfile": upload}
    )
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    assert not EvaluationTask.objects.exists()


# -- who sees what, who cancels -----------------------------------------------------------


def test_a_unit_sees_only_its_items_and_not_another_units_task(
    admin_user, filler, filler_other, reviewer
):
    both = a_task(admin_user, bureau=None, units=[unit_a(), unit_b()], title="两个单位")
    only_a = a_task(admin_user, bureau=None, rows=[(DEPARTMENT_A, UNIT_A, "新项目")], year=YEAR + 1)
    mine = visible_items(filler_other)
    assert set(mine.values_list("unit", flat=True)) == {unit_b().pk}
    client = logged_in(filler_other)
    listing = client.get("/tasks/")
    assert [e["item"].task_id for e in listing.context["entries"]] == [both.pk]
    detail = client.get(f"/tasks/{both.pk}/")
    assert detail.status_code == 200
    units = {row["unit__name"] for row in detail.context["units"]}
    assert units == {UNIT_B}
    assert UNIT_A not in detail.content.decode()
    assert client.get(f"/tasks/{only_a.pk}/").status_code == 404
    # The department's reviewer sees its own unit's part.
    shown = logged_in(reviewer).get(f"/tasks/{both.pk}/")
    assert {row["unit__name"] for row in shown.context["units"]} == {UNIT_A}
    # Another unit's item cannot be started: it is not there for this unit.
    item_a = both.items.filter(unit=unit_a()).first()
    assert client.post(f"/tasks/items/{item_a.pk}/start/").status_code == 404


@pytest.mark.parametrize("who", ["filler", "reviewer", "admin_user"])
def test_only_finance_cancels_a_task(request, finance, who):
    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    client = logged_in(request.getfixturevalue(who))
    response = client.post(f"/tasks/{task.pk}/cancel/", {"reason": "不需要了"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert not task.is_cancelled and task.items.count() == 11
    assert not AuditRecord.objects.filter(action="task_cancel").exists()


def test_finance_cancels_with_a_reason_and_the_log_records_it(finance, filler):
    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    client = logged_in(finance)
    refused = client.post(f"/tasks/{task.pk}/cancel/", {"reason": "  "})
    assert refused.status_code == 400
    task.refresh_from_db()
    assert not task.is_cancelled
    response = client.post(f"/tasks/{task.pk}/cancel/", {"reason": "预算调整，任务重新下达"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.is_cancelled and task.cancelled_by == finance
    assert task.cancel_reason == "预算调整，任务重新下达"
    assert task.items.count() == 11  # nothing deleted
    entry = AuditRecord.objects.get(action="task_cancel")
    assert entry.params == {"reason": "预算调整，任务重新下达"}
    assert entry.object_id == str(task.pk) and entry.username == "finance"
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "预算调整，任务重新下达" in page and "市财政局绩效处" in page
    assert f"/tasks/{task.pk}/cancel/" not in page  # read-only now
    # A cancelled task is no longer in the unit's list, and its items start nothing.
    assert logged_in(filler).get("/tasks/").context["entries"] == []
    with pytest.raises(TaskRefused):
        start_sheet(filler, task.items.first())
    assert client.post(f"/tasks/{task.pk}/cancel/", {"reason": "再撤一次"}).status_code == 400


def test_finance_of_another_bureau_does_not_see_the_task(finance, admin_user):
    from indicators.models import Bureau

    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    other = persona("finance2", bureau=Bureau.objects.create(name="示范区财政局（执委会）"))
    client = logged_in(other)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert client.get("/tasks/").context["rows"] == []


# -- starting a sheet -----------------------------------------------------------------------


def test_starting_an_item_creates_its_sheet_once_from_last_years(finance, filler):
    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    item = task.items.get(project__name=PROJECT)
    last_year = Sheet.objects.get(project=item.project, year=2023)
    client = logged_in(filler)
    listing = client.get("/tasks/")
    assert f"/tasks/items/{item.pk}/start/" in listing.content.decode()
    first = client.post(f"/tasks/items/{item.pk}/start/")
    sheet = Sheet.objects.get(project=item.project, year=YEAR)
    assert first.status_code == 302 and first["Location"] == f"/sheets/{sheet.pk}/edit/"
    assert sheet.status == "draft"
    assert sheet.indicators.count() == last_year.indicators.count() > 0
    again = client.post(f"/tasks/items/{item.pk}/start/")
    assert again["Location"] == f"/sheets/{sheet.pk}/edit/"
    assert Sheet.objects.filter(project=item.project, year=YEAR).count() == 1
    # The list now links the sheet instead of the button.
    listing = client.get("/tasks/").content.decode()
    assert f"/sheets/{sheet.pk}/" in listing
    assert f"/tasks/items/{item.pk}/start/" not in listing


def test_only_the_units_filler_starts_an_item(finance, reviewer):
    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    item = task.items.first()
    assert logged_in(reviewer).post(f"/tasks/items/{item.pk}/start/").status_code == 403
    assert logged_in(finance).post(f"/tasks/items/{item.pk}/start/").status_code == 403
    assert not Sheet.objects.filter(year=YEAR).exists()


# -- late, and department deadlines ---------------------------------------------------------


def _late_fixture(finance, filler, deadline):
    rows = [(DEPARTMENT_A, UNIT_A, name) for name in ("未开始的项目", "草稿项目", "已提交项目")]
    task = a_task(finance, bureau=finance.profile.bureau, rows=rows, deadline=deadline)
    for name, status in (("草稿项目", "draft"), ("已提交项目", "submitted")):
        sheet, created = start_sheet(filler, task.items.get(project__name=name))
        assert created
        Sheet.objects.filter(pk=sheet.pk).update(status=status)
    return task


def test_late_counts_unstarted_and_draft_items_not_submitted_ones(finance, filler):
    task = _late_fixture(finance, filler, today() - timedelta(days=3))
    counts = progress(task.items.all())
    assert counts["late"] == 2
    assert counts["not_started"] == 1 and counts["draft"] == 1 and counts["submitted"] == 1
    by_unit = list(progress_by_unit(task.items.all()))
    assert by_unit[0]["late"] == 2
    listing = logged_in(filler).get("/tasks/")
    late = {e["item"].project.name: e["item"].late for e in listing.context["entries"]}
    assert late == {"未开始的项目": True, "草稿项目": True, "已提交项目": False}
    assert "逾期 3 天" in listing.content.decode()
    page = logged_in(finance).get(f"/tasks/{task.pk}/")
    assert page.context["totals"]["late"] == 2
    assert page.context["totals"]["filling"] == 1
    assert page.context["totals"]["dept_review"] == 1
    tasks = logged_in(finance).get("/tasks/").context["rows"]
    assert tasks[0][1]["late"] == 2 and tasks[0][1]["not_started"] == 1


def test_nothing_is_late_before_the_deadline(finance, filler):
    task = _late_fixture(finance, filler, today())
    assert progress(task.items.all())["late"] == 0


def test_a_department_deadline_overrides_the_tasks(finance, filler):
    task = _late_fixture(finance, filler, today() + timedelta(days=10))
    assert progress(task.items.all())["late"] == 0
    department = Department.objects.get(name=DEPARTMENT_A)
    response = logged_in(finance).post(
        f"/tasks/{task.pk}/deadline/",
        {"department": department.pk, "deadline": (today() - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 302
    assert TaskDeadline.objects.get(task=task).deadline == today() - timedelta(days=1)
    assert progress(task.items.all())["late"] == 2
    assert AuditRecord.objects.filter(action="task_change", object_id=str(task.pk)).exists()
    # And the other way: a later department deadline lifts the task's.
    set_department_deadline(finance, task, department, today() + timedelta(days=5))
    EvaluationTask.objects.filter(pk=task.pk).update(deadline=today() - timedelta(days=30))
    assert progress(task.items.all())["late"] == 0


def test_a_reviewer_cannot_change_a_task(finance, reviewer):
    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    department = Department.objects.get(name=DEPARTMENT_A)
    client = logged_in(reviewer)
    day = today().isoformat()
    data = {"department": department.pk, "deadline": day}
    assert client.post(f"/tasks/{task.pk}/deadline/", data).status_code == 403
    assert client.post(f"/tasks/{task.pk}/items/", {"units": [unit_a().pk]}).status_code == 403
    assert not TaskDeadline.objects.exists()


def test_items_are_added_to_an_active_task(finance):
    task = a_task(finance, bureau=finance.profile.bureau, rows=[(DEPARTMENT_A, UNIT_A, PROJECT)])
    response = logged_in(finance).post(f"/tasks/{task.pk}/items/", {"units": [unit_a().pk]})
    assert response.status_code == 302
    assert task.items.count() == 11
    upload = xlsx([(1, DEPARTMENT_A, UNIT_A, "追加的项目", "")])
    response = logged_in(finance).post(f"/tasks/{task.pk}/items/", {"listfile": upload})
    assert response.status_code == 302
    assert task.items.filter(project__name="追加的项目").exists()


# -- the list's queries -----------------------------------------------------------------------


def _tasks(finance, count: int, start: int) -> None:
    for n in range(start, start + count):
        a_task(
            finance,
            bureau=finance.profile.bureau,
            rows=[(DEPARTMENT_A, UNIT_A, f"项目{n}"), (DEPARTMENT_A, UNIT_A, f"项目{n}乙")],
            title=f"任务{n}",
        )


def test_the_task_list_runs_as_many_queries_for_12_tasks_as_for_2(finance):
    client = logged_in(finance)
    _tasks(finance, 2, 0)
    client.get("/tasks/")  # warm the session's caches
    with CaptureQueriesContext(connection) as two:
        response = client.get("/tasks/")
    assert len(response.context["rows"]) == 2
    _tasks(finance, 10, 2)
    with CaptureQueriesContext(connection) as twelve:
        response = client.get("/tasks/")
    rows = response.context["rows"]
    assert len(rows) == 12 and all(counts["total"] == 2 for _task, counts in rows)
    assert len(twelve.captured_queries) == len(two.captured_queries)
    assert TaskItem.objects.count() == 24


def test_a_department_deadline_can_be_cleared_by_the_issuer_only(finance, filler):
    task = a_task(finance, bureau=finance.profile.bureau, units=[unit_a()])
    department = unit_a().department
    set_department_deadline(finance, task, department, today() - timedelta(days=1))
    url = f"/tasks/{task.pk}/deadline/{department.pk}/clear/"
    assert logged_in(filler).post(url).status_code in (403, 404)
    assert TaskDeadline.objects.filter(task=task).count() == 1
    assert logged_in(finance).post(url).status_code == 302
    assert not TaskDeadline.objects.filter(task=task).exists()
    item = with_state(TaskItem.objects.filter(task=task)).first()
    assert item.due == task.deadline
    assert AuditRecord.objects.filter(action="task_change", object_id=str(task.pk)).count() == 2
