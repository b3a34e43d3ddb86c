"""Exports in the browser: one sheet as PDF or Excel, batches in the background, the summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from projects.access import get_sheet_for_user, require, scope_sheets, sheet_years
from projects.audit import services as audit_services
from projects.models import ExportJob
from projects.paging import query_without_page
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import build_sheet_view

from .forms import BatchExportForm, ExportForm
from .services import (
    BATCHES,
    SINGLE,
    job_for,
    jobs_for,
    select_sheets,
    select_unit_years,
    sheet_filename,
    summary_title,
)
from .summary import summary_page as build_summary_page
from .tasks import run_export_job


@login_required
@require_GET
def sheet_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One sheet as a PDF or Excel file (`SINGLE`); `?inline=1` shows a PDF in the browser."""
    sheet = get_sheet_for_user(request.user, pk, action="export", queryset=sheet_queryset())
    file_kind = SINGLE[kind]
    # Recorded on every download, a PDF served from the cache included.
    audit_services.record("export", request=request, obj=sheet, params={"kind": kind})
    response = HttpResponse(
        file_kind.render(build_sheet_view(sheet), sheet=sheet),
        content_type=file_kind.content_type,
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not request.GET.get("inline"),
        filename=sheet_filename(sheet, file_kind.extension),
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_jobs(request: HttpRequest) -> HttpResponse:
    """Batch exports for a department or unit and a year, run in the background."""
    require(request.user, "sheets")
    # The form starts as the user's last batch was chosen (kind, year, department, unit); a
    # department in the address (chosen on this page: js-reload-on-change) wins, so that its
    # units are offered.
    last = ExportJob.objects.filter(user=request.user).order_by("-created_at", "-pk").first()
    initial = (
        {
            "kind": last.kind,
            "year": last.year,
            "department": last.department_id or "",
            "unit": last.unit_id or "",
        }
        if last is not None
        else {}
    )
    if "department" in request.GET:
        initial |= {"department": request.GET["department"], "unit": ""}
    form = BatchExportForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = ExportJob.objects.create(
            user=request.user,
            kind=data["kind"],
            year=data["year"],
            department=data["department"],
            unit=data["unit"],
        )
        audit_services.record("batch_export", request=request, obj=job, params={"kind": job.kind})
        run_export_job.enqueue(job.pk)
        messages.info(request, _("已开始导出，完成后可在下方下载。"))
        return redirect("projects:export-jobs")
    jobs = jobs_for(request.user)  # running jobs whose worker died are marked failed first
    return render(request, "projects/exports/export_jobs.html", {"form": form, "jobs": jobs})


@login_required
@require_GET
def export_job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for(request.user, job_id)
    return render(request, "projects/exports/includes/export_job_row.html", {"job": job})


@login_required
@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    """Only the user who asked for an export may download it."""
    job = get_object_or_404(ExportJob, pk=job_id, user=request.user, state=ExportJob.State.DONE)
    audit_services.record("batch_download", request=request, obj=job, params={"kind": job.kind})
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=BATCHES[job.kind].content_type,
    )


@login_required
@require_GET
def summary_page(request: HttpRequest) -> HttpResponse:
    """The summary table on screen, for the same selection the batch export offers."""
    require(request.user, "sheets")
    asked = request.GET
    if not asked:
        # Opened from the menu: the latest year the user has sheets in, at once.
        years = sheet_years(scope_sheets(request.user))
        asked = QueryDict(mutable=True)
        if years:
            asked["year"] = str(years[0])
    form = ExportForm(asked or None, user=request.user)
    form.fields["kind"].required = False
    summary = None
    title = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        sheets = select_sheets(
            request.user, year=data["year"], department=data["department"], unit=data["unit"]
        )
        # One page of rows; the total row of every sheet, from the counts kept per unit.
        unit_years = select_unit_years(
            request.user, year=data["year"], department=data["department"], unit=data["unit"]
        )
        summary = build_summary_page(sheets, request.GET.get("page"), unit_years=unit_years)
        title = summary_title(data["year"], data["department"], data["unit"])
    context = {"form": form, "summary": summary, "title": title, "query": query_without_page(asked)}
    return render(request, "projects/exports/summary.html", context)
