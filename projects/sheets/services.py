"""Changes to sheets: creating, saving content, and every change of state.

Keyword-only functions inside one transaction each: they check the permission, the current
state and version, save named fields, and record the transition. Views, forms and the admin
never set `status` themselves. The transitions themselves are the table of
`projects.workflow`; the review room's actions (return, approve, reopen) come through
`sheet_transition` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators import scoring
from indicators.grouping import grouped, place_of
from indicators.models import Level2, RuleSet
from projects import figures
from projects.access import may, roles
from projects.acting import acts_for_user
from projects.audit.services import Action, record
from projects.models import (
    BudgetLine,
    Comment,
    Evidence,
    Indicator,
    Project,
    Sheet,
    SheetTransition,
    Unit,
    rule_set_for,
)
from projects.workflow import TRANSITIONS, Status

from .selectors import content_snapshot, sheet_queryset


class StaleEdit(Exception):
    """The sheet changed since the editor loaded it; nothing was saved."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        # Who saved, read by id: on PostgreSQL a row locked after waiting for another save is
        # re-read, but a table joined to it is not (`select_related` may then say None).
        by_id = sheet.updated_by_id
        self.by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
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
    # The unit the sheet prints its amounts in (Sheet.AmountUnit); "" keeps the sheet's. The
    # funds above are in 万元 whatever it is.
    amount_unit: str = ""

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


def _empty_budget_lines(sheet: Sheet, user) -> None:
    bulk_create_with_history(
        [BudgetLine(sheet=sheet, kind=key, position=i) for i, key in enumerate(scoring.FUNDS_ROWS)],
        BudgetLine,
        default_user=user,
    )


@acts_for_user
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
    rule_set = RuleSet.ensure(year, unit.department.bureau)  # the bureau's rules, else the default
    sheet = Sheet.objects.create(
        project=project,
        year=year,
        rule_set=rule_set if rule_set.pk else None,
        budget_weight=copy_from.budget_weight if copy_from else rule_set.budget_weight,
        goal_expected=copy_from.goal_expected if copy_from else "",
        updated_by=user,
    )
    _empty_budget_lines(sheet, user)
    if copy_from is not None:
        # Kept grouped as the form groups them (docs/rules.md §2.1), as every writer keeps them.
        last_year = copy_from.indicators.select_related("level1", "level2").order_by("position")
        rows = [
            Indicator(
                sheet=sheet,
                position=position,
                level1=row.level1,
                level2=row.level2,
                name=row.name,
                target_text=row.target_text,
                weight=row.weight,
            )
            for position, row in enumerate(
                grouped(list(last_year), lambda row: place_of(row.level1, row.level2))
            )
        ]
        Indicator.create_many(rows, user=user)
    figures.store(sheet)
    return sheet


def grouped_rows(rows: tuple[RowContent, ...]) -> list[RowContent]:
    """The rows in the order a sheet keeps them (docs/rules.md §2.1): by level 1 in the
    scheme's order, level 2 in the catalogue's order within it, the clerk's order within one
    level 2; rows without a level 2 last. The editor shows the same order as the clerk types."""
    return grouped(rows, lambda row: place_of(None, row.level2))


@acts_for_user
@transaction.atomic
def sheet_save_content(*, sheet: Sheet, user, version: int, content: SheetContent) -> Sheet:
    """Save an editor's content if the sheet is still at the version the editor loaded.

    Raises StaleEdit (nothing saved) when someone saved in between, PermissionDenied when the
    sheet is no longer editable. Rows keep their ids so their history stays readable, and are
    stored grouped (`grouped_rows`).
    """
    locked = _locked(sheet)
    if not locked.is_editable:
        raise PermissionDenied
    if locked.version != version:
        raise StaleEdit(locked)

    new_name = content.project_name.strip()
    if new_name and new_name != locked.project.name:
        project_rename(sheet=locked, new_name=new_name)

    locked.budget_weight = content.budget_weight
    locked.goal_expected = content.goal_expected
    locked.goal_achieved = content.goal_achieved
    if content.amount_unit:
        locked.amount_unit = content.amount_unit
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
    for position, item in enumerate(grouped_rows(content.rows)):
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
    figures.store(locked)
    return locked


class RenameRefused(Exception):
    """A project name that cannot change from this sheet; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def project_rename(*, sheet: Sheet, new_name: str) -> None:
    """Rename the sheet's project (docs/rules.md §8): the project's name is printed on every
    year's sheet, so it changes only while no other sheet of the project has left 草稿; an
    approved or submitted sheet never changes under its reviewer. The project's history
    records the old name. Raises RenameRefused (nothing saved) otherwise."""
    project = Project.objects.select_for_update().get(pk=sheet.project_id)
    others = (
        Sheet.objects.filter(project=project)
        .exclude(pk=sheet.pk)
        .exclude(status=Sheet.Status.DRAFT)
        .order_by("year")
    )
    years = [str(year) for year in others.values_list("year", flat=True)]
    if years:
        raise RenameRefused(
            _(
                "项目“%(name)s”在 %(years)s 年度的自评表已提交或审核，项目名称随之打印，不能在此改名。"
                "如需新名称，请新建项目。"
            )
            % {"name": project.name, "years": "、".join(years)}
        )
    if Project.objects.filter(unit=project.unit_id, name=new_name).exclude(pk=project.pk).exists():
        raise RenameRefused(_("本单位已有名为“%(name)s”的项目，不能重名。") % {"name": new_name})
    project.name = new_name
    project.save(update_fields=["name"])
    sheet.project = project


class CommentRequired(Exception):
    """Returning or reopening a sheet needs a comment saying why."""


def _locked(sheet: Sheet) -> Sheet:
    """The sheet's row, locked until the transaction ends (only this row, on PostgreSQL)."""
    return (
        Sheet.objects.select_for_update(of=("self",))
        .select_related("project__unit__department", "updated_by")
        .get(pk=sheet.pk)
    )


@acts_for_user
@transaction.atomic
def sheet_transition(
    *, sheet: Sheet, user, action: str, comment: str = "", version: int | None = None
) -> Sheet:
    """Move a sheet along the workflow (`projects.workflow.TRANSITIONS`), recording who,
    when, from which state, and the comment.

    Raises PermissionDenied when the user or the state does not allow it, SubmitRefused when
    blocking errors remain on submission, CommentRequired when a transition that must say why
    has no comment (a return may instead rest on open comments already on the sheet), and
    StaleEdit when `version` (the content version the person looked at) is given and the
    sheet has changed since.
    """
    transition = TRANSITIONS[action]
    locked = _locked(sheet)
    if not may(user, action, locked):
        raise PermissionDenied
    if version is not None and version != locked.version:
        raise StaleEdit(locked)
    comment = comment.strip()
    snapshot = None
    if action == "submit":
        full = sheet_queryset().get(pk=locked.pk)
        result = full.evaluate()
        if result.errors:
            raise SubmitRefused(result)
        snapshot = content_snapshot(full)
    if transition.comment_required and not comment:
        open_comments = Comment.objects.filter(sheet=locked, parent=None, resolved_at=None)
        if not (transition.open_comments_suffice and open_comments.exists()):
            raise CommentRequired
    previous = locked.status
    step = transition.step(roles(user, locked), locked.status)
    locked.updated_by = user
    if locked.rule_set_id is None:
        # Every sheet that leaves 草稿 is scored by a recorded rule-set version from then on.
        found = RuleSet.ensure(locked.year, locked.project.unit.department.bureau)
        locked.rule_set = found if found.pk else None
    # One tier or two: the rule-set version the sheet records says (the 主管部门's approval
    # is final in a one-tier year, and goes on to 财政 in a two-tier one).
    locked.status = step.leads_to(rule_set_for(locked).review_tiers)
    locked.save(update_fields=["status", "updated_by", "updated_at", "rule_set"])
    SheetTransition.objects.create(
        sheet=locked,
        action=action,
        from_status=previous,
        to_status=locked.status,
        user=user,
        comment=comment,
        version=locked.version,
        snapshot=snapshot,
    )
    figures.store(locked)  # a transition may record the sheet's rule-set version
    return locked


def sheet_submit(*, sheet: Sheet, user, comment: str = "") -> Sheet:
    """草稿 or 已退回 → 已提交, refused while blocking errors remain."""
    return sheet_transition(sheet=sheet, user=user, action="submit", comment=comment)


def left_draft(sheet: Sheet | None) -> bool:
    """Whether the sheet is past 草稿 now, or ever was (a transition exists). Such a sheet is
    never deleted, by its unit or in the back office."""
    if sheet is None or sheet.pk is None:
        return False
    return sheet.status != Status.DRAFT or sheet.transitions.exists()


@acts_for_user
@transaction.atomic
def sheet_delete(*, sheet: Sheet, user) -> None:
    """Delete a draft that never left 草稿, with its rows, budget lines, comments and evidence,
    for its unit's 填报人 only (PermissionDenied otherwise). Recorded in the audit log. The
    project stays (a task's item names it: the item is 未开始 again); the unit's counts of the
    year follow (`projects.figures`, on the sheet's deletion); the evidence files leave the
    storage once the deletion is committed, never before (a rollback keeps them)."""
    locked = _locked(sheet)
    if not may(user, "edit", locked) or left_draft(locked):
        raise PermissionDenied
    files = list(Evidence.objects.filter(sheet=locked).values_list("file", flat=True))
    record(
        Action.SHEET_DELETE,
        user=user,
        obj=locked,
        params={
            "year": locked.year,
            "version": locked.version,
            "rows": locked.indicators.count(),
            "evidence": len(files),
        },
    )
    locked.delete()
    storage = Evidence._meta.get_field("file").storage

    def remove_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
