"""Exports of one sheet or many: PDF, Excel, a zip of PDFs, one workbook, the summary table.

Every file is laid out from the same view-models as the pages (SheetView, SummaryView); the
sheets come through `scope_sheets`, so an export never holds a sheet its user may not see.
What each kind of file is — how it is rendered, its extension and content type — is written
once, in `SINGLE` (one sheet) and `BATCHES` (many).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from projects import official
from projects.access import scope_sheets, scope_units
from projects.models import ExportJob, Sheet, UnitYearFigures, rule_set_for
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import SheetView, build_sheet_view

from . import pdf_cache
from .pdf import TIME_MARK, Renderer, export_time_text, html_to_pdf, sheet_html, template_version
from .summary import SummaryView, build_summary
from .summary_xlsx import summary_file, summary_workbook
from .xlsx import sheet_workbook, workbook_bytes

Progress = Callable[[int, int], None]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _no_progress(done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class PdfPage:
    """One sheet's PDF before rendering: its HTML (the export time printed) and its cache key
    (None without a saved sheet)."""

    html: str
    key: str | None


def pdf_page(
    view: SheetView, sheet: Sheet | None = None, exported_at: datetime | None = None
) -> PdfPage:
    """The HTML and the key naming all it prints but the export time (`pdf_cache`)."""
    marked = sheet_html(view, exported_at=TIME_MARK)
    html = marked.replace(TIME_MARK, export_time_text(exported_at))
    if sheet is None or sheet.pk is None:
        return PdfPage(html, None)
    key = pdf_cache.pdf_key(
        sheet_id=sheet.pk,
        version=sheet.version,
        rule_set_id=sheet.rule_set_id,
        template=template_version(),
        lang=get_language() or settings.LANGUAGE_CODE,
        html=marked.replace(TIME_MARK, ""),
    )
    return PdfPage(html, key)


def one_pdf(
    view: SheetView, exported_at: datetime | None = None, *, sheet: Sheet | None = None
) -> bytes:
    """One sheet's PDF; given its `sheet`, rendered once and then read from the cache while
    nothing it prints changes (a cached PDF keeps the export time of its first rendering)."""
    page = pdf_page(view, sheet, exported_at)
    if page.key is not None and (cached := pdf_cache.read_cached(page.key)) is not None:
        return cached
    data = html_to_pdf(page.html)
    if page.key is not None:
        pdf_cache.store_bytes(page.key, data)
        pdf_cache.evict()
    return data


def one_xlsx(
    view: SheetView, exported_at: datetime | None = None, *, sheet: Sheet | None = None
) -> bytes:
    return workbook_bytes(
        sheet_workbook([(view, view.status_label)], exported_at=exported_at or timezone.now())
    )


@dataclass(frozen=True)
class FileKind:
    """How one kind of export file is made and served."""

    extension: str
    content_type: str
    render: Callable


# One sheet, as the sheet page offers it (`/sheets/<id>.pdf`, `.xlsx`) and the command writes.
SINGLE = {
    "pdf": FileKind("pdf", "application/pdf", one_pdf),
    "xlsx": FileKind("xlsx", XLSX, one_xlsx),
}


def sheet_filename(sheet: Sheet, ext: str) -> str:
    """`2023_上海市人才服务中心_信息化运维项目.pdf`: year, unit and project, safe on any disk."""
    name = f"{sheet.year}_{sheet.project.unit.name}_{sheet.project.name}"
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._")
    return f"{name[:150]}.{ext}"


def select_sheets(
    user, *, year: int | None = None, department=None, unit=None, ids=None, content: bool = True
):
    """The sheets an export may hold for this user (None = the command line: all sheets).
    `content=False` (the summary): each sheet with its unit and stored figures only, no
    indicator rows or budget lines."""
    base = sheet_queryset() if content else Sheet.objects.select_related("project__unit", "figures")
    qs = base if user is None else scope_sheets(user, base)
    if year:
        qs = qs.filter(year=year)
    if department is not None:
        qs = qs.filter(project__unit__department=department)
    if unit is not None:
        qs = qs.filter(project__unit=unit)
    if ids:
        qs = qs.filter(pk__in=ids)
    # Year, then department, unit and project names: `list_key` holds the three names, so
    # within a year the order is read from the index `sheet_list_order`.
    return qs.order_by("year", "list_key")


def select_unit_years(user, *, year: int, department=None, unit=None):
    """The counts kept per unit and year (`UnitYearFigures`) of exactly the units whose sheets
    `select_sheets` selects for the same year, department and unit: the summary's total row
    from a row a unit."""
    units = scope_units(user)
    if department is not None:
        units = units.filter(department=department)
    if unit is not None:
        units = units.filter(pk=unit.pk)
    return UnitYearFigures.objects.filter(year=year, unit__in=units)


def select_for(job: ExportJob):
    """The sheets of a batch job, in its user's scope: the summary reads only the stored
    figures (`content=False`), never each sheet's rows."""
    return select_sheets(
        job.user,
        year=job.year,
        department=job.department,
        unit=job.unit,
        content=job.kind != ExportJob.Kind.SUMMARY,
    )


def views_of(
    sheets: Iterable[Sheet], progress: Progress = _no_progress
) -> Iterator[tuple[Sheet, SheetView]]:
    """(sheet, view) pairs, each rule set read once, reporting progress as each is built."""
    sheets = list(sheets)
    rule_sets: dict = {}
    for i, sheet in enumerate(sheets, 1):
        yield sheet, build_sheet_view(sheet, rule_set_for(sheet, cache=rule_sets))
        progress(i, len(sheets))


# A batch stores its rendered files in the cache in steps of this many, evicting after each.
EVICT_EVERY = 25


def pdf_files(
    sheets, progress: Progress = _no_progress, *, workers: int | None = None
) -> Iterator[tuple[Sheet, BinaryIO]]:
    """Each sheet's PDF as an open file, in the order they are ready: a cached one at once,
    the others rendered by `workers` processes (`PERFEVAL_PDF_WORKERS`; 1 renders here), one
    sheet at a time each, then cached. This process builds every view and its HTML (the
    workers need no database); progress is reported as each file is handed over."""
    sheets = list(sheets)
    exported_at = timezone.now()
    workers = settings.PERFEVAL_PDF_WORKERS if workers is None else workers
    handed = [0]

    def hand_over(sheet: Sheet, handle: BinaryIO) -> Iterator[tuple[Sheet, BinaryIO]]:
        with handle:
            yield sheet, handle
        handed[0] += 1
        progress(handed[0], len(sheets))

    def rendered(finished) -> Iterator[tuple[Sheet, BinaryIO]]:
        for (sheet, key), path in finished:
            yield from hand_over(sheet, open(path, "rb"))  # noqa: SIM115 — closed by hand_over
            pdf_cache.store_file(key, Path(path))
            Path(path).unlink()
            if handed[0] % EVICT_EVERY == 0:
                pdf_cache.evict()

    with (
        tempfile.TemporaryDirectory(prefix="perfeval-pdf-") as workdir,
        Renderer(workers) as renderer,
    ):
        for sheet, view in views_of(sheets):
            page = pdf_page(view, sheet, exported_at)
            cached = pdf_cache.open_cached(page.key)
            if cached is not None:
                yield from hand_over(sheet, cached)
            else:
                renderer.submit(
                    page.html, str(Path(workdir) / f"{sheet.pk}.pdf"), (sheet, page.key)
                )
            yield from rendered(renderer.finished())
        yield from rendered(renderer.drain())
    pdf_cache.evict()


def pdf_zip(
    sheets, progress: Progress = _no_progress, out: Path | None = None, *, workers=None
) -> Path:
    """A zip of the sheets' PDFs written to `out` (a new temporary file when None) as each
    PDF is ready, never held in memory whole; returns its path."""
    if out is None:
        fd, name = tempfile.mkstemp(prefix="perfeval-batch-", suffix=".zip")
        os.close(fd)
        out = Path(name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, handle in pdf_files(sheets, progress, workers=workers):
            with archive.open(sheet_filename(sheet, "pdf"), "w") as entry:
                shutil.copyfileobj(handle, entry)
    return out


def workbook(sheets, progress: Progress = _no_progress) -> bytes:
    exported_at = timezone.now()
    pairs = [(view, view.status_label) for _sheet, view in views_of(sheets, progress)]
    return workbook_bytes(sheet_workbook(pairs, exported_at=exported_at))


def _summary_view(sheets, progress: Progress) -> tuple[SummaryView, str]:
    sheets = list(sheets)
    view = build_summary(sheets)
    progress(len(sheets), len(sheets))
    return view, f"导出于 {timezone.localtime():%Y-%m-%d %H:%M}"


def summary(sheets, progress: Progress = _no_progress, *, title: str) -> bytes:
    view, note = _summary_view(sheets, progress)
    return summary_workbook(view, title=title, note=note)


def summary_to(sheets, progress: Progress, title: str, out: Path) -> Path:
    """The summary workbook written row by row to the file `out` (the batch job)."""
    view, note = _summary_view(sheets, progress)
    return summary_file(view, out, title=title, note=note)


def summary_title(year: int | None, department=None, unit=None) -> str:
    """`上海市人力资源和社会保障局2023年度项目支出绩效自评汇总表`."""
    scope = str(unit or department or "")
    year_text = f"{year}年度" if year else ""
    return f"{scope}{year_text}{official.SUMMARY_TITLE}"


@dataclass(frozen=True)
class BatchKind:
    """How one kind of batch export is built, named and served."""

    extension: str
    content_type: str
    # (sheets, progress, title, path) → writes the file at path; only the summary prints a title.
    build: Callable[[list[Sheet], Progress, str, Path], object]
    # The file name's last part, after year and scope: 2023_某单位_汇总表.xlsx.
    stem: str


BATCHES = {
    ExportJob.Kind.PDF_ZIP: BatchKind(
        "zip", "application/zip", lambda s, p, _title, out: pdf_zip(s, p, out), "全部自评表 PDF"
    ),
    ExportJob.Kind.WORKBOOK: BatchKind(
        "xlsx", XLSX, lambda s, p, _title, out: out.write_bytes(workbook(s, p)), "全部自评表 Excel"
    ),
    ExportJob.Kind.SUMMARY: BatchKind(
        "xlsx",
        XLSX,
        summary_to,
        "汇总表",
    ),
}


def batch_filename(job: ExportJob) -> str:
    scope = job.unit or job.department or "全部"
    kind = BATCHES[job.kind]
    return f"{job.year}_{scope}_{kind.stem}.{kind.extension}"


def build_batch(
    job: ExportJob, sheets: list[Sheet], out: Path, progress: Progress = _no_progress
) -> Path:
    """Write the file of a batch export job, from its sheets, at `out`; returns `out`."""
    title = summary_title(job.year, job.department, job.unit)
    BATCHES[job.kind].build(sheets, progress, title, out)
    return out


# -- Batch jobs: how many a user may have waiting, and jobs whose worker died ----------------

ACTIVE_STATES = (ExportJob.State.QUEUED, ExportJob.State.RUNNING)
# Codes stored in `ExportJob.error`, worded when shown.
WORKER_LOST = "worker_lost"
BUILD_FAILED = "build_failed"
JOB_ERRORS = {
    WORKER_LOST: gettext_lazy("导出进程已中断，请重新导出"),
    BUILD_FAILED: gettext_lazy("导出失败，请重新导出；如仍失败，请联系管理员"),
}


class ExportRefused(Exception):
    """The export is not queued; the message says why, in the active language."""


def expire_stale_jobs(*, user=None, now: datetime | None = None) -> int:
    """Mark failed every running job whose worker has been silent longer than
    `PERFEVAL_EXPORT_STALE_SECONDS` (its heartbeat, or its creation when it never beat): the
    worker died. Queued jobs are never expired, only shown waiting. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PERFEVAL_EXPORT_STALE_SECONDS)
    stale = ExportJob.objects.filter(state=ExportJob.State.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    if user is not None:
        stale = stale.filter(user=user)
    return stale.update(state=ExportJob.State.FAILED, error=WORKER_LOST, finished_at=now)


def check_export_quota(user) -> None:
    """At most `PERFEVAL_MAX_ACTIVE_EXPORTS` jobs queued or running per user."""
    expire_stale_jobs(user=user)
    limit = settings.PERFEVAL_MAX_ACTIVE_EXPORTS
    active = ExportJob.objects.filter(user=user, state__in=ACTIVE_STATES).count()
    if active >= limit:
        raise ExportRefused(
            _("您已有 %(active)s 个导出在排队或进行中（上限 %(limit)s 个），请等其完成后再导出。")
            % {"active": active, "limit": limit}
        )


def job_status_text(job: ExportJob, now: datetime | None = None) -> str:
    """The job's state as the jobs page words it: a failure's reason, a queue position."""
    if job.state == ExportJob.State.FAILED:
        return str(JOB_ERRORS.get(job.error, JOB_ERRORS[BUILD_FAILED]))
    if job.state != ExportJob.State.QUEUED:
        return str(job.get_state_display())
    ahead = ExportJob.objects.filter(
        Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk),
        state=ExportJob.State.QUEUED,
    ).count()
    text = _("排队中，前面还有 %(ahead)s 个导出") % {"ahead": ahead}
    waited = (now or timezone.now()) - job.created_at
    if waited.total_seconds() > settings.PERFEVAL_EXPORT_STALE_SECONDS:
        text += _("；已等待 %(minutes)s 分钟，后台导出进程可能未运行，请联系管理员") % {
            "minutes": int(waited.total_seconds() // 60)
        }
    return text


def jobs_for(user, *, limit: int = 10) -> list[ExportJob]:
    """The user's latest jobs, stale ones marked failed first, each with its `status_text`."""
    expire_stale_jobs(user=user)
    jobs = list(ExportJob.objects.filter(user=user).select_related("department", "unit")[:limit])
    now = timezone.now()
    for job in jobs:
        job.status_text = job_status_text(job, now)
    return jobs


def job_for(user, job_id: int) -> ExportJob:
    """One of the user's jobs for the progress poll (404 otherwise), with its `status_text`."""
    expire_stale_jobs(user=user)
    job = get_object_or_404(ExportJob, pk=job_id, user=user)
    job.status_text = job_status_text(job)
    return job
