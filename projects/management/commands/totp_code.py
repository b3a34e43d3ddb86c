"""python manage.py totp_code <username> — the current code of the user's TOTP device.

For the demo and for development: it reads the device's secret, so it refuses to run with
DEBUG off unless --force is given. The code goes to stdout alone; how long it stays current
goes to stderr.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects.accounts.services import confirmed_totp, current_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a user's confirmed device (reads the secret)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (reads a secret)"
        )

    def handle(self, *args, username: str, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "totp_code reads a second-factor secret: it runs only with DJANGO_DEBUG=true "
                "(the demo) unless --force is given."
            )
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        device = confirmed_totp(user)
        if device is None:
            raise CommandError(f"{username!r} has no confirmed TOTP device yet.")
        code, left = current_code(device)
        self.stdout.write(code)
        self.stderr.write(f"({username}: valid for another {left} s)")
