"""python manage.py prune_audit [--before YYYY-MM-DD] — delete audit records older than a date
(by default, the oldest date the retention allows: today minus PERFEVAL_AUDIT_RETENTION_DAYS).

Refused for a date within the retention (PERFEVAL_AUDIT_RETENTION_DAYS, at least 180 days).
The prune is itself recorded in the log (count and id range), and a checkpoint notes where the
chain now starts (`projects/audit/prune.py`). Only this command can delete records: on
PostgreSQL the trigger lets a DELETE through only in a transaction that set
`perfeval.audit_prune`, and only for records older than that retention.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from projects.audit.prune import PruneRefused, prune, retention_days


class Command(BaseCommand):
    help = "Delete audit records from before a date older than the retention (audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", type=datetime.date.fromisoformat)

    def handle(self, *args, before: datetime.date | None = None, **options) -> None:
        if before is None:
            before = timezone.localdate() - datetime.timedelta(days=retention_days())
        try:
            deleted = prune(before)
        except PruneRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"audit log pruned: {deleted} records from before {before}")
