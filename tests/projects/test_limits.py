"""Limits that keep one user from taking the server down (docs/rules.md, Limits): a 200-row
sheet saves and live-scores through the editor, more rows than the maximum are refused, a user
queues a bounded number of batch exports, and a batch job whose worker died is marked failed.
The bad-input corpus is tested in test_bad_input.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from projects.exports import services as exports
from projects.exports.tasks import Heartbeat, run_export_job
from projects.models import ExportJob, Indicator, Sheet
from projects.sheets.forms import IndicatorFormSet, SheetHeaderForm
from tests.helpers import edit_url, form_data, logged_in, sheet_of

PROJECT = "政府聘用辅助人员经费"


def with_rows(data: dict, total: int) -> dict:
    """The editor's posted form grown to `total` rows: the first row copied as new rows."""
    data = dict(data)
    first = {k.removeprefix("rows-0-"): v for k, v in data.items() if k.startswith("rows-0-")}
    existing = int(data["rows-TOTAL_FORMS"])
    for i in range(existing, total):
        for field, value in first.items():
            data[f"rows-{i}-{field}"] = value
        data[f"rows-{i}-row_id"] = ""
        data[f"rows-{i}-name"] = f"新增指标{i}"
        data[f"rows-{i}-ORDER"] = str(i + 1)
        data[f"rows-{i}-weight"] = "0.10"
        data[f"rows-{i}-score"] = "0.10"
    data["rows-TOTAL_FORMS"] = str(total)
    return data


def test_the_field_cap_follows_the_row_maximum():
    per_row = len(IndicatorFormSet(prefix="rows").empty_form.fields)  # ORDER and DELETE included
    assert per_row <= settings.EDITOR_FIELDS_PER_ROW
    header = len(SheetHeaderForm().fields) + 4 + 2  # management form, csrf token, action
    needed = per_row * settings.PERFEVAL_MAX_ROWS + header
    assert needed <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert settings.PERFEVAL_MAX_ROWS >= 200


def test_a_200_row_sheet_saves_through_the_editor(filler):
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    data = with_rows(form_data(client.get(edit_url(sheet))), 200)
    assert len(data) > 1000  # past Django's default cap, which made 66 rows fail
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 302, response.context and response.context["rows"].errors
    assert Indicator.objects.filter(sheet=sheet).count() == 200
    page = client.get(edit_url(sheet))
    assert page.status_code == 200 and len(page.context["rows"].forms) == 200


def test_a_200_row_sheet_live_scores(filler):
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    data = with_rows(form_data(client.get(edit_url(sheet))), 200)
    response = client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="calc-rows-199"' in html and 'id="live-total"' in html
    assert Sheet.objects.get(pk=sheet.pk).version == 1  # live scoring saves nothing


def test_more_rows_than_the_maximum_are_refused_with_a_message(filler, settings):
    settings.PERFEVAL_MAX_ROWS = 20
    client = logged_in(filler)
    sheet = sheet_of(PROJECT)
    before = Indicator.objects.filter(sheet=sheet).count()
    data = with_rows(form_data(client.get(edit_url(sheet))), 21)
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 400
    assert response.context["rows"].non_form_errors() == [
        "一张自评表最多 20 行三级指标，请删除多余的行后再保存。"
    ]
    assert "一张自评表最多 20 行三级指标" in response.content.decode()
    assert Indicator.objects.filter(sheet=sheet).count() == before
    assert Sheet.objects.get(pk=sheet.pk).version == 1


def test_a_workbook_with_more_rows_than_the_maximum_is_refused_at_import(filler, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.exports.services import one_xlsx
    from tests.helpers import view_of

    settings.PERFEVAL_MAX_ROWS = 10
    data = one_xlsx(view_of(sheet_of(PROJECT)))
    upload = SimpleUploadedFile("sheet.xlsx", data)
    count = Sheet.objects.count()
    response = logged_in(filler).post(
        "/sheets/new/",
        {"new_project": "上传的项目", "year": "2024", "mode": "xlsx", "upload": upload},
    )
    assert response.status_code == 200 and "view" not in response.context
    rows = len(view_of(sheet_of(PROJECT)).rows)
    assert response.context["form"].errors["upload"] == [
        f"自评表“{PROJECT}”有 {rows} 行三级指标，超过上限 10 行，未导入。"
    ]
    assert Sheet.objects.count() == count


# -- batch exports -------------------------------------------------------------------------------


def job(user, state, *, age: int = 0, heartbeat_age: int | None = None) -> ExportJob:
    created = ExportJob.objects.create(user=user, kind=ExportJob.Kind.SUMMARY, year=2023)
    now = timezone.now()
    ExportJob.objects.filter(pk=created.pk).update(
        state=state,
        created_at=now - timedelta(seconds=age),
        heartbeat_at=None if heartbeat_age is None else now - timedelta(seconds=heartbeat_age),
    )
    created.refresh_from_db()
    return created


def test_a_user_cannot_queue_more_than_three_exports(reviewer):
    client = logged_in(reviewer)
    for state in (ExportJob.State.QUEUED, ExportJob.State.QUEUED, ExportJob.State.RUNNING):
        job(reviewer, state, heartbeat_age=1)
    count = ExportJob.objects.count()
    response = client.post(reverse("projects:export-jobs"), {"kind": "summary", "year": "2023"})
    assert response.status_code == 200
    message = "您已有 3 个导出在排队或进行中（上限 3 个），请等其完成后再导出。"
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()
    assert ExportJob.objects.count() == count
    # Another user is not held up by these.
    ExportJob.objects.filter(user=reviewer).update(state=ExportJob.State.DONE)
    response = client.post(reverse("projects:export-jobs"), {"kind": "summary", "year": "2023"})
    assert response.status_code == 302 and ExportJob.objects.count() == count + 1


def test_a_running_job_whose_worker_died_is_marked_failed_when_the_page_reads_it(reviewer):
    stale = settings.PERFEVAL_EXPORT_STALE_SECONDS
    dead = job(reviewer, ExportJob.State.RUNNING, age=stale * 3, heartbeat_age=stale + 5)
    never_beat = job(reviewer, ExportJob.State.RUNNING, age=stale + 5)
    alive = job(reviewer, ExportJob.State.RUNNING, age=stale * 3, heartbeat_age=10)
    client = logged_in(reviewer)
    page = client.get(reverse("projects:export-jobs")).content.decode()
    for gone in (dead, never_beat):
        gone.refresh_from_db()
        assert (gone.state, gone.error) == (ExportJob.State.FAILED, exports.WORKER_LOST)
        assert gone.finished_at is not None
    assert page.count("导出进程已中断，请重新导出") == 2
    alive.refresh_from_db()
    assert alive.state == ExportJob.State.RUNNING
    # The progress poll does the same check.
    ExportJob.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    row = client.get(reverse("projects:export-job", args=[alive.pk])).content.decode()
    assert "导出进程已中断，请重新导出" in row and "hx-get" not in row


def test_the_command_and_each_new_job_fail_the_jobs_of_dead_workers(reviewer, admin_user):
    stale = settings.PERFEVAL_EXPORT_STALE_SECONDS
    first = job(reviewer, ExportJob.State.RUNNING, age=stale * 2, heartbeat_age=stale * 2)
    call_command("expire_export_jobs")
    first.refresh_from_db()
    assert first.state == ExportJob.State.FAILED
    second = job(reviewer, ExportJob.State.RUNNING, age=stale * 2, heartbeat_age=stale * 2)
    mine = job(admin_user, ExportJob.State.QUEUED)
    run_export_job.call(mine.pk)
    second.refresh_from_db()
    mine.refresh_from_db()
    assert second.state == ExportJob.State.FAILED
    assert mine.state == ExportJob.State.DONE and mine.heartbeat_at is not None


def test_queued_jobs_wait_with_their_position_and_are_never_failed(reviewer, admin_user):
    stale = settings.PERFEVAL_EXPORT_STALE_SECONDS
    job(admin_user, ExportJob.State.QUEUED, age=stale * 4)
    job(admin_user, ExportJob.State.QUEUED, age=stale * 3)
    waiting = job(reviewer, ExportJob.State.QUEUED, age=stale * 2)
    page = logged_in(reviewer).get(reverse("projects:export-jobs")).content.decode()
    waiting.refresh_from_db()
    assert waiting.state == ExportJob.State.QUEUED
    minutes = stale * 2 // 60
    assert (
        f"排队中，前面还有 2 个导出；已等待 {minutes} 分钟，后台导出进程可能未运行，请联系管理员"
    ) in page
    fresh = job(reviewer, ExportJob.State.QUEUED)
    assert exports.job_status_text(fresh) == "排队中，前面还有 3 个导出"


def test_a_failed_build_shows_a_message_not_the_exception(reviewer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail /srv/secret")

    monkeypatch.setattr("projects.exports.tasks.build_batch", broken)
    failed = job(reviewer, ExportJob.State.QUEUED)
    run_export_job.call(failed.pk)
    failed.refresh_from_db()
    assert (failed.state, failed.error) == (ExportJob.State.FAILED, exports.BUILD_FAILED)
    page = logged_in(reviewer).get(reverse("projects:export-jobs")).content.decode()
    assert "导出失败，请重新导出；如仍失败，请联系管理员" in page and "/srv/secret" not in page


def test_the_heartbeat_is_written_at_most_every_two_seconds(reviewer, monkeypatch):
    running = job(reviewer, ExportJob.State.RUNNING, heartbeat_age=100)
    clock = [1000.0]
    monkeypatch.setattr("projects.exports.tasks.time.monotonic", lambda: clock[0])
    beat = Heartbeat(running.pk)
    writes = []
    original = ExportJob.objects.filter

    def counting_filter(*args, **kwargs):
        writes.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(ExportJob.objects, "filter", counting_filter)
    beat(1, 10)  # at once: not yet
    clock[0] += 2.5
    beat(2, 10)  # 2.5 s later: written
    clock[0] += 0.5
    beat(3, 10)  # too soon
    beat(10, 10)  # the last sheet is always written
    assert len(writes) == 2
    running.refresh_from_db()
    assert running.done == 10
    assert timezone.now() - running.heartbeat_at < timedelta(seconds=60)


@pytest.mark.parametrize("name", ["PERFEVAL_MAX_ACTIVE_EXPORTS", "PERFEVAL_EXPORT_STALE_SECONDS"])
def test_the_export_limits_have_their_defaults(name):
    assert getattr(settings, name) == {"PERFEVAL_MAX_ACTIVE_EXPORTS": 3}.get(name, 300)
