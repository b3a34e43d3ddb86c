"""Who may see which sheet: the one place every view fetches sheets through.

A sheet outside a user's scope answers 404, as if it did not exist; inside the scope, an action
the role or state does not allow answers 403 (RULES.md §6). The per-action rules are the
predicates of `projects.rules`; `scope_sheets` is the same view rule written as a query.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Department, Profile, Sheet, Unit


def profile_of(user) -> Profile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def user_unit(user) -> Unit | None:
    profile = profile_of(user)
    return profile.unit if profile else None


def user_department(user) -> Department | None:
    profile = profile_of(user)
    return profile.department if profile else None


def user_unit_id(user) -> int | None:
    profile = profile_of(user)
    return profile.unit_id if profile else None


def user_department_id(user) -> int | None:
    profile = profile_of(user)
    return profile.department_id if profile else None


def scope_sheets(user, queryset: QuerySet[Sheet] | None = None) -> QuerySet[Sheet]:
    """The sheets a user may see: its unit's (填报人), its department's units' (审核人), all
    (管理员); nothing for anyone else."""
    qs = queryset if queryset is not None else Sheet.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    profile = profile_of(user)
    if profile is None:
        return qs.none()
    if profile.unit_id:
        return qs.filter(project__unit_id=profile.unit_id)
    if profile.department_id:
        return qs.filter(project__unit__department_id=profile.department_id)
    return qs.none()


def get_sheet_for_user(
    user, pk: int, *, action: str = "view", edit: bool = False, queryset=None
) -> Sheet:
    """The sheet if the user may see it (404 otherwise) and may do `action` to it (403
    otherwise); `edit=True` is short for action="edit"."""
    from .rules import may

    try:
        sheet = scope_sheets(user, queryset).select_related("project__unit").get(pk=pk)
    except Sheet.DoesNotExist:
        raise Http404 from None
    if edit:
        action = "edit"
    if action != "view" and not may(user, action, sheet):
        raise PermissionDenied
    return sheet
