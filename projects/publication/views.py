"""Publication (随决算公开): the public pages, open without login, and the publish and
unpublish buttons of the sheet page.

The public pages (`public_page`) answer GET (and HEAD) only, set `Cache-Control: public,
max-age=300`, and send no cookie: their templates use no CSRF token and no messages, and
`middleware.PublicResponseMiddleware` drops any cookie another middleware would still add.
Anything not published or not there is a 404 (never a 403 or a login page).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from projects.access import get_sheet_for_user
from projects.exports import services as exports
from projects.sheets.view_model import build_sheet_view

from . import formats, selectors, services

# How long a browser or a proxy may keep a public page (seconds).
PUBLIC_MAX_AGE = 300
# Sheets a page of a public list shows.
PAGE_SIZE = 50
# A list as a page (""), or as a file.
FORMATS = ("", "csv", "json")


def public_page(view):
    """A public view: GET/HEAD only, cacheable, and a 404 page of its own for anything not
    published (`not_found.html`, which like every public template sets no cookie)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            # Not cached (the security headers' no-store): publishing shows at once.
            return render(request, "projects/publication/not_found.html", status=404)
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    # Nothing is posted to a public page; without the CSRF check a POST answers 405.
    return csrf_exempt(require_safe(wrapper))


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@public_page
def public_index(request: HttpRequest) -> HttpResponse:
    """The years, bureaus and departments that have published sheets."""
    return render(
        request, "projects/publication/public_index.html", {"years": selectors.public_index()}
    )


@public_page
def public_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The published sheet's official table, and nothing else of it."""
    sheet = selectors.public_sheet(pk)
    view = selectors.printed_view(build_sheet_view(sheet))
    context = {"sheet": sheet, "view": view, "department_id": sheet.project.unit.department_id}
    return render(request, "projects/publication/public_sheet.html", context)


@public_page
def public_sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The published sheet's PDF, the same file the app's PDF download gives (its cache
    makes a repeated one cheap)."""
    sheet = selectors.public_sheet(pk)
    data = exports.one_pdf(build_sheet_view(sheet), sheet=sheet)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not request.GET.get("inline"), filename=exports.sheet_filename(sheet, "pdf")
    )
    return response


@public_page
def public_sheet_json(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = selectors.public_sheet(pk)
    return JsonResponse(
        selectors.public_sheet_dict(sheet, build_sheet_view(sheet)),
        json_dumps_params={"ensure_ascii": False},
    )


def _list_response(request, *, fmt, sheets, meta, template, context, filename) -> HttpResponse:
    """A public list as a page (paginated), CSV or JSON (every row)."""
    if fmt not in FORMATS:
        raise Http404
    if fmt == "csv":
        rows = selectors.list_rows(sheets)
        response = HttpResponse(
            formats.list_csv(rows, _base_url(request)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{filename}.csv"
        )
        return response
    if fmt == "json":
        rows = selectors.list_rows(sheets)
        return HttpResponse(
            formats.list_json(meta, rows, _base_url(request)),
            content_type="application/json; charset=utf-8",
        )
    page = Paginator(sheets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {**context, "page": page, "rows": selectors.list_rows(page.object_list), "query": ""},
    )


@public_page
def department_list(
    request: HttpRequest, year: int, department_id: int, fmt: str = ""
) -> HttpResponse:
    """A department's published sheets of a year."""
    department, sheets = selectors.department_list(year, department_id)
    return _list_response(
        request,
        fmt=fmt,
        sheets=sheets,
        meta={"year": year, "department": department.name},
        template="projects/publication/public_list.html",
        context={"year": year, "department": department, "by_department": False},
        filename=f"{year}_department_{department.pk}",
    )


@public_page
def bureau_list(request: HttpRequest, year: int, bureau_id: int, fmt: str = "") -> HttpResponse:
    """A finance bureau's published sheets of a year, across its departments."""
    bureau, sheets = selectors.bureau_list(year, bureau_id)
    return _list_response(
        request,
        fmt=fmt,
        sheets=sheets,
        meta={"year": year, "bureau": bureau.name},
        template="projects/publication/public_list.html",
        context={"year": year, "bureau": bureau, "by_department": True},
        filename=f"{year}_bureau_{bureau.pk}",
    )


# -- publishing (logged in, from the sheet page) -----------------------------------------------


@login_required
@require_POST
def sheet_publish(request: HttpRequest, pk: int, publish: bool) -> HttpResponse:
    """公开 or 撤回公开: a sheet outside the user's scope is 404, a role or state that may not
    is 403 (`services.publish`, `services.unpublish`)."""
    sheet = get_sheet_for_user(request.user, pk)
    if publish:
        services.publish(request.user, sheet, request=request)
        messages.success(request, _("已公开：任何人无需登录即可查看此表的公开页面和 PDF。"))
    else:
        services.unpublish(request.user, sheet, request=request)
        messages.success(request, _("已撤回公开：公开页面已不可访问。"))
    return redirect(sheet)
