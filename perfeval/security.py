"""Response headers Django's own middlewares do not set: caching and the Permissions-Policy.

- `Cache-Control: no-store` (and `Pragma: no-cache` for old proxies): sheet pages, the editor,
  PDF and Excel downloads, batch downloads and every other dynamic response hold data that must
  not stay in a browser's or a proxy's cache. Every response gets it unless the view set its own
  Cache-Control (a public page that may be cached says so itself), except a static file served
  to an anonymous visitor (in production nginx serves /static/ and Django never sees it).
- `Permissions-Policy`: the app uses no camera, microphone, location, payment or USB; the
  browser refuses them to the page and to anything injected into it.

The Content Security Policy is django-csp's (`CONTENT_SECURITY_POLICY` in settings); HSTS,
nosniff, the referrer policy and Cross-Origin-Opener-Policy are Django's SecurityMiddleware.
"""

from __future__ import annotations

from django.conf import settings

NO_STORE = "no-store"

# Features the app never uses, refused to every origin. Only features browsers know are named,
# so that the console stays quiet.
DEFAULT_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def _is_static(request) -> bool:
    static_url = "/" + str(getattr(settings, "STATIC_URL", "static/") or "").lstrip("/")
    return static_url != "/" and request.path.startswith(static_url)


def _authenticated(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def must_not_be_stored(request, response) -> bool:
    """Whether the response gets `Cache-Control: no-store`."""
    if response.has_header("Cache-Control"):
        return False
    return not _is_static(request) or _authenticated(request)


class SecurityHeadersMiddleware:
    """No caching of private responses, and the Permissions-Policy header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if must_not_be_stored(request, response):
            response["Cache-Control"] = NO_STORE
            response["Pragma"] = "no-cache"
        policy = getattr(settings, "PERFEVAL_PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
        if policy and not response.has_header("Permissions-Policy"):
            response["Permissions-Policy"] = policy
        return response
