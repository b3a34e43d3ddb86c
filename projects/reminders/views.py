"""The pending-work page (待办): what waits for the user, by kind, with links."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.access import require

from .selectors import SOON_DAYS, grouped, pending_work


@login_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    require(request.user, "todo")
    groups = grouped(pending_work(request.user))
    return render(
        request, "projects/reminders/todo.html", {"groups": groups, "soon_days": SOON_DAYS}
    )
