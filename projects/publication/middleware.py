"""PublicResponseMiddleware: the public pages (随决算公开) carry no cookie.

Placed before (outside) the session, language, CSRF and messages middlewares
(settings.MIDDLEWARE), so it sees each response after all of them: a GET or HEAD of a page
under the public prefix (/public/) leaves without a `Set-Cookie`, whatever was set on the
way — the public views use no session, CSRF token or message, but a logged-in visitor's
session bookkeeping, or a message left for someone whose session was replaced, would
otherwise come back as a cookie on a response that proxies may cache for everyone. The
publish and unpublish actions (POST) keep theirs.
"""

from __future__ import annotations

from functools import cache

from django.urls import reverse


@cache
def public_prefix() -> str:
    return reverse("projects:public-index")


class PublicResponseMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and request.path.startswith(public_prefix()):
            response.cookies.clear()
        return response
