"""What waits for each user (the 待办 page and the reminder e-mails read the same list).

- 填报人: its unit's task items not submitted yet (待填报: 未开始 or 草稿), and its unit's
  returned sheets, in a task or not (待修改, with the latest return comment), each listed, the
  list capped at `LISTED` with "还有 N 项"; items due within `SOON_DAYS` days or past due
  are flagged.
- 审核人, 财政, 管理员: the sheets awaiting their decision (by tier, counted, with a link to the
  inbox), and the task items they oversee that are late or due within `SOON_DAYS` days.
- Anyone else (the 审计员, a user without a role): nothing.

Whatever the number of sheets and items, a user's list costs the same few queries: counts
and capped lists are read in SQL, never by walking the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.access import awaiting_states, may_use, scope_sheets
from projects.content import Quoting
from projects.models import SheetTransition, TaskItem
from projects.review.selectors import inbox
from projects.tasks.selectors import (
    STAGE_LABELS,
    UNSUBMITTED,
    days_left,
    today,
    visible_items,
    with_state,
)
from projects.workflow import Status

# A unit's items are listed one by one up to this many per kind, then "还有 N 项".
LISTED = 20
# A deadline this many days away (or nearer) is 临近截止.
SOON_DAYS = 7
# A return comment is shown shortened to this many characters.
COMMENT_CHARS = 60

FILL, FIX, REVIEW, LATE, DUE_SOON = "fill", "fix", "review", "late", "due_soon"
# The kinds of work, in the order the page and the e-mail show them.
KINDS = {
    FIX: gettext_lazy("待修改"),
    FILL: gettext_lazy("待填报"),
    REVIEW: gettext_lazy("待审核"),
    LATE: gettext_lazy("已逾期"),
    DUE_SOON: gettext_lazy("临近截止"),
}
# Not submitted yet and not returned: still to be filled in.
TO_FILL = tuple(stage for stage in UNSUBMITTED if stage != Status.RETURNED)


@dataclass(frozen=True)
class WorkItem:
    """One line of a user's pending work: one sheet or task item (`counted` False), or a
    count of them (`counted` True), with where to go and, when it has one, its deadline."""

    kind: str
    label: str
    count: int
    url: str
    due: date | None = None
    days_left: int | None = None
    detail: str = ""
    counted: bool = True

    @property
    def urgency(self) -> str:
        """ "late" past the deadline, "soon" within `SOON_DAYS` days, else ""."""
        if self.days_left is None:
            return ""
        if self.days_left < 0:
            return "late"
        return "soon" if self.days_left <= SOON_DAYS else ""

    @property
    def urgency_label(self) -> str:
        """已逾期 or 临近截止 (or nothing), worded."""
        return {"late": _("已逾期"), "soon": _("临近截止")}.get(self.urgency, "")

    @property
    def due_text(self) -> str:
        """The deadline in words: 已逾期 N 天, 今天截止 or 还剩 N 天, with the date."""
        if self.due is None or self.days_left is None:
            return ""
        words = {"due": self.due.isoformat(), "days": abs(self.days_left)}
        if self.days_left < 0:
            return _("已逾期 %(days)s 天，截止 %(due)s") % words
        if self.days_left == 0:
            return _("今天截止，%(due)s") % words
        return _("还剩 %(days)s 天，截止 %(due)s") % words


@dataclass
class Group:
    """The items of one kind, for the page and the e-mail."""

    kind: str
    heading: str
    items: list[WorkItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


def pending_work(user) -> list[WorkItem]:
    """What waits for this user, by role (see the module's docstring)."""
    if not may_use(user, "todo"):
        return []
    if may_use(user, "overview"):  # 填报人
        return _unit_work(user)
    if may_use(user, "inbox"):  # 审核人, 财政, 管理员
        return _awaiting(user) + _deadlines(user)
    return []


def total(items: list[WorkItem]) -> int:
    """How many things wait in all (a count stands for its things)."""
    return sum(item.count for item in items)


def grouped(items: list[WorkItem]) -> list[Group]:
    """The items by kind, in the order of `KINDS`; kinds without items left out."""
    groups = {kind: Group(kind, str(heading)) for kind, heading in KINDS.items()}
    for item in items:
        groups[item.kind].items.append(item)
    return [group for group in groups.values() if group.items]


# -- 填报人 ------------------------------------------------------------------------------------


def _task_url(task_pk: int) -> str:
    """A task's page; the task list while the task pages offer no page of one task."""
    try:
        return reverse("projects:task-detail", args=[task_pk])
    except NoReverseMatch:
        return reverse("projects:task-list")


def _more(kind: str, listed: int, count: int, url: str) -> list[WorkItem]:
    """The line that stands for the items past the cap, if any."""
    if count <= listed:
        return []
    rest = count - listed
    label = _("还有 %(count)s 项") % {"count": rest}
    return [WorkItem(kind, label, rest, url, counted=False)]


def _unit_work(user) -> list[WorkItem]:
    """The unit's items to fill (4 queries with the returned sheets, whatever their number)."""
    items = (
        with_state(visible_items(user))
        .filter(task__cancelled_at__isnull=True, stage__in=TO_FILL)
        .select_related("task", "project")
        .order_by("due", "project__name", "pk")
    )
    count = items.count()
    on = today()
    work = []
    for item in items[:LISTED]:
        detail = Quoting(
            _("%(task)s（%(year)s 年度）· %(stage)s"),
            {"task": item.task.title},
            year=item.task.year,
            stage=STAGE_LABELS[item.stage],
        )
        if item.sheet_pk is None:
            url = _task_url(item.task_id)
        else:
            url = reverse("projects:sheet-edit", args=[item.sheet_pk])
        left = days_left(item.due, on)
        work.append(
            WorkItem(FILL, _project(item.project), 1, url, item.due, left, detail, counted=False)
        )
    work += _more(FILL, LISTED, count, reverse("projects:task-list"))
    return work + _returned(user, on)


def _project(project) -> Quoting:
    """An item's label when it is one project: the project's name, content."""
    return Quoting("%(name)s", {"name": project.name})


def _returned(user, on: date) -> list[WorkItem]:
    """The unit's returned sheets, each with the latest return comment and, when the sheet is
    a task's, its deadline."""
    last_return = (
        SheetTransition.objects.filter(sheet=OuterRef("pk"), to_status=Status.RETURNED)
        .order_by("-created_at", "-pk")
        .values("comment")[:1]
    )
    task_due = (
        with_state(
            TaskItem.objects.filter(
                project=OuterRef("project"),
                task__year=OuterRef("year"),
                task__cancelled_at__isnull=True,
            )
        )
        .order_by("due")
        .values("due")[:1]
    )
    sheets = (
        scope_sheets(user)
        .filter(status=Status.RETURNED)
        .select_related("project")
        .annotate(return_comment=Subquery(last_return), due=Subquery(task_due))
        .order_by(F("due").asc(nulls_last=True), "-year", "project__name", "pk")
    )
    count = sheets.count()
    work = []
    for sheet in sheets[:LISTED]:
        comment = " ".join((sheet.return_comment or "").split())
        if comment:
            detail = Quoting(
                _("%(year)s 年度 · 退回意见：%(comment)s"),
                {"comment": Truncator(comment).chars(COMMENT_CHARS)},
                year=sheet.year,
            )
        else:
            detail = _("%(year)s 年度 · 请查看表内的审核意见") % {"year": sheet.year}
        left = days_left(sheet.due, on) if sheet.due else None
        url = sheet.get_absolute_url()
        work.append(
            WorkItem(FIX, _project(sheet.project), 1, url, sheet.due, left, detail, counted=False)
        )
    return work + _more(FIX, LISTED, count, reverse("projects:unit-overview"))


# -- 审核人, 财政, 管理员 ------------------------------------------------------------------------

AWAITING_LABELS = {
    Status.SUBMITTED: gettext_lazy("待主管部门审核的自评表"),
    Status.DEPT_APPROVED: gettext_lazy("待财政审核的自评表"),
}


def _awaiting(user) -> list[WorkItem]:
    """The sheets awaiting this user's decision, by tier (one query)."""
    states = awaiting_states(user)
    counts = (
        inbox(user)
        .order_by()
        .aggregate(**{state: Count("pk", filter=Q(status=state)) for state in states})
    )
    url = reverse("projects:review-inbox")
    return [
        WorkItem(REVIEW, str(AWAITING_LABELS[state]), counts[state], url)
        for state in states
        if counts[state]
    ]


def _deadlines(user) -> list[WorkItem]:
    """The overseen task items not submitted yet that are late, or due within `SOON_DAYS`
    days (one query)."""
    on = today()
    soon = on + timedelta(days=SOON_DAYS)
    counts = (
        with_state(visible_items(user))
        .filter(task__cancelled_at__isnull=True, stage__in=UNSUBMITTED)
        .order_by()
        .aggregate(
            late=Count("pk", filter=Q(due__lt=on)),
            soon=Count("pk", filter=Q(due__gte=on, due__lte=soon)),
            next_due=Min("due", filter=Q(due__gte=on, due__lte=soon)),
        )
    )
    url = reverse("projects:task-list")
    work = []
    if counts["late"]:
        work.append(WorkItem(LATE, _("已逾期、尚未提交的任务项目"), counts["late"], url))
    if counts["soon"]:
        due = counts["next_due"]
        label = _("%(days)s 天内截止、尚未提交的任务项目") % {"days": SOON_DAYS}
        work.append(WorkItem(DUE_SOON, label, counts["soon"], url, due, days_left(due, on)))
    return work
