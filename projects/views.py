from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from indicators.messages import GRADE_NAMES
from indicators.models import RuleSet

from .access import get_sheet_for_user, scope_sheets, user_department, user_unit
from .forms import SheetFilterForm
from .models import Sheet
from .review_views import review_context
from .sheet_json import sheet_to_dict
from .sheet_view import build_sheet_view, num, sheet_queryset


@dataclass(frozen=True)
class ListEntry:
    sheet: Sheet
    total_text: str
    grade: str
    grade_label: str
    errors: int
    warnings: int


def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is: the unit's overview, the reviewer's inbox."""
    if user_unit(request.user) is not None:
        return redirect("projects:unit-overview")
    if user_department(request.user) is not None:
        return redirect("projects:review-inbox")
    return redirect("projects:sheet-list")


@login_required
@require_GET
def sheet_list(request: HttpRequest) -> HttpResponse:
    visible = scope_sheets(request.user)
    form = SheetFilterForm(request.GET or None, visible_sheets=visible)
    sheets = form.filter(scope_sheets(request.user, sheet_queryset())).order_by(
        "-year", "project__unit__department__name", "project__unit__name", "project__name"
    )
    page = Paginator(sheets, 50).get_page(request.GET.get("page"))
    rule_sets: dict[int, object] = {}
    entries = []
    for sheet in page.object_list:
        if sheet.year not in rule_sets:
            rule_sets[sheet.year] = RuleSet.for_year(sheet.year).to_params()
        result = sheet.evaluate(rule_sets[sheet.year])
        entries.append(
            ListEntry(
                sheet=sheet,
                total_text=num(result.total),
                grade=result.grade,
                grade_label=str(GRADE_NAMES.get(result.grade, result.grade)),
                errors=len(result.errors),
                warnings=len(result.warnings),
            )
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/sheet_list.html",
        {
            "form": form,
            "page": page,
            "entries": entries,
            "query": query.urlencode(),
            "can_create": user_unit(request.user) is not None,
        },
    )


@login_required
@require_GET
def sheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, queryset=sheet_queryset())
    view = build_sheet_view(sheet)
    context = {"sheet": sheet, "view": view, **review_context(request, sheet, view)}
    return render(request, "projects/sheet_detail.html", context)


@login_required
@require_GET
def sheet_json(request: HttpRequest, pk: int) -> JsonResponse:
    sheet = get_sheet_for_user(request.user, pk, queryset=sheet_queryset())
    return JsonResponse(sheet_to_dict(sheet), json_dumps_params={"ensure_ascii": False})
