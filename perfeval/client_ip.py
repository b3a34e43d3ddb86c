"""The client's address, as the audit log and the lock-out both record it.

Behind a reverse proxy every request comes from the proxy, so the real client is named in a
forwarded header, which anyone can also forge when no proxy strips it. One setting decides
which header to believe: `PERFEVAL_PROXY_IP_HEADER` (environment `DJANGO_PROXY_IP_HEADER`), the
META key of the header the trusted proxy sets, for example `HTTP_X_REAL_IP` (nginx
`proxy_set_header X-Real-IP $remote_addr`) or `HTTP_X_FORWARDED_FOR`. With a list header such as
X-Forwarded-For, the address the trusted proxy appended is the last one, so `PERFEVAL_PROXY_COUNT`
(default 1) says how many proxies to count back from the end. Unset: REMOTE_ADDR, no header is
believed (the default, right when the app faces clients directly).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    address = address.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP address as text ("" when there is none to tell)."""
    meta = getattr(request, "META", {}) or {}
    header = getattr(settings, "PERFEVAL_PROXY_IP_HEADER", "")
    if header:
        value = meta.get(header, "")
        if value:
            parts = [p for p in (part.strip() for part in value.split(",")) if p]
            count = max(1, int(getattr(settings, "PERFEVAL_PROXY_COUNT", 1)))
            if len(parts) >= count:
                found = _valid(parts[-count])
                if found:
                    return found
    return _valid(meta.get("REMOTE_ADDR", "")) or ""
