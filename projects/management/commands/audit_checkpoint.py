"""python manage.py audit_checkpoint — note the audit chain's head (id, hash, record count).

`record` writes one every PERFEVAL_AUDIT_CHECKPOINT_EVERY records by itself; run this as well
from a timer, e.g. hourly (cron: `0 * * * * cd /app && python manage.py audit_checkpoint`, or
a systemd timer with OnCalendar=hourly), so a truncated tail is found even on a quiet server.
The line it prints (head id and hash) belongs in the system log, off this database: a head
hash kept elsewhere is what a rewrite of the whole table cannot match.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from projects.audit.models import AuditCheckpoint
from projects.audit.services import checkpoint


class Command(BaseCommand):
    help = "Write a checkpoint of the audit log's head."

    def handle(self, *args, **options) -> None:
        point = checkpoint(reason=AuditCheckpoint.Reason.MANUAL)
        if point is None:
            self.stdout.write("audit log empty: no checkpoint written")
            return
        self.stdout.write(
            f"audit checkpoint: head #{point.record_id} {point.record_hash}, "
            f"{point.record_count} records from #{point.first_id}"
        )
