"""The workflow of a sheet, declared once: its states, and every action with who may take it,
in which states, and the state it leads to (docs/rules.md §7).

| action  | who                                   | allowed in       | leads to | comment |
|---------|---------------------------------------|------------------|----------|---------|
| view    | anyone who sees the sheet             | every state      |          |         |
| export  | anyone who sees the sheet             | every state      |          |         |
| edit    | 填报人 of the unit                     | 草稿, 已退回      |          |         |
| attach  | 填报人 of the unit                     | 草稿, 已退回      |          |         |
| submit  | 填报人 of the unit                     | 草稿, 已退回      | 已提交    |         |
| comment | anyone who sees the sheet             | all but 已审核    |          |         |
| resolve | 审核人 of the department, 管理员        | all but 已审核    |          |         |
| return  | 审核人 of the department               | 已提交           | 已退回    | required, or open comments |
| approve | 审核人 of the department               | 已提交           | 已审核    |         |
| reopen  | 管理员                                 | 已审核           | 已退回    | required |

"Anyone who sees the sheet" is the 填报人 of its unit, the 审核人 of its department and the
管理员 (`projects.access.scope_sheets`). `projects.access` turns this table into permissions;
`Sheet.is_editable` and the services read the same states. Submission is also refused while
the rules find errors (`projects.sheets.services`).
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
    APPROVED = "approved", _("已审核")


class Who(StrEnum):
    """The roles an action may be granted to (`projects.access` decides who has which)."""

    FILLER = "filler"  # 填报人 of the sheet's unit
    REVIEWER = "reviewer"  # 审核人 of the sheet's department
    ADMIN = "admin"  # 管理员
    VIEWER = "viewer"  # anyone who may see the sheet


@dataclass(frozen=True)
class Action:
    name: str
    who: frozenset[Who]
    states: frozenset[Status]
    # The state the action leads to; None for actions that leave the state as it is.
    to: Status | None = None
    # A transition that must say why: a comment, or (`open_comments_suffice`) open review
    # comments already written on the sheet.
    comment_required: bool = False
    open_comments_suffice: bool = False
    # What the timeline shows for a transition, worded when shown.
    label: str | Promise = ""


ALL_STATES = frozenset(Status)
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
OPEN = ALL_STATES - {Status.APPROVED}
UNIT = frozenset({Who.FILLER})
VIEWERS = frozenset({Who.VIEWER})
REVIEWER = frozenset({Who.REVIEWER})
ADMIN = frozenset({Who.ADMIN})

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("view", VIEWERS, ALL_STATES),
        Action("export", VIEWERS, ALL_STATES),
        Action("edit", UNIT, EDITABLE),
        Action("attach", UNIT, EDITABLE),
        Action("submit", UNIT, EDITABLE, to=Status.SUBMITTED, label=_("提交审核")),
        Action("comment", VIEWERS, OPEN),
        Action("resolve", REVIEWER | ADMIN, OPEN),
        Action(
            "return",
            REVIEWER,
            frozenset({Status.SUBMITTED}),
            to=Status.RETURNED,
            comment_required=True,
            open_comments_suffice=True,
            label=_("退回修改"),
        ),
        Action(
            "approve",
            REVIEWER,
            frozenset({Status.SUBMITTED}),
            to=Status.APPROVED,
            label=_("审核通过"),
        ),
        Action(
            "reopen",
            ADMIN,
            frozenset({Status.APPROVED}),
            to=Status.RETURNED,
            comment_required=True,
            label=_("重新打开"),
        ),
    )
}

# The actions that change a sheet's state.
TRANSITIONS: dict[str, Action] = {name: a for name, a in ACTIONS.items() if a.to is not None}


class Transition(models.TextChoices):
    """The transitions as stored on each `SheetTransition` record (a code, worded when shown)."""

    SUBMIT = "submit", ACTIONS["submit"].label
    RETURN = "return", ACTIONS["return"].label
    APPROVE = "approve", ACTIONS["approve"].label
    REOPEN = "reopen", ACTIONS["reopen"].label
