"""Changes the review makes: returning, approving and reopening sheets, comment threads, and
evidence files. Each is one transaction that checks the permission first (`projects.access`).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import figures
from projects.access import may
from projects.acting import acts_for_user
from projects.models import Comment, Evidence, Indicator, Sheet
from projects.sheets.services import CommentRequired, StaleEdit, sheet_transition

__all__ = [
    "CommentRequired",
    "StaleEdit",
    "EvidenceRefused",
    "comment_add",
    "comment_set_resolved",
    "evidence_add",
    "evidence_delete",
    "review_action",
]


@acts_for_user
@transaction.atomic
def review_action(*, sheet: Sheet, user, action: str, version: int, comment: str = "") -> Sheet:
    """退回 (return), 审核通过 (approve) or 重新打开 (reopen) a sheet, with its comment.

    `version` is the content version the reviewer looked at: the action is refused
    (StaleEdit) when the sheet changed since. A return's or reopen's comment also opens a
    thread on the whole sheet, so the unit reads it where it reads every other review
    comment. Raises what `sheet_transition` raises.
    """
    if action not in ("return", "approve", "reopen"):
        raise PermissionDenied
    sheet = sheet_transition(
        sheet=sheet, user=user, action=action, comment=comment, version=version
    )
    comment = comment.strip()
    if comment and action in ("return", "reopen"):
        Comment.objects.create(sheet=sheet, author=user, body=comment)
        figures.refresh_open_comments(sheet)
    return sheet


@acts_for_user
@transaction.atomic
def comment_add(
    *,
    sheet: Sheet,
    user,
    body: str,
    indicator: Indicator | None = None,
    budget_line: str = "",
    parent: Comment | None = None,
) -> Comment:
    """A new comment thread on the sheet, a row or a budget line, or a reply in a thread."""
    if not may(user, "comment", sheet):
        raise PermissionDenied
    if parent is not None:
        if parent.sheet_id != sheet.pk:
            raise PermissionDenied
        parent = parent.parent or parent  # replies hang under the thread's first comment
        indicator, budget_line = parent.indicator, parent.budget_line
    if indicator is not None and indicator.sheet_id != sheet.pk:
        raise PermissionDenied
    comment = Comment(
        sheet=sheet,
        author=user,
        body=body.strip(),
        indicator=indicator,
        budget_line=budget_line,
        parent=parent,
    )
    if parent is not None:
        comment.anchor = parent.anchor
        comment.anchor_row_number = parent.anchor_row_number
        comment.anchor_row_name = parent.anchor_row_name
    elif indicator is not None:
        comment.anchor = Comment.Anchor.ROW
        comment.anchor_row_number = indicator.position + 1
        comment.anchor_row_name = indicator.name
    elif budget_line:
        comment.anchor = Comment.Anchor.FUNDS
    comment.save()
    figures.refresh_open_comments(sheet)
    return comment


@acts_for_user
@transaction.atomic
def comment_set_resolved(*, comment: Comment, user, resolved: bool) -> Comment:
    """Mark a thread resolved (or open again); only its first comment carries the mark."""
    if comment.parent_id is not None or not may(user, "resolve", comment.sheet):
        raise PermissionDenied
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = user if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by"])
    figures.refresh_open_comments(comment.sheet_id)
    return comment


# Evidence: the formats the anchors' systems accept, recognised by their first bytes and not
# only by their names, so a renamed executable is not served back as a "PDF".
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),
}


class EvidenceRefused(Exception):
    """The upload is not accepted; the message says why, in the active language."""


def check_evidence(upload) -> str:
    """The upload's content type, or EvidenceRefused saying why it is not accepted."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise EvidenceRefused(
            _("不支持的文件类型 %(suffix)s：可上传 PDF、图片（JPG、PNG）和 Office 文档。")
            % {"suffix": suffix or "?"}
        )
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise EvidenceRefused(
            _("文件过大（%(size)s），上限为 %(limit)s。")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES),
            }
        )
    content_type, signatures = EVIDENCE_TYPES[suffix]
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in signatures):
        raise EvidenceRefused(_("文件内容与扩展名 %(suffix)s 不符。") % {"suffix": suffix})
    return content_type


@acts_for_user
@transaction.atomic
def evidence_add(*, sheet: Sheet, user, upload, indicator: Indicator | None = None) -> Evidence:
    """Attach a file to the sheet or to one of its rows, once its type and size are checked."""
    if not may(user, "attach", sheet):
        raise PermissionDenied
    if indicator is not None and indicator.sheet_id != sheet.pk:
        raise PermissionDenied
    content_type = check_evidence(upload)
    return Evidence.objects.create(
        sheet=sheet,
        indicator=indicator,
        file=upload,
        name=upload.name[:200],
        size=upload.size,
        content_type=content_type,
        uploaded_by=user,
    )


@acts_for_user
@transaction.atomic
def evidence_delete(*, evidence: Evidence, user) -> None:
    if not may(user, "attach", evidence.sheet):
        raise PermissionDenied
    evidence.file.delete(save=False)
    evidence.delete()
