"""Context processor: the idle time-out's figures for the page's script (data- attributes on
<body> in base.html; static/js/idle-timeout.js reads them)."""

from __future__ import annotations

from . import services


def idle_timeout(request) -> dict:
    """The idle time-out's figures, and `signed_in`: past both factors (the navigation to the
    work pages is shown only then)."""
    user = request.user
    signed_in = user.is_authenticated and (
        not services.two_factor_required() or getattr(user, "is_verified", lambda: True)()
    )
    return {
        "idle_timeout_seconds": services.idle_timeout_seconds(),
        "idle_warning_seconds": 60,
        "signed_in": signed_in,
    }
