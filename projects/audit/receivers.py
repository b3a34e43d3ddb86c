"""What the audit log listens to: Django's login signals, django-axes' lock-out, the accounts
room's own events, the models' saves (a sheet created or saved, a transition, a comment,
evidence) and the admin's log entries. `connect()` is called once, by `ProjectsConfig.ready`.

Who and from where come from the request being answered (`services.current_request`, set by
`AuditMiddleware`); a command (an import, the batch worker) has none and is recorded without
user or address.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save

from projects.models import Comment, Evidence, Sheet, SheetTransition

from . import services
from .codes import Action, Result

FLAGS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def _source() -> str:
    request = services.current_request.get()
    if request is None:
        return "command"
    match = getattr(request, "resolver_match", None)
    return "admin" if match is not None and match.namespace == "admin" else "web"


# -- accounts --------------------------------------------------------------------------------


def on_login(sender, request, user, **kwargs) -> None:
    services.record(Action.LOGIN, request=request, user=user)


def on_logout(sender, request, user, **kwargs) -> None:
    services.record(Action.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password; only the name tried is kept.
    params = {"second_factor": True} if credentials.get("second_factor") else {}
    services.record(
        Action.LOGIN_FAILED,
        request=request,
        result=Result.FAILED,
        username=str(credentials.get("username") or ""),
        params=params,
    )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    services.record(
        Action.LOCKOUT,
        request=request,
        result=Result.REFUSED,
        username=str(username or ""),
        ip=None if request is not None else ip_address,
    )


# The accounts room's signals (projects/accounts/signals.py): each is sent with `request` and
# `user` (who acted), `target` when another account is acted upon, and a few values.
ACCOUNT_SIGNALS = {
    "otp_verified": (Action.OTP_VERIFIED, Result.OK),
    "otp_failed": (Action.OTP_FAILED, Result.FAILED),
    "device_enrolled": (Action.OTP_ENROLLED, Result.OK),
    "devices_reset": (Action.OTP_RESET, Result.OK),
    "account_unlocked": (Action.UNLOCK, Result.OK),
    "password_changed": (Action.PASSWORD_CHANGE, Result.OK),
    "password_change_required": (Action.PASSWORD_CHANGE_REQUIRED, Result.OK),
    "session_ended": (Action.SESSION_ENDED, Result.OK),
}
ACCOUNT_VALUES = ("reason", "by_administrator")


def account_receiver(action: str, result: str):
    def receive(sender, request=None, user=None, target=None, **kwargs) -> None:
        params = {key: kwargs[key] for key in ACCOUNT_VALUES if key in kwargs}
        device = kwargs.get("device")
        if device is not None:
            params["device"] = f"{device._meta.model_name}:{device.pk}"
        about = target if target is not None else user
        services.record(
            action,
            request=request,
            user=user,
            result=result,
            params=params,
            object_type="user" if about is not None else "",
            object_id=str(about.pk) if about is not None else "",
            object_label=about.get_username() if about is not None else "",
        )

    return receive


# -- sheets and the review -------------------------------------------------------------------


def on_sheet_saved(sender, instance: Sheet, created: bool, update_fields=None, **kwargs) -> None:
    """A sheet created (from the form, a paste or an import) or its content saved. A save of
    its state alone is a transition, recorded from the transition itself."""
    if update_fields and "status" in update_fields:
        return
    params = {"version": instance.version, "source": _source()}
    if created:
        params.update(year=instance.year, status=instance.status)
    services.record(
        Action.SHEET_CREATE if created else Action.CONTENT_SAVE,
        user=instance.updated_by,
        obj=instance,
        params=params,
    )


def on_transition(sender, instance: SheetTransition, created: bool, **kwargs) -> None:
    if not created:
        return
    services.record(
        Action.TRANSITION,
        user=instance.user,
        obj=instance.sheet,
        params={
            "action": instance.action,
            "from": instance.from_status,
            "to": instance.to_status,
            "version": instance.version,
        },
    )


def on_comment_saved(sender, instance: Comment, created: bool, update_fields=None, **kwargs):
    if created:
        params = {"sheet": instance.sheet_id, "anchor": instance.anchor}
        params["reply"] = instance.parent_id is not None
        services.record(Action.COMMENT_ADD, user=instance.author, obj=instance, params=params)
    elif update_fields and "resolved_at" in update_fields:
        resolved = instance.resolved_at is not None
        services.record(
            Action.COMMENT_RESOLVE if resolved else Action.COMMENT_REOPEN,
            user=instance.resolved_by if resolved else None,
            obj=instance,
            params={"sheet": instance.sheet_id},
        )


def _evidence_params(evidence: Evidence) -> dict:
    return {
        "sheet": evidence.sheet_id,
        "size": evidence.size,
        "content_type": evidence.content_type,
    }


def on_evidence_saved(sender, instance: Evidence, created: bool, **kwargs) -> None:
    if created:
        services.record(
            Action.EVIDENCE_UPLOAD,
            user=instance.uploaded_by,
            obj=instance,
            params=_evidence_params(instance),
        )


def on_evidence_deleted(sender, instance: Evidence, **kwargs) -> None:
    services.record(Action.EVIDENCE_DELETE, obj=instance, params=_evidence_params(instance))


# -- the admin -------------------------------------------------------------------------------


def on_admin_logged(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    """Every change made in the Django admin: rule sets, users and their roles, reference data.
    The admin writes its change message as JSON (the fields it changed); kept as it is."""
    if not created:
        return
    model = ""
    if instance.content_type_id:
        content_type = instance.content_type
        model = f"{content_type.app_label}.{content_type.model}"
    try:
        changes = json.loads(instance.change_message) if instance.change_message else []
    except ValueError:
        changes = instance.change_message
    services.record(
        Action.ADMIN_CHANGE,
        user=instance.user,
        params={"flag": FLAGS.get(instance.action_flag, ""), "model": model, "changes": changes},
        object_type=model,
        object_id=instance.object_id or "",
        object_label=instance.object_repr,
    )


def connect() -> None:
    uid = "projects.audit"
    user_logged_in.connect(on_login, dispatch_uid=f"{uid}.login")
    user_logged_out.connect(on_logout, dispatch_uid=f"{uid}.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid=f"{uid}.login_failed")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid=f"{uid}.locked_out")
    from projects.accounts import signals as account_signals

    for name, (action, result) in ACCOUNT_SIGNALS.items():
        signal = getattr(account_signals, name)
        signal.connect(account_receiver(action, result), weak=False, dispatch_uid=f"{uid}.{name}")
    post_save.connect(on_sheet_saved, sender=Sheet, dispatch_uid=f"{uid}.sheet")
    post_save.connect(on_transition, sender=SheetTransition, dispatch_uid=f"{uid}.transition")
    post_save.connect(on_comment_saved, sender=Comment, dispatch_uid=f"{uid}.comment")
    post_save.connect(on_evidence_saved, sender=Evidence, dispatch_uid=f"{uid}.evidence")
    post_delete.connect(on_evidence_deleted, sender=Evidence, dispatch_uid=f"{uid}.evidence_del")
    post_save.connect(on_admin_logged, sender=LogEntry, dispatch_uid=f"{uid}.admin")
