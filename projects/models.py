from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from indicators import scoring, values
from indicators.messages import LEVEL_NAMES
from indicators.models import Bureau, Level1, Level2, RuleSet

from . import official, workflow
from .acting import history_user

# Amounts are stored in 万元 with 6 decimal places, enough to hold an amount printed in 元
# exactly (1 元 = 0.0001 万元, 1 分 = 0.000001 万元); `Sheet.amount_unit` is the unit printed.
AMOUNT = {"max_digits": 20, "decimal_places": 6, "null": True, "blank": True}


class Department(models.Model):
    """主管部门: the supervising department that reviews its units' sheets."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    # The finance bureau whose rules score this department's sheets (none: the national
    # default rules).
    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("财政局"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("主管部门")
        verbose_name_plural = pgettext_lazy("plural", "主管部门")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """实施单位: the spending unit that fills the sheets of its projects."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="units", verbose_name=_("主管部门")
    )
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="unit_unique_in_department")
        ]
        verbose_name = _("实施单位")
        verbose_name_plural = pgettext_lazy("plural", "实施单位")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="projects", verbose_name=_("实施单位")
    )
    name = models.CharField(_("项目名称"), max_length=200)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["unit__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="project_unique_in_unit")
        ]
        verbose_name = _("项目")
        verbose_name_plural = pgettext_lazy("plural", "项目")

    def __str__(self) -> str:
        return self.name


class Sheet(models.Model):
    """One project's self-evaluation sheet for one year."""

    # The states are the workflow's (projects.workflow); kept here as Sheet.Status too.
    Status = workflow.Status

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("项目")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Bumped on every content save; an edit based on an older version is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)
    budget_weight = models.DecimalField(
        _("预算执行分值"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    # The rule-set version that scores this sheet (`rule_set_for`). Fixed once the sheet leaves
    # 草稿: a later edit of the year's rules makes a new version, which only drafts and returned
    # sheets move to (docs/rules.md §5).
    rule_set = models.ForeignKey(
        RuleSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sheets",
        verbose_name=_("评分规则版本"),
    )

    class AmountUnit(models.TextChoices):
        WAN = "wan", _("万元")
        YUAN = "yuan", _("元")

    # The unit the sheet prints its amounts in; stored amounts are always 万元.
    amount_unit = models.CharField(
        _("金额单位"), max_length=4, choices=AmountUnit.choices, default=AmountUnit.WAN
    )
    goal_expected = models.TextField(_("预期目标"), blank=True)
    goal_achieved = models.TextField(_("实际完成情况"), blank=True)
    # Lines an importer could not place: [{"line": n, "text": "..."}], kept for the findings.
    unplaced_lines = models.JSONField(_("未能识别的导入行"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最后修改人"),
    )
    # The sheet list's order as one indexed value: the department's, unit's and project's
    # names (`list_key`), so a page of 50 is read from an index at any size. Set on the first
    # save; every rename of a department, unit or project refreshes it (`refresh_list_keys`).
    list_key = models.CharField(_("排序键"), max_length=420, blank=True, editable=False)
    # Publication (随决算公开): a flag on an 已审核 sheet, not a state. A published sheet has a
    # public page and PDF; it cannot be reopened until it is unpublished (projects/publication).
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("公开人"),
    )
    history = HistoricalRecords(excluded_fields=["updated_at", "list_key"], get_user=history_user)

    class Meta:
        ordering = ["-year", "project__unit__name", "project__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="sheet_unique_per_year")
        ]
        indexes = [
            models.Index(fields=["-year", "list_key"], name="sheet_list_order"),
            # The public lists: a year's published sheets in the list's order.
            models.Index(
                fields=["year", "list_key"],
                condition=models.Q(published_at__isnull=False),
                name="sheet_published",
            ),
        ]
        verbose_name = _("绩效自评表")
        verbose_name_plural = pgettext_lazy("plural", "绩效自评表")

    def __str__(self) -> str:
        return f"{self.year} {self.project.name}"

    def save(self, *args, **kwargs) -> None:
        if not self.list_key and self.project_id:
            self.list_key = list_key(self.project)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "list_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("projects:sheet-detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_editable(self) -> bool:
        return self.status in workflow.ACTIONS["edit"].states

    def to_input(self) -> scoring.SheetInput:
        """The sheet as the rules engine reads it (uses prefetched rows when present); each
        stored row maps through `Indicator.to_input`, the one mapping of a row."""
        unit = self.project.unit
        funds = {
            line.kind: scoring.FundsLine(line.initial, line.annual, line.executed)
            for line in self.budget_lines.all()
        }
        return scoring.SheetInput(
            project=self.project.name,
            department=unit.department.name,
            unit=unit.name,
            funds=funds,
            budget_weight=self.budget_weight,
            indicators=tuple(row.to_input() for row in self.indicators.all()),
            unplaced=tuple((int(u["line"]), str(u["text"])) for u in self.unplaced_lines),
        )

    def evaluate(self, rule_set: RuleSet | None = None) -> scoring.SheetResult:
        """Every figure and finding of the sheet, with its rule set (`rule_set_for`)."""
        rule_set = rule_set or rule_set_for(self)
        return scoring.evaluate(self.to_input(), rule_set.to_params())


LIST_KEY_SEPARATOR = "\x1f"


def list_key(project: Project) -> str:
    """The sheet list's sort key of a project's sheets: department, unit, project names."""
    unit = project.unit
    return LIST_KEY_SEPARATOR.join((unit.department.name, unit.name, project.name))[:420]


def refresh_list_keys(projects) -> int:
    """Give the sheets of `projects` their current sort key (after a rename); returns how
    many sheets were updated."""
    changed = 0
    for project in projects.select_related("unit__department"):
        changed += Sheet.objects.filter(project=project).update(list_key=list_key(project))
    return changed


def _renamed(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of a department, unit or project: its sheets' sort keys follow the name."""
    if created or raw:
        return
    if isinstance(instance, Project):
        projects = Project.objects.filter(pk=instance.pk)
    elif isinstance(instance, Unit):
        projects = Project.objects.filter(unit=instance)
    else:
        projects = Project.objects.filter(unit__department=instance)
    refresh_list_keys(projects)


def connect_list_keys() -> None:
    """Called once by ProjectsConfig.ready."""
    for model in (Department, Unit, Project):
        models.signals.post_save.connect(_renamed, sender=model, dispatch_uid=f"list_key.{model}")


def rule_set_for(sheet: Sheet, *, cache: dict | None = None) -> RuleSet:
    """The rule set that scores `sheet`, saved or not (docs/rules.md §5): the version the
    sheet records, else (a sheet that records none) the newest version of its year of the
    bureau its department belongs to, else of the national default (`RuleSet.for_year`).

    Every figure of a sheet is computed with the rule set this returns, and nothing else
    looks one up. A caller going through many sheets passes one `cache` dict, so each rule
    set is read once (a page of 50 sheets of two versions: two queries).
    """
    if sheet.rule_set_id:
        key: tuple = ("id", sheet.rule_set_id)
    else:
        bureau_id = _bureau_id(sheet)
        key = ("year", sheet.year, bureau_id)
    if cache is not None and key in cache:
        return cache[key]
    if sheet.rule_set_id:
        found = RuleSet.objects.select_related("scheme", "bureau").get(pk=sheet.rule_set_id)
    else:
        bureau = Bureau.objects.filter(pk=bureau_id).first() if bureau_id else None
        found = RuleSet.for_year(sheet.year, bureau)
    if cache is not None:
        cache[key] = found
    return found


def _bureau_id(sheet: Sheet) -> int | None:
    """The id of the bureau whose rules score the sheet's department; None: the national
    default (or a sheet not yet filed under a project)."""
    if not sheet.project_id:
        return None
    return sheet.project.unit.department.bureau_id


class BudgetLine(models.Model):
    """One row of the 项目资金 block: 年初预算数, 全年预算数, 全年执行数 in 万元."""

    class Kind(models.TextChoices):
        TOTAL = "total", official.FUNDS_ROWS["total"]
        APPROPRIATION = "appropriation", official.FUNDS_ROWS["appropriation"]
        CARRYOVER = "carryover", official.FUNDS_ROWS["carryover"]
        OTHER = "other", official.FUNDS_ROWS["other"]

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("自评表")
    )
    kind = models.CharField(_("资金类别"), max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    initial = models.DecimalField(_("年初预算数"), **AMOUNT)
    annual = models.DecimalField(_("全年预算数"), **AMOUNT)
    executed = models.DecimalField(_("全年执行数"), **AMOUNT)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["sheet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "kind"], name="budget_line_unique_kind")
        ]
        verbose_name = _("预算资金行")
        verbose_name_plural = pgettext_lazy("plural", "预算资金行")

    def __str__(self) -> str:
        return self.get_kind_display()


class Indicator(models.Model):
    """A level-3 indicator row of one sheet: target, actual, weight, score and reason.

    The row belongs to its sheet, as a budget line does, so it lives in `projects`; its level-1
    and level-2 names come from the catalogue of `indicators`, which knows nothing of sheets
    (docs/architecture.md). The texts are kept exactly as typed or imported (the sheet prints
    them back); the parsed structure beside them is refreshed from the texts on every save.
    """

    TargetKind = models.TextChoices(
        "TargetKind",
        [
            ("QUANTITATIVE", (values.TargetKind.QUANTITATIVE.value, _("定量"))),
            ("QUALITATIVE", (values.TargetKind.QUALITATIVE.value, _("定性"))),
            ("UNPARSED", (values.TargetKind.UNPARSED.value, _("无法识别"))),
            ("EMPTY", (values.TargetKind.EMPTY.value, _("未填"))),
        ],
    )
    ActualKind = models.TextChoices(
        "ActualKind",
        [
            ("NUMBER", (values.ActualKind.NUMBER.value, _("数值"))),
            ("LEVEL", (values.ActualKind.LEVEL.value, _("完成程度"))),
            ("NOT_APPLICABLE", (values.ActualKind.NOT_APPLICABLE.value, _("不适用"))),
            ("TEXT", (values.ActualKind.TEXT.value, _("文字"))),
            ("EMPTY", (values.ActualKind.EMPTY.value, _("未填"))),
        ],
    )
    AchievementLevel = models.TextChoices(
        "AchievementLevel",
        [(level.name, (level.value, LEVEL_NAMES[level])) for level in values.Level],
    )

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("自评表")
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    level1 = models.ForeignKey(
        Level1, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("一级指标")
    )
    level2 = models.ForeignKey(
        Level2, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("二级指标")
    )
    name = models.CharField(_("三级指标"), max_length=200)
    target_text = models.CharField(_("年度指标值"), max_length=200, blank=True)
    target_kind = models.CharField(
        _("指标值类型"), max_length=20, choices=TargetKind.choices, default=TargetKind.EMPTY
    )
    target_operator = models.CharField(_("运算符"), max_length=2, blank=True)
    target_number = models.DecimalField(
        _("指标数值"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    target_unit = models.CharField(_("计量单位"), max_length=40, blank=True)
    actual_text = models.CharField(_("实际完成值"), max_length=200, blank=True)
    actual_kind = models.CharField(
        _("完成值类型"), max_length=20, choices=ActualKind.choices, default=ActualKind.EMPTY
    )
    actual_number = models.DecimalField(
        _("完成数值"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    actual_unit = models.CharField(_("完成值单位"), max_length=40, blank=True)
    actual_level = models.CharField(
        _("完成程度"), max_length=20, choices=AchievementLevel.choices, blank=True
    )
    weight = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("偏差原因分析及改进措施"), blank=True)
    applicable = models.BooleanField(_("适用"), default=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["sheet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "position"], name="indicator_position_unique")
        ]
        verbose_name = _("三级指标")
        verbose_name_plural = pgettext_lazy("plural", "三级指标")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.sync_parsed()
        super().save(*args, **kwargs)

    @classmethod
    def create_many(cls, rows: list[Indicator], *, user=None) -> None:
        """Insert new rows at once, parsed and with their history (bulk_create skips save)."""
        for row in rows:
            row.sync_parsed()
        bulk_create_with_history(rows, cls, default_user=user)

    def sync_parsed(self) -> None:
        """Refresh the structured target and actual from their texts (bulk_create skips save)."""
        target = values.parse_target(self.target_text)
        self.target_kind = target.kind.value
        self.target_operator = target.operator.value if target.operator else ""
        self.target_number = target.number
        self.target_unit = target.unit[:40]
        actual = values.parse_actual(self.actual_text)
        self.actual_kind = actual.kind.value
        self.actual_number = actual.number
        self.actual_unit = actual.unit[:40]
        self.actual_level = actual.level.value if actual.level else ""
        if actual.kind == values.ActualKind.NOT_APPLICABLE:
            self.applicable = False

    def to_input(self) -> scoring.IndicatorInput:
        """The row as the rules engine reads it: the one mapping of a stored row."""
        return scoring.IndicatorInput(
            name=self.name,
            level1=self.level1.name if self.level1 else "",
            level2=self.level2.name if self.level2 else "",
            target=self.target_text,
            actual=self.actual_text,
            weight=self.weight,
            score=self.score,
            reason=self.reason,
            applicable=self.applicable,
        )


class SheetFigures(models.Model):
    """A sheet's computed figures, stored (`projects.figures.store`) in the transaction that
    changed the sheet, so lists, the inbox and the summary read them with queries instead of
    scoring every sheet. The sheet page and one sheet's exports still compute them afresh
    through the view-model; a test holds the two equal."""

    sheet = models.OneToOneField(
        Sheet, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    total = models.DecimalField(_("总分"), max_digits=30, decimal_places=2)
    grade = models.CharField(_("评分等级"), max_length=4)
    raw_score = models.DecimalField(_("得分合计"), max_digits=30, decimal_places=2)
    # The 年度资金总额 line's execution rate (None: no denominator).
    rate = models.DecimalField(_("执行率"), max_digits=30, decimal_places=2, null=True)
    budget_score = models.DecimalField(_("预算执行得分"), max_digits=30, decimal_places=2)
    budget_weight = models.DecimalField(_("预算执行分值"), max_digits=30, decimal_places=2)
    weight_total = models.DecimalField(_("分值合计"), max_digits=30, decimal_places=2)
    # Findings by their effective severity (the rule set's override, else the code's own).
    errors = models.PositiveIntegerField(_("错误数"))
    warnings = models.PositiveIntegerField(_("提醒数"))
    # The 年度资金总额 line, stored 万元 like BudgetLine.
    initial = models.DecimalField(_("年初预算数"), **AMOUNT)
    annual = models.DecimalField(_("全年预算数"), **AMOUNT)
    executed = models.DecimalField(_("全年执行数"), **AMOUNT)
    # The rule-set version the figures were computed with (None: the unsaved default). Only a
    # version no sheet records may be deleted; figures that used it then name none, and
    # `recompute_figures` reports and recomputes them.
    rule_set = models.ForeignKey(
        RuleSet,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("评分规则版本"),
    )
    computed_at = models.DateTimeField(_("计算时间"))
    # The latest submission (已提交 transition) of the sheet, None if never submitted: the
    # inbox's order, read from an index instead of every sheet's transitions.
    submitted_at = models.DateTimeField(_("提交时间"), null=True)
    # The sheet's state when the figures were stored (every transition stores them): the
    # inbox's index holds the awaiting ones by `submitted_at`, so a page of the sheets awaiting
    # a decision is read in order from the index, however many sheets wait. The sheet's own
    # `status` stays the truth; the inbox filters on both.
    status = models.CharField(
        _("状态"), max_length=20, choices=workflow.Status.choices, default=workflow.Status.DRAFT
    )
    # The sheet's open review threads (a first comment not resolved): kept by every store and
    # by the comment services (`figures.refresh_open_comments`).
    open_comments = models.PositiveIntegerField(_("未解决意见数"), default=0)

    class Meta:
        indexes = [
            # The sheets awaiting a decision, in the inbox's order: a page of any tier's inbox
            # (or of both, the 管理员's) is read from it in order.
            models.Index(
                fields=["submitted_at", "sheet"],
                condition=models.Q(status__in=[str(s) for s in workflow.AWAITING.values()]),
                name="figures_awaiting",
            ),
            models.Index(fields=["grade"], name="figures_grade"),
            models.Index(fields=["total"], name="figures_total"),
            models.Index(fields=["rate"], name="figures_rate"),
            models.Index(fields=["errors"], name="figures_errors"),
            models.Index(fields=["open_comments"], name="figures_open_comments"),
        ]
        verbose_name = _("自评表得分")
        verbose_name_plural = pgettext_lazy("plural", "自评表得分")

    def __str__(self) -> str:
        return f"{self.sheet_id}: {self.total} {self.grade}"


class SheetFinding(models.Model):
    """One finding of a sheet as stored with its figures: code, effective severity, row
    (0-based, None for the sheet), field and parameters, in the engine's order."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="stored_findings", verbose_name=_("自评表")
    )
    position = models.PositiveIntegerField(_("顺序"))
    code = models.CharField(_("代码"), max_length=60)
    severity = models.CharField(_("级别"), max_length=10)
    row = models.PositiveIntegerField(_("行"), null=True)
    field = models.CharField(_("位置"), max_length=60, blank=True)
    params = models.JSONField(_("参数"), default=dict)

    class Meta:
        ordering = ["sheet", "position"]
        indexes = [models.Index(fields=["code", "severity"], name="finding_code_severity")]
        verbose_name = _("检查结果")
        verbose_name_plural = pgettext_lazy("plural", "检查结果")

    def __str__(self) -> str:
        return f"{self.sheet_id}: {self.code}"


class UnitYearFigures(models.Model):
    """One unit's sheets of one year, counted and summed from their stored figures: what the
    dashboard and the cross-sheet report's counts read, one row a unit, so a province's page
    sums a few hundred rows instead of every sheet. Kept by `projects.figures` in the
    transaction that stores a sheet's figures (the unit and year locked, then counted again
    from the committed rows), and rebuilt by `recompute_figures`."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="year_figures", verbose_name=_("实施单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sheets = models.PositiveIntegerField(_("自评表数"), default=0)
    # Sheets by state.
    draft = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    dept_approved = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    # Sheets by grade (优, 良, 中, 差).
    excellent = models.PositiveIntegerField(default=0)
    good = models.PositiveIntegerField(default=0)
    passing = models.PositiveIntegerField(default=0)
    poor = models.PositiveIntegerField(default=0)
    # Sums for the averages: totals, and the execution rates of the sheets that have one.
    total_sum = models.DecimalField(max_digits=30, decimal_places=2, default=0)
    total_n = models.PositiveIntegerField(default=0)
    rate_sum = models.DecimalField(max_digits=30, decimal_places=2, default=0)
    rate_n = models.PositiveIntegerField(default=0)
    # Sheets whose stored figures hold errors; sheets with open review threads.
    with_errors = models.PositiveIntegerField(default=0)
    with_open_comments = models.PositiveIntegerField(default=0)
    # The summary's total row (projects/exports/summary.py): sheets with stored figures, the
    # 年度资金总额 amounts (万元), the indicator scores (得分合计 − 预算执行得分) and the oldest
    # rule set among them (whose rounding the total row follows).
    figures_n = models.PositiveIntegerField(default=0)
    annual_sum = models.DecimalField(max_digits=30, decimal_places=6, default=0)
    executed_sum = models.DecimalField(max_digits=30, decimal_places=6, default=0)
    indicator_sum = models.DecimalField(max_digits=30, decimal_places=2, default=0)
    rule_set_min = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="unit_year_figures_once")
        ]
        indexes = [models.Index(fields=["year", "unit"], name="unit_year_figures_year")]
        verbose_name = _("单位年度汇总")
        verbose_name_plural = pgettext_lazy("plural", "单位年度汇总")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.sheets}"


class UnitYearFinding(models.Model):
    """How many stored findings of one code one unit's sheets of one year hold (the
    cross-sheet report's counts), kept with `UnitYearFigures`."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "code"], name="unit_year_finding_once")
        ]
        indexes = [models.Index(fields=["year", "code"], name="unit_year_finding_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.code}: {self.count}"


class Profile(models.Model):
    """Links a user to the unit it fills for (填报人), the department it reviews for (审核人)
    or the finance bureau it works for (财政: second-tier review and the year's tasks); at
    most one of the three."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("实施单位")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("主管部门")
    )
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("财政局")
    )
    # 审计员 (audit administrator): reads, searches and exports the audit log, and nothing else.
    auditor = models.BooleanField(_("审计员"), default=False)
    # Account security (projects/accounts): password age, forced change, the one live session.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    session_key = models.CharField(_("当前会话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("用户归属")
        verbose_name_plural = pgettext_lazy("plural", "用户归属")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True) | models.Q(department__isnull=True),
                name="profile_unit_or_department",
            ),
            models.CheckConstraint(
                condition=models.Q(bureau__isnull=True)
                | (models.Q(unit__isnull=True) & models.Q(department__isnull=True)),
                name="profile_bureau_alone",
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit or self.department or self.bureau or "-")


class SheetTransition(models.Model):
    """One change of a sheet's state: who, when, from which state to which, and why."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("自评表")
    )
    action = models.CharField(_("操作"), max_length=20, choices=workflow.Transition.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=workflow.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=workflow.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # What the person wrote; empty when they wrote nothing (the timeline shows the action).
    comment = models.TextField(_("说明"), blank=True)
    # The content version the transition acted on, and on submission the content itself, so
    # the reviewer can see what changed since the previous submission.
    version = models.PositiveIntegerField(_("版本"))
    snapshot = models.JSONField(_("提交时的内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["sheet", "created_at", "pk"]
        verbose_name = _("状态变更")
        verbose_name_plural = pgettext_lazy("plural", "状态变更")

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Comment(models.Model):
    """A review comment on the whole sheet, one indicator row or one budget line; replies form
    a thread under their first comment, which can be marked resolved."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="comments", verbose_name=_("自评表")
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("指标行"),
    )
    budget_line = models.CharField(
        _("预算资金行"), max_length=20, choices=BudgetLine.Kind.choices, blank=True
    )

    class Anchor(models.TextChoices):
        SHEET = "sheet", _("整张表")
        ROW = "row", _("指标行")
        FUNDS = "funds", _("预算资金行")

    anchor = models.CharField(
        _("评论位置"), max_length=10, choices=Anchor.choices, default=Anchor.SHEET
    )
    # The row the comment was about, as it was when written (number from 1, name), kept when
    # the row is later moved, renamed or deleted; worded at display time (`anchor_text`).
    anchor_row_number = models.PositiveSmallIntegerField(_("评论时的行号"), null=True, blank=True)
    anchor_row_name = models.CharField(_("评论时的指标名称"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("作者")
    )
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("标记解决人"),
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["created_at", "pk"]
        # The open threads (a first comment not resolved), by sheet: the dashboard's and the
        # inbox's counts of open comments read only these.
        indexes = [
            models.Index(
                fields=["sheet"],
                condition=models.Q(parent__isnull=True, resolved_at__isnull=True),
                name="comments_open",
            )
        ]
        verbose_name = _("审核意见")
        verbose_name_plural = pgettext_lazy("plural", "审核意见")

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def is_open(self) -> bool:
        return self.parent_id is None and self.resolved_at is None

    @property
    def anchor_text(self) -> str:
        """What the comment is about, in the reader's language: 第 16 行 长效管理机制健全性."""
        if self.anchor == self.Anchor.ROW:
            return _("第 %(n)s 行 %(name)s") % {
                "n": self.anchor_row_number,
                "name": self.anchor_row_name,
            }
        if self.anchor == self.Anchor.FUNDS:
            return self.get_budget_line_display()
        return str(self.Anchor.SHEET.label)


def evidence_path(instance: Evidence, filename: str) -> str:
    # Files live under MEDIA_ROOT, which no URL serves: only the permission-checked view does.
    return f"evidence/{instance.sheet_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Evidence(models.Model):
    """A file the unit attaches to its sheet or to one row (盖章 report, contract, photo)."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("自评表")
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("指标行"),
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("佐证材料")
        verbose_name_plural = pgettext_lazy("plural", "佐证材料")

    def __str__(self) -> str:
        return self.name


def export_path(instance: ExportJob, filename: str) -> str:
    return f"exports/{instance.user_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ExportJob(models.Model):
    """A batch export (a zip of PDFs, one workbook, or the summary table) run in the
    background for one user, who alone may download the result."""

    class Kind(models.TextChoices):
        PDF_ZIP = "pdf_zip", _("全部自评表 PDF（zip 压缩包）")
        WORKBOOK = "workbook", _("全部自评表 Excel（每表一个工作表）")
        SUMMARY = "summary", _("汇总表（Excel）")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    kind = models.CharField(_("导出内容"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("主管部门")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("实施单位")
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    file = models.FileField(_("文件"), upload_to=export_path, blank=True, max_length=255)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Written by the worker while it runs; a running job whose heartbeat is too old has lost
    # its worker and is marked failed.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("批量导出")
        verbose_name_plural = pgettext_lazy("plural", "批量导出")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


# The audit log's tables belong to this app (their room is projects/audit).
from projects.audit.models import AuditCheckpoint, AuditRecord  # noqa: E402,F401

# So do the re-checks (抽查复核; their room is projects/rechecks).
from projects.rechecks.models import ReCheck, ReCheckRow, ReCheckSheet  # noqa: E402,F401

# So do the year's tasks and the reminders (their room is projects/tasks).
from projects.tasks.models import (  # noqa: E402,F401
    EvaluationTask,
    ReminderSent,
    TaskDeadline,
    TaskItem,
)
