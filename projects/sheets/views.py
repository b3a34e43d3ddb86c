"""Filling in: the sheet list, starting a sheet (empty, from last year, pasted, from Excel),
the editor with live scoring, saving and submitting, and a sheet as JSON. Only the 填报人 of
the sheet's unit edits, only in 草稿 or 已退回 (`projects.workflow`)."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects.access import filler_unit, get_sheet_for_user, may_use, require, scope_sheets
from projects.audit import services as audit_services
from projects.imports.services import preview_input, read_text, save_parsed
from projects.models import Project, Sheet, rule_set_for
from projects.paging import query_without_page

from . import live
from .forms import (
    IndicatorForm,
    IndicatorFormSet,
    NewSheetForm,
    SheetFilterForm,
    SheetHeaderForm,
    content_from,
    partial_content,
    save_errors,
    unreadable,
)
from .json_form import sheet_to_dict
from .selectors import (
    draft_contents,
    grouped_level2_choices,
    known_indicators,
    level2_choices_for,
    list_entries,
    sheet_queryset,
    with_previous_year,
    year_over_year,
)
from .services import (
    RenameRefused,
    SheetExists,
    StaleEdit,
    SubmitRefused,
    left_draft,
    sheet_create,
    sheet_delete,
    sheet_save_content,
    sheet_submit,
)
from .view_model import SheetData, build_sheet_view, build_view

logger = logging.getLogger(__name__)

ROWS_PREFIX = "rows"
LIST_PAGE_SIZE = 50


@login_required
@require_GET
def sheet_list(request: HttpRequest) -> HttpResponse:
    """Every sheet the user may see, filtered, 50 to a page, each with its total and grade."""
    require(request.user, "sheets")
    visible = scope_sheets(request.user)
    form = SheetFilterForm(request.GET or None, user=request.user, visible_sheets=visible)
    # `list_key` is the department's, unit's and project's names, indexed with the year.
    sheets = form.filter(scope_sheets(request.user, sheet_queryset())).order_by(
        "-year", "list_key", "pk"
    )
    page = Paginator(sheets, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/sheets/sheet_list.html",
        {
            "form": form,
            "page": page,
            "entries": list_entries(page.object_list),
            "query": query_without_page(request.GET),
            "can_create": may_use(request.user, "new_sheet"),
        },
    )


@login_required
@require_GET
def sheet_json(request: HttpRequest, pk: int) -> JsonResponse:
    sheet = get_sheet_for_user(request.user, pk, queryset=sheet_queryset())
    audit_services.record("export", request=request, obj=sheet, params={"kind": "json"})
    return JsonResponse(
        sheet_to_dict(sheet, build_sheet_view(sheet)), json_dumps_params={"ensure_ascii": False}
    )


def _rows_formset(sheet: Sheet, data=None, **kwargs):
    return IndicatorFormSet(
        data,
        prefix=ROWS_PREFIX,
        form_kwargs={"level2_queryset": level2_choices_for(sheet)},
        **kwargs,
    )


def _editor_context(request, sheet, header, rows, **extra) -> dict:
    choices = grouped_level2_choices(rows.form_kwargs["level2_queryset"])
    for form in [*rows.forms, rows.empty_form]:
        form.fields["level2"].widget.choices = choices
    if header.is_bound:
        content, prefixes = partial_content(header, rows)
        view = _live_view(sheet, content, header.shown_unit())
    else:
        view = build_sheet_view(sheet)
        prefixes = [form.prefix for form in rows.forms]
    row_views = _with_unreadable(dict(zip(prefixes, view.rows, strict=True)), rows)
    # Last year's figures beside the rows the page was rendered with (new rows have none).
    last_year = year_over_year(sheet)
    return {
        "sheet": sheet,
        "header": header,
        "rows": rows,
        "view": view,
        "row_pairs": [
            (form, row_views.get(form.prefix), _last_year_of(last_year, form))
            for form in rows.forms
        ],
        "last_year": last_year,
        "known_indicators": known_indicators(sheet.project.unit),
        **extra,
    }


def _with_unreadable(row_views: dict, rows) -> dict:
    """The row views (by form prefix) of a posted editor, each with what its row holds that
    cannot be read, if anything."""
    if not rows.is_bound:
        return row_views
    for form in rows.forms:
        rv = row_views.get(form.prefix)
        if rv is not None and (notes := unreadable(form)):
            row_views[form.prefix] = dataclasses.replace(rv, unreadable=notes)
    return row_views


def _last_year_of(last_year, form):
    """Last year's row beside an editor row that is stored (its id, as rendered or posted)."""
    if last_year is None:
        return None
    try:
        return last_year.get(int(form["row_id"].value()))
    except (TypeError, ValueError):
        return None


def _live_view(sheet: Sheet, content, amount_unit: str):
    """The view-model of what the editor holds now, saved or not, its amounts in the unit
    they are typed in."""
    unit = sheet.project.unit
    data = SheetData(
        input=content.to_input(department=unit.department.name, unit=unit.name),
        year=sheet.year,
        goal_expected=content.goal_expected,
        goal_achieved=content.goal_achieved,
        id=sheet.pk,
        status=sheet.status,
        status_label=sheet.get_status_display(),
        version=sheet.version,
        row_ids=tuple(row.row_id for row in content.rows),
        amount_unit=amount_unit,
    )
    return build_view(data, rule_set_for(sheet))


EDITOR = "projects/sheets/sheet_edit.html"


@login_required
@require_http_methods(["GET", "POST"])
def sheet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = with_previous_year(sheet_queryset())
    sheet = get_sheet_for_user(request.user, pk, action="edit", queryset=queryset)
    if request.method == "GET":
        header = SheetHeaderForm(
            initial=SheetHeaderForm.initial_for(sheet), sheet_unit=sheet.amount_unit
        )
        rows = _rows_formset(
            sheet, initial=[IndicatorForm.initial_for(row) for row in sheet.indicators.all()]
        )
        refused = None
        if request.GET.get("submit") == "refused":
            refused = build_sheet_view(sheet).errors
        context = _editor_context(request, sheet, header, rows, refused=refused)
        return render(request, EDITOR, context)

    header = SheetHeaderForm(request.POST, sheet_unit=sheet.amount_unit)
    rows = _rows_formset(sheet, request.POST)
    if not (header.is_valid() and rows.is_valid()):
        messages.error(
            request, _("有输入无法识别，未保存。请按提示修改后再保存，您输入的内容都保留在下方。")
        )
        context = _editor_context(request, sheet, header, rows)
        context["save_errors"] = save_errors(header, rows)
        return render(request, EDITOR, context, status=400)
    content = content_from(header, rows)
    try:
        saved = sheet_save_content(
            sheet=sheet, user=request.user, version=header.cleaned_data["version"], content=content
        )
    except StaleEdit as stale:
        _refused(request, sheet, "content_save", "stale")
        # Keep the user's input on screen; saving again now overwrites the other edit knowingly.
        post = request.POST.copy()
        post["version"] = str(stale.version)
        header = SheetHeaderForm(post, sheet_unit=sheet.amount_unit)
        rows = _rows_formset(sheet, post)
        context = _editor_context(request, sheet, header, rows, stale=stale)
        return render(request, EDITOR, context, status=409)
    except (OperationalError, InterfaceError) as error:
        return _save_interrupted(request, sheet, error)
    except RenameRefused as refused:
        _refused(request, sheet, "content_save", "rename")
        header.add_error("project_name", refused.message)
        messages.error(request, refused.message)
        context = _editor_context(request, sheet, header, rows)
        context["save_errors"] = save_errors(header, rows)
        return render(request, EDITOR, context, status=400)
    if request.POST.get("action") == "submit":
        refused = _("已保存草稿，但仍有错误，不能提交。请先修正下列错误。")
        return _submit(request, saved, refused_message=refused)
    messages.success(request, _("已保存草稿（第 %(version)s 版）。") % {"version": saved.version})
    return redirect("projects:sheet-edit", pk=sheet.pk)


def _refused(request: HttpRequest, sheet: Sheet, event: str, reason: str, **params) -> None:
    """A save or submission the rules refused, in the audit log (after the rollback)."""
    audit_services.record(
        event, request=request, obj=sheet, result="refused", params={"reason": reason, **params}
    )


def _save_interrupted(request: HttpRequest, sheet: Sheet, error: Exception) -> HttpResponse:
    """The database went away during a save: the transaction rolled back, nothing was saved.
    The editor comes back with everything typed and a retry message (503). If the database
    is still away, the error goes on to `perfeval.errors`, whose 503 page keeps the input too."""
    logger.warning(
        "sheet %s: save by user %s interrupted by the database (%s)",
        sheet.pk,
        request.user.pk,
        type(error).__name__,
        exc_info=error,
    )
    if not connection.in_atomic_block:
        # A broken connection is dropped; the next query opens a new one.
        try:
            connection.close_if_unusable_or_obsolete()
        except (OperationalError, InterfaceError):
            connection.close()
    header = SheetHeaderForm(request.POST, sheet_unit=sheet.amount_unit)
    rows = _rows_formset(sheet, request.POST)
    interrupted = _("数据库连接中断，您的输入未丢失，请稍后重试保存")
    context = _editor_context(request, sheet, header, rows, interrupted=interrupted)
    return render(request, EDITOR, context, status=503)


def _submit(request: HttpRequest, sheet: Sheet, *, refused_message: str, comment: str = ""):
    """Submit, or back to the editor with the errors listed when the rules refuse it."""
    try:
        sheet_submit(sheet=sheet, user=request.user, comment=comment)
    except SubmitRefused:
        _refused(request, sheet, "transition", "errors", action="submit")
        messages.warning(request, refused_message)
        return redirect(reverse("projects:sheet-edit", args=[sheet.pk]) + "?submit=refused")
    messages.success(request, _("已提交审核。"))
    return redirect(sheet)


@login_required
@require_POST
def sheet_edit_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Live scoring: the whole form in; the totals, the funds' figures, the findings and the
    rows whose computed cell changed out, as htmx out-of-band swaps (`live`)."""
    # Everything scored comes from the form: the stored rows and funds are not read.
    sheet = get_sheet_for_user(request.user, pk, action="edit", queryset=live.sheet_only())
    data = live.posted_data(request)
    header = SheetHeaderForm(data, sheet_unit=sheet.amount_unit)
    rows = live.rows_formset(data, prefix=ROWS_PREFIX, level2_queryset=level2_choices_for(sheet))
    content, prefixes = partial_content(header, rows)
    view = _live_view(sheet, content, header.shown_unit())
    # Only the rows whose computed cell changed since the browser last showed it.
    shown = _with_unreadable(dict(zip(prefixes, view.rows, strict=True)), rows)
    row_views = live.changed_rows(shown.items(), live.posted_sigs(data))
    return render(
        request,
        "projects/sheets/includes/live_update.html",
        {"view": view, "row_views": row_views},
    )


@login_required
@require_POST
def sheet_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="submit")
    return _submit(
        request,
        sheet,
        refused_message=_("仍有错误，不能提交。请先修正下列错误。"),
        comment=request.POST.get("comment", ""),
    )


NEW = "projects/sheets/sheet_new.html"


@login_required
@require_http_methods(["GET", "POST"])
def sheet_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "new_sheet")
    unit = filler_unit(request.user)
    if request.POST.get("action") == "back":
        # Back from the paste preview: the same choices and text, nothing saved.
        form = NewSheetForm(initial=request.POST.dict(), unit=unit)
        return render(request, NEW, {"form": form, "unit": unit})
    form = NewSheetForm(request.POST or None, request.FILES or None, unit=unit)
    if request.method == "GET" or not form.is_valid():
        return render(request, NEW, {"form": form, "unit": unit})
    data = form.cleaned_data
    project_name, year, mode = form.project_name(), data["year"], data["mode"]
    try:
        if mode == "paste":
            return _paste(request, form, unit, project_name, year)
        sheet = sheet_create(
            unit=unit,
            project_name=project_name,
            year=year,
            user=request.user,
            copy_from=form.previous_sheet() if mode == "copy" else None,
        )
    except SheetExists as exists:
        form.add_error(None, _("该项目 %(year)s 年度的自评表已存在。") % {"year": year})
        return render(request, NEW, {"form": form, "unit": unit, "existing": exists.sheet})
    messages.success(request, _("已新建 %(year)s 年度自评表草稿。") % {"year": year})
    return redirect("projects:sheet-edit", pk=sheet.pk)


def _uploaded(request: HttpRequest) -> bool:
    """Whether the text being previewed or confirmed came from an uploaded Excel file: the
    form turns a workbook into the text a paste gives (mode 上传 → 粘贴), so the page that
    chose 上传 says so in `mode`, and the preview carries it on in `source`."""
    return request.POST.get("mode") == "xlsx" or request.POST.get("source") == "upload"


def _paste_notes(result, parsed, unit, year: int, *, uploaded: bool = False) -> list[str]:
    """What the preview should say before a pasted or uploaded sheet is saved."""
    notes = []
    if len(result.sheets) > 1:
        many = (
            _("上传的文件包含 %(n)s 张表，只导入第一张。")
            if uploaded
            else _("粘贴的内容包含 %(n)s 张表，只导入第一张。")
        )
        notes.append(many % {"n": len(result.sheets)})
    if parsed.unit and parsed.unit != unit.name:
        notes.append(
            _("表中的实施单位为“%(theirs)s”，将作为本单位“%(ours)s”的自评表保存。")
            % {"theirs": parsed.unit, "ours": unit.name}
        )
    if parsed.year and parsed.year != year:
        notes.append(
            _("表头年度为 %(theirs)s，按您选择的 %(ours)s 年度保存。")
            % {"theirs": parsed.year, "ours": year}
        )
    return notes


def _paste(request, form, unit, project_name: str, year: int) -> HttpResponse:
    """Preview a pasted or uploaded sheet; save it only when the user confirms."""
    uploaded = _uploaded(request)
    result = read_text(form.cleaned_data["text"])
    notes = _paste_notes(result, result.sheets[0], unit, year, uploaded=uploaded)
    parsed = replace(
        result.sheets[0], project=project_name, department=unit.department.name, unit=unit.name
    )
    existing = Sheet.objects.filter(
        project__unit=unit, project__name=project_name, year=year
    ).first()
    if request.POST.get("action") == "confirm" and existing is None:
        outcome = save_parsed(parsed, year=year, user=request.user)
        done = (
            _("已导入上传的 Excel 自评表（%(rows)s 行指标）。")
            if uploaded
            else _("已导入粘贴的自评表（%(rows)s 行指标）。")
        )
        messages.success(request, done % {"rows": len(parsed.rows)})
        return redirect("projects:sheet-edit", pk=outcome.sheet.pk)
    # Scored by the rule set the saved sheet will have.
    rule_set = rule_set_for(Sheet(project=Project(unit=unit, name=project_name), year=year))
    data = SheetData(
        input=preview_input(parsed, rule_set=rule_set),
        year=year,
        goal_expected=parsed.goal_expected,
        goal_achieved=parsed.goal_achieved,
        amount_unit=parsed.amount_unit,  # previewed in the unit it printed
    )
    return render(
        request,
        "projects/sheets/sheet_paste_preview.html",
        {
            "form": form,
            "unit": unit,
            "view": build_view(data, rule_set),
            "notes": notes,
            "uploaded": uploaded,
            "existing": existing,
            "rows_read": len(parsed.rows),
            # What was read: the rule set, the printed amount unit, every unplaced cell.
            "rule_set": rule_set,
            "amount_unit_label": Sheet.AmountUnit(parsed.amount_unit).label,
            "amount_unit_printed": parsed.amount_unit_printed,
            "unplaced": parsed.unplaced,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheet_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft that never left 草稿: GET shows what goes with it, POST deletes it.
    Its unit's 填报人 only: anyone else who sees the sheet, or a sheet that is or was past
    草稿, answers 403; a sheet outside the user's scope 404."""
    sheet = get_sheet_for_user(request.user, pk, action="edit")
    if left_draft(sheet):
        raise PermissionDenied
    if request.method == "POST":
        name, year = sheet.project.name, sheet.year
        sheet_delete(sheet=sheet, user=request.user)
        messages.success(
            request,
            _("已删除“%(project)s” %(year)s 年度的自评表草稿。") % {"project": name, "year": year},
        )
        return redirect("projects:unit-overview")
    return render(
        request,
        "projects/sheets/sheet_delete.html",
        {"sheet": sheet, "contents": draft_contents(sheet)},
    )
