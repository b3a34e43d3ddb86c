"""Deleting a draft (/sheets/<pk>/delete/): only the unit's 填报人, only a sheet that never left
草稿; a confirmation page first; audited and atomic; a task's item is 未开始 again; the stored
counts of the unit's year follow; the evidence files leave the storage after the commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.audit.models import AuditRecord
from projects.audit.wording import ACTIONS
from projects.models import (
    Comment,
    Department,
    Evidence,
    Indicator,
    Project,
    Sheet,
    SheetTransition,
    Unit,
    UnitYearFigures,
)
from projects.review.services import evidence_add
from projects.sheets.services import left_draft, sheet_create, sheet_delete
from projects.tasks.models import EvaluationTask, TaskItem
from projects.tasks.selectors import NOT_STARTED, today, with_state
from tests.conftest import DEPARTMENT_A, DEPARTMENT_B, UNIT_A, persona

pytestmark = pytest.mark.django_db

YEAR = 2024
PROJECT = "误建的项目"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def unit_a() -> Unit:
    return Unit.objects.get(name=UNIT_A, department__name=DEPARTMENT_A)


def a_draft(filler, *, name: str = PROJECT, year: int = YEAR, copy_from=None) -> Sheet:
    return sheet_create(
        unit=unit_a(), project_name=name, year=year, user=filler, copy_from=copy_from
    )


def in_state(sheet: Sheet, status: str, user) -> Sheet:
    """The sheet in `status` the way the workflow leaves it: a transition on record."""
    SheetTransition.objects.create(
        sheet=sheet,
        action="submit",
        from_status="draft",
        to_status="submitted",
        user=user,
        version=sheet.version,
    )
    Sheet.objects.filter(pk=sheet.pk).update(status=status)
    return Sheet.objects.get(pk=sheet.pk)


def url(sheet: Sheet) -> str:
    return f"/sheets/{sheet.pk}/delete/"


def exists(sheet: Sheet) -> bool:
    return Sheet.objects.filter(pk=sheet.pk).exists()


# -- who may delete what ---------------------------------------------------------------------


def test_the_units_filler_sees_what_goes_then_deletes_the_draft(filler, client_for):
    previous = Sheet.objects.filter(project__unit=unit_a(), year=2023).first()
    sheet = a_draft(filler, copy_from=previous)
    rows = Indicator.objects.filter(sheet=sheet).count()
    assert rows == previous.indicators.count() > 0
    client = client_for(filler)

    page = client.get(url(sheet))
    assert page.status_code == 200
    html = page.content.decode()
    assert PROJECT in html and str(YEAR) in html
    assert f'id="delete-rows">{rows}<' in html
    assert 'id="confirm-delete"' in html and "csrfmiddlewaretoken" in html
    assert exists(sheet)  # a GET deletes nothing

    response = client.post(url(sheet))
    assert response.status_code == 302 and response["Location"] == "/overview/"
    assert not exists(sheet)
    assert not Indicator.objects.filter(sheet_id=sheet.pk).exists()
    # The project stays (a task's item may name it); only the sheet and its content go.
    assert Project.objects.filter(unit=unit_a(), name=PROJECT).exists()
    assert client.get(f"/sheets/{sheet.pk}/").status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_units_filler_gets_404(filler, filler_other, client_for, method):
    sheet = a_draft(filler)
    response = getattr(client_for(filler_other), method)(url(sheet))
    assert response.status_code == 404
    assert exists(sheet)


@pytest.mark.parametrize("who", ["reviewer", "finance", "admin_user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_reviewers_finance_and_the_admin_get_403_on_the_units_draft(
    filler, who, method, request, client_for
):
    user = request.getfixturevalue(who)
    sheet = a_draft(filler)
    response = getattr(client_for(user), method)(url(sheet))
    assert response.status_code == 403
    assert exists(sheet)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_reviewer_or_finance_of_another_department_gets_404(filler, client_for, method):
    sheet = a_draft(filler)
    other_reviewer = persona(
        "reviewer_b", department=Department.objects.get_or_create(name=DEPARTMENT_B)[0]
    )
    assert getattr(client_for(other_reviewer), method)(url(sheet)).status_code == 404
    assert exists(sheet)


def test_anonymous_is_sent_to_log_in(filler, client_for):
    sheet = a_draft(filler)
    response = client_for(None).post(url(sheet))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert exists(sheet)


@pytest.mark.parametrize("status", ["submitted", "returned", "dept_approved", "approved"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_sheet_past_draft_is_never_deleted_by_its_unit(filler, client_for, status, method):
    sheet = in_state(a_draft(filler), status, filler)
    response = getattr(client_for(filler), method)(url(sheet))
    assert response.status_code == 403
    assert exists(sheet)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_draft_that_once_left_draft_is_never_deleted(filler, client_for, method):
    sheet = in_state(a_draft(filler), "draft", filler)  # back in 草稿, a transition on record
    assert left_draft(sheet)
    assert getattr(client_for(filler), method)(url(sheet)).status_code == 403
    assert exists(sheet)


def test_another_units_sheet_past_draft_is_404_not_403(filler, filler_other, client_for):
    sheet = in_state(a_draft(filler), "submitted", filler)
    assert client_for(filler_other).post(url(sheet)).status_code == 404
    assert exists(sheet)


def test_the_service_refuses_anyone_but_the_units_filler(filler, reviewer, admin_user):
    sheet = a_draft(filler)
    for user in (reviewer, admin_user):
        with pytest.raises(PermissionDenied):
            sheet_delete(sheet=sheet, user=user)
    submitted = in_state(a_draft(filler, name="另一个项目"), "submitted", filler)
    with pytest.raises(PermissionDenied):
        sheet_delete(sheet=submitted, user=filler)
    assert exists(sheet) and exists(submitted)


def test_only_get_and_post(filler, client_for):
    sheet = a_draft(filler)
    assert client_for(filler).put(url(sheet)).status_code == 405
    assert exists(sheet)


# -- audited, atomic -------------------------------------------------------------------------


def test_the_deletion_is_audited(filler, client_for):
    sheet = a_draft(filler)
    Comment.objects.create(sheet=sheet, author=filler, body="自己的备注")
    client_for(filler).post(url(sheet))
    entry = AuditRecord.objects.get(action="sheet_delete")
    assert entry.result == "ok"
    assert entry.user_id == filler.pk
    assert entry.object_type == "sheet" and entry.object_id == str(sheet.pk)
    assert entry.params == {"year": YEAR, "version": sheet.version, "rows": 0, "evidence": 0}
    assert str(ACTIONS["sheet_delete"]) == "删除自评表草稿"


def test_a_refused_deletion_records_no_deletion(filler, reviewer, client_for):
    sheet = a_draft(filler)
    client_for(reviewer).post(url(sheet))
    assert not AuditRecord.objects.filter(action="sheet_delete").exists()


def test_a_failure_while_deleting_keeps_everything(filler, monkeypatch):
    sheet = a_draft(filler)
    evidence = evidence_add(
        sheet=sheet, user=filler, upload=SimpleUploadedFile("报告.pdf", PDF, "application/pdf")
    )
    storage = evidence.file.storage

    def fail(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Sheet, "delete", fail)
    with pytest.raises(RuntimeError):
        sheet_delete(sheet=sheet, user=filler)
    assert exists(sheet)
    assert not AuditRecord.objects.filter(action="sheet_delete").exists()
    assert storage.exists(evidence.file.name)


# -- evidence files --------------------------------------------------------------------------


def test_the_evidence_files_leave_the_storage_after_the_commit(
    filler, client_for, django_capture_on_commit_callbacks
):
    sheet = a_draft(filler)
    files = [
        evidence_add(
            sheet=sheet,
            user=filler,
            upload=SimpleUploadedFile(name, PDF, "application/pdf"),
        )
        for name in ("盖章报告.pdf", "合同.pdf")
    ]
    storage = files[0].file.storage
    names = [evidence.file.name for evidence in files]
    assert all(storage.exists(name) for name in names)
    client = client_for(filler)
    page = client.get(url(sheet)).content.decode()
    assert "盖章报告.pdf" in page and "合同.pdf" in page

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(url(sheet)).status_code == 302
    # Deleted in the database, the files still there until the transaction commits.
    assert not Evidence.objects.filter(pk__in=[e.pk for e in files]).exists()
    assert all(storage.exists(name) for name in names)
    assert callbacks
    for callback in callbacks:
        callback()
    assert not any(storage.exists(name) for name in names)
    entry = AuditRecord.objects.get(action="sheet_delete")
    assert entry.params["evidence"] == 2


# -- the task and the counts -----------------------------------------------------------------


def test_a_tasks_item_goes_back_to_not_started(filler, admin_user, client_for):
    project = Project.objects.create(unit=unit_a(), name=PROJECT)
    task = EvaluationTask.objects.create(
        title="2024年度项目支出绩效自评",
        year=YEAR,
        deadline=today() + timedelta(days=30),
        created_by=admin_user,
    )
    item = TaskItem.objects.create(task=task, project=project, unit=project.unit)
    sheet = a_draft(filler)
    assert sheet.project_id == project.pk
    before = with_state(TaskItem.objects.filter(pk=item.pk)).get()
    assert before.stage == "draft" and before.sheet_pk == sheet.pk

    client = client_for(filler)
    page = client.get(url(sheet)).content.decode()
    assert 'id="delete-tasks"' in page and task.title in page
    client.post(url(sheet))

    after = with_state(TaskItem.objects.filter(pk=item.pk)).get()
    assert after.stage == NOT_STARTED and after.sheet_pk is None
    # Still in the task, listed for the unit as not started, and can be started again.
    tasks_page = client.get("/tasks/").content.decode()
    assert PROJECT in tasks_page
    again = a_draft(filler)
    assert with_state(TaskItem.objects.filter(pk=item.pk)).get().sheet_pk == again.pk


def test_the_units_year_counts_and_the_dashboard_follow(filler, reviewer, client_for):
    keep = a_draft(filler, name="留下的项目")
    sheet = a_draft(filler)
    counts = UnitYearFigures.objects.get(unit=unit_a(), year=YEAR)
    assert counts.sheets == 2 and counts.draft == 2
    dashboard = client_for(reviewer).get("/dashboard/", {"year": YEAR}).context["counts"]
    assert dashboard["total"] == 2 and dashboard["status"]["draft"] == 2

    client_for(filler).post(url(sheet))

    counts = UnitYearFigures.objects.get(unit=unit_a(), year=YEAR)
    assert counts.sheets == 1 and counts.draft == 1
    dashboard = client_for(reviewer).get("/dashboard/", {"year": YEAR}).context["counts"]
    assert dashboard["total"] == 1 and dashboard["status"]["draft"] == 1
    assert exists(keep)


# -- the buttons -----------------------------------------------------------------------------


def test_the_button_is_on_the_drafts_page_and_the_overview_only(filler, reviewer, client_for):
    draft = a_draft(filler)
    submitted = in_state(a_draft(filler, name="已提交的项目"), "submitted", filler)
    client = client_for(filler)
    assert url(draft) in client.get(f"/sheets/{draft.pk}/").content.decode()
    assert url(submitted) not in client.get(f"/sheets/{submitted.pk}/").content.decode()
    overview = client.get("/overview/").content.decode()
    assert url(draft) in overview and url(submitted) not in overview
    # A reviewer sees the draft's page, never the button.
    assert url(draft) not in client_for(reviewer).get(f"/sheets/{draft.pk}/").content.decode()
