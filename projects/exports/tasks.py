"""Background work: batch exports, run by the task worker (`python manage.py db_worker`)."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from projects.models import ExportJob

from .services import batch_filename, build_batch, select_sheets

log = logging.getLogger(__name__)


@task()
def run_export_job(job_id: int) -> None:
    """Build a batch export for its user's scope, saving progress after every sheet."""
    job = ExportJob.objects.select_related("user", "department", "unit").get(pk=job_id)
    sheets = list(select_sheets(job.user, year=job.year, department=job.department, unit=job.unit))
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING, total=len(sheets))

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    try:
        data = build_batch(job, sheets, progress)
    except Exception as exc:  # the job records the failure; the worker keeps running
        log.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, error=str(exc)[:1000], finished_at=timezone.now()
        )
        return
    filename = batch_filename(job)
    job.refresh_from_db()
    job.file.save(filename, ContentFile(data), save=False)
    job.filename = filename
    job.done = len(sheets)
    job.state = ExportJob.State.DONE
    job.finished_at = timezone.now()
    job.save()
