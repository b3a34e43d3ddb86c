"""The login in two steps (password, then the code), enrollment with a QR code, recovery
codes, the password change, the idle time-out's keep-alive, and the administrator's page of
accounts (second-factor reset, unlock)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from projects.access import may_manage_accounts, role_label

from . import services
from .forms import CodeForm, EnrollForm


def _next(request) -> str:
    """Where to go once logged in: the `next` asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class LoginView(auth_views.LoginView):
    """Step one: the password (Django's form; django-axes counts the failures)."""

    template_name = "registration/login.html"

    def get_success_url(self) -> str:
        next_url = self.get_redirect_url() or resolve_url(settings.LOGIN_REDIRECT_URL)
        if not services.two_factor_required():
            services.complete_login(self.request)
            return next_url
        if services.has_second_factor(self.request.user):
            return _with_next("accounts:verify", next_url)
        return _with_next("accounts:enroll", next_url)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page itself says the account is locked and for how
    long. A half-logged-in user (locked out at the code step) is logged out first."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    if request.user.is_authenticated:
        username = username or request.user.get_username()
        logout(request)
    remaining = services.lockout_remaining(username, request)
    if remaining is None:
        remaining = services.get_cool_off(request)
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "locked": True,
        "wait_minutes": services.wait_minutes(remaining) if remaining is not None else None,
        "next": _next(request),
    }
    return render(request, "registration/login.html", context, status=429)


@login_required
def verify(request):
    """Step two: the six-digit code from the authenticator app, or a recovery code."""
    user, next_url = request.user, _next(request)
    if user.is_verified():
        return redirect(next_url)
    if not services.has_second_factor(user):
        return redirect(_with_next("accounts:enroll", next_url))
    if not services.login_allowed(request, user.get_username()):
        return lockout_response(request, credentials={"username": user.get_username()})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        passed, wait = services.verify_second_factor(request, form.cleaned_data["code"])
        if passed:
            return redirect(next_url)
        if wait:
            form.add_error(
                "code", _("尝试过于频繁，请在 %(seconds)d 秒后重试。") % {"seconds": wait}
            )
        else:
            form.add_error("code", _("验证码不正确。"))
    return render(
        request, "projects/accounts/verify.html", {"form": form, "next": next_url}, status=200
    )


@login_required
def enroll(request):
    """A user without a second factor sets one up: QR code (or the key by hand), then a code
    from the app confirms it."""
    user, next_url = request.user, _next(request)
    if services.has_second_factor(user):
        if user.is_verified():
            return redirect(next_url)
        return redirect(_with_next("accounts:verify", next_url))
    device = services.pending_totp(user)
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_enrollment(request, device, form.cleaned_data["code"]) is not None:
            return redirect(_with_next("accounts:recovery-codes", next_url))
        form.add_error("code", _("验证码不正确，请确认手机时间准确后重试。"))
    context = {
        "form": form,
        "next": next_url,
        "qr": services.qr_svg(device),
        "secret": services.base32_secret(device),
    }
    return render(request, "projects/accounts/enroll.html", context)


@login_required
def recovery_codes(request):
    """The new recovery codes, shown once, right after enrollment."""
    codes = request.session.pop(services.RECOVERY_SHOWN, None)
    if not codes:
        return redirect(_next(request))
    return render(
        request, "projects/accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password change; where a forced change (reset, age) sends the user."""

    template_name = "registration/password_change_form.html"

    def get_success_url(self) -> str:
        return _next(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reason"] = services.password_change_due(self.request.user)
        context["max_age_days"] = getattr(settings, "PERFEVAL_PASSWORD_MAX_AGE_DAYS", 90)
        context["next"] = _next(self.request)
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_change(self.request, self.request.user, by_administrator=False)
        messages.success(self.request, _("密码已修改。"))
        return response


@require_POST
def keep_alive(request):
    """The idle warning's "continue" button: a request that counts as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0}, status=401)
    services.touch(request, force=True)
    return JsonResponse({"remaining": services.idle_remaining(request)})


@require_GET
def session_status(request):
    """How long until the idle time-out (a background request: it does not count)."""
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0}, status=401)
    return JsonResponse({"remaining": services.idle_remaining(request)})


def _manager(request) -> None:
    if not may_manage_accounts(request.user):
        raise PermissionDenied


@login_required
def accounts_list(request):
    """Every account with its second factor and lock-out, for the 管理员."""
    _manager(request)
    rows = services.account_overview(request)
    for row in rows:
        row["role"] = role_label(row["user"])
    return render(request, "projects/accounts/accounts_list.html", {"rows": rows})


@login_required
@require_POST
def account_reset_devices(request, pk: int):
    _manager(request)
    target = get_object_or_404(get_user_model(), pk=pk)
    services.reset_devices(request, target)
    messages.success(
        request,
        _("已重置 %(user)s 的双因素设备：该用户下次登录时须重新绑定。") % {"user": target},
    )
    return redirect("accounts:list")


@login_required
@require_POST
def account_unlock(request, pk: int):
    _manager(request)
    target = get_object_or_404(get_user_model(), pk=pk)
    services.unlock(request, target)
    messages.success(request, _("已解除 %(user)s 的登录锁定。") % {"user": target})
    return redirect("accounts:list")
