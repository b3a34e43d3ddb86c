"""python manage.py load_demo — the seed sheets and the demo accounts; safe to run again.

Accounts (password `Perfeval-Demo-2026`, for demonstration only): admin (superuser), reviewer
(上海市人力资源和社会保障局), filler (上海市人才服务中心), filler_other (示范区公共服务中心 under
示范区财政局, with one 2023 draft sheet of its own), auditor (审计员: the audit log only).

The second factor stays on in the demo: each demo account gets a confirmed TOTP device with a
KNOWN, fixed key (DEMO_TOTP_KEYS, published here and in README: demo only, never on a real
server). `python manage.py totp_code <username>` prints the current code; or add the key to
an authenticator app.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from projects.accounts.services import demo_device
from projects.imports.services import read_text, save_parsed
from projects.models import Department, Profile, Unit

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
SEED_FILES = ("shanghai-2023.txt", "demo-shifanqu-2023.txt")
DEMO_PASSWORD = "Perfeval-Demo-2026"  # demo-only, printed in README as such; meets the policy
# Demo-only TOTP keys (base32, 20 bytes each), one per demo account: known to everyone.
DEMO_TOTP_KEYS = {
    "admin": "PERFEVALDEMOADMINAAAAAAAAAAAAAAA",
    "reviewer": "PERFEVALDEMOREVIEWERAAAAAAAAAAAA",
    "filler": "PERFEVALDEMOFILLERAAAAAAAAAAAAAA",
    "filler_other": "PERFEVALDEMOFILLEROTHERAAAAAAAAA",
    "auditor": "PERFEVALDEMOAUDITORAAAAAAAAAAAAA",
}


def load_seed_sheets():
    """Import the seed sheets (drafts of 2023); yields each import's outcome."""
    for name in SEED_FILES:
        text = (SEED_DIR / name).read_text(encoding="utf-8")
        for parsed in read_text(text).sheets:
            yield save_parsed(parsed, year=parsed.year or 2023)


class Command(BaseCommand):
    help = "Load the seed sheets (2023) and the demo accounts; idempotent."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        for outcome in load_seed_sheets():
            sheet = outcome.sheet
            self.stdout.write(f"{sheet.year} {outcome.parsed.project}: {outcome.message}")

        hrss = Department.objects.get(name="上海市人力资源和社会保障局")
        centre = Unit.objects.get(name="上海市人才服务中心", department=hrss)
        other_unit = Unit.objects.get(name="示范区公共服务中心", department__name="示范区财政局")
        self.user("admin", "系统管理员", superuser=True)
        self.user("reviewer", "人社局审核人", department=hrss)
        self.user("filler", "人才服务中心填报人", unit=centre)
        self.user("filler_other", "示范区填报人", unit=other_unit)
        self.user("auditor", "安全审计员", auditor=True)
        self.stdout.write(
            "Demo accounts admin, reviewer, filler, filler_other, auditor; "
            f"password {DEMO_PASSWORD!r}"
        )
        self.stdout.write(
            "Second factor (demo-only TOTP keys, see README): the current code of an account is "
            "printed by `python manage.py totp_code <username>`"
        )

    def user(
        self,
        username: str,
        full_name: str,
        *,
        superuser=False,
        unit=None,
        department=None,
        auditor=False,
    ):
        User = get_user_model()
        user, _created = User.objects.get_or_create(username=username)
        user.first_name = full_name
        user.is_staff = user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "unit": unit,
                "department": department,
                "auditor": auditor,
                "password_changed_at": timezone.now(),
                "must_change_password": False,
            },
        )
        demo_device(user, DEMO_TOTP_KEYS[username])
        return user
