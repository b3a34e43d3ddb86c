"""python manage.py send_reminders [--dry-run]

E-mails every active user with an address and pending work (sheets to fill, fix or review,
late items, deadlines within 7 days) one plain-text reminder, at most one a day per user. Safe
to run every hour: a user reminded today is skipped, a failed send is tried again next run.
Prints "sent N, already reminded today M, no pending work K, no e-mail address L".
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from projects.reminders.services import send_reminders


class Command(BaseCommand):
    help = "E-mail each user with pending work its daily reminder (at most one a day)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print who would get what; send and record nothing.",
        )

    def handle(self, *args, **options) -> None:
        report = send_reminders(dry_run=options["dry_run"])
        if report.dry_run:
            for outcome in report.sent:
                self.stdout.write(f"--- {outcome.username} <{outcome.email}>: {outcome.subject}")
                self.stdout.write(outcome.body)
        self.stdout.write(report.summary())
        if report.failed:
            # After the summary, so cron mails or logs the failure; the next run retries them.
            raise CommandError(f"reminders failed for: {', '.join(report.failed)}")
