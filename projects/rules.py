"""Who may do what to a sheet, as `rules` predicates (RULES.md §6).

| action   | who                                   | states                        |
|----------|---------------------------------------|-------------------------------|
| view     | 填报人 of the unit, 审核人 of its department, 管理员 | all                |
| export   | same as view                          | all                           |
| edit     | 填报人 of the unit                     | 草稿, 已退回                  |
| submit   | 填报人 of the unit                     | 草稿, 已退回                  |
| attach   | 填报人 of the unit                     | 草稿, 已退回                  |
| comment  | anyone who may view                   | all but 已审核 (closed)       |
| resolve  | 审核人 of the department, 管理员       | all but 已审核                |
| return   | 审核人 of the department              | 已提交                        |
| approve  | 审核人 of the department              | 已提交                        |
| reopen   | 管理员                                | 已审核                        |

Test these with `rules.has_perm`, not `user.has_perm`: Django lets a superuser pass every
`user.has_perm`, and a 管理员 must not edit, return or approve a unit's sheet.
"""

from __future__ import annotations

import rules

from .access import user_department_id, user_unit_id
from .models import Sheet


@rules.predicate
def is_unit_filler(user, sheet: Sheet) -> bool:
    unit_id = user_unit_id(user)
    return unit_id is not None and sheet.project.unit_id == unit_id


@rules.predicate
def is_department_reviewer(user, sheet: Sheet) -> bool:
    department_id = user_department_id(user)
    return department_id is not None and sheet.project.unit.department_id == department_id


is_admin = rules.is_superuser


def in_states(*states: str):
    @rules.predicate(name=f"in_states({','.join(states)})")
    def predicate(user, sheet: Sheet) -> bool:
        return sheet.status in states

    return predicate


S = Sheet.Status
is_editable = in_states(S.DRAFT, S.RETURNED)
is_submitted = in_states(S.SUBMITTED)
is_approved = in_states(S.APPROVED)

can_view = is_unit_filler | is_department_reviewer | is_admin

rules.add_perm("projects.view_sheet", can_view)
rules.add_perm("projects.export_sheet", can_view)
rules.add_perm("projects.edit_sheet", is_unit_filler & is_editable)
rules.add_perm("projects.submit_sheet", is_unit_filler & is_editable)
rules.add_perm("projects.attach_sheet", is_unit_filler & is_editable)
rules.add_perm("projects.comment_sheet", can_view & ~is_approved)
rules.add_perm("projects.resolve_sheet", (is_department_reviewer | is_admin) & ~is_approved)
rules.add_perm("projects.return_sheet", is_department_reviewer & is_submitted)
rules.add_perm("projects.approve_sheet", is_department_reviewer & is_submitted)
rules.add_perm("projects.reopen_sheet", is_admin & is_approved)


def may(user, action: str, sheet: Sheet) -> bool:
    return rules.has_perm(f"projects.{action}_sheet", user, sheet)
