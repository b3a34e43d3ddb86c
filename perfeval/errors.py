"""Error pages that need nothing but the request: no database, no context processors.

`server_error` is the handler500: a friendly page with the request id a user can quote (the
log line of the error carries the same id, perfeval.middleware). A database outage is not a
bug: it answers 503 with a retry message instead, and a form that was being posted comes back
as a form, every field kept, so nothing typed is lost (`database_unavailable`).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from perfeval.request_id import request_id_of

# Errors that mean the database is away (a restart, a dropped connection), not a bug.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

INPUT_KEPT = _("数据库连接中断，您的输入未丢失，请稍后重试保存")
TRY_AGAIN = _("数据库暂时无法连接，请稍后重试。")

# Posted fields never echoed back into a page: secrets, and one-time codes.
_NOT_KEPT = ("password", "otp", "token", "code")


def kept_fields(request) -> list[tuple[str, str]]:
    """The posted fields (name, value) a retry form carries back; secrets left out (the CSRF
    token stays: the retry posts with the same cookie)."""
    fields = []
    for name, values in request.POST.lists():
        lowered = name.lower()
        if name != "csrfmiddlewaretoken" and any(word in lowered for word in _NOT_KEPT):
            continue
        fields.extend((name, value) for value in values)
    return fields


def database_unavailable(request) -> HttpResponse:
    """503: the database went away. A POST comes back as a retry form holding every field."""
    posted = request.method == "POST"
    context = {
        "request_id": request_id_of(request),
        "message": INPUT_KEPT if posted else TRY_AGAIN,
        "fields": kept_fields(request) if posted else [],
        "action": request.get_full_path(),
        "posted": posted,
    }
    html = loader.render_to_string("503.html", context)
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "5"
    return response


def server_error(request) -> HttpResponse:
    """handler500. Called while the exception is being handled, so it can tell a database
    outage (503 with the retry message) from a bug (500 with the request id)."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable(request)
    html = loader.render_to_string("500.html", {"request_id": request_id_of(request)})
    return HttpResponseServerError(html)
