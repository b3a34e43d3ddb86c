"""The cross-sheet checks report in the browser and as an Excel file (docs/checks.md)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from projects.access import require
from projects.audit.services import Action, record
from projects.paging import KnownCount

from .forms import ChecksForm
from .selectors import COUNT_CAP, iter_lines, kind_counts, lines_of, report_findings
from .xlsx import CONTENT_TYPE, report_workbook

PAGE_SIZE = 50


@login_required
@require_GET
def checks_report(request: HttpRequest) -> HttpResponse:
    """The year's rows worth a look in the user's scope, grouped by unit, 50 to a page, with
    the count of each kind at the top."""
    require(request.user, "checks")
    form = ChecksForm(request.GET, user=request.user)
    filters = form.filters()
    page = counts = None
    lines = []
    total, more = 0, False
    if filters is not None and filters.year is not None:
        counts = kind_counts(request.user, filters)
        shown = [c for c in counts if not filters.kind or c.code == filters.kind]
        total, more = sum(c.count for c in shown), any(c.more for c in shown)
        ids = report_findings(request.user, filters)
        page = KnownCount(ids, PAGE_SIZE, total).get_page(request.GET.get("page"))
        lines = lines_of(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)  # the kinds' links: the filters without the page and the kind
    kind_query = query.copy()
    kind_query.pop("kind", None)
    return render(
        request,
        "projects/checks/checks_report.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "lines": lines,
            "counts": counts,
            "total": total,
            "more": more,
            "cap": COUNT_CAP,
            "query": query.urlencode(),
            "kind_query": kind_query.urlencode(),
        },
    )


@login_required
@require_GET
def checks_export(request: HttpRequest) -> HttpResponse:
    """The report with the current filters, every line, as an .xlsx file; audited."""
    require(request.user, "checks")
    form = ChecksForm(request.GET, user=request.user)
    filters = form.filters()
    if filters is None or filters.year is None:
        lines = []
        year = ""
    else:
        lines = iter_lines(report_findings(request.user, filters))
        year = filters.year
    title = _("%(year)s年度跨表检查") % {"year": year}
    data, count = report_workbook(lines, title=title)
    record(
        Action.CHECKS_EXPORT,
        request=request,
        params={**(filters.params() if filters else {}), "lines": count},
    )
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{title}-{stamp}.xlsx"
    )
    return response
