"""Account security: the second factor, the one live session, the idle time-out, password age,
the lock-out. Views, the middleware and the admin call these; each event is announced through
`projects.accounts.signals` (or Django's and axes' own signals) for the audit log.
"""

from __future__ import annotations

import io
import math
import re
import time
from base64 import b32encode
from datetime import timedelta

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from projects.access import account_security, account_security_for_update

from . import signals

RECOVERY_CODES = 10
LAST_ACTIVITY = "perfeval_last_activity"  # session key: Unix time of the last real request
SUPERSEDED = "perfeval_superseded"  # session key: a newer login of the account ended this one
LIVE = "perfeval_live"  # session key: this session completed a login and became the live one
RECOVERY_SHOWN = "perfeval_recovery_codes"  # session key: the new codes, shown once


# -- settings ----------------------------------------------------------------------------------


def two_factor_required() -> bool:
    return bool(getattr(settings, "PERFEVAL_REQUIRE_2FA", True))


def idle_timeout_seconds() -> int:
    """The idle time-out in seconds (0: none)."""
    return max(0, int(getattr(settings, "PERFEVAL_IDLE_TIMEOUT_MINUTES", 30) * 60))


def password_max_age() -> timedelta | None:
    days = int(getattr(settings, "PERFEVAL_PASSWORD_MAX_AGE_DAYS", 90))
    return timedelta(days=days) if days > 0 else None


# -- devices -----------------------------------------------------------------------------------


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (one per user, kept across page loads so
    the QR code does not change under the user's phone)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (no image request, no script)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode("utf-8")
    # Drop the XML declaration (the SVG sits inside the HTML page) and give it a screen size.
    # The content is the library's own markup around our own URL, never user text.
    text = re.sub(
        r'^.*?<svg width="[^"]*" height="[^"]*"', '<svg width="224" height="224"', text, flags=re.S
    )
    return mark_safe(text.replace("<svg ", '<svg role="img" class="totp-qr" ', 1))  # noqa: S308


def _recovery_codes(user) -> list[str]:
    """A fresh set of recovery codes; the old set is gone."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_enrollment(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending device with a code from the app: the device becomes the user's
    second factor, the session is verified, and 10 recovery codes are made and returned (to
    be shown once). None when the code is wrong."""
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(_digits(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes(user)
    signals.device_enrolled.send("confirm_enrollment", request=request, user=user, device=device)
    django_otp.login(request, device)
    complete_login(request)
    request.session[RECOVERY_SHOWN] = codes
    return codes


def _digits(code: str) -> str:
    return "".join(code.split())


def _throttled(devices) -> int | None:
    """Seconds to wait when every device refuses to verify for now (too many wrong codes)."""
    waits = []
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if allowed:
            return None
        until = (data or {}).get("locked_until")
        waits.append(max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1)
    return min(waits) if waits else None


def verify_second_factor(request, code: str) -> tuple[bool, int | None]:
    """Check a six-digit TOTP code or a recovery code. On success the session is verified
    and becomes the account's one live session. Returns (passed, seconds to wait when
    throttled)."""
    user = request.user
    code = _digits(code)
    is_totp = code.isdigit() and len(code) == 6
    kind = TOTPDevice if is_totp else StaticDevice
    devices = list(kind.objects.filter(user=user, confirmed=True))
    wait = _throttled(devices)
    verified = None
    if wait is None:
        for device in devices:
            verified = django_otp.verify_token(user, device.persistent_id, code.lower())
            if verified is not None:
                break
    if verified is None:
        _second_factor_failed(request, "throttled" if wait else "wrong")
        return False, wait
    django_otp.login(request, verified)
    complete_login(request)
    signals.otp_verified.send("verify_second_factor", request=request, user=user, device=verified)
    return True, None


def _second_factor_failed(request, reason: str) -> None:
    user = request.user
    signals.otp_failed.send("verify_second_factor", request=request, user=user, reason=reason)
    # A wrong code is a failed login: it counts towards the lock-out like a wrong password.
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), "second_factor": True},
        request=request,
    )


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset_devices(request, target) -> int:
    """Remove every second-factor device of `target` (lost phone): at the next login the user
    enrolls again. Returns how many devices went."""
    with transaction.atomic():
        count = TOTPDevice.objects.filter(user=target).delete()[0]
        count += StaticDevice.objects.filter(user=target).delete()[0]
    signals.devices_reset.send("reset_devices", request=request, user=request.user, target=target)
    return count


# -- one live session per account --------------------------------------------------------------


def _session_store(key: str) -> SessionBase:
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    return engine(session_key=key)


def complete_login(request) -> None:
    """Both factors passed (or the password alone when 2FA is off): this session becomes the
    account's one live session, the previous one ends, the failure count starts again, and the
    password's age starts counting if it was unknown."""
    user = request.user
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key
    profile = account_security_for_update(user)
    previous = profile.session_key
    if previous and previous != key:
        old = _session_store(previous)
        if old.exists(previous):
            old.clear()
            old[SUPERSEDED] = True
            old.save()
            signals.session_ended.send(
                "complete_login", request=request, user=user, reason="superseded"
            )
    profile.session_key = key
    fields = ["session_key"]
    if profile.password_changed_at is None:
        profile.password_changed_at = timezone.now()
        fields.append("password_changed_at")
    profile.save(update_fields=fields)
    request.session[LIVE] = True
    axes_reset(username=user.get_username())
    touch(request, force=True)


def is_superseded(request) -> bool:
    """A newer login of the same account took over: this session is no longer its one. (Only
    a session that completed a login is checked: one between the password and the code is
    not the live session yet, nor is a test helper's.)"""
    if not request.session.get(LIVE):
        return False
    profile = account_security(request.user)
    current = profile.session_key if profile is not None else ""
    return bool(current) and current != request.session.session_key


# -- idle time-out -----------------------------------------------------------------------------


ACTIVITY_GRANULARITY = 15  # seconds: the session is written at most this often for activity


def touch(request, *, force: bool = False) -> None:
    """A request that counts as activity. The time is written only when it moved by
    ACTIVITY_GRANULARITY seconds, so most requests do not write the session."""
    now = int(time.time())
    if force or now - request.session.get(LAST_ACTIVITY, 0) >= ACTIVITY_GRANULARITY:
        request.session[LAST_ACTIVITY] = now


def idle_remaining(request) -> int | None:
    """Seconds left before the idle time-out (None: no time-out configured)."""
    timeout = idle_timeout_seconds()
    if not timeout:
        return None
    last = request.session.get(LAST_ACTIVITY)
    if last is None:
        return timeout
    return int(last + timeout - time.time())


def end_session(request, reason: str) -> None:
    user = request.user
    logout(request)
    signals.session_ended.send("end_session", request=request, user=user, reason=reason)


# -- passwords ---------------------------------------------------------------------------------


def password_change_due(user) -> str | None:
    """Why the user must change the password before going on: "reset" (set by an
    administrator), "expired" (older than the maximum age), or None."""
    profile = account_security(user)
    if profile is None:
        return None
    if profile.must_change_password:
        return "reset"
    max_age = password_max_age()
    changed = profile.password_changed_at
    if max_age and changed and timezone.now() - changed > max_age:
        return "expired"
    return None


def record_password_change(request, target, *, by_administrator: bool) -> None:
    """A new password was set for `target`: its age restarts; set by an administrator, the
    user must change it at the next login; set by the user, the forced change is over."""
    profile = account_security_for_update(target)
    profile.password_changed_at = timezone.now()
    profile.must_change_password = by_administrator
    fields = ["password_changed_at", "must_change_password"]
    if not by_administrator and profile.session_key and request.session.session_key:
        # Changing one's password renews the session key: it stays the live session.
        profile.session_key = request.session.session_key
        fields.append("session_key")
    profile.save(update_fields=fields)
    signals.password_changed.send(
        "record_password_change",
        request=request,
        user=request.user,
        target=target,
        by_administrator=by_administrator,
    )


# -- lock-out ----------------------------------------------------------------------------------


def lockout_remaining(username: str, request=None) -> timedelta | None:
    """How long the account stays locked (None: not locked)."""
    cool_off = get_cool_off(request)
    attempts = AccessAttempt.objects.filter(username=username)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    figures = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if (figures["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    if cool_off is None:
        return timedelta.max
    return max(timedelta(0), figures["last"] + cool_off - timezone.now())


def wait_minutes(remaining: timedelta) -> int:
    return max(1, math.ceil(remaining.total_seconds() / 60))


def login_allowed(request, username: str) -> bool:
    return AxesProxyHandler.is_allowed(request, {"username": username})


def unlock(request, target) -> int:
    """Lift the lock-out of `target` (its failed attempts are forgotten)."""
    count = axes_reset(username=target.get_username())
    signals.account_unlocked.send("unlock", request=request, user=request.user, target=target)
    return count


def account_overview(request) -> list[dict]:
    """Every account with its second factor, recovery codes left and lock-out (minutes)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    users = get_user_model().objects.select_related("profile").order_by("username")
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    codes = dict(
        StaticToken.objects.filter(device__confirmed=True)
        .values("device__user_id")
        .annotate(n=Count("pk"))
        .values_list("device__user_id", "n")
    )
    locked = {}
    for username in AccessAttempt.objects.values_list("username", flat=True).distinct():
        remaining = lockout_remaining(username, request) if username else None
        if remaining is not None:
            locked[username] = wait_minutes(remaining)
    return [
        {
            "user": user,
            "enrolled": user.pk in enrolled,
            "recovery_codes": codes.get(user.pk, 0),
            "locked_minutes": locked.get(user.get_username()),
        }
        for user in users
    ]


def current_code(device: TOTPDevice) -> tuple[str, int]:
    """The device's code right now and the seconds it stays current (what the phone shows)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    totp.time = now
    left = device.step - int(now - device.t0) % device.step
    return f"{totp.token():0{device.digits}d}", left


def demo_device(user, base32_key: str) -> TOTPDevice:
    """Demo only (load_demo): a confirmed TOTP device with a known key."""
    from base64 import b32decode

    key = b32decode(base32_key).hex()
    TOTPDevice.objects.filter(user=user).exclude(name="demo").delete()
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name="demo", defaults={"key": key, "confirmed": True}
    )
    return device
