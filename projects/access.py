"""Who may see and do what: the one module that answers it (docs/rules.md §7).

A user's role comes from its profile: 填报人 of a unit (profile.unit), 审核人 of a department
(profile.department), 财政 of a finance bureau (profile.bureau: the second tier of review,
the year's tasks), or 管理员 (a superuser). Nothing outside this module looks at those
fields to decide anything: views, services, templates (through the `navigation` context
processor) and the admin all ask here.

- A sheet outside a user's scope answers 404, as if it did not exist; inside the scope, an
  action the role or the state does not allow answers 403 (`get_sheet_for_user`).
- The per-sheet permissions are `rules` predicates built from the action table of
  `projects.workflow`: who may take each action, in which states. Test them with `may` (which
  uses `rules.has_perm`), not `user.has_perm`: Django lets a superuser pass every
  `user.has_perm`, and a 管理员 must not edit, return or approve a unit's sheet.
- `scope_sheets` is the same view rule written as a query, for lists.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

import rules
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from indicators.models import Bureau

from .models import Department, Profile, Sheet, Unit
from .workflow import ACTIONS, AWAITING, Who

# -- roles ---------------------------------------------------------------------------------


def _profile(user) -> Profile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def profile_of(user) -> Profile | None:
    """The user's profile (its unit, department or bureau ids), if it has one; read-only."""
    return _profile(user)


def filler_unit(user) -> Unit | None:
    """The unit the user fills sheets for (填报人), if any."""
    profile = _profile(user)
    return profile.unit if profile else None


def reviewer_department(user) -> Department | None:
    """The department whose units' sheets the user reviews (审核人), if any."""
    profile = _profile(user)
    return profile.department if profile else None


def finance_bureau(user) -> Bureau | None:
    """The finance bureau the user works for (财政), if any."""
    profile = _profile(user)
    return profile.bureau if profile else None


def is_administrator(user) -> bool:
    """管理员: sees every sheet, manages reference data, reopens approved sheets."""
    return bool(user.is_authenticated and user.is_superuser)


def may_manage_accounts(user) -> bool:
    """Account and device administration (reset a user's second factor, unlock an account
    locked after failed logins): the 管理员, who also manages users (docs/decisions.md)."""
    return is_administrator(user)


def account_security(user) -> Profile | None:
    """The profile that holds the user's account-security fields (password age, forced
    change, the one live session), if the user has one; read-only."""
    return _profile(user)


def account_security_for_update(user) -> Profile:
    """The same profile, created (with no role) for a user that has none."""
    profile = _profile(user)
    if profile is None:
        profile = Profile.objects.get_or_create(user=user)[0]
        user.profile = profile
    return profile


def is_auditor(user) -> bool:
    """审计员: reads, searches and exports the audit log, and nothing else. Never a 管理员
    (the user admin refuses both; a superuser with the mark is still not an auditor)."""
    profile = _profile(user)
    return bool(profile is not None and profile.auditor and not user.is_superuser)


def auditor_conflict(user, *, auditor: bool, unit=None, department=None, bureau=None) -> str:
    """Why `user` cannot be marked 审计员 with this profile ("" when it can): the 审计员 holds
    no other role — not 管理员 or staff (separation of duties), not 填报人 or 审核人."""
    if not auditor:
        return ""
    if user.is_superuser or user.is_staff:
        return str(_("审计员不能同时是管理员或后台用户：请先取消“超级用户状态”和“工作人员状态”。"))
    if unit is not None or department is not None or bureau is not None:
        return str(_("审计员不能同时是填报人、审核人或财政：请清空实施单位、主管部门和财政局。"))
    return ""


def role_label(user) -> str:
    """The user's role in words: 管理员, 审计员, 财政, 审核人 or 填报人 ("" for none)."""
    if is_administrator(user):
        return str(_("管理员"))
    if is_auditor(user):
        return str(_("审计员"))
    if finance_bureau(user) is not None:
        return str(_("财政"))
    if reviewer_department(user) is not None:
        return str(_("审核人"))
    if filler_unit(user) is not None:
        return str(_("填报人"))
    return ""


# -- pages that are not about one sheet ------------------------------------------------------


def _is_filler(user) -> bool:
    profile = _profile(user)
    return profile is not None and profile.unit_id is not None


def _is_reviewer(user) -> bool:
    profile = _profile(user)
    return profile is not None and profile.department_id is not None


def _has_role(user) -> bool:
    """填报人, 审核人, 财政 or 管理员 (not the 审计员, not a user without a role)."""
    return is_administrator(user) or _is_filler(user) or _is_reviewer(user) or _is_finance(user)


def _is_finance(user) -> bool:
    profile = _profile(user)
    return profile is not None and profile.bureau_id is not None


PAGES = {
    # The sheet list, the exports and the summary: every role that works with sheets; not the
    # 审计员, whose one duty is the audit log (三员分立).
    "sheets": lambda user: bool(user.is_authenticated) and not is_auditor(user),
    # The unit's own work list and the start of a new sheet: 填报人 only.
    "overview": _is_filler,
    "new_sheet": _is_filler,
    # The review inbox: 审核人 (first tier), 财政 (second tier), and the 管理员 who oversees
    # every department.
    "inbox": lambda user: _is_reviewer(user) or _is_finance(user) or is_administrator(user),
    # Each user's pending work (sheets to fill, fix or review; deadlines): every working role.
    "todo": lambda user: _has_role(user),
    # The year's evaluation tasks: every working role sees its part (a unit its items, a
    # department its units', 财政 its bureau's, the 管理员 all).
    "tasks": lambda user: _has_role(user),
    # The year at a glance and the cross-sheet checks: every working role, over its scope.
    "dashboard": lambda user: _has_role(user),
    "checks": lambda user: _has_role(user),
    # Re-checks (抽查复核): 财政 draws and scores them; the 管理员 reads them.
    "rechecks": lambda user: _is_finance(user) or is_administrator(user),
    "do_rechecks": _is_finance,
    # Tasks are issued (and cancelled) by 财政, issued by the 管理员 too.
    "issue_tasks": lambda user: _is_finance(user) or is_administrator(user),
    "cancel_tasks": _is_finance,
    # Django's admin site, for whoever Django lets in (staff).
    "admin_site": lambda user: bool(user.is_authenticated and user.is_staff),
    # Second-factor devices and lock-outs of every account (projects/accounts).
    "manage_accounts": may_manage_accounts,
    # The audit log: the 审计员 alone; not even the 管理员 reads it (separation of duties).
    "audit_log": is_auditor,
}


def may_use(user, page: str) -> bool:
    return PAGES[page](user)


def require(user, page: str) -> None:
    """403 unless the user may use the page."""
    if not may_use(user, page):
        raise PermissionDenied


def landing(user) -> str:
    """The URL name of the page each role starts at: the year at a glance for every working
    role (填报人, 审核人, 财政, 管理员), the audit log for the 审计员."""
    if is_auditor(user):
        return "projects:audit-log"
    if _has_role(user):
        return "projects:dashboard"
    return "projects:sheet-list"


def navigation(request: HttpRequest) -> dict:
    """Context processor: which work pages the navigation offers this user."""
    return {"nav": {page: may_use(request.user, page) for page in PAGES}}


# -- one sheet -------------------------------------------------------------------------------


@rules.predicate
def is_unit_filler(user, sheet: Sheet) -> bool:
    profile = _profile(user)
    return (
        profile is not None
        and profile.unit_id is not None
        and profile.unit_id == sheet.project.unit_id
    )


@rules.predicate
def is_department_reviewer(user, sheet: Sheet) -> bool:
    profile = _profile(user)
    return (
        profile is not None
        and profile.department_id is not None
        and profile.department_id == sheet.project.unit.department_id
    )


@rules.predicate
def is_bureau_finance(user, sheet: Sheet) -> bool:
    profile = _profile(user)
    return (
        profile is not None
        and profile.bureau_id is not None
        and profile.bureau_id == sheet.project.unit.department.bureau_id
    )


is_admin = rules.is_superuser
can_view = is_unit_filler | is_department_reviewer | is_bureau_finance | is_admin

ROLE_PREDICATES = {
    Who.FILLER: is_unit_filler,
    Who.REVIEWER: is_department_reviewer,
    Who.FINANCE: is_bureau_finance,
    Who.ADMIN: is_admin,
    Who.VIEWER: can_view,
}


def roles(user, sheet: Sheet) -> set[Who]:
    """The roles the user holds towards this sheet."""
    return {who for who, predicate in ROLE_PREDICATES.items() if predicate.test(user, sheet)}


def in_states(states):
    names = ",".join(sorted(states))

    @rules.predicate(name=f"in_states({names})")
    def predicate(user, sheet: Sheet) -> bool:
        return sheet.status in states

    return predicate


@rules.predicate
def is_published(user, sheet: Sheet) -> bool:
    return sheet.published_at is not None


def _permission(action) -> rules.Predicate:
    """Any row of the action's table: one of its roles, in one of its states. A published
    sheet is never reopened (unpublish it first)."""
    allowed = reduce(
        or_,
        (
            reduce(or_, (ROLE_PREDICATES[w] for w in sorted(step.who))) & in_states(step.states)
            for step in action.steps
        ),
    )
    return allowed & ~is_published if action.name == "reopen" else allowed


for _action in ACTIONS.values():
    rules.add_perm(f"projects.{_action.name}_sheet", _permission(_action))


def may(user, action: str, sheet: Sheet) -> bool:
    """Whether the user may take `action` (a name of `workflow.ACTIONS`) on the sheet now."""
    return rules.has_perm(f"projects.{action}_sheet", user, sheet)


def scope_sheets(user, queryset: QuerySet[Sheet] | None = None) -> QuerySet[Sheet]:
    """The sheets a user may see: its unit's (填报人), its department's units' (审核人), its
    bureau's departments' (财政), all (管理员); nothing for anyone else."""
    qs = queryset if queryset is not None else Sheet.objects.all()
    if is_administrator(user):
        return qs
    profile = _profile(user)
    if profile is None:
        return qs.none()
    if profile.unit_id:
        return qs.filter(project__unit_id=profile.unit_id)
    if profile.department_id:
        return qs.filter(project__unit__department_id=profile.department_id)
    if profile.bureau_id:
        return qs.filter(project__unit__department__bureau_id=profile.bureau_id)
    return qs.none()


def scope_units(user) -> QuerySet[Unit]:
    """The units whose sheets a user may see (`scope_sheets`, one level up): its own (填报人),
    its department's (审核人), its bureau's departments' (财政), all (管理员)."""
    units = Unit.objects.all()
    if is_administrator(user):
        return units
    profile = _profile(user)
    if profile is None:
        return units.none()
    if profile.unit_id:
        return units.filter(pk=profile.unit_id)
    if profile.department_id:
        return units.filter(department_id=profile.department_id)
    if profile.bureau_id:
        return units.filter(department__bureau_id=profile.bureau_id)
    return units.none()


def awaiting_states(user) -> list[str]:
    """The states in which a sheet waits for this user's decision: 已提交 for the 审核人,
    主管部门已审核 for 财政, both for the 管理员 who oversees them (nothing for others)."""
    if is_administrator(user):
        return [AWAITING[Who.REVIEWER], AWAITING[Who.FINANCE]]
    if _is_reviewer(user):
        return [AWAITING[Who.REVIEWER]]
    if _is_finance(user):
        return [AWAITING[Who.FINANCE]]
    return []


# Every distinct year of the sheets, newest first, read from the index `sheet_list_order`
# one year at a time (a "loose index scan": one index probe a year, not one row a sheet).
_YEARS_SQL = """
WITH RECURSIVE years(year) AS (
    SELECT MAX(year) FROM projects_sheet
    UNION ALL
    SELECT (SELECT MAX(s.year) FROM projects_sheet s WHERE s.year < years.year)
    FROM years WHERE years.year IS NOT NULL
)
SELECT year FROM years WHERE year IS NOT NULL
"""


def sheet_years(visible: QuerySet[Sheet]) -> list[int]:
    """The years in which `visible` (a user's `scope_sheets`, filtered or not) has a sheet,
    newest first, for the lists' year filters: every year of all sheets (one index probe a
    year), then whether `visible` has a sheet in each (an EXISTS each, all in one query).
    Flat in the number of sheets."""
    with connection.cursor() as cursor:
        cursor.execute(_YEARS_SQL)
        years = [row[0] for row in cursor.fetchall()]
    if not years:
        return []
    # A row of flags, each an uncorrelated EXISTS that the database runs once.
    flags = {f"in_{year}": Exists(visible.filter(year=year)) for year in years}
    row = Sheet.objects.order_by().annotate(**flags).values(*flags)[:1].get()
    return [year for year in years if row[f"in_{year}"]]


def filter_choices(user, visible: QuerySet[Sheet], department=None, unit=None):
    """The departments and units a list's filter offers: those with a sheet in `visible`
    (each asked EXISTS, an index probe, never every sheet joined and made DISTINCT). Someone
    who sees one department (its 审核人, a 填报人) gets its units; someone who sees many (财政,
    the 管理员) chooses the department first and then gets that department's units — a province
    has thousands of units, which no drop-down should list — or only the unit already chosen
    (`department` and `unit` are the submitted ids, raw). Flat in the number of sheets."""
    units = Unit.objects.filter(Exists(visible.filter(project__unit=OuterRef("pk"))))
    departments = Department.objects.filter(Exists(units.filter(department=OuterRef("pk"))))
    profile = _profile(user)
    if profile is None or not (profile.unit_id or profile.department_id):
        if _an_id(department) is not None:
            units = units.filter(department_id=_an_id(department))
        elif _an_id(unit) is not None:
            units = units.filter(pk=_an_id(unit))
        else:
            units = units.none()
    return departments, units


def _an_id(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class OutOfScope(Http404):
    """A sheet outside the user's scope, answered 404 as if it did not exist (the audit log
    records it as a refusal)."""

    def __init__(self, pk) -> None:
        super().__init__()
        self.pk = pk


def get_sheet_for_user(user, pk: int, *, action: str = "view", queryset=None) -> Sheet:
    """The sheet if the user may see it (404 otherwise) and may take `action` on it (403
    otherwise)."""
    try:
        sheet = scope_sheets(user, queryset).select_related("project__unit__department").get(pk=pk)
    except Sheet.DoesNotExist:
        raise OutOfScope(pk) from None
    if action != "view" and not may(user, action, sheet):
        raise PermissionDenied
    return sheet
