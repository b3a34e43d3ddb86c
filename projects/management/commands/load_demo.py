"""python manage.py load_demo — the seed sheets and the demo accounts; safe to run again.

Accounts (password `Perfeval-Demo-2026`, for demonstration only): admin (superuser), reviewer
(上海市人力资源和社会保障局), filler (上海市人才服务中心), filler_other (示范区公共服务中心 under
示范区财政局, with one 2023 draft sheet of its own), finance (上海市财政局: the second tier of
review and the year's tasks), auditor (审计员: the audit log only).

The year 2023 of 上海市财政局 (over 上海市人力资源和社会保障局 and 上海市民政局) is reviewed in two
tiers, and every role has work on its first login (`demo_year`): 财政's task for 2023 with a
deadline five days ahead, and one already past for 上海市民政局, whose unit has not started (late);
the seed sheets of 上海市人才服务中心 in every state — submitted, returned with row comments by the
主管部门, returned by 财政, approved by the 主管部门 and waiting for 财政, approved at both tiers —
the others still drafts. Their figures are the seed's: the bureau's rules are the national
default's, in two tiers.

The second factor stays on in the demo: each demo account gets a confirmed TOTP device with a
KNOWN, fixed key (DEMO_TOTP_KEYS, published here and in README: demo only, never on a real
server). `python manage.py totp_code <username>` prints the current code; or add the key to
an authenticator app.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from indicators.models import Bureau, RuleSet
from projects.accounts.services import demo_device
from projects.imports.services import read_text, save_parsed
from projects.models import (
    Department,
    EvaluationTask,
    Profile,
    Project,
    Sheet,
    TaskDeadline,
    TaskItem,
    Unit,
)
from projects.review.services import comment_add
from projects.rule_sets import save_rule_set
from projects.sheets.services import sheet_transition

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
    "finance": "PERFEVALDEMOFINANCEAAAAAAAAAAAAA",
}
YEAR = 2023
BUREAU = "上海市财政局"
TASK_TITLE = "市级项目支出绩效自评"
# A second department of the bureau, whose unit has not started its sheets: late.
LATE_DEPARTMENT, LATE_UNIT = "上海市民政局", "上海市社会福利中心"
LATE_PROJECTS = ("养老服务机构运营补贴", "困难群众临时救助专项")
# The seed sheets of 上海市人才服务中心 taken through the review, in order:
# (project, the steps: (who, action, comment)); the rest stay drafts.
REVIEWED = (
    ("上海市流动人才党员服务管理专项", (("filler", "submit", ""), ("reviewer", "approve", ""),
                                  ("finance", "approve", ""))),
    ("人才公寓运行维护经费", (("filler", "submit", ""), ("reviewer", "approve", ""))),
    ("人才大厦运行维护经费", (("filler", "submit", ""),)),
    ("科创人才公共服务专项", (("filler", "submit", ""),)),
    ("人才引进一网通办服务专项", (("filler", "submit", ""),
                                  ("reviewer", "return", "请按行补充偏差原因，并核对满意度调查样本量。"))),
    ("回国留学人员创业服务专项", (("filler", "submit", ""), ("reviewer", "approve", ""),
                                  ("finance", "return", "创业服务人数与上年决算口径不一致，请说明依据后重新报送。"))),
)  # fmt: skip
# The row comments the reviewer leaves on the sheet it returns: (row position, text).
ROW_COMMENTS = (
    (0, "指标值与年初目标不一致，请核对。"),
    (2, "实际完成值低于目标，请说明原因及改进措施。"),
)


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
        bureau = self.two_tier_bureau(hrss)
        self.user("finance", "市财政局绩效处", bureau=bureau)
        self.demo_year(bureau, hrss, centre)
        self.stdout.write(
            "Demo accounts admin, reviewer, filler, filler_other, finance, auditor; "
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
        bureau=None,
        auditor=False,
    ):
        User = get_user_model()
        user, _created = User.objects.get_or_create(username=username)
        user.first_name = full_name
        # Reminders go to this address (the demo's mail prints on the console).
        user.email = f"{username}@example.com"
        user.is_staff = user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "unit": unit,
                "department": department,
                "bureau": bureau,
                "auditor": auditor,
                "password_changed_at": timezone.now(),
                "must_change_password": False,
            },
        )
        demo_device(user, DEMO_TOTP_KEYS[username])
        return user

    def two_tier_bureau(self, hrss: Department) -> Bureau:
        """上海市财政局 over 上海市人力资源和社会保障局 and 上海市民政局, its 2023 rules the national
        default's in two tiers (a version of its own; the drafts move to it)."""
        bureau = Bureau.objects.get_or_create(name=BUREAU, defaults={"region": "上海市"})[0]
        Department.objects.filter(pk=hrss.pk).update(bureau=bureau)
        late, _created = Department.objects.get_or_create(
            name=LATE_DEPARTMENT, defaults={"bureau": bureau}
        )
        if not RuleSet.objects.filter(bureau=bureau, year=YEAR).exists():
            rules = RuleSet.ensure(YEAR)
            rules.pk = None
            rules._state.adding = True
            rules.bureau = bureau
            rules.review_tiers = RuleSet.Tiers.TWO
            rules.source = "上海市财政局 2023 年度绩效自评通知（演示）"
            save_rule_set(rules)
        return bureau

    def demo_year(self, bureau: Bureau, hrss: Department, centre: Unit) -> None:
        """The task, its deadlines and the review of the seed sheets; once (a second run
        finds the task and leaves everything as it is)."""
        if EvaluationTask.objects.filter(year=YEAR, title=TASK_TITLE).exists():
            return
        User = get_user_model()
        users = {
            name: User.objects.get(username=name) for name in ("filler", "reviewer", "finance")
        }
        today = timezone.localdate()
        late_department = Department.objects.get(name=LATE_DEPARTMENT)
        late_unit = Unit.objects.get_or_create(name=LATE_UNIT, department=late_department)[0]
        projects = list(Project.objects.filter(unit=centre))
        projects += [
            Project.objects.get_or_create(unit=late_unit, name=name)[0] for name in LATE_PROJECTS
        ]
        task = EvaluationTask.objects.create(
            bureau=bureau,
            year=YEAR,
            title=TASK_TITLE,
            deadline=today + timedelta(days=5),
            note="请各单位对照绩效目标如实填报，佐证材料随表上传。",
            created_by=users["finance"],
        )
        TaskDeadline.objects.create(
            task=task, department=late_department, deadline=today - timedelta(days=3)
        )
        TaskItem.objects.bulk_create(
            [TaskItem(task=task, project=p, unit_id=p.unit_id) for p in projects]
        )
        for project, steps in REVIEWED:
            sheet = Sheet.objects.get(project__unit=centre, project__name=project, year=YEAR)
            for who, action, comment in steps:
                if action == "return" and who == "reviewer":
                    rows = list(sheet.indicators.order_by("position"))
                    for position, text in ROW_COMMENTS:
                        comment_add(
                            sheet=sheet, user=users[who], body=text, indicator=rows[position]
                        )
                sheet = sheet_transition(
                    sheet=sheet, user=users[who], action=action, comment=comment
                )
        self.stdout.write(
            f"Demo year {YEAR}: task “{TASK_TITLE}” ({len(projects)} projects, deadline "
            f"{task.deadline}; {LATE_DEPARTMENT} {today - timedelta(days=3)}, late); "
            f"{len(REVIEWED)} sheets through the two-tier review"
        )
