"""Background work: batch exports, run by the task worker (`python manage.py db_worker`)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from django.core.files import File
from django.utils import timezone
from django_tasks import task

from projects.models import ExportJob

from .services import BUILD_FAILED, batch_filename, build_batch, expire_stale_jobs, select_for

log = logging.getLogger(__name__)


HEARTBEAT_SECONDS = 2.0


class Heartbeat:
    """The progress callback: saves `done` and `heartbeat_at` at most every 2 seconds (and at
    the last sheet), so a job whose worker died is recognised by its silence."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < HEARTBEAT_SECONDS:
            return
        self.last = now
        ExportJob.objects.filter(pk=self.job_id).update(done=done, heartbeat_at=timezone.now())


@task()
def run_export_job(job_id: int) -> None:
    """Build a batch export for its user's scope, beating while it works. Queued jobs name
    this function by its dotted path, `projects.exports.tasks.run_export_job`: keep it."""
    expire_stale_jobs()  # a worker taking a job also fails the jobs of workers that died
    job = ExportJob.objects.select_related("user", "department", "unit").get(pk=job_id)
    sheets = list(select_for(job))
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.RUNNING, total=len(sheets), heartbeat_at=timezone.now(), error=""
    )
    with tempfile.TemporaryDirectory(prefix="perfeval-export-") as workdir:
        try:
            path = build_batch(job, sheets, Path(workdir) / "batch", Heartbeat(job.pk))
        except Exception:  # the job records the failure; the worker keeps running
            log.exception("export job %s failed", job.pk)
            ExportJob.objects.filter(pk=job.pk).update(
                state=ExportJob.State.FAILED, error=BUILD_FAILED, finished_at=timezone.now()
            )
            return
        _store(job, path, len(sheets))


def _store(job: ExportJob, path: Path, count: int) -> None:
    """Keep the built file (copied from disk in chunks by the storage) and mark the job done."""
    filename = batch_filename(job)
    job.refresh_from_db()
    with open(path, "rb") as built:
        job.file.save(filename, File(built), save=False)
    job.filename = filename
    job.done = count
    job.state = ExportJob.State.DONE
    job.error = ""
    job.finished_at = timezone.now()
    job.save()
