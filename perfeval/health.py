"""`/healthz`: the app is up and reaches its database.

For container health checks and load balancers: no login, no session, no template, no
redirect (SECURE_REDIRECT_EXEMPT lets it answer over plain HTTP inside the container network).
200 "ok" when `SELECT 1` answers, 503 otherwise. It tells nothing else about the installation.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
