"""Changes to the year's evaluation tasks: issuing one, a department's own deadline, more
items, cancelling, and a unit starting the sheet of one of its items. Each runs in one
transaction, checks who may do it, and is recorded in the audit log.

Who: 财政 issues and changes the tasks of its own bureau (its departments' units only), the
管理员 those of any bureau, or of the departments under no bureau; only 财政 of the task's
bureau cancels one, with a reason. Nothing is ever deleted: a cancelled task keeps its items,
and the sheets stay as they are.

The Excel list (`read_task_list`): an .xlsx whose header row names 主管部门, 实施单位 and
项目名称 (in any columns; other columns are ignored), one project a row. It is bounded before
it is parsed, with the limits of the sheet imports.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import official
from projects.access import filler_unit, finance_bureau, is_administrator, may_use
from projects.audit.services import Action, record
from projects.imports.services import ImportRefused, read_upload
from projects.models import Department, Project, Sheet, Unit
from projects.sheets.selectors import previous_sheet
from projects.sheets.services import SheetExists, sheet_create

from .models import EvaluationTask, TaskDeadline, TaskItem


class TaskRefused(ValueError):
    """The change cannot be made; `messages` say why (one a bad row), in the active language."""

    def __init__(self, messages) -> None:
        self.messages = [str(m) for m in ([messages] if isinstance(messages, str) else messages)]
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class ListRow:
    """One row of an Excel list (`line` its row number in the worksheet; 0 when typed)."""

    department: str
    unit: str
    project: str
    line: int = 0

    def where(self) -> str:
        if self.line:
            return _("第 %(line)s 行") % {"line": self.line}
        return f"{self.department} / {self.unit} / {self.project}"


# -- who ---------------------------------------------------------------------------------------


def may_manage(user, task: EvaluationTask) -> bool:
    """Whether the user issues and changes tasks of the task's bureau: its 财政, or the 管理员."""
    if is_administrator(user):
        return True
    bureau = finance_bureau(user)
    return bureau is not None and bureau.pk == task.bureau_id


def may_cancel(user, task: EvaluationTask) -> bool:
    """Only 财政 of the task's bureau cancels it (not the 管理员, not a unit)."""
    bureau = finance_bureau(user)
    return may_use(user, "cancel_tasks") and bureau is not None and bureau.pk == task.bureau_id


def _check_issuer(user, bureau) -> None:
    if not may_use(user, "issue_tasks"):
        raise PermissionDenied
    if not is_administrator(user):
        own = finance_bureau(user)
        if own is None or bureau is None or own.pk != bureau.pk:
            raise PermissionDenied


def _check_active(task: EvaluationTask) -> None:
    if task.is_cancelled:
        raise TaskRefused(_("该任务已撤销，不能再修改。"))


# -- the Excel list -----------------------------------------------------------------------------

HEADERS = (official.DEPARTMENT, official.UNIT, official.PROJECT)


def _cells(line: str) -> list[str]:
    # The workbook's text writes a line break in a cell, and a leading quote, as references.
    return [html.unescape(cell).strip() for cell in line.split("\t")]


def _header_columns(cells: list[str]) -> tuple[int, int, int] | None:
    if all(header in cells for header in HEADERS):
        return tuple(cells.index(header) for header in HEADERS)
    return None


def parse_task_list(text: str) -> list[ListRow]:
    """The rows of a list read as text (tab-separated, the first worksheet's rows one a line).

    Raises `TaskRefused` with a message for each bad row, or when no header row is found."""
    columns, rows, wrong = None, [], []
    for number, line in enumerate(text.splitlines(), 1):
        cells = _cells(line)
        found = _header_columns(cells)
        if found is not None:
            columns = columns or found
            continue
        if columns is None or not any(cells):
            continue
        values = [cells[i] if i < len(cells) else "" for i in columns]
        if not any(values):
            continue
        missing = [header for header, value in zip(HEADERS, values, strict=True) if not value]
        if missing:
            wrong.append(
                _("第 %(line)s 行：缺少%(what)s。") % {"line": number, "what": "、".join(missing)}
            )
            continue
        rows.append(ListRow(*values, line=number))
    if columns is None:
        raise TaskRefused(
            _("没有找到表头：清单的表头行应包含“%(headers)s”三列。")
            % {"headers": "”“".join(HEADERS)}
        )
    if wrong:
        raise TaskRefused(wrong)
    if not rows:
        raise TaskRefused(_("清单中没有项目。"))
    return rows


def read_task_list(upload) -> list[ListRow]:
    """The rows of an uploaded .xlsx list, its first worksheet (so "第 N 行" is that sheet's
    row): its size is checked before reading, the workbook bounded before parsing (the import
    limits). Raises `TaskRefused`."""
    try:
        text = read_upload(upload, first_sheet=True)
    except ImportRefused as exc:
        raise TaskRefused(str(exc)) from exc
    return parse_task_list(text)


# -- which projects ---------------------------------------------------------------------------


def _in_bureau(unit: Unit, bureau) -> bool:
    return unit.department.bureau_id == (bureau.pk if bureau is not None else None)


def _outside(bureau) -> str:
    if bureau is None:
        return _("所属主管部门已归口财政局，不在本任务范围内")
    return _("不属于%(bureau)s所辖的主管部门") % {"bureau": bureau.name}


def _row_project(row: ListRow, bureau, wrong: list[str]) -> Project | None:
    department = Department.objects.filter(name=row.department).first()
    if department is None:
        wrong.append(
            _("%(where)s：主管部门“%(name)s”不存在。")
            % {"where": row.where(), "name": row.department}
        )
        return None
    unit = Unit.objects.filter(department=department, name=row.unit).select_related("department")
    unit = unit.first()
    if unit is None:
        wrong.append(
            _("%(where)s：主管部门“%(department)s”下没有实施单位“%(name)s”。")
            % {"where": row.where(), "department": row.department, "name": row.unit}
        )
        return None
    if not _in_bureau(unit, bureau):
        wrong.append(
            _("%(where)s：实施单位“%(name)s”%(outside)s。")
            % {"where": row.where(), "name": row.unit, "outside": _outside(bureau)}
        )
        return None
    return Project.objects.get_or_create(unit=unit, name=row.project)[0]


def _projects(bureau, units, rows, year: int, task=None) -> list[Project]:
    """The projects of the chosen units and of the list's rows (created under their unit when
    missing), once each. Raises `TaskRefused` naming every bad row."""
    wrong: list[str] = []
    chosen: dict[int, tuple[Project, str]] = {}
    for unit in units:
        if not _in_bureau(unit, bureau):
            wrong.append(
                _("实施单位“%(name)s”%(outside)s。")
                % {"name": unit.name, "outside": _outside(bureau)}
            )
            continue
        for project in unit.projects.select_related("unit"):
            chosen.setdefault(project.pk, (project, f"{unit.name} / {project.name}"))
    for raw in rows:
        row = raw if isinstance(raw, ListRow) else ListRow(*raw)
        project = _row_project(row, bureau, wrong)
        if project is not None:
            chosen.setdefault(project.pk, (project, row.where()))
    taken = TaskItem.objects.filter(
        project__in=list(chosen), task__year=year, task__cancelled_at__isnull=True
    ).select_related("task")
    if task is not None:
        taken = taken.exclude(task=task)
    for item in taken:
        project, where = chosen[item.project_id]
        wrong.append(
            _("%(where)s：项目“%(project)s”已在本年度的任务“%(task)s”中。")
            % {"where": where, "project": project.name, "task": item.task.title}
        )
    if wrong:
        raise TaskRefused(wrong)
    return [project for project, _where in chosen.values()]


def _create_items(task: EvaluationTask, projects: list[Project]) -> int:
    have = set(task.items.values_list("project", flat=True))
    new = [
        TaskItem(task=task, project=project, unit_id=project.unit_id)
        for project in projects
        if project.pk not in have
    ]
    TaskItem.objects.bulk_create(new)
    return len(new)


# -- the changes ----------------------------------------------------------------------------


@transaction.atomic
def issue_task(
    user, *, title: str, year: int, deadline, note: str, bureau, units=(), rows=()
) -> EvaluationTask:
    """A new task of `bureau` (None: departments under no bureau) with every project of the
    chosen units and the list's rows. Raises PermissionDenied, or `TaskRefused`."""
    _check_issuer(user, bureau)
    if not title.strip():
        raise TaskRefused(_("请填写任务名称。"))
    projects = _projects(bureau, units, rows, year)
    if not projects:
        raise TaskRefused(_("任务至少要包含一个项目：请选择实施单位或上传项目清单。"))
    task = EvaluationTask.objects.create(
        bureau=bureau,
        year=year,
        title=title.strip(),
        deadline=deadline,
        note=note.strip(),
        created_by=user,
    )
    count = _create_items(task, projects)
    record(
        Action.TASK_ISSUE,
        user=user,
        obj=task,
        params={"year": year, "deadline": deadline, "items": count},
    )
    return task


@transaction.atomic
def add_items(user, task: EvaluationTask, *, units=(), rows=()) -> int:
    """More projects for an active task (those it holds already are left as they are); how
    many were added. Raises PermissionDenied, or `TaskRefused`."""
    if not may_manage(user, task):
        raise PermissionDenied
    _check_active(task)
    projects = _projects(task.bureau, units, rows, task.year, task=task)
    count = _create_items(task, projects)
    if not count:
        raise TaskRefused(_("没有新增项目：所选项目都已在本任务中。"))
    record(Action.TASK_CHANGE, user=user, obj=task, params={"added_items": count})
    return count


@transaction.atomic
def set_department_deadline(user, task: EvaluationTask, department: Department, deadline):
    """A department's own deadline in an active task (replacing the one it had)."""
    if not may_manage(user, task):
        raise PermissionDenied
    _check_active(task)
    if not task.items.filter(unit__department=department).exists():
        raise TaskRefused(_("主管部门“%(name)s”在本任务中没有项目。") % {"name": department.name})
    entry, _created = TaskDeadline.objects.update_or_create(
        task=task, department=department, defaults={"deadline": deadline}
    )
    record(
        Action.TASK_CHANGE,
        user=user,
        obj=task,
        params={"department": department.name, "deadline": deadline},
    )
    return entry


@transaction.atomic
def clear_department_deadline(user, task: EvaluationTask, department_id: int) -> None:
    """Remove a department's own deadline from an active task: the task's applies again."""
    if not may_manage(user, task):
        raise PermissionDenied
    _check_active(task)
    entry = TaskDeadline.objects.filter(task=task, department_id=department_id).first()
    if entry is None:
        return
    entry.delete()
    record(
        Action.TASK_CHANGE,
        user=user,
        obj=task,
        params={"department": entry.department.name, "deadline": task.deadline},
    )


@transaction.atomic
def cancel_task(user, task: EvaluationTask, reason: str) -> EvaluationTask:
    """Cancel the task (财政 of its bureau only; a reason required). Nothing is deleted."""
    if not may_cancel(user, task):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise TaskRefused(_("撤销任务必须填写原因。"))
    locked = EvaluationTask.objects.select_for_update().get(pk=task.pk)
    _check_active(locked)
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = user
    locked.cancel_reason = reason
    locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    record(Action.TASK_CANCEL, user=user, obj=locked, params={"reason": reason})
    return locked


@transaction.atomic
def start_sheet(user, item: TaskItem) -> tuple[Sheet, bool]:
    """The sheet of the item's project for the task's year, started by the unit's 填报人 (from
    the previous year's sheet when there is one), or the one that exists; and whether it was
    created. Raises PermissionDenied, or `TaskRefused` for a cancelled task."""
    unit = filler_unit(user)
    if unit is None or unit.pk != item.unit_id:
        raise PermissionDenied
    task = item.task
    _check_active(task)
    existing = Sheet.objects.filter(project=item.project, year=task.year).first()
    if existing is not None:
        return existing, False
    name = item.project.name
    try:
        sheet = sheet_create(
            unit=unit,
            project_name=name,
            year=task.year,
            user=user,
            copy_from=previous_sheet(unit, name, task.year),
        )
    except SheetExists as exists:
        return exists.sheet, False
    return sheet, True
