"""Pruning the audit log: deleting the records older than the retention, itself audited.

The records kept are at least `PERFEVAL_AUDIT_RETENTION_DAYS` old (never under 180). In one
transaction, under the chain's lock: the prune is recorded first (count, first and last id,
the date), the leading records older than the date are deleted with the trigger lifted for
this transaction only, and a checkpoint notes where the chain now starts (the first record
kept and the hash of the last one deleted), so `verify_audit` starts there.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import services, triggers
from .codes import Action
from .models import AuditCheckpoint, AuditRecord


class PruneRefused(Exception):
    """The date is younger than the retention."""


def retention_days() -> int:
    return max(180, int(settings.PERFEVAL_AUDIT_RETENTION_DAYS))


def cutoff_for(day: datetime.date) -> datetime.datetime:
    """The start of the day (local time): records before it may go."""
    cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    oldest_kept = timezone.now() - datetime.timedelta(days=retention_days())
    if cutoff > oldest_kept:
        raise PruneRefused(
            f"records of the last {retention_days()} days are kept: "
            f"choose a date on or before {timezone.localtime(oldest_kept).date()}"
        )
    return cutoff


def _delete_through(last: int) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [triggers.PRUNE_SETTING, str(retention_days())]
            )
            cursor.execute("DELETE FROM projects_auditrecord WHERE id <= %s", [last])
            deleted = cursor.rowcount
            cursor.execute("SELECT set_config(%s, '', true)", [triggers.PRUNE_SETTING])
        else:
            cursor.execute(f"DROP TRIGGER {triggers.SQLITE_NO_DELETE}")
            cursor.execute("DELETE FROM projects_auditrecord WHERE id <= %s", [last])
            deleted = cursor.rowcount
            cursor.execute(triggers.SQLITE_NO_DELETE_SQL)
    return deleted


def prune(day: datetime.date) -> int:
    """Delete the records from before `day`; how many were deleted. PruneRefused for a day
    within the retention."""
    cutoff = cutoff_for(day)
    with transaction.atomic():
        services._take_lock()
        first_id, _prev = services.chain_start()
        young = AuditRecord.objects.filter(created_at__gte=cutoff).order_by("id").first()
        old = AuditRecord.objects.filter(created_at__lt=cutoff)
        if young is not None:
            old = old.filter(id__lt=young.id)
        bounds = old.order_by("id").values_list("id", flat=True)
        first, last = bounds.first(), bounds.last()
        if first is None:
            return 0
        count = old.count()
        services.record(
            Action.AUDIT_PRUNE,
            params={"count": count, "first": first, "last": last, "before": day.isoformat()},
            object_type="audit",
        )
        last_hash = AuditRecord.objects.values_list("hash", flat=True).get(id=last)
        deleted = _delete_through(last)
        services.checkpoint(reason=AuditCheckpoint.Reason.PRUNE, start=(last + 1, last_hash))
    return deleted
