"""The codes an audit record holds: what was done (`Action`) and how it ended (`Result`).

Plain codes, never sentences: `projects.audit.wording` words them when a page or an export
shows them, in the reader's language.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    # Accounts: django.contrib.auth, django-axes, projects.accounts.
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LOCKOUT = "lockout"
    UNLOCK = "unlock"
    OTP_VERIFIED = "otp_verified"
    OTP_FAILED = "otp_failed"
    OTP_ENROLLED = "otp_enrolled"
    OTP_RESET = "otp_reset"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    SESSION_ENDED = "session_ended"
    # A page or action the user may not use (403, or a sheet outside its scope).
    ACCESS = "access"
    # Sheets and the review.
    SHEET_CREATE = "sheet_create"
    SHEET_DELETE = "sheet_delete"
    CONTENT_SAVE = "content_save"
    TRANSITION = "transition"
    COMMENT_ADD = "comment_add"
    COMMENT_RESOLVE = "comment_resolve"
    COMMENT_REOPEN = "comment_reopen"
    EVIDENCE_UPLOAD = "evidence_upload"
    EVIDENCE_DOWNLOAD = "evidence_download"
    EVIDENCE_DELETE = "evidence_delete"
    # The year's evaluation tasks (projects/tasks).
    TASK_ISSUE = "task_issue"
    TASK_CHANGE = "task_change"
    TASK_CANCEL = "task_cancel"
    # Re-checks (抽查复核, projects/rechecks).
    RECHECK_DRAW = "recheck_draw"
    RECHECK_SCORE = "recheck_score"
    RECHECK_EXPORT = "recheck_export"
    # Publication (随决算公开, projects/publication) and bulk review.
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    BULK_REVIEW = "bulk_review"
    # The cross-sheet report, exported (projects/checks).
    CHECKS_EXPORT = "checks_export"
    # Files leaving the system.
    EXPORT = "export"
    BATCH_EXPORT = "batch_export"
    BATCH_DOWNLOAD = "batch_download"
    # The Django admin: rule sets, users, reference data.
    ADMIN_CHANGE = "admin_change"
    # The log itself.
    AUDIT_EXPORT = "audit_export"
    AUDIT_PRUNE = "audit_prune"


class Result(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    FAILED = "failed"
