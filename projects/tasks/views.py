"""The year's evaluation tasks' pages: the list (a unit's items, or the tasks with their
progress), issuing a task, a task's page with its changes, and starting a sheet from an item.

Every page asks `projects.access.require`; tasks and items are fetched through
`visible_tasks` / `visible_items` (outside the user's part: 404), and the services refuse what
the user may not do (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects.access import filler_unit, finance_bureau, may_use, require
from projects.content import Quoting, for_message
from projects.paging import query_without_page
from projects.workflow import Status

from .forms import AddItemsForm, CancelForm, DeadlineForm, TaskForm
from .models import EvaluationTask
from .selectors import (
    PROGRESS_COLUMNS,
    STAGE_LABELS,
    days_left,
    progress,
    progress_by_task,
    progress_by_unit,
    progress_columns,
    task_deadlines,
    task_departments,
    task_items,
    unit_items,
    visible_items,
    visible_tasks,
)
from .services import (
    TaskRefused,
    add_items,
    cancel_task,
    clear_department_deadline,
    issue_task,
    may_cancel,
    may_manage,
    read_task_list,
    set_department_deadline,
    start_sheet,
)

TASKS_PAGE_SIZE = 20
ITEMS_PAGE_SIZE = 50
# A unit's sheet in these stages opens in the editor from its list.
EDITABLE_STAGES = (Status.DRAFT.value, Status.RETURNED.value)


# -- the list ---------------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """A unit's items of the active tasks; for everyone else the tasks it sees."""
    require(request.user, "tasks")
    if filler_unit(request.user) is not None:
        return _unit_list(request)
    page = Paginator(visible_tasks(request.user), TASKS_PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    counts = progress_by_task(request.user, [task.pk for task in tasks])
    rows = [(task, counts.get(task.pk) or progress_columns(None)) for task in tasks]
    return render(
        request,
        "projects/tasks/task_list.html",
        {
            "page": page,
            "rows": rows,
            "columns": PROGRESS_COLUMNS,
            "query": query_without_page(request.GET),
            "can_issue": may_use(request.user, "issue_tasks"),
        },
    )


def _unit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(unit_items(request.user), ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {
            "item": item,
            "stage": STAGE_LABELS.get(item.stage, item.stage),
            "days_left": days_left(item.due),
            "days_over": -days_left(item.due),
            "editable": item.stage in EDITABLE_STAGES,
        }
        for item in page.object_list
    ]
    return render(
        request,
        "projects/tasks/unit_tasks.html",
        {"page": page, "entries": entries, "query": query_without_page(request.GET)},
    )


# -- issuing ----------------------------------------------------------------------------------


def _list_rows(form, errors: list[str]):
    upload = form.cleaned_data.get("listfile")
    if not upload:
        return ()
    try:
        return read_task_list(upload)
    except TaskRefused as refused:
        errors.extend(refused.messages)
        return ()


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "issue_tasks")
    own = finance_bureau(request.user)
    form = TaskForm(
        request.POST or None, request.FILES or None, bureau=own, fixed_bureau=own is not None
    )
    context = {"form": form, "bureau": own}
    if request.method == "GET" or not form.is_valid():
        return render(request, "projects/tasks/task_new.html", context)
    data, errors = form.cleaned_data, []
    rows = _list_rows(form, errors)
    if not errors:
        try:
            task = issue_task(
                request.user,
                title=data["title"],
                year=data["year"],
                deadline=data["deadline"],
                note=data["note"],
                bureau=form.bureau_value(),
                units=data["units"],
                rows=rows,
            )
        except TaskRefused as refused:
            errors.extend(refused.messages)
    if errors:
        for message in errors:
            form.add_error(None, message)
        return render(request, "projects/tasks/task_new.html", context)
    messages.success(request, _("已下达任务“%(title)s”。") % {"title": task.title})
    return redirect("projects:task-detail", pk=task.pk)


# -- one task ---------------------------------------------------------------------------------


def _task_for(request: HttpRequest, pk: int) -> EvaluationTask:
    require(request.user, "tasks")
    return get_object_or_404(visible_tasks(request.user), pk=pk)


def _detail_context(request: HttpRequest, task: EvaluationTask, **forms) -> dict:
    user = request.user
    items = visible_items(user, task.items.all())
    departments = task_departments(task, user)
    manage = may_manage(user, task) and not task.is_cancelled
    cancel = may_cancel(user, task) and not task.is_cancelled
    page = Paginator(task_items(user, task), ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    units = [{**row, **progress_columns(row)} for row in progress_by_unit(items)]
    return {
        "task": task,
        "totals": progress_columns(progress(items)),
        "columns": PROGRESS_COLUMNS,
        "units": units,
        "deadlines": task_deadlines(task, departments),
        "page": page,
        "entries": [(item, STAGE_LABELS.get(item.stage, item.stage)) for item in page.object_list],
        "query": query_without_page(request.GET),
        "may_manage": manage,
        "may_cancel": cancel,
        "may_start": filler_unit(user) is not None and not task.is_cancelled,
        "deadline_form": forms.get("deadline_form")
        or (DeadlineForm(departments=departments) if manage else None),
        "items_form": forms.get("items_form")
        or (AddItemsForm(bureau=task.bureau) if manage else None),
        "cancel_form": forms.get("cancel_form") or (CancelForm() if cancel else None),
    }


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    return render(request, "projects/tasks/task_detail.html", _detail_context(request, task))


def _task_to_manage(request: HttpRequest, pk: int) -> EvaluationTask:
    task = _task_for(request, pk)
    if not may_manage(request.user, task):
        raise PermissionDenied
    return task


def _refused(request, task, form, name: str, refused: TaskRefused) -> HttpResponse:
    for message in refused.messages:
        form.add_error(None, message)
    context = _detail_context(request, task, **{name: form})
    return render(request, "projects/tasks/task_detail.html", context, status=400)


@login_required
@require_POST
def task_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_manage(request, pk)
    form = DeadlineForm(request.POST, departments=task_departments(task, request.user))
    if not form.is_valid():
        return _refused(request, task, form, "deadline_form", TaskRefused([]))
    data = form.cleaned_data
    try:
        set_department_deadline(request.user, task, data["department"], data["deadline"])
    except TaskRefused as refused:
        return _refused(request, task, form, "deadline_form", refused)
    messages.success(
        request,
        for_message(
            Quoting(
                _("已设置%(department)s的截止日期：%(deadline)s。"),
                {"department": data["department"].name},
                deadline=data["deadline"].isoformat(),
            )
        ),
    )
    return redirect("projects:task-detail", pk=task.pk)


@login_required
@require_POST
def task_deadline_clear(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    """A department back on the task's own deadline."""
    task = _task_to_manage(request, pk)
    try:
        clear_department_deadline(request.user, task, department_id)
    except TaskRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已取消该主管部门的单独截止日期，改按任务的截止日期。"))
    return redirect("projects:task-detail", pk=task.pk)


@login_required
@require_POST
def task_add_items(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_manage(request, pk)
    form = AddItemsForm(request.POST, request.FILES, bureau=task.bureau)
    if not form.is_valid():
        return _refused(request, task, form, "items_form", TaskRefused([]))
    errors: list[str] = []
    rows = _list_rows(form, errors)
    if errors:
        return _refused(request, task, form, "items_form", TaskRefused(errors))
    try:
        count = add_items(request.user, task, units=form.cleaned_data["units"], rows=rows)
    except TaskRefused as refused:
        return _refused(request, task, form, "items_form", refused)
    messages.success(request, _("已新增 %(count)s 个项目。") % {"count": count})
    return redirect("projects:task-detail", pk=task.pk)


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    require(request.user, "cancel_tasks")
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, form, "cancel_form", TaskRefused([]))
    try:
        cancel_task(request.user, task, form.cleaned_data["reason"])
    except TaskRefused as refused:
        return _refused(request, task, form, "cancel_form", refused)
    messages.success(request, _("任务已撤销。"))
    return redirect("projects:task-detail", pk=task.pk)


@login_required
@require_POST
def task_item_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's 填报人 starts the item's sheet (or opens it, when it exists)."""
    require(request.user, "tasks")
    item = get_object_or_404(visible_items(request.user).select_related("task", "project"), pk=pk)
    try:
        sheet, created = start_sheet(request.user, item)
    except TaskRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect("projects:task-list")
    if created:
        messages.success(request, _("已新建 %(year)s 年度自评表草稿。") % {"year": sheet.year})
    if sheet.is_editable:
        return redirect(reverse("projects:sheet-edit", kwargs={"pk": sheet.pk}))
    return redirect(sheet.get_absolute_url())
