"""Publishing an 已审核 sheet (随决算公开), and taking it back.

Publication is a flag on the sheet (`Sheet.published_at`, `published_by`), not a state: the
sheet stays 已审核. Who may publish or unpublish a sheet: the 审核人 of its department (the
主管部门), 财政 of its department's bureau, and the 管理员 — the roles `projects.access` gives
the user towards the sheet, never a profile read here. A 填报人 may not, nor anyone outside
the sheet's scope. Only an 已审核 sheet may be published; a published sheet is never reopened
(`projects.access`) until it is unpublished, so what the public sees cannot change under it.

Both run in one transaction with the sheet's row locked, and are recorded in the audit log in
that transaction (`Action.PUBLISH`, `Action.UNPUBLISH`). Unpublishing takes effect at once:
the public pages read the flag on every request (browsers and proxies may keep a copy for
`PUBLIC_MAX_AGE` seconds, the public pages' Cache-Control).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from projects.access import roles
from projects.audit.services import Action, record
from projects.models import Sheet
from projects.workflow import Status, Who

# The roles towards a sheet that may publish it and take it back.
PUBLISHERS = frozenset({Who.REVIEWER, Who.FINANCE, Who.ADMIN})


def may_publish(user, sheet: Sheet) -> bool:
    """Whether the user may publish the sheet now: one of `PUBLISHERS` towards it, the sheet
    已审核 and not yet published."""
    return (
        sheet.status == Status.APPROVED
        and not sheet.is_published
        and bool(roles(user, sheet) & PUBLISHERS)
    )


def may_unpublish(user, sheet: Sheet) -> bool:
    """Whether the user may take the sheet's publication back: one of `PUBLISHERS` towards
    it, the sheet published."""
    return sheet.is_published and bool(roles(user, sheet) & PUBLISHERS)


def _locked(sheet: Sheet) -> Sheet:
    return (
        Sheet.objects.select_for_update(of=("self",))
        .select_related("project__unit__department")
        .get(pk=sheet.pk)
    )


@transaction.atomic
def publish(user, sheet: Sheet, *, request=None) -> Sheet:
    """Publish an 已审核 sheet; PermissionDenied for anyone else or any other state. Publishing
    a sheet already published changes nothing and records nothing."""
    locked = _locked(sheet)
    if locked.is_published and roles(user, locked) & PUBLISHERS:
        return locked
    if not may_publish(user, locked):
        raise PermissionDenied
    locked.published_at = timezone.now()
    locked.published_by = user
    locked.save(update_fields=["published_at", "published_by"])
    record(Action.PUBLISH, request=request, user=user, obj=locked, params={"year": locked.year})
    return locked


@transaction.atomic
def unpublish(user, sheet: Sheet, *, request=None) -> Sheet:
    """Take a sheet's publication back; its public page, PDF and JSON answer 404 from the
    next request on. PermissionDenied for anyone but `PUBLISHERS`; a sheet not published
    changes nothing and records nothing."""
    locked = _locked(sheet)
    if not locked.is_published and roles(user, locked) & PUBLISHERS:
        return locked
    if not may_unpublish(user, locked):
        raise PermissionDenied
    published_at = locked.published_at
    locked.published_at = None
    locked.published_by = None
    locked.save(update_fields=["published_at", "published_by"])
    record(
        Action.UNPUBLISH,
        request=request,
        user=user,
        obj=locked,
        params={"year": locked.year, "published_at": published_at.isoformat()},
    )
    return locked


def publication_state(user, sheet: Sheet) -> dict[str, bool]:
    """For the sheet page: whether the sheet is published, and which button the user gets."""
    return {
        "published": sheet.is_published,
        "may_publish": may_publish(user, sheet),
        "may_unpublish": may_unpublish(user, sheet),
    }
