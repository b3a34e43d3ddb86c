"""What the tasks' pages and the reminders read: the tasks a user sees, their items with each
item's sheet state and deadline, and the counts of a task's progress, all in SQL.

An item's **stage** is its sheet's state, or 未开始 when the unit has no sheet of the task's
year for the project yet; its **deadline** is its department's (`TaskDeadline`), else the
task's. An item is **late** when its deadline has passed and its sheet is not submitted yet
(未开始, 草稿 or 已退回): "still being filled" and "late" are counted against the items, so a
unit that never started a sheet counts too.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.access import is_administrator, profile_of
from projects.models import Department, Sheet, Unit
from projects.workflow import Status

from .models import EvaluationTask, TaskDeadline, TaskItem

NOT_STARTED = "not_started"
# The stages an item passes through, in order: 未开始, then its sheet's states.
STAGES = (
    (NOT_STARTED, _("未开始")),
    (Status.DRAFT.value, Status.DRAFT.label),
    (Status.RETURNED.value, Status.RETURNED.label),
    (Status.SUBMITTED.value, Status.SUBMITTED.label),
    (Status.DEPT_APPROVED.value, Status.DEPT_APPROVED.label),
    (Status.APPROVED.value, Status.APPROVED.label),
)
STAGE_LABELS = dict(STAGES)
# Still with the unit: nothing submitted yet. Past its deadline, such an item is late.
UNSUBMITTED = (NOT_STARTED, Status.DRAFT.value, Status.RETURNED.value)


def today() -> date:
    return timezone.localdate()


def visible_tasks(user) -> QuerySet[EvaluationTask]:
    """The tasks a user sees: all (管理员); its bureau's (财政); those with an item of its
    department (审核人) or of its unit (填报人); none for anyone else."""
    tasks = EvaluationTask.objects.select_related("bureau", "created_by", "cancelled_by")
    if is_administrator(user):
        return tasks
    profile = profile_of(user)
    if profile is None:
        return tasks.none()
    if profile.bureau_id:
        return tasks.filter(bureau_id=profile.bureau_id)
    if profile.department_id:
        mine = TaskItem.objects.filter(task=OuterRef("pk"), unit__department=profile.department_id)
        return tasks.filter(pk__in=Subquery(mine.values("task")))
    if profile.unit_id:
        mine = TaskItem.objects.filter(task=OuterRef("pk"), unit=profile.unit_id)
        return tasks.filter(pk__in=Subquery(mine.values("task")))
    return tasks.none()


def visible_items(user, items: QuerySet[TaskItem] | None = None) -> QuerySet[TaskItem]:
    """The task items a user sees: every item of a task it sees as 管理员 or 财政; its
    department's (审核人) or its unit's (填报人) only."""
    items = items if items is not None else TaskItem.objects.all()
    items = items.filter(task__in=visible_tasks(user).values("pk"))
    profile = profile_of(user)
    if is_administrator(user) or profile is None or profile.bureau_id:
        return items
    if profile.department_id:
        return items.filter(unit__department=profile.department_id)
    if profile.unit_id:
        return items.filter(unit=profile.unit_id)
    return items.none()


def with_state(items: QuerySet[TaskItem]) -> QuerySet[TaskItem]:
    """Each item with `sheet_pk` and `stage` (its sheet of the task's year, or 未开始),
    `due` (its department's deadline, else the task's) and `late`, in the one query."""
    sheet = Sheet.objects.filter(
        project=OuterRef("project"), year=OuterRef("task__year")
    ).order_by()
    own = TaskDeadline.objects.filter(
        task=OuterRef("task"), department=OuterRef("unit__department")
    ).values("deadline")[:1]
    return items.annotate(
        sheet_pk=Subquery(sheet.values("pk")[:1]),
        stage=Coalesce(
            Subquery(sheet.values("status")[:1]), Value(NOT_STARTED), output_field=CharField()
        ),
        due=Coalesce(Subquery(own), F("task__deadline")),
    ).annotate(late=Case(When(is_late(), then=Value(True)), default=Value(False)))


def is_late() -> Q:
    """Past its deadline and not submitted (on items annotated by `with_state`)."""
    return Q(due__lt=today(), stage__in=UNSUBMITTED)


def progress_counts() -> dict:
    """The aggregates of `progress`: the items, each stage, and the late ones."""
    counts = {"total": Count("pk")}
    for stage, _label in STAGES:
        counts[stage] = Count("pk", filter=Q(stage=stage))
    counts["late"] = Count("pk", filter=is_late())
    return counts


def progress(items: QuerySet[TaskItem]) -> dict:
    """The items' counts by stage, and how many are late, in one query."""
    return with_state(items).order_by().aggregate(**progress_counts())


def progress_by_unit(items: QuerySet[TaskItem]) -> QuerySet:
    """The same counts for each unit (department and unit names with them), in one query,
    the units with late items first."""
    return (
        with_state(items)
        .order_by()
        .values("unit", "unit__name", "unit__department__name")
        .annotate(**progress_counts())
        .order_by("-late", "unit__department__name", "unit__name")
    )


def days_left(due: date, on: date | None = None) -> int:
    """Days from `on` (today) to the deadline: 0 on the day, negative once it has passed."""
    return (due - (on or today())).days


# -- what the pages read ----------------------------------------------------------------------

# The columns of a task's progress on the pages: 填报中 is 草稿 and 已退回 together.
PROGRESS_COLUMNS = (
    ("not_started", _("未开始")),
    ("filling", _("填报中")),
    ("dept_review", _("主管部门审核中")),
    ("finance_review", _("财政审核中")),
    ("approved", _("已审核")),
    ("late", _("逾期")),
)


def progress_columns(counts: dict | None) -> dict:
    """The counts of `progress_counts` as the pages' columns (zeros when there is none)."""
    counts = counts or {}
    return {
        "total": counts.get("total", 0),
        "not_started": counts.get(NOT_STARTED, 0),
        "filling": counts.get(Status.DRAFT.value, 0) + counts.get(Status.RETURNED.value, 0),
        "dept_review": counts.get(Status.SUBMITTED.value, 0),
        "finance_review": counts.get(Status.DEPT_APPROVED.value, 0),
        "approved": counts.get(Status.APPROVED.value, 0),
        "late": counts.get("late", 0),
    }


def progress_by_task(user, task_pks) -> dict[int, dict]:
    """Each task's progress (`progress_columns`) over the items the user sees, for a page of
    tasks: one grouped query whatever the number of tasks."""
    items = visible_items(user, TaskItem.objects.filter(task__in=list(task_pks)))
    rows = with_state(items).order_by().values("task").annotate(**progress_counts())
    return {row["task"]: progress_columns(row) for row in rows}


def unit_items(user) -> QuerySet[TaskItem]:
    """A unit's items of the tasks not cancelled, soonest deadline first, with their state."""
    items = visible_items(user).filter(task__cancelled_at__isnull=True)
    return (
        with_state(items)
        .select_related("task", "project", "unit")
        .order_by("due", "task__pk", "project__name")
    )


def task_items(user, task: EvaluationTask) -> QuerySet[TaskItem]:
    """The task's items the user sees, with their state, late ones first, then by unit."""
    return (
        with_state(visible_items(user, task.items.all()))
        .select_related("project", "unit__department")
        .order_by("-late", "unit__department__name", "unit__name", "project__name")
    )


def task_deadlines(task: EvaluationTask, departments=None) -> QuerySet[TaskDeadline]:
    """The task's department deadlines (of `departments` only, when given)."""
    deadlines = task.deadlines.select_related("department").order_by("department__name")
    if departments is not None:
        deadlines = deadlines.filter(department__in=departments)
    return deadlines


def task_departments(task: EvaluationTask, user=None):
    """The departments with items in the task (those the user sees, when given)."""
    items = task.items.all() if user is None else visible_items(user, task.items.all())
    return Department.objects.filter(pk__in=items.values("unit__department")).order_by("name")


def task_units(bureau):
    """The units a task of `bureau` may hold: its departments' units (None: the units of
    departments under no bureau)."""
    units = Unit.objects.select_related("department").order_by("department__name", "name")
    if bureau is None:
        return units.filter(department__bureau__isnull=True)
    return units.filter(department__bureau=bureau)
