"""python manage.py expire_export_jobs

Marks failed every batch export still "running" whose worker has been silent for longer than
PERFEVAL_EXPORT_STALE_SECONDS (the worker died). The jobs page and each new job do the same;
run this from cron or at the worker's start so the list is right before anyone looks.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from projects.exports.services import expire_stale_jobs


class Command(BaseCommand):
    help = "Mark failed the batch exports whose worker died."

    def handle(self, *args, **options) -> None:
        count = expire_stale_jobs()
        self.stdout.write(f"{count} export job(s) marked failed (worker lost)")
