"""The 审计员's pages: the log, one record, and the log as CSV or Excel. Nobody else may open
them (`access.PAGES["audit_log"]`), the 管理员 included: every other user gets 403."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from projects.access import require
from projects.paging import query_without_page

from . import export, services, wording
from .codes import Action
from .forms import AuditFilterForm
from .models import AuditRecord
from .selectors import search

PER_PAGE = 50
BADGES = {"ok": "text-bg-success", "refused": "text-bg-danger", "failed": "text-bg-warning"}


def _filtered(request: HttpRequest):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, search(filters)


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, "audit_log")
    form, records = _filtered(request)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    entries = [
        {
            "record": record,
            "action": wording.action_text(record.action),
            "result": wording.result_text(record.result),
            "object_type": wording.object_type_text(record.object_type),
            "badge": BADGES.get(record.result, "text-bg-secondary"),
        }
        for record in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "entries": entries,
        "query": query_without_page(request.GET),
    }
    return render(request, "projects/audit/audit_log.html", context)


@login_required
@require_GET
def audit_record(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "audit_log")
    record = get_object_or_404(AuditRecord, pk=pk)
    context = {
        "record": record,
        "action": wording.action_text(record.action),
        "result": wording.result_text(record.result),
        "object_type": wording.object_type_text(record.object_type),
        "badge": BADGES.get(record.result, "text-bg-secondary"),
        "params": wording.param_lines(record.params),
        "previous": AuditRecord.objects.filter(id__lt=record.id).order_by("-id").first(),
        "following": AuditRecord.objects.filter(id__gt=record.id).order_by("id").first(),
    }
    return render(request, "projects/audit/audit_record.html", context)


@login_required
@require_GET
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The records of the current search, newest first; the export is itself recorded."""
    require(request.user, "audit_log")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, records = _filtered(request)
    count = records.count()
    services.record(
        Action.AUDIT_EXPORT,
        request=request,
        params={"format": fmt, "count": count, "filters": form.as_params()},
        object_type="audit",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"audit-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            export.csv_lines(records.iterator(chunk_size=2000)),
            content_type=export.CSV_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(
            export.workbook(records.iterator(chunk_size=2000)),
            content_type=export.XLSX_CONTENT_TYPE,
        )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
