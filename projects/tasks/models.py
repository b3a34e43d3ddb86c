"""The year's evaluation tasks (评价任务) and the reminders sent about pending work.

财政 (or the 管理员) issues a task: the projects, by unit, whose sheets of a year must be
evaluated, and a submission deadline, optionally one per department (`TaskDeadline`). A unit
sees its task items with the days left and starts each sheet from its item; it cannot delete
one. Only 财政 cancels a task, with a reason, and the audit log records it. A cancelled task
keeps its rows (who cancelled, when, why) and leaves every sheet as it was.

"Still being filled" and "late" are counted against the items, whether or not a sheet exists
yet (`projects.tasks.selectors`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indicators.models import Bureau


class EvaluationTask(models.Model):
    """One issue of work: a year's list of projects to evaluate, with a deadline."""

    # The bureau whose 财政 runs the task (None: issued by the 管理员 for departments under no
    # bureau, the national default rules).
    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("财政局"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("任务名称"), max_length=200)
    deadline = models.DateField(_("提交截止日期"))
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("下达人"),
    )
    created_at = models.DateTimeField(_("下达时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    cancel_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        ordering = ["-year", "-created_at", "-pk"]
        indexes = [models.Index(fields=["year", "cancelled_at"], name="task_year")]
        verbose_name = _("评价任务")
        verbose_name_plural = pgettext_lazy("plural", "评价任务")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class TaskDeadline(models.Model):
    """A department's own deadline within a task (else the task's)."""

    task = models.ForeignKey(
        EvaluationTask, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("任务")
    )
    department = models.ForeignKey(
        "projects.Department", on_delete=models.PROTECT, verbose_name=_("主管部门")
    )
    deadline = models.DateField(_("提交截止日期"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="task_deadline_once")
        ]
        verbose_name = _("部门截止日期")
        verbose_name_plural = pgettext_lazy("plural", "部门截止日期")

    def __str__(self) -> str:
        return f"{self.department}: {self.deadline}"


class TaskItem(models.Model):
    """One project of a task: its unit must evaluate it (fill and submit its sheet of the
    task's year). The unit is the project's, kept here so a unit's list is one index probe."""

    task = models.ForeignKey(
        EvaluationTask, on_delete=models.CASCADE, related_name="items", verbose_name=_("任务")
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="+", verbose_name=_("项目")
    )
    unit = models.ForeignKey(
        "projects.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("实施单位")
    )

    class Meta:
        ordering = ["unit__name", "project__name"]
        constraints = [models.UniqueConstraint(fields=["task", "project"], name="task_item_once")]
        indexes = [models.Index(fields=["unit", "task"], name="task_item_unit")]
        verbose_name = _("任务项目")
        verbose_name_plural = pgettext_lazy("plural", "任务项目")

    def __str__(self) -> str:
        return f"{self.task}: {self.project}"


class ReminderSent(models.Model):
    """One reminder e-mail to one user on one day: at most one a day (the constraint)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    day = models.DateField(_("日期"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    items = models.PositiveIntegerField(_("待办事项数"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_once_a_day")]
        verbose_name = _("提醒邮件")
        verbose_name_plural = pgettext_lazy("plural", "提醒邮件")

    def __str__(self) -> str:
        return f"{self.user} {self.day}"
