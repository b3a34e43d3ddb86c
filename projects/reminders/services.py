"""The reminder e-mails: each active user with an address and pending work gets one plain-text
mail a day listing it (`manage.py send_reminders`, run hourly; docs/reminders.md).

At most once a day per user: the `ReminderSent` row of (user, day) is created in the same
transaction as the send. Its unique constraint stops a second mail the same day, even from two
runs at once (the second insert waits for the first transaction, then fails); a send that
raises rolls the row back, so a later run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from projects.models import ReminderSent
from projects.tasks.selectors import today as local_today

from .selectors import WorkItem, grouped, pending_work, total

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "projects/reminders/reminder_email.txt"


@dataclass
class Outcome:
    """One reminder sent (or, in a dry run, that would be)."""

    username: str
    email: str
    items: int
    subject: str
    body: str


@dataclass
class Report:
    """What one run did, user by user counted once."""

    day: date
    dry_run: bool = False
    sent: list[Outcome] = field(default_factory=list)
    already: int = 0  # reminded earlier the same day
    no_work: int = 0
    no_address: int = 0  # pending work, but no e-mail address
    failed: list[str] = field(default_factory=list)  # usernames whose send raised

    def summary(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        text = (
            f"{verb} {len(self.sent)}, already reminded today {self.already}, "
            f"no pending work {self.no_work}, no e-mail address {self.no_address}"
        )
        if self.failed:
            text += f", failed {len(self.failed)}"
        return text


def site_url(path: str) -> str:
    """The full URL of a page of the site (PERFEVAL_SITE_URL, then the path)."""
    return settings.PERFEVAL_SITE_URL.rstrip("/") + path


def reminder_message(user, items: list[WorkItem]) -> tuple[str, str]:
    """The subject and the plain-text body of one user's reminder."""
    count = total(items)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【绩效自评】您有 %(count)s 项待办") % {"count": count}
        body = render_to_string(
            EMAIL_TEMPLATE,
            {
                "name": user.get_full_name() or user.get_username(),
                "groups": [
                    (group, [(item, site_url(item.url)) for item in group.items])
                    for group in grouped(items)
                ],
                "todo_url": site_url(reverse("projects:todo")),
            },
        )
    return subject, body


def _send_one(user, day: date, items: list[WorkItem], subject: str, body: str) -> bool:
    """Record and send in one transaction; False when the user was reminded that day already
    (by a run at the same time). A send that raises undoes the record and raises."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(user=user, day=day, items=total(items))
            EmailMessage(subject, body, to=[user.email]).send()
    except IntegrityError:
        return False
    return True


def send_reminders(today: date | None = None, dry_run: bool = False) -> Report:
    """Send each active user with pending work and an address its reminder of the day, at
    most one a day; `dry_run` sends and records nothing and says who would get what."""
    day = today or local_today()
    report = Report(day=day, dry_run=dry_run)
    reminded = set(ReminderSent.objects.filter(day=day).values_list("user_id", flat=True))
    users = get_user_model().objects.filter(is_active=True).select_related("profile")
    for user in users.order_by("pk"):
        if user.pk in reminded:
            report.already += 1
            continue
        items = pending_work(user)
        if not items:
            report.no_work += 1
            continue
        if not user.email:
            report.no_address += 1
            continue
        subject, body = reminder_message(user, items)
        outcome = Outcome(user.get_username(), user.email, total(items), subject, body)
        if dry_run:
            report.sent.append(outcome)
            continue
        try:
            sent = _send_one(user, day, items, subject, body)
        except Exception:
            # One address the server refuses must not stop everyone else's reminder; the
            # next run tries this user again (nothing was recorded).
            logger.exception("reminder to %s failed", user.get_username())
            report.failed.append(user.get_username())
            continue
        if sent:
            report.sent.append(outcome)
        else:
            report.already += 1
    return report
