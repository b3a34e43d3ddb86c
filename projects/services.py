"""Changes to sheets: every state change and every content save goes through here.

Keyword-only functions inside one transaction each: they check the current state and version,
save named fields, and record the transition. Views and forms never set `status` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators import scoring
from indicators.models import Indicator, Level2, RuleSet

from .models import BudgetLine, Comment, Project, Sheet, SheetTransition, Unit
from .sheet_view import sheet_queryset


class StaleEdit(Exception):
    """The sheet changed since the editor loaded it; nothing was saved."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.by = sheet.updated_by
        self.at: datetime = sheet.updated_at
        self.version = sheet.version
        super().__init__(f"sheet {sheet.pk} is at version {sheet.version}")


class SubmitRefused(Exception):
    """Blocking errors remain; the sheet stays as it is."""

    def __init__(self, result: scoring.SheetResult) -> None:
        self.result = result
        super().__init__(f"{len(result.errors)} blocking error(s)")


class SheetExists(Exception):
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        super().__init__(f"sheet {sheet.pk} exists")


@dataclass(frozen=True)
class RowContent:
    """One indicator row as an editor submits it; `row_id` is None for a new row."""

    row_id: int | None
    level2: Level2 | None
    name: str
    target_text: str
    actual_text: str
    weight: Decimal | None
    score: Decimal | None
    reason: str
    applicable: bool


@dataclass(frozen=True)
class SheetContent:
    """Everything an editor can change on a sheet."""

    project_name: str
    budget_weight: Decimal | None
    goal_expected: str
    goal_achieved: str
    # Source rows only (appropriation, carryover, other); 年度资金总额 is their sum.
    funds: dict[str, scoring.FundsLine]
    rows: tuple[RowContent, ...] = field(default_factory=tuple)

    def total_line(self) -> scoring.FundsLine:
        def add(column: str) -> Decimal | None:
            values = [getattr(self.funds.get(k), column, None) for k in scoring.FUNDS_SOURCES]
            present = [v for v in values if v is not None]
            return sum(present, Decimal("0")) if present else None

        return scoring.FundsLine(add("initial"), add("annual"), add("executed"))

    def to_input(self, *, department: str, unit: str) -> scoring.SheetInput:
        funds = {"total": self.total_line()}
        for key in scoring.FUNDS_SOURCES:
            funds[key] = self.funds.get(key, scoring.FundsLine())
        return scoring.SheetInput(
            project=self.project_name,
            department=department,
            unit=unit,
            funds=funds,
            budget_weight=self.budget_weight,
            indicators=tuple(
                scoring.IndicatorInput(
                    name=r.name,
                    level1=r.level2.level1.name if r.level2 else "",
                    level2=r.level2.name if r.level2 else "",
                    target=r.target_text,
                    actual=r.actual_text,
                    weight=r.weight,
                    score=r.score,
                    reason=r.reason,
                    applicable=r.applicable,
                )
                for r in self.rows
            ),
        )


def _record(sheet: Sheet, user, from_status: str, to_status: str, comment: str) -> None:
    SheetTransition.objects.create(
        sheet=sheet,
        from_status=from_status,
        to_status=to_status,
        user=user,
        comment=comment,
        version=sheet.version,
    )


def _empty_budget_lines(sheet: Sheet, user) -> None:
    bulk_create_with_history(
        [BudgetLine(sheet=sheet, kind=key, position=i) for i, key in enumerate(scoring.FUNDS_ROWS)],
        BudgetLine,
        default_user=user,
    )


@transaction.atomic
def sheet_create(
    *, unit: Unit, project_name: str, year: int, user, copy_from: Sheet | None = None
) -> Sheet:
    """A new draft for a project of the unit (created if new), empty or from another year's
    sheet: indicators, targets and weights copied; actuals, scores and reasons cleared."""
    project, _created = Project.objects.get_or_create(unit=unit, name=project_name.strip())
    existing = Sheet.objects.filter(project=project, year=year).first()
    if existing is not None:
        raise SheetExists(existing)
    rules = RuleSet.ensure(year)
    sheet = Sheet.objects.create(
        project=project,
        year=year,
        budget_weight=copy_from.budget_weight if copy_from else rules.budget_weight,
        goal_expected=copy_from.goal_expected if copy_from else "",
        updated_by=user,
    )
    _empty_budget_lines(sheet, user)
    if copy_from is not None:
        rows = [
            Indicator(
                sheet=sheet,
                position=row.position,
                level1=row.level1,
                level2=row.level2,
                name=row.name,
                target_text=row.target_text,
                weight=row.weight,
            )
            for row in copy_from.indicators.all()
        ]
        Indicator.create_many(rows, user=user)
    return sheet


@transaction.atomic
def sheet_save_content(*, sheet: Sheet, user, version: int, content: SheetContent) -> Sheet:
    """Save an editor's content if the sheet is still at the version the editor loaded.

    Raises StaleEdit (nothing saved) when someone saved in between, PermissionDenied when the
    sheet is no longer editable. Rows keep their ids so their history stays readable.
    """
    locked = (
        Sheet.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=sheet.pk)
    )
    if not locked.is_editable:
        raise PermissionDenied
    if locked.version != version:
        raise StaleEdit(locked)

    project = locked.project
    new_name = content.project_name.strip()
    if new_name and new_name != project.name:
        project.name = new_name
        project.save(update_fields=["name"])

    locked.budget_weight = content.budget_weight
    locked.goal_expected = content.goal_expected
    locked.goal_achieved = content.goal_achieved
    locked.version += 1
    locked.updated_by = user
    locked.save()

    total = content.total_line()
    lines = {line.kind: line for line in locked.budget_lines.all()}
    for position, key in enumerate(scoring.FUNDS_ROWS):
        values = total if key == "total" else content.funds.get(key, scoring.FundsLine())
        line = lines.get(key) or BudgetLine(sheet=locked, kind=key, position=position)
        line.initial, line.annual, line.executed = values.initial, values.annual, values.executed
        line.save()

    existing = {row.pk: row for row in locked.indicators.all()}
    kept = set()
    # Positions are unique per sheet: move the kept rows out of the way first.
    Indicator.objects.filter(sheet=locked).update(position=F("position") + 10_000)
    for position, item in enumerate(content.rows):
        row = existing.get(item.row_id) if item.row_id else None
        if row is None:
            row = Indicator(sheet=locked)
        row.position = position
        row.level2 = item.level2
        row.level1 = item.level2.level1 if item.level2 else None
        row.name = item.name
        row.target_text = item.target_text
        row.actual_text = item.actual_text
        row.weight = item.weight
        row.score = item.score
        row.reason = item.reason
        row.applicable = item.applicable
        row.save()
        kept.add(row.pk)
    for pk, row in existing.items():
        if pk not in kept:
            row.delete()
    return locked


class CommentRequired(Exception):
    """Returning or reopening a sheet needs a comment saying why."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    comment_required: bool = False


S = Sheet.Status
# The workflow, declared once: 草稿 → 已提交 → (已退回 → 已提交)* → 已审核, and the
# administrator's reopen. Who may trigger each is a `rules` permission of the same name.
TRANSITIONS = {
    "submit": Transition(frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    "return": Transition(frozenset({S.SUBMITTED}), S.RETURNED, comment_required=True),
    "approve": Transition(frozenset({S.SUBMITTED}), S.APPROVED),
    "reopen": Transition(frozenset({S.APPROVED}), S.RETURNED, comment_required=True),
}
DEFAULT_COMMENTS = {
    "submit": _("提交审核"),
    "approve": _("审核通过"),
}


@transaction.atomic
def sheet_transition(*, sheet: Sheet, user, action: str, comment: str = "") -> Sheet:
    """Move a sheet along the workflow, recording who, when and why.

    Raises PermissionDenied when the user or the state does not allow it, SubmitRefused when
    blocking errors remain on submission, CommentRequired when a return or reopen has no
    comment (a return may instead rest on open comments already written on the sheet).
    """
    from .rules import may

    transition = TRANSITIONS[action]
    locked = (
        Sheet.objects.select_for_update(of=("self",))
        .select_related("project__unit")
        .get(pk=sheet.pk)
    )
    if locked.status not in transition.sources or not may(user, action, locked):
        raise PermissionDenied
    comment = comment.strip()
    snapshot = None
    if action == "submit":
        full = sheet_queryset().get(pk=locked.pk)
        result = full.evaluate()
        if result.errors:
            raise SubmitRefused(result)
        snapshot = content_snapshot(full)
    if transition.comment_required and not comment:
        has_open = Comment.objects.filter(sheet=locked, parent=None, resolved_at=None).exists()
        if action != "return" or not has_open:
            raise CommentRequired
    previous = locked.status
    locked.status = transition.target
    locked.updated_by = user
    locked.save(update_fields=["status", "updated_by", "updated_at"])
    SheetTransition.objects.create(
        sheet=locked,
        from_status=previous,
        to_status=locked.status,
        user=user,
        comment=comment or str(DEFAULT_COMMENTS.get(action, "")),
        version=locked.version,
        snapshot=snapshot,
    )
    if comment and action in ("return", "reopen"):
        Comment.objects.create(
            sheet=locked,
            author=user,
            body=comment,
            anchor_label=str(_("整张表")),
        )
    return locked


def sheet_submit(*, sheet: Sheet, user, comment: str = "") -> Sheet:
    """草稿 or 已退回 → 已提交, refused while blocking errors remain."""
    return sheet_transition(sheet=sheet, user=user, action="submit", comment=comment)


def anchor_label(indicator: Indicator | None, budget_line: str) -> str:
    if indicator is not None:
        return _("第 %(n)s 行 %(name)s") % {"n": indicator.position + 1, "name": indicator.name}
    if budget_line:
        return BudgetLine.Kind(budget_line).label
    return str(_("整张表"))


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
    from .rules import may

    if not may(user, "comment", sheet):
        raise PermissionDenied
    if parent is not None:
        if parent.sheet_id != sheet.pk:
            raise PermissionDenied
        parent = parent.parent or parent  # replies hang under the thread's first comment
        indicator, budget_line = parent.indicator, parent.budget_line
    if indicator is not None and indicator.sheet_id != sheet.pk:
        raise PermissionDenied
    if parent is not None:
        anchor = parent.anchor
    elif indicator is not None:
        anchor = Comment.Anchor.ROW
    elif budget_line:
        anchor = Comment.Anchor.FUNDS
    else:
        anchor = Comment.Anchor.SHEET
    return Comment.objects.create(
        sheet=sheet,
        author=user,
        body=body.strip(),
        indicator=indicator,
        budget_line=budget_line,
        anchor=anchor,
        parent=parent,
        anchor_label=parent.anchor_label if parent else anchor_label(indicator, budget_line),
    )


@transaction.atomic
def comment_set_resolved(*, comment: Comment, user, resolved: bool) -> Comment:
    from .rules import may

    if comment.parent_id is not None or not may(user, "resolve", comment.sheet):
        raise PermissionDenied
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = user if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


def content_snapshot(sheet: Sheet) -> dict:
    """The sheet's content as plain strings, stored with each submission to diff against."""

    def text(value) -> str:
        return "" if value is None else str(value)

    return {
        "version": sheet.version,
        "project": sheet.project.name,
        "budget_weight": text(sheet.budget_weight),
        "goal_expected": sheet.goal_expected,
        "goal_achieved": sheet.goal_achieved,
        "funds": {
            line.kind: {c: text(getattr(line, c)) for c in scoring.FUNDS_COLUMNS}
            for line in sheet.budget_lines.all()
        },
        "rows": {
            str(row.pk): {
                "position": row.position,
                "level2": row.level2.name if row.level2 else "",
                "name": row.name,
                "target": row.target_text,
                "actual": row.actual_text,
                "weight": text(row.weight),
                "score": text(row.score),
                "reason": row.reason,
                "applicable": "" if row.applicable else "不适用",
            }
            for row in sheet.indicators.all()
        },
    }


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
    pass


def check_evidence(upload) -> str:
    """The upload's content type, or EvidenceRefused saying why it is not accepted."""
    from pathlib import Path

    from django.conf import settings
    from django.template.defaultfilters import filesizeformat

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


@transaction.atomic
def evidence_add(*, sheet: Sheet, user, upload, indicator: Indicator | None = None):
    from .models import Evidence
    from .rules import may

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


@transaction.atomic
def evidence_delete(*, evidence, user) -> None:
    from .rules import may

    if not may(user, "attach", evidence.sheet):
        raise PermissionDenied
    evidence.file.delete(save=False)
    evidence.delete()
