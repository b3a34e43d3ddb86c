"""Who may see which sheet: the one place every view fetches sheets through.

A sheet outside a user's scope answers 404, as if it did not exist; inside the scope, an action
the role or state does not allow answers 403 (RULES.md §6).
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


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def scope_sheets(user, queryset: QuerySet[Sheet] | None = None) -> QuerySet[Sheet]:
    """The sheets a user may see: its unit's (填报人), its department's units' (审核人), all
    (管理员); nothing for anyone else."""
    qs = queryset if queryset is not None else Sheet.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    profile = profile_of(user)
    if profile is None:
        return qs.none()
    if profile.unit_id:
        return qs.filter(project__unit_id=profile.unit_id)
    if profile.department_id:
        return qs.filter(project__unit__department_id=profile.department_id)
    return qs.none()


def can_edit(user, sheet: Sheet) -> bool:
    """Only the 填报人 of the sheet's unit edits it, and only in 草稿 or 已退回."""
    unit = user_unit(user)
    return unit is not None and sheet.project.unit_id == unit.pk and sheet.is_editable


def get_sheet_for_user(user, pk: int, *, edit: bool = False, queryset=None) -> Sheet:
    """The sheet if the user may see it (404 otherwise); with edit=True also 403 unless the
    user fills for the sheet's unit and the sheet is 草稿 or 已退回."""
    try:
        sheet = scope_sheets(user, queryset).get(pk=pk)
    except Sheet.DoesNotExist:
        raise Http404 from None
    if edit and not can_edit(user, sheet):
        raise PermissionDenied
    return sheet
