"""Re-checks (抽查复核): 财政 draws a sample of a year's 已审核 sheets and re-scores their rows on
records of its own. A re-check never touches the unit's sheet: the sheet is frozen (已审核), and
every re-check score lives here, beside a copy of the self-score it is compared with.

A sample is drawn at random with a recorded seed (the same seed over the same sheets draws the
same sample again) or chosen sheet by sheet. Drawing, scoring and exporting are audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indicators.models import Bureau

SCORE = {"max_digits": 8, "decimal_places": 2}


class ReCheck(models.Model):
    """One re-check of a year: its sample and who drew it how."""

    class Method(models.TextChoices):
        RANDOM = "random", _("随机抽取")
        CHOSEN = "chosen", _("指定抽取")

    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rechecks",
        verbose_name=_("财政局"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("复核名称"), max_length=200)
    method = models.CharField(_("抽取方式"), max_length=10, choices=Method.choices)
    # The random draw's seed and how many sheets it asked for (None for a chosen sample).
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    size = models.PositiveIntegerField(_("抽取数量"), null=True, blank=True)
    # What the draw was made from, as the user chose it (department, unit ids), for the record.
    scope = models.JSONField(_("抽取范围"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("抽取人"),
    )
    created_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at", "-pk"]
        verbose_name = _("抽查复核")
        verbose_name_plural = pgettext_lazy("plural", "抽查复核")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class ReCheckSheet(models.Model):
    """One sheet of a sample, with its totals as approved (copied when drawn)."""

    recheck = models.ForeignKey(
        ReCheck, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("抽查复核")
    )
    sheet = models.ForeignKey(
        "projects.Sheet", on_delete=models.PROTECT, related_name="+", verbose_name=_("自评表")
    )
    self_total = models.DecimalField(_("自评总分"), **SCORE)
    self_grade = models.CharField(_("自评等级"), max_length=4)
    # The re-check's own total and grade, kept current as its rows are scored (None: not yet).
    recheck_total = models.DecimalField(_("复核总分"), null=True, blank=True, **SCORE)
    recheck_grade = models.CharField(_("复核等级"), max_length=4, blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["recheck", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["recheck", "sheet"], name="recheck_sheet_once")
        ]
        verbose_name = _("复核自评表")
        verbose_name_plural = pgettext_lazy("plural", "复核自评表")

    def __str__(self) -> str:
        return f"{self.recheck}: {self.sheet_id}"


class ReCheckRow(models.Model):
    """One row re-scored: the indicator row (or the budget line's score: `indicator` None and
    `is_budget`), the self-score as approved, the re-check score and why."""

    recheck_sheet = models.ForeignKey(
        ReCheckSheet, on_delete=models.CASCADE, related_name="rows", verbose_name=_("复核自评表")
    )
    indicator = models.ForeignKey(
        "projects.Indicator",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("指标"),
    )
    is_budget = models.BooleanField(_("预算执行率"), default=False)
    # Copies as the sheet was approved: the row's place and name, weight and self-score.
    position = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("三级指标"), max_length=200)
    weight = models.DecimalField(_("分值"), **SCORE)
    self_score = models.DecimalField(_("自评得分"), null=True, blank=True, **SCORE)
    # Whether the row counts (docs/rules.md §4.5): a 不适用 row keeps its weight in the sum of
    # weights, is left out of the score, and is not re-scored. The budget row always counts.
    applicable = models.BooleanField(_("适用"), default=True)
    recheck_score = models.DecimalField(_("复核得分"), null=True, blank=True, **SCORE)
    note = models.TextField(_("复核意见"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("复核人"),
    )
    checked_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        ordering = ["recheck_sheet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["recheck_sheet", "position"], name="recheck_row_once")
        ]
        verbose_name = _("复核行")
        verbose_name_plural = pgettext_lazy("plural", "复核行")

    def __str__(self) -> str:
        return f"{self.recheck_sheet}: {self.position} {self.name}"
