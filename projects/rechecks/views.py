"""The re-check pages (抽查复核): the list with the two draws, a re-check's sample and its
deviation summary, a sample sheet's rows to re-score, and the workbook.

Every page asks `projects.access.require` ("rechecks": 财政 and the 管理员; "do_rechecks": 财政
alone, to draw and score). A re-check is fetched through `visible_rechecks` (another bureau's:
404); the services refuse again what the user may not do (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from projects.access import filter_choices, may_use, require, scope_sheets, sheet_years
from projects.workflow import Status

from .export import recheck_workbook
from .forms import ChosenDrawForm, RandomDrawForm
from .models import ReCheck, ReCheckSheet
from .selectors import approved_choices, overall, sample, sheet_rows, summary, visible_rechecks
from .services import (
    ReCheckRefused,
    candidates,
    check_score,
    draw_chosen,
    draw_random,
    exported,
    parse_score,
    score_row,
)

LIST_PAGE_SIZE = 20
POOL_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# -- the list and the draws -------------------------------------------------------------------


def _scope(request: HttpRequest, data) -> dict:
    """The pool a draw takes from: the year (the newest with an approved sheet unless chosen),
    the department and unit (optional), and the choices the filter offers."""
    approved = scope_sheets(request.user).filter(status=Status.APPROVED)
    years = sheet_years(approved)
    year = _int(data.get("year"))
    if year not in years:
        year = years[0] if years else None
    department, unit = _int(data.get("department")), _int(data.get("unit"))
    departments, units = filter_choices(request.user, approved, department, unit)
    return {
        "years": years,
        "year": year,
        "department": department,
        "unit": unit,
        "departments": departments,
        "units": units,
    }


def _list_context(request: HttpRequest, data, **forms) -> dict:
    user = request.user
    page = Paginator(visible_rechecks(user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": "", "can_draw": may_use(user, "do_rechecks")}
    if not context["can_draw"]:
        return context
    scope = _scope(request, data)
    pool = None
    if scope["year"] is not None:
        pool_qs = approved_choices(
            candidates(user, year=scope["year"], department=scope["department"], unit=scope["unit"])
        )
        pool = Paginator(pool_qs, POOL_PAGE_SIZE).get_page(request.GET.get("pool_page"))
    initial = {"year": scope["year"], "department": scope["department"], "unit": scope["unit"]}
    chosen_form = forms.get("chosen_form") or ChosenDrawForm(initial={"year": scope["year"]})
    query = {k: v for k, v in initial.items() if v is not None}
    checked = set(chosen_form.data.getlist("sheets")) if chosen_form.is_bound else set()
    context.update(
        scope=scope,
        pool=pool,
        pool_query="&".join(f"{k}={v}" for k, v in query.items()),
        random_form=forms.get("random_form") or RandomDrawForm(initial=initial),
        chosen_form=chosen_form,
        checked={str(pk) for pk in checked},
    )
    return context


@login_required
@require_http_methods(["GET", "POST"])
def recheck_list(request: HttpRequest) -> HttpResponse:
    """The re-checks the user sees; for 财政 also the draws (random, chosen) over a pool."""
    require(request.user, "rechecks")
    if request.method == "GET":
        return render(
            request, "projects/rechecks/recheck_list.html", _list_context(request, request.GET)
        )
    require(request.user, "do_rechecks")
    if request.POST.get("method") == "chosen":
        return _draw_chosen(request)
    return _draw_random(request)


def _refused(request, form, name: str, refused: ReCheckRefused | None = None) -> HttpResponse:
    """The list page again with the draw form as typed: its field errors, and the service's
    refusal (if any) as the form's own errors."""
    for message in refused.messages if refused is not None else ():
        form.add_error(None, message)
    context = _list_context(request, request.POST, **{name: form})
    return render(request, "projects/rechecks/recheck_list.html", context, status=400)


def _draw_random(request: HttpRequest) -> HttpResponse:
    form = RandomDrawForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, "random_form")
    data = form.cleaned_data
    try:
        recheck = draw_random(
            request.user,
            year=data["year"],
            size=data["size"],
            seed=data["seed"],
            department=data["department"],
            unit=data["unit"],
            title=data["title"],
            note=data["note"],
        )
    except ReCheckRefused as refused:
        return _refused(request, form, "random_form", refused)
    messages.success(
        request,
        _("已随机抽取 %(count)s 张自评表（随机种子 %(seed)s）。")
        % {"count": recheck.size, "seed": recheck.seed},
    )
    return redirect("projects:recheck-detail", pk=recheck.pk)


def _draw_chosen(request: HttpRequest) -> HttpResponse:
    form = ChosenDrawForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, "chosen_form")
    data = form.cleaned_data
    try:
        recheck = draw_chosen(
            request.user,
            year=data["year"],
            sheet_ids=data["sheets"],
            title=data["title"],
            note=data["note"],
        )
    except ReCheckRefused as refused:
        return _refused(request, form, "chosen_form", refused)
    messages.success(
        request, _("已抽取 %(count)s 张指定的自评表。") % {"count": len(data["sheets"])}
    )
    return redirect("projects:recheck-detail", pk=recheck.pk)


# -- one re-check -----------------------------------------------------------------------------


def _recheck_for(request: HttpRequest, pk: int) -> ReCheck:
    require(request.user, "rechecks")
    return get_object_or_404(visible_rechecks(request.user), pk=pk)


@login_required
@require_GET
def recheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recheck = _recheck_for(request, pk)
    by_department = summary(recheck, "department")
    return render(
        request,
        "projects/rechecks/recheck_detail.html",
        {
            "recheck": recheck,
            "sample": sample(recheck),
            "by_department": by_department,
            "by_unit": summary(recheck, "unit"),
            "overall": overall(by_department),
            "can_score": may_use(request.user, "do_rechecks"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recheck_sheet(request: HttpRequest, pk: int, sheet_pk: int) -> HttpResponse:
    """A sample sheet's rows: self-score, re-check score and note; 财政 re-scores them all in
    one form (only the rows whose score or note changed are saved, each audited)."""
    recheck = _recheck_for(request, pk)
    entry = get_object_or_404(
        ReCheckSheet.objects.select_related("sheet__project__unit__department", "recheck"),
        recheck=recheck,
        sheet_id=sheet_pk,
    )
    rows = sheet_rows(entry)
    can_score = may_use(request.user, "do_rechecks")
    status = 200
    if request.method == "POST":
        require(request.user, "do_rechecks")
        changes, errors = _read_rows(request, rows)
        if not errors:
            with transaction.atomic():
                for row, score, note in changes:
                    score_row(request.user, row, score, note)
            if changes:
                messages.success(
                    request, _("已保存 %(count)s 行复核得分。") % {"count": len(changes)}
                )
            else:
                messages.info(request, _("没有需要保存的修改。"))
            return redirect("projects:recheck-sheet", pk=recheck.pk, sheet_pk=sheet_pk)
        status = 400
    return render(
        request,
        "projects/rechecks/recheck_sheet.html",
        {
            "recheck": recheck,
            "entry": entry,
            "rows": rows,
            "can_score": can_score,
            "has_errors": status == 400,
        },
        status=status,
    )


def _read_rows(request: HttpRequest, rows) -> tuple[list, int]:
    """Each row's typed score and note (kept on the row for a re-render), its error, and the
    rows that changed."""
    changes, errors = [], 0
    for row in rows:
        row.typed_score = request.POST.get(f"score-{row.pk}", "").strip()
        row.typed_note = request.POST.get(f"note-{row.pk}", "").strip()
        if not row.applicable:
            continue
        try:
            score = parse_score(row.typed_score)
            check_score(row, score)
        except ReCheckRefused as refused:
            row.error = "；".join(refused.messages)
            errors += 1
            continue
        if score != row.recheck_score or row.typed_note != row.note:
            changes.append((row, score, row.typed_note))
    return changes, errors


@login_required
@require_GET
def recheck_export(request: HttpRequest, pk: int) -> HttpResponse:
    recheck = _recheck_for(request, pk)
    content = recheck_workbook(recheck)
    exported(request.user, recheck)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"抽查复核-{recheck.year}-{recheck.pk}.xlsx"
    )
    return response
