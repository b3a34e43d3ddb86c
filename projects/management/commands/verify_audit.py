"""python manage.py verify_audit — check the audit log's hash chain.

Recomputes every record's hash, follows the chain from its start, and compares it with the
latest checkpoint; reports changed, deleted, inserted and reordered records and a truncated
tail, with record ids. Exit status 0 with a summary when the log is intact, 1 otherwise
(`projects/audit/verify.py` says how each case is recognised). Run it from cron or a systemd
timer after `audit_checkpoint` (docs/deployment.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from projects.audit.services import latest_checkpoint
from projects.audit.verify import verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit status 1 on any problem."

    def handle(self, *args, **options) -> None:
        report = verify()
        point = latest_checkpoint()
        against = f"checkpoint at #{point.record_id}" if point else "no checkpoint yet"
        span = f"#{report.first}–#{report.head}" if report.count else "empty"
        if report.intact:
            self.stdout.write(f"audit log intact: {report.count} records ({span}), {against}")
            return
        for problem in report.problems:
            self.stdout.write(str(problem))
        raise CommandError(
            f"audit log NOT intact: {len(report.problems)} problem(s) in {report.count} records "
            f"({span}), {against}",
            returncode=1,
        )
