"""AuditMiddleware: who is asking, for the receivers, and the refusals, for the log.

Placed after the authentication middleware (settings.MIDDLEWARE). While a request is answered,
`services.current_request` holds it, so a receiver of a model's save knows the user and the
address. A view that raises PermissionDenied (403), or `OutOfScope` (the 404 that
`access.get_sheet_for_user` answers for a sheet the user may not see), is recorded as an
`access` event with result `refused` — after the view's transactions have rolled back, so the
refusal stays recorded while nothing of the refused action does.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from projects.access import OutOfScope
from projects.models import Sheet

from . import services
from .codes import Action, Result


def _refused_sheet(request, exception) -> Sheet | None:
    if isinstance(exception, OutOfScope):
        pk = exception.pk
    else:
        match = getattr(request, "resolver_match", None)
        if match is None or match.namespace != "projects" or "pk" not in match.kwargs:
            return None
        pk = match.kwargs["pk"]
    return Sheet.objects.select_related("project").filter(pk=pk).first()


def record_refusal(request, exception) -> None:
    match = getattr(request, "resolver_match", None)
    sheet = _refused_sheet(request, exception)
    params = {
        "method": request.method,
        "path": request.path[:300],
        "view": match.view_name if match is not None else "",
        "status": 404 if isinstance(exception, OutOfScope) else 403,
    }
    if sheet is not None:
        services.record(
            Action.ACCESS, request=request, result=Result.REFUSED, obj=sheet, params=params
        )
    else:
        services.record(Action.ACCESS, request=request, result=Result.REFUSED, params=params)


class AuditMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = services.current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            services.current_request.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied | OutOfScope):
            record_refusal(request, exception)
        return None
