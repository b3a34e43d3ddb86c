"""Units fill in their sheets: start one (empty, from last year, pasted), edit it with live
scoring, save and submit. Only the 填报人 of the sheet's unit, only in 草稿 or 已退回."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from indicators.models import Indicator, Level2, RuleSet

from .access import get_sheet_for_user, user_unit
from .entry_forms import (
    IndicatorForm,
    IndicatorFormSet,
    SheetHeaderForm,
    content_from,
    partial_content,
)
from .forms import NewSheetForm
from .importer import Catalogue, normalised_input, save_parsed
from .models import Sheet
from .services import (
    SheetExists,
    StaleEdit,
    SubmitRefused,
    sheet_create,
    sheet_save_content,
    sheet_submit,
)
from .sheet_text import parse_text
from .sheet_view import SheetData, build_sheet_view, build_view, sheet_queryset

ROWS_PREFIX = "rows"


def level2_queryset(year: int):
    rules = RuleSet.for_year(year)
    return Level2.objects.filter(level1__scheme_id=rules.scheme_id).select_related("level1")


def grouped_level2_choices(queryset) -> list:
    """Level-2 choices grouped under their level 1 (optgroups)."""
    groups: dict[str, list] = {}
    for level2 in queryset:
        groups.setdefault(level2.level1.name, []).append((level2.pk, level2.name))
    return [("", "—")] + list(groups.items())


def plain(number) -> str:
    """A stored target number as a person types it: 90, 0.5, 350000 (never 9E+1)."""
    return "" if number is None else format(number.normalize(), "f")


def known_indicators(unit) -> dict:
    """Indicator names already used in the unit's and its department's sheets, each with its
    most frequent level 2, target and unit, for the name autocomplete."""
    rows = (
        Indicator.objects.filter(sheet__project__unit__department_id=unit.department_id)
        .values(
            "name",
            "level2_id",
            "target_operator",
            "target_number",
            "target_unit",
            "target_kind",
            "target_text",
        )
        .annotate(uses=Count("id"), last=Max("sheet__year"))
        .order_by("name", "-uses", "-last")
    )
    known: dict[str, dict] = {}
    for row in rows:
        if row["name"] in known:
            continue
        quantitative = row["target_kind"] == "quantitative"
        known[row["name"]] = {
            "level2": row["level2_id"],
            "operator": row["target_operator"] if quantitative else "",
            "number": plain(row["target_number"]) if quantitative else "",
            "unit": row["target_unit"] if quantitative else "",
            "text": "" if quantitative else row["target_text"],
        }
    return known


def _unit_or_403(request):
    unit = user_unit(request.user)
    if unit is None:
        raise PermissionDenied
    return unit


def _editor_context(request, sheet, header, rows, **extra) -> dict:
    queryset = rows.level2_queryset
    choices = grouped_level2_choices(queryset)
    for form in [*rows.forms, rows.empty_form]:
        form.fields["level2"].widget.choices = choices
    if header.is_bound:
        content, prefixes = partial_content(header, rows)
        view = _live_view(sheet, content)
    else:
        view = build_sheet_view(sheet)
        prefixes = [form.prefix for form in rows.forms]
    row_views = dict(zip(prefixes, view.rows, strict=True))
    return {
        "sheet": sheet,
        "header": header,
        "rows": rows,
        "view": view,
        "row_pairs": [(form, row_views.get(form.prefix)) for form in rows.forms],
        "known_indicators": known_indicators(sheet.project.unit),
        **extra,
    }


def _live_view(sheet: Sheet, content):
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
    )
    return build_view(data, RuleSet.for_year(sheet.year))


@login_required
@require_http_methods(["GET", "POST"])
def sheet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, edit=True, queryset=sheet_queryset())
    level2s = level2_queryset(sheet.year)
    if request.method == "GET":
        header = SheetHeaderForm(initial=SheetHeaderForm.initial_for(sheet))
        rows = IndicatorFormSet(
            prefix=ROWS_PREFIX,
            initial=[IndicatorForm.initial_for(row) for row in sheet.indicators.all()],
            level2_queryset=level2s,
        )
        refused = None
        if request.GET.get("submit") == "refused":
            refused = build_sheet_view(sheet).errors
        context = _editor_context(request, sheet, header, rows, refused=refused)
        return render(request, "projects/sheet_edit.html", context)

    header = SheetHeaderForm(request.POST)
    rows = IndicatorFormSet(request.POST, prefix=ROWS_PREFIX, level2_queryset=level2s)
    if not (header.is_valid() and rows.is_valid()):
        messages.error(
            request, _("有输入无法识别，未保存。请按提示修改后再保存，您输入的内容都保留在下方。")
        )
        return render(
            request,
            "projects/sheet_edit.html",
            _editor_context(request, sheet, header, rows),
            status=400,
        )
    content = content_from(header, rows)
    try:
        saved = sheet_save_content(
            sheet=sheet, user=request.user, version=header.cleaned_data["version"], content=content
        )
    except StaleEdit as stale:
        # Keep the user's input on screen; saving again now overwrites the other edit knowingly.
        post = request.POST.copy()
        post["version"] = str(stale.version)
        header = SheetHeaderForm(post)
        rows = IndicatorFormSet(post, prefix=ROWS_PREFIX, level2_queryset=level2s)
        context = _editor_context(request, sheet, header, rows, stale=stale)
        return render(request, "projects/sheet_edit.html", context, status=409)
    if request.POST.get("action") == "submit":
        try:
            sheet_submit(sheet=saved, user=request.user)
        except SubmitRefused:
            messages.warning(request, _("已保存草稿，但仍有错误，不能提交。请先修正下列错误。"))
            return redirect(reverse("projects:sheet-edit", args=[sheet.pk]) + "?submit=refused")
        messages.success(request, _("已提交审核。"))
        return redirect(saved)
    messages.success(request, _("已保存草稿（第 %(version)s 版）。") % {"version": saved.version})
    return redirect("projects:sheet-edit", pk=sheet.pk)


@login_required
@require_POST
def sheet_edit_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Live scoring: the whole form in, every computed figure and finding out (htmx)."""
    sheet = get_sheet_for_user(request.user, pk, edit=True, queryset=sheet_queryset())
    header = SheetHeaderForm(request.POST)
    rows = IndicatorFormSet(
        request.POST, prefix=ROWS_PREFIX, level2_queryset=level2_queryset(sheet.year)
    )
    content, prefixes = partial_content(header, rows)
    view = _live_view(sheet, content)
    return render(
        request,
        "projects/includes/live_update.html",
        {"view": view, "row_views": list(zip(prefixes, view.rows, strict=True))},
    )


@login_required
@require_POST
def sheet_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, edit=True)
    try:
        sheet_submit(
            sheet=sheet, user=request.user, comment=request.POST.get("comment", "").strip()
        )
    except SubmitRefused:
        messages.warning(request, _("仍有错误，不能提交。请先修正下列错误。"))
        return redirect(reverse("projects:sheet-edit", args=[sheet.pk]) + "?submit=refused")
    messages.success(request, _("已提交审核。"))
    return redirect(sheet)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_new(request: HttpRequest) -> HttpResponse:
    unit = _unit_or_403(request)
    if request.POST.get("action") == "back":
        # Back from the paste preview: the same choices and text, nothing saved.
        form = NewSheetForm(initial=request.POST.dict(), unit=unit)
        return render(request, "projects/sheet_new.html", {"form": form, "unit": unit})
    form = NewSheetForm(request.POST or None, request.FILES or None, unit=unit)
    if request.method == "GET" or not form.is_valid():
        return render(request, "projects/sheet_new.html", {"form": form, "unit": unit})
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
        return render(
            request,
            "projects/sheet_new.html",
            {"form": form, "unit": unit, "existing": exists.sheet},
        )
    messages.success(request, _("已新建 %(year)s 年度自评表草稿。") % {"year": year})
    return redirect("projects:sheet-edit", pk=sheet.pk)


def _paste(request, form, unit, project_name: str, year: int) -> HttpResponse:
    """Preview a pasted sheet; save it only when the user confirms."""
    result = parse_text(form.cleaned_data["text"])
    parsed = result.sheets[0]
    notes = []
    if len(result.sheets) > 1:
        notes.append(_("粘贴的内容包含 %(n)s 张表，只导入第一张。") % {"n": len(result.sheets)})
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
    parsed = replace(parsed, project=project_name, department=unit.department.name, unit=unit.name)
    existing = Sheet.objects.filter(
        project__unit=unit, project__name=project_name, year=year
    ).first()
    if request.POST.get("action") == "confirm" and existing is None:
        outcome = save_parsed(parsed, year=year, user=request.user)
        messages.success(
            request, _("已导入粘贴的自评表（%(rows)s 行指标）。") % {"rows": len(parsed.rows)}
        )
        return redirect("projects:sheet-edit", pk=outcome.sheet.pk)
    rules = RuleSet.for_year(year)
    data = SheetData(
        input=normalised_input(parsed, Catalogue(rules.scheme_id)),
        year=year,
        goal_expected=parsed.goal_expected,
        goal_achieved=parsed.goal_achieved,
    )
    return render(
        request,
        "projects/sheet_paste_preview.html",
        {
            "form": form,
            "unit": unit,
            "view": build_view(data, rules),
            "notes": notes,
            "existing": existing,
            "rows_read": len(parsed.rows),
        },
    )
