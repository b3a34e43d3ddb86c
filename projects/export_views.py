"""Exports in the browser: one sheet as PDF or Excel, batches in the background, the summary."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from . import exports
from .access import get_sheet_for_user, scope_sheets
from .models import Department, ExportJob, Unit
from .sheet_view import build_sheet_view, sheet_queryset
from .summary import build_summary
from .tasks import run_export_job


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
@require_GET
def sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="export", queryset=sheet_queryset())
    data = exports.one_pdf(build_sheet_view(sheet))
    response = _download(data, exports.sheet_filename(sheet, "pdf"), "application/pdf")
    if request.GET.get("inline"):
        response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def sheet_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="export", queryset=sheet_queryset())
    data = exports.one_xlsx(build_sheet_view(sheet))
    return _download(
        data,
        exports.sheet_filename(sheet, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导出内容"), choices=ExportJob.Kind.choices)
    year = forms.IntegerField(label=gettext_lazy("年度"), widget=forms.Select)
    department = forms.ModelChoiceField(
        label=gettext_lazy("主管部门"), queryset=Department.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("实施单位"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        visible = scope_sheets(user)
        years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
        self.fields["year"].widget.choices = [(y, str(y)) for y in years]
        units = Unit.objects.filter(projects__sheets__in=visible).distinct()
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = gettext_lazy("全部单位")
        self.fields["department"].queryset = Department.objects.filter(units__in=units).distinct()
        self.fields["department"].empty_label = gettext_lazy("全部主管部门")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


@login_required
@require_http_methods(["GET", "POST"])
def export_jobs(request: HttpRequest) -> HttpResponse:
    """Batch exports for a department or unit and a year, run in the background."""
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = ExportJob.objects.create(
            user=request.user,
            kind=data["kind"],
            year=data["year"],
            department=data["department"],
            unit=data["unit"],
        )
        run_export_job.enqueue(job.pk)
        messages.info(request, _("已开始导出，完成后可在下方下载。"))
        return redirect("projects:export-jobs")
    jobs = ExportJob.objects.filter(user=request.user).select_related("department", "unit")[:10]
    return render(request, "projects/export_jobs.html", {"form": form, "jobs": jobs})


@login_required
@require_GET
def export_job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=job_id, user=request.user)
    return render(request, "projects/includes/export_job_row.html", {"job": job})


@login_required
@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    """Only the user who asked for an export may download it."""
    job = get_object_or_404(ExportJob, pk=job_id, user=request.user, state=ExportJob.State.DONE)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)


@login_required
@require_GET
def summary_page(request: HttpRequest) -> HttpResponse:
    """The summary table on screen, for the same selection the batch export offers."""
    form = ExportForm(request.GET or None, user=request.user)
    form.fields["kind"].required = False
    summary = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        sheets = exports.select_sheets(
            request.user, year=data["year"], department=data["department"], unit=data["unit"]
        )
        summary = build_summary(sheets)
        title = exports.summary_title(data["year"], data["department"], data["unit"])
    else:
        title = ""
    return render(
        request, "projects/summary.html", {"form": form, "summary": summary, "title": title}
    )
