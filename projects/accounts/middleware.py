"""AccountSecurityMiddleware: what every request of a logged-in user goes through.

In this order, for a resolved view (after django_otp's OTPMiddleware and the messages):
1. A session that a newer login of the same account replaced ends ("您的账号已在其他地方登录").
2. A session idle longer than PERFEVAL_IDLE_TIMEOUT_MINUTES ends; the user goes to the login
   page with a message and `next` back to the page (for a POST, the page it was sent from; for
   an htmx request, an HX-Redirect). Requests marked as background polling (header
   `X-Perfeval-Background`) do not count as activity; every other request does.
3. With PERFEVAL_REQUIRE_2FA, a user past the password but not the second factor reaches only
   the code, enrollment, login and logout pages (and the language switch).
4. A user whose password an administrator set, or whose password is older than
   PERFEVAL_PASSWORD_MAX_AGE_DAYS, reaches only the password change page until it is changed.

The public pages of published sheets pass untouched (`PUBLIC_VIEWS`).
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import services, signals

BACKGROUND_HEADER = "X-Perfeval-Background"
# Reachable before the second factor, and during a forced password change.
SIGN_IN = {"login", "logout", "set_language", "healthz"}
SECOND_FACTOR = SIGN_IN | {"accounts:verify", "accounts:enroll", "accounts:session-status"}
PASSWORD_CHANGE = SIGN_IN | {
    "accounts:password-change",
    "accounts:recovery-codes",
    "accounts:keep-alive",
    "accounts:session-status",
}
REQUIRED_SENT = "perfeval_password_change_required"  # session key: announced once
JSON_VIEWS = {"accounts:keep-alive", "accounts:session-status"}
# The public pages of published sheets (projects/publication): open to anyone, so a logged-in
# visitor whose session ended or who owes a second factor reads them as anonymous visitors do,
# and they never touch the session (no activity counted, no cookie).
PUBLIC_VIEWS = {
    "projects:public-index",
    "projects:public-sheet",
    "projects:public-sheet-pdf",
    "projects:public-sheet-json",
    "projects:public-department",
    "projects:public-department-file",
    "projects:public-bureau",
    "projects:public-bureau-file",
}


def is_background(request) -> bool:
    return bool(request.headers.get(BACKGROUND_HEADER))


def _return_path(request) -> str:
    """Where the user should come back to after logging in again."""
    if request.headers.get("HX-Request"):
        current = request.headers.get("HX-Current-URL", "")
        parsed = urlparse(current)
        if current and url_has_allowed_host_and_scheme(current, {request.get_host()}):
            return parsed.path + (f"?{parsed.query}" if parsed.query else "")
        return "/"
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}):
        parsed = urlparse(referer)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return "/"


def _to_login(request, view_name: str):
    if view_name in JSON_VIEWS:
        return JsonResponse({"remaining": 0}, status=401)
    login = redirect_to_login(_return_path(request))
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login["Location"]
        return response
    return login


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in PUBLIC_VIEWS:
            return None
        if not request.user.is_authenticated:
            if request.session.pop(services.SUPERSEDED, False):
                messages.warning(request, _("您的账号已在其他地方登录，本次会话已结束。"))
            return None
        ended = self._ended(request)
        if ended is not None:
            return _to_login(request, name) if name not in SIGN_IN else None
        if not is_background(request):
            services.touch(request)
        return self._gate(request, name)

    @staticmethod
    def _ended(request) -> str | None:
        """End the session if it was replaced or left idle; returns the reason."""
        if services.is_superseded(request):
            services.end_session(request, "superseded")
            messages.warning(request, _("您的账号已在其他地方登录，本次会话已结束。"))
            return "superseded"
        remaining = services.idle_remaining(request)
        if remaining is not None and remaining <= 0:
            services.end_session(request, "idle")
            messages.warning(request, _("您已长时间未操作，为安全起见已自动退出，请重新登录。"))
            return "idle"
        return None

    @staticmethod
    def _gate(request, name: str):
        user = request.user
        if services.two_factor_required() and not user.is_verified():
            if name in SECOND_FACTOR:
                return None
            if name in JSON_VIEWS:
                return JsonResponse({"remaining": 0}, status=401)
            step = "accounts:verify" if services.has_second_factor(user) else "accounts:enroll"
            return redirect(f"{reverse(step)}?{_next_query(request)}")
        if name in PASSWORD_CHANGE:
            return None
        reason = services.password_change_due(user)
        if reason is None:
            return None
        if request.session.get(REQUIRED_SENT) != reason:
            request.session[REQUIRED_SENT] = reason
            signals.password_change_required.send(
                "AccountSecurityMiddleware", request=request, user=user, reason=reason
            )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("accounts:password-change")
            return response
        return redirect(f"{reverse('accounts:password-change')}?{_next_query(request)}")


def _next_query(request) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": _return_path(request)})
