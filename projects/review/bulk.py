"""Bulk review: approve or return several sheets of the inbox at once.

Each sheet goes through the single action (`services.review_action`) in its own transaction,
so one refusal never undoes another sheet's approval. The reviewer's form carries each sheet's
id and the version the reviewer saw; before an approval the sheet's rules are run again, and a
sheet with blocking errors, or with open review comments (unless the reviewer chose to approve
them anyway), is refused with its reason. Sheets outside the user's scope are reported as not
found, exactly as the single action answers 404 for them. Every sheet's outcome is audited the
way the single action audits it (its transition, or its refusal), and the request once more as
one `bulk_review` record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.access import may, scope_sheets
from projects.audit import services as audit_services
from projects.audit.services import Action, Result
from projects.models import Comment, Sheet
from projects.sheets.selectors import sheet_queryset
from projects.workflow import Status

from .services import CommentRequired, StaleEdit, review_action

# At most this many sheets in one request (two inbox pages).
BULK_LIMIT = 100
BULK_ACTIONS = ("approve", "return")

DONE, REFUSED, NOT_FOUND = "done", "refused", "not_found"


class BulkTooLarge(Exception):
    """More sheets than `BULK_LIMIT` in one request: nothing was done."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(f"{count} sheets, at most {BULK_LIMIT}")


class _Refusal(Exception):
    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(reason)


@dataclass
class Outcome:
    """What happened to one sheet of the request.

    `result` is done, refused or not_found; `reason` a code (stale, errors, open_comments,
    comment_required, not_awaiting, not_found) and `message` its words; `status` the sheet's
    state afterwards; `note` what the reviewer should know about a sheet that was done (the
    open comments approved with it). `sheet` is None for a sheet not found: nothing about it
    is shown but the id the form sent."""

    sheet_id: int
    result: str
    reason: str = ""
    message: str = ""
    sheet: Sheet | None = None
    status: str = ""
    note: str = ""

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else ""


def parse_entries(values) -> list[tuple[int, int]]:
    """The form's `sheet` values, each "<id>:<version>", as (id, version) pairs, the first of
    each id kept. A value without a version gets -1: stale by definition, as the single action
    treats a form without one. Raises ValueError for a value whose id is not a number."""
    entries: dict[int, int] = {}
    for value in values:
        pk_text, _sep, version_text = str(value).partition(":")
        pk = int(pk_text)
        try:
            version = int(version_text)
        except ValueError:
            version = -1
        entries.setdefault(pk, version)
    return list(entries.items())


def bulk_review(
    user,
    action: str,
    entries: list[tuple[int, int]],
    comment: str = "",
    allow_open_comments: bool = False,
) -> list[Outcome]:
    """Approve or return each sheet of `entries` ((id, version seen) pairs), each on its own;
    the outcomes in the order given. Raises PermissionDenied for another action, BulkTooLarge
    (nothing done, the request audited as refused) beyond `BULK_LIMIT` sheets."""
    if action not in BULK_ACTIONS:
        raise PermissionDenied
    if len(entries) > BULK_LIMIT:
        audit_services.record(
            Action.BULK_REVIEW,
            user=user,
            result=Result.REFUSED,
            params={"action": action, "count": len(entries), "reason": "too_many"},
        )
        raise BulkTooLarge(len(entries))
    found = {
        sheet.pk: sheet
        for sheet in scope_sheets(user)
        .select_related("project__unit__department")
        .filter(pk__in=[pk for pk, _version in entries])
    }
    outcomes = []
    for pk, version in entries:
        sheet = found.get(pk)
        if sheet is None:
            outcomes.append(_not_found(user, pk))
        else:
            outcomes.append(_one(user, action, sheet, version, comment, allow_open_comments))
    counts = {key: sum(1 for o in outcomes if o.result == key) for key in (DONE, REFUSED)}
    counts["not_found"] = len(outcomes) - counts[DONE] - counts[REFUSED]
    audit_services.record(
        Action.BULK_REVIEW,
        user=user,
        params={
            "action": action,
            "count": len(outcomes),
            **counts,
            "sheets": [o.sheet_id for o in outcomes if o.sheet is not None],
            "allow_open_comments": allow_open_comments,
        },
    )
    return outcomes


def _not_found(user, pk: int) -> Outcome:
    """A sheet the user may not see (or none at all), audited as the middleware audits the
    single action's 404, and reported without a word about it."""
    other = Sheet.objects.select_related("project").filter(pk=pk).first()
    params = {"view": "projects:review-bulk", "status": 404}
    if other is not None:
        audit_services.record(
            Action.ACCESS, user=user, result=Result.REFUSED, obj=other, params=params
        )
    else:
        audit_services.record(
            Action.ACCESS, user=user, result=Result.REFUSED, object_id=str(pk), params=params
        )
    return Outcome(pk, NOT_FOUND, "not_found", _("未找到该表，或您无权查看。"))


def _one(user, action, sheet, version, comment, allow_open_comments) -> Outcome:
    note = ""
    try:
        if not may(user, action, sheet):
            raise _Refusal(
                "not_awaiting",
                _("该表当前状态为“%(status)s”，不在等待您审核的范围内。")
                % {"status": sheet.get_status_display()},
            )
        with transaction.atomic():  # this sheet only: a refusal rolls back nothing else
            note = _check(user, action, sheet, version, allow_open_comments)
            sheet = review_action(
                sheet=sheet, user=user, action=action, version=version, comment=comment
            )
    except _Refusal as refusal:
        return _refused(user, sheet, action, refusal.reason, refusal.message)
    except StaleEdit as stale:
        return _refused(user, sheet, action, "stale", stale_message(stale, version))
    except CommentRequired:
        return _refused(
            user,
            sheet,
            action,
            "comment_required",
            _("请写明退回意见：该表没有待处理的审核意见，退回时至少要有一条意见。"),
        )
    except PermissionDenied:
        sheet.refresh_from_db(fields=["status"])
        return _refused(
            user,
            sheet,
            action,
            "not_awaiting",
            _("该表当前状态为“%(status)s”，不在等待您审核的范围内。")
            % {"status": sheet.get_status_display()},
        )
    return Outcome(sheet.pk, DONE, sheet=sheet, status=sheet.status, note=note)


def _check(user, action, sheet, version, allow_open_comments) -> str:
    """The sheet's row locked, the version the reviewer saw checked, and for an approval the
    rules run again and the open comments counted. Returns a note for a sheet approved with
    open comments; raises StaleEdit or _Refusal."""
    locked = Sheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk)
    if locked.version != version:
        raise StaleEdit(locked)
    if action != "approve":
        return ""
    errors = sheet_queryset().get(pk=sheet.pk).evaluate().errors
    if errors:
        raise _Refusal(
            "errors",
            ngettext(
                "规则复核发现 %(count)d 处错误，需由填报单位修改后才能审核通过。",
                "规则复核发现 %(count)d 处错误，需由填报单位修改后才能审核通过。",
                len(errors),
            )
            % {"count": len(errors)},
        )
    open_count = Comment.objects.filter(sheet_id=sheet.pk, parent=None, resolved_at=None).count()
    if not open_count:
        return ""
    if not allow_open_comments:
        raise _Refusal(
            "open_comments",
            ngettext(
                "该表还有 %(count)d 条待处理意见；如仍要通过，请勾选“有待处理意见也通过”。",
                "该表还有 %(count)d 条待处理意见；如仍要通过，请勾选“有待处理意见也通过”。",
                open_count,
            )
            % {"count": open_count},
        )
    return ngettext(
        "按您的选择通过，该表仍有 %(count)d 条待处理意见。",
        "按您的选择通过，该表仍有 %(count)d 条待处理意见。",
        open_count,
    ) % {"count": open_count}


def _refused(user, sheet: Sheet, action: str, reason: str, message: str) -> Outcome:
    """A refusal, audited as the single action audits it (after its rollback)."""
    audit_services.record(
        Action.TRANSITION,
        user=user,
        obj=sheet,
        result=Result.REFUSED,
        params={"action": action, "reason": reason, "bulk": True},
    )
    return Outcome(sheet.pk, REFUSED, reason, message, sheet=sheet, status=sheet.status)


def stale_message(stale: StaleEdit, seen: int) -> str:
    """Who changed the sheet since the reviewer's list was loaded, and when."""
    when = timezone.localtime(stale.at).strftime("%Y-%m-%d %H:%M:%S")
    if seen < 0:
        return _("未执行：表单没有带上您看到的版本，请从待审核列表重新选择。")
    if stale.by is None:
        return _(
            "未执行：您载入列表后，该表已由导入于 %(when)s 更新为第 %(version)s 版"
            "（您看到的是第 %(seen)s 版）。请查看最新内容后再操作。"
        ) % {"when": when, "version": stale.version, "seen": seen}
    return _(
        "未执行：您载入列表后，%(who)s 于 %(when)s 将该表保存为第 %(version)s 版"
        "（您看到的是第 %(seen)s 版）。请查看最新内容后再操作。"
    ) % {
        "who": stale.by.get_full_name() or stale.by.get_username(),
        "when": when,
        "version": stale.version,
        "seen": seen,
    }


def summary(action: str, outcomes: list[Outcome]) -> str:
    """One sentence for the inbox: how many were done, how many not."""
    done = sum(1 for o in outcomes if o.result == DONE)
    undone = len(outcomes) - done
    if action == "approve":
        text = _("批量审核：%(done)d 张已审核通过，%(undone)d 张未执行。")
    else:
        text = _("批量退回：%(done)d 张已退回，%(undone)d 张未执行。")
    return text % {"done": done, "undone": undone}
