"""The year at a glance: each working role's landing page, over its scope (docs/dashboard.md).

Every number is read from the stored figures by the aggregates of `selectors`; every bar and
count links to the sheet list filtered to exactly the sheets behind it.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from indicators.messages import grade_name
from projects.access import (
    filler_unit,
    finance_bureau,
    require,
    reviewer_department,
    role_label,
    scope_sheets,
    sheet_years,
)
from projects.paging import query_without_page
from projects.workflow import Status

from . import charts, selectors
from .forms import DashboardForm

RANKING_PAGE_SIZE = 50
HUNDRED = Decimal(100)


def sheets_url(filters: dict, **more) -> str:
    """The sheet list showing the sheets of `filters` narrowed by `more`."""
    query = {**filters, **{key: value for key, value in more.items() if value not in (None, "")}}
    return f"{reverse('projects:sheet-list')}?{urlencode(query)}"


def _scope(request: HttpRequest):
    """The user's scope for the chosen year, department and unit, and the filter form; a
    department or unit outside the scope (or made up) answers 404."""
    require(request.user, "dashboard")
    visible = scope_sheets(request.user)
    years = sheet_years(visible)
    form = DashboardForm(
        request.GET or None, user=request.user, visible_sheets=visible, years=years
    )
    if form.is_bound and not form.is_valid():
        raise Http404
    year = form.choice("year") or (years[0] if years else None)
    department = form.choice("department")
    unit = form.choice("unit")
    scope = selectors.Scope(
        user=request.user,
        year=year,
        department=department.pk if department else None,
        unit=unit.pk if unit else None,
    )
    order = form.choice("order") or selectors.ORDERS[0]
    return scope, form, years, order


def _text(value) -> str:
    return "—" if value is None else f"{value}"


def _state_block(scope, counts: dict) -> dict:
    filters = scope.filters()
    stages = []
    for key, label, states, status in selectors.STAGES:
        stages.append(
            {
                "key": key,
                "label": label,
                "states": [state.label for state in states],
                "count": counts["stages"][key],
                "href": sheets_url(filters, status=status),
            }
        )
    parts = [
        charts.Item(
            label=str(status.label),
            value=counts["status"][status.value],
            text=str(counts["status"][status.value]),
            href=sheets_url(filters, status=status.value),
            css=f"state-{status.value}",
        )
        for status in (
            Status.DRAFT,
            Status.RETURNED,
            Status.SUBMITTED,
            Status.DEPT_APPROVED,
            Status.APPROVED,
        )
    ]
    return {"stages": stages, "chart": charts.stacked(parts), "parts": parts}


def _grade_block(scope, counts: dict) -> dict:
    filters = scope.filters()
    items = [
        charts.Item(
            label=grade_name(grade),
            value=counts["grades"][grade],
            text=str(counts["grades"][grade]),
            href=sheets_url(filters, grade=grade),
            css=f"grade-bar-{index}",
        )
        for index, grade in enumerate(selectors.GRADES)
    ]
    return {"items": items, "chart": charts.columns(items)}


def _ranking_chart(rows, order: str, href) -> charts.BarChart:
    metric = "rate" if order == "rate" else "total"
    values = [getattr(row, metric) for row in rows]
    scale = max([HUNDRED, *(value for value in values if value is not None)])
    items = [
        charts.Item(
            label=row.name,
            value=getattr(row, metric),
            text=_text(getattr(row, metric))
            + ("%" if metric == "rate" and getattr(row, metric) is not None else ""),
            href=href(row),
            css=_band(getattr(row, metric), metric),
        )
        for row in rows
    ]
    return charts.bars(items, scale=scale)


def _band(value, metric: str) -> str:
    """The bar's colour: its grade band for a total (90, 80, 60), for a rate 90 %."""
    if value is None:
        return "band-none"
    if metric == "rate":
        return "band-0" if value >= 90 else "band-3"
    for index, floor in enumerate((Decimal(90), Decimal(80), Decimal(60))):
        if value >= floor:
            return f"band-{index}"
    return "band-3"


def _unit_href(filters):
    return lambda row: sheets_url(filters, unit=row.pk)


def _project_href(row) -> str:
    return reverse("projects:sheet-detail", args=[row.sheet]) if row.sheet else ""


def _year_block(scope, years: list[int], units) -> dict:
    shown = selectors.years_shown(years, scope.year)
    table = selectors.year_over_year(scope, units, shown)
    overall = table.get(None, {})
    items = [
        charts.Item(
            label=str(year),
            value=overall.get(year, (None,))[0],
            text=_text(overall.get(year, (None,))[0]),
            href=sheets_url({**scope.filters(), "year": year}),
            css="year-bar",
        )
        for year in shown
    ]
    rows = [
        {
            "name": str(_("全部")),
            "href": "",
            "cells": [overall.get(year) for year in shown],
        }
    ] + [
        {
            "name": unit.name,
            "href": sheets_url({**scope.filters()}, unit=unit.pk),
            "cells": [table.get(unit.pk, {}).get(year) for year in shown],
        }
        for unit in units
    ]
    return {"years": shown, "rows": rows, "chart": charts.columns(items, scale=HUNDRED)}


def _scope_label(user) -> str:
    """Whose sheets: the unit, the department or the bureau (all for the 管理员)."""
    place = filler_unit(user) or reviewer_department(user) or finance_bureau(user)
    return str(place) if place is not None else str(_("全部自评表"))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The year's sheets by state and grade, the weakest units and projects, the sheets with
    errors or open comments, late task items and each unit's years: a constant number of
    queries whatever the number of sheets."""
    scope, form, years, order = _scope(request)
    sheets = scope.sheets()
    counts = selectors.overview(scope)
    filters = scope.filters()
    units = selectors.by_unit(scope, order)
    for row in units:
        row.extra["href"] = sheets_url(filters, unit=row.pk)
    projects = selectors.by_project(sheets, order)
    groups = selectors.group_counts(scope)
    more_query = urlencode({**filters, "order": order})
    context = {
        "form": form,
        "scope": scope,
        "role": role_label(request.user),
        "scope_label": _scope_label(request.user),
        "order": order,
        "counts": counts,
        "all_sheets": sheets_url(filters),
        "states": _state_block(scope, counts),
        "grades": _grade_block(scope, counts),
        "late": selectors.late_items(scope),
        "tasks_url": reverse("projects:task-list"),
        "units": units,
        "units_chart": _ranking_chart(units, order, _unit_href(filters)),
        "unit_count": groups["units"],
        "units_more": f"{reverse('projects:dashboard-units')}?{more_query}",
        "projects": projects,
        "projects_chart": _ranking_chart(projects, order, _project_href),
        "project_count": groups["projects"],
        "projects_more": f"{reverse('projects:dashboard-projects')}?{more_query}",
        "with_errors": selectors.with_errors(sheets),
        "errors_url": sheets_url(filters, issues="errors"),
        "with_comments": selectors.with_open_comments(sheets),
        "comments_url": sheets_url(filters, issues="comments"),
        "history": _year_block(scope, years, units),
    }
    return render(request, "projects/dashboard/dashboard.html", context)


def _ranking(request: HttpRequest, kind: str) -> HttpResponse:
    scope, form, _years, order = _scope(request)
    sheets = scope.sheets()
    if kind == "units":
        groups, to_row = selectors.unit_groups(scope, order), selectors.unit_row
    else:
        groups, to_row = selectors.project_groups(sheets, order), selectors.project_row
    page = Paginator(groups, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [to_row(group) for group in page.object_list]
    filters = scope.filters()
    for row in rows:
        row.extra["href"] = (
            sheets_url(filters, unit=row.pk) if kind == "units" else _project_href(row)
        )
    return render(
        request,
        "projects/dashboard/ranking.html",
        {
            "form": form,
            "scope": scope,
            "kind": kind,
            "order": order,
            "page": page,
            "rows": rows,
            "offset": page.start_index() - 1 if rows else 0,
            "query": query_without_page(request.GET),
        },
    )


@login_required
@require_GET
def unit_ranking(request: HttpRequest) -> HttpResponse:
    """Every unit of the year in the scope, weakest first, 50 to a page."""
    return _ranking(request, "units")


@login_required
@require_GET
def project_ranking(request: HttpRequest) -> HttpResponse:
    """Every project of the year in the scope, weakest first, 50 to a page."""
    return _ranking(request, "projects")
