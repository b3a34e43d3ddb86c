"""Background work: batch exports, run by the task worker (`python manage.py db_worker`)."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from . import exports
from .models import ExportJob

log = logging.getLogger(__name__)

EXTENSIONS = {
    ExportJob.Kind.PDF_ZIP: "zip",
    ExportJob.Kind.WORKBOOK: "xlsx",
    ExportJob.Kind.SUMMARY: "xlsx",
}


@task()
def run_export_job(job_id: int) -> None:
    """Build a batch export for its user's scope, saving progress after every sheet."""
    job = ExportJob.objects.select_related("user", "department", "unit").get(pk=job_id)
    sheets = list(
        exports.select_sheets(job.user, year=job.year, department=job.department, unit=job.unit)
    )
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING, total=len(sheets))

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    try:
        if job.kind == ExportJob.Kind.PDF_ZIP:
            data = exports.pdf_zip(sheets, progress)
        elif job.kind == ExportJob.Kind.WORKBOOK:
            data = exports.workbook(sheets, progress)
        else:
            title = exports.summary_title(job.year, job.department, job.unit)
            data = exports.summary(sheets, title=title, progress=progress)
    except Exception as exc:  # the job records the failure; the worker keeps running
        log.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, error=str(exc)[:1000], finished_at=timezone.now()
        )
        return
    scope = job.unit or job.department or "全部"
    filename = f"{job.year}_{scope}_{job.get_kind_display().split('（')[0]}.{EXTENSIONS[job.kind]}"
    job.refresh_from_db()
    job.file.save(filename, ContentFile(data), save=False)
    job.filename = filename
    job.done = len(sheets)
    job.state = ExportJob.State.DONE
    job.finished_at = timezone.now()
    job.save()
