"""Helpers the test modules share (fixtures are in conftest.py)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from projects.models import Sheet
from projects.sheets.json_form import sheet_to_dict
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import build_sheet_view

DEMO_PASSWORD = "Perfeval-Demo-2026"  # meets the password policy; the personas' password too


def confirmed_totp_device(user):
    """The user's confirmed TOTP device, created on first use (a known random key)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def verify_session(client: Client, user) -> Client:
    """Mark the client's session as having passed the second factor, the way
    `django_otp.login` does: the session names the device that verified the user.

    The session does not become the account's "one active session" (that happens only at a
    real login through the pages), so several clients of one user can coexist in a test."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY

    from projects.accounts.services import LAST_ACTIVITY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
    session[LAST_ACTIVITY] = int(time.time())  # as a login through the pages leaves it
    session.save()
    return client


def logged_in(user, client: Client | None = None) -> Client:
    """A client (fresh unless given) logged in as `user`, password and second factor."""
    client = client or Client()
    client.force_login(user)
    return verify_session(client, user)


def current_totp(device) -> str:
    """The device's current six-digit code (django_otp's own TOTP computation)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def login_with_password(client: Client, username: str, password: str = DEMO_PASSWORD, *, code=None):
    """Log in through the real pages: the password page, then the second factor (the user's
    current TOTP code unless `code` is given). Returns the last response (redirects not
    followed). Several logins of one user within 30 seconds need distinct codes: TOTP refuses
    a code already used, so pass `code=` or wait for the next step."""
    from django.contrib.auth import get_user_model

    response = client.post(reverse("login"), {"username": username, "password": password})
    if response.status_code != 302 or code is False:
        return response
    user = get_user_model().objects.get(username=username)
    if code is None:
        code = current_totp(confirmed_totp_device(user))
    return client.post(reverse("accounts:verify"), {"code": code})


def sheet_of(project: str) -> Sheet:
    """The seed sheet of a project, with everything a view-model needs."""
    return sheet_queryset().get(project__name=project)


def view_of(sheet: Sheet):
    return build_sheet_view(sheet_queryset().get(pk=sheet.pk))


def json_of(sheet: Sheet) -> dict:
    """The sheet as its JSON URL serves it."""
    fresh = sheet_queryset().get(pk=sheet.pk)
    return sheet_to_dict(fresh, build_sheet_view(fresh))


def edit_url(sheet) -> str:
    return reverse("projects:sheet-edit", args=[sheet.pk])


def form_data(response) -> dict:
    """The editor's form as a browser would post it back untouched."""
    data = {}
    header, rows = response.context["header"], response.context["rows"]
    for form in [header, rows.management_form, *rows.forms]:
        for bound in form:
            value = bound.value()
            if getattr(bound.field.widget, "input_type", "") == "checkbox":
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = "" if value is None else str(value)
    return data
