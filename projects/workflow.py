"""The workflow of a sheet, declared once: its states, and every action with who may take it,
in which states, and the state it leads to (docs/rules.md §7).

The state table (the actions that change a sheet's state):

| from            | action  | who                                   | to                                   | comment  |
|-----------------|---------|---------------------------------------|--------------------------------------|----------|
| 草稿, 已退回     | submit  | 填报人 of the unit                     | 已提交                                |          |
| 已提交           | approve | 审核人 of the department               | 已审核 (one tier), 主管部门已审核 (two) |          |
| 已提交           | return  | 审核人 of the department               | 已退回                                | required |
| 主管部门已审核    | approve | 财政 of the department's bureau        | 已审核                                |          |
| 主管部门已审核    | return  | 财政 of the department's bureau        | 已退回 (resubmission starts at the 主管部门) | required |
| 已审核           | reopen  | 管理员                                 | 已退回                                | required |

A return's comment may instead be the open review comments already on the sheet. Whether a
year has one tier or two is its bureau's rule set's (`RuleSet.review_tiers`, read from the
version the sheet records). A lower tier never undoes a decision above it: once a sheet is
主管部门已审核 only 财政 acts on it, and only the 管理员 reopens an 已审核 sheet. 已审核 is the
frozen, final state; 主管部门已审核 freezes nothing yet (财政 may still return the sheet).

The other actions:

| action  | who                                   | allowed in                       |
|---------|---------------------------------------|----------------------------------|
| view    | anyone who sees the sheet             | every state                      |
| export  | anyone who sees the sheet             | every state                      |
| edit    | 填报人 of the unit                     | 草稿, 已退回                      |
| attach  | 填报人 of the unit                     | 草稿, 已退回                      |
| comment | anyone who sees the sheet             | all but 已审核                    |
| resolve | 审核人 of the department              | 草稿, 已提交, 已退回               |
|         | 财政 of the bureau, 管理员             | all but 已审核                    |

"Anyone who sees the sheet" is the 填报人 of its unit, the 审核人 of its department, 财政 of the
department's bureau and the 管理员 (`projects.access.scope_sheets`). `projects.access` turns
these tables into permissions; `Sheet.is_editable` and the services read the same states.
Submission is also refused while the rules find errors (`projects.sheets.services`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    DEPT_APPROVED = "dept_approved", _("主管部门已审核")
    APPROVED = "approved", _("已审核")


class Who(StrEnum):
    """The roles an action may be granted to (`projects.access` decides who has which)."""

    FILLER = "filler"  # 填报人 of the sheet's unit
    REVIEWER = "reviewer"  # 审核人 of the sheet's department
    FINANCE = "finance"  # 财政 of the bureau the sheet's department belongs to
    ADMIN = "admin"  # 管理员
    VIEWER = "viewer"  # anyone who may see the sheet


@dataclass(frozen=True)
class Step:
    """One row of the tables: these roles may take the action in these states; a transition
    leads to `to`, or to `to_two_tiers` in a year reviewed in two tiers."""

    who: frozenset[Who]
    states: frozenset[Status]
    to: Status | None = None
    to_two_tiers: Status | None = None

    def leads_to(self, tiers: int) -> Status | None:
        if tiers == 2 and self.to_two_tiers is not None:
            return self.to_two_tiers
        return self.to


@dataclass(frozen=True)
class Action:
    name: str
    steps: tuple[Step, ...]
    # A transition that must say why: a comment, or (`open_comments_suffice`) open review
    # comments already written on the sheet.
    comment_required: bool = False
    open_comments_suffice: bool = False
    # What the timeline shows for a transition, worded when shown.
    label: str | Promise = ""

    @property
    def states(self) -> frozenset[Status]:
        """Every state in which someone may take the action."""
        return frozenset().union(*(step.states for step in self.steps))

    @property
    def changes_state(self) -> bool:
        return any(step.to is not None for step in self.steps)

    def states_for(self, who: Who) -> frozenset[Status]:
        """The states in which this role may take the action."""
        return frozenset().union(*(step.states for step in self.steps if who in step.who))

    def step(self, roles: set[Who], status: str) -> Step | None:
        """The row that lets one of these roles take the action in this state, if any."""
        for step in self.steps:
            if status in step.states and roles & step.who:
                return step
        return None


def one(who: frozenset[Who], states, to: Status | None = None, **more) -> tuple[Step, ...]:
    return (Step(frozenset(who), frozenset(states), to, **more),)


ALL_STATES = frozenset(Status)
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
OPEN = ALL_STATES - {Status.APPROVED}
# The states in which a sheet waits for a decision: the 主管部门's, then 财政's.
AWAITING = {Who.REVIEWER: Status.SUBMITTED, Who.FINANCE: Status.DEPT_APPROVED}
UNIT = frozenset({Who.FILLER})
VIEWERS = frozenset({Who.VIEWER})
REVIEWER = frozenset({Who.REVIEWER})
FINANCE = frozenset({Who.FINANCE})
ADMIN = frozenset({Who.ADMIN})

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("view", one(VIEWERS, ALL_STATES)),
        Action("export", one(VIEWERS, ALL_STATES)),
        Action("edit", one(UNIT, EDITABLE)),
        Action("attach", one(UNIT, EDITABLE)),
        Action("submit", one(UNIT, EDITABLE, Status.SUBMITTED), label=_("提交审核")),
        Action("comment", one(VIEWERS, OPEN)),
        Action(
            "resolve",
            (
                Step(REVIEWER, frozenset(OPEN - {Status.DEPT_APPROVED})),
                Step(FINANCE | ADMIN, OPEN),
            ),
        ),
        Action(
            "return",
            (
                Step(REVIEWER, frozenset({Status.SUBMITTED}), Status.RETURNED),
                Step(FINANCE, frozenset({Status.DEPT_APPROVED}), Status.RETURNED),
            ),
            comment_required=True,
            open_comments_suffice=True,
            label=_("退回修改"),
        ),
        Action(
            "approve",
            (
                Step(
                    REVIEWER,
                    frozenset({Status.SUBMITTED}),
                    Status.APPROVED,
                    to_two_tiers=Status.DEPT_APPROVED,
                ),
                Step(FINANCE, frozenset({Status.DEPT_APPROVED}), Status.APPROVED),
            ),
            label=_("审核通过"),
        ),
        Action(
            "reopen",
            one(ADMIN, {Status.APPROVED}, Status.RETURNED),
            comment_required=True,
            label=_("重新打开"),
        ),
    )
}

# The actions that change a sheet's state.
TRANSITIONS: dict[str, Action] = {name: a for name, a in ACTIONS.items() if a.changes_state}


class Transition(models.TextChoices):
    """The transitions as stored on each `SheetTransition` record (a code, worded when shown)."""

    SUBMIT = "submit", ACTIONS["submit"].label
    RETURN = "return", ACTIONS["return"].label
    APPROVE = "approve", ACTIONS["approve"].label
    REOPEN = "reopen", ACTIONS["reopen"].label
