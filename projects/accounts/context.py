"""Context processor: the idle time-out's figures for the page's script (data- attributes on
<body> in base.html; static/js/idle-timeout.js reads them)."""

from __future__ import annotations

from . import services


def idle_timeout(request) -> dict:
    return {"idle_timeout_seconds": services.idle_timeout_seconds(), "idle_warning_seconds": 60}
