from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import catalogue, findings, scoring
from .values import Level


class Bureau(models.Model):
    """财政局: the finance bureau whose rules score the sheets of its departments.

    Rules differ by the bureau that sets them (docs/rules.md §5): each rule set belongs to a
    bureau and a year, or to no bureau — the national default, which reproduces the seed.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    region = models.CharField(_("地区"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("财政局")
        verbose_name_plural = pgettext_lazy("plural", "财政局")

    def __str__(self) -> str:
        return self.name


class CatalogueScheme(models.Model):
    """A version of the level-1/level-2 catalogue ("2020", or "2021" with 成本指标 split)."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("指标目录版本")
        verbose_name_plural = pgettext_lazy("plural", "指标目录版本")

    def __str__(self) -> str:
        return self.name


class Level1(models.Model):
    scheme = models.ForeignKey(
        CatalogueScheme, on_delete=models.CASCADE, related_name="level1s", verbose_name=_("版本")
    )
    name = models.CharField(_("一级指标"), max_length=40)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="level1_unique_in_scheme")
        ]
        verbose_name = _("一级指标")
        verbose_name_plural = pgettext_lazy("plural", "一级指标")

    def __str__(self) -> str:
        return self.name


class Level2(models.Model):
    level1 = models.ForeignKey(
        Level1, on_delete=models.CASCADE, related_name="level2s", verbose_name=_("一级指标")
    )
    name = models.CharField(_("二级指标"), max_length=40)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["level1__scheme", "level1__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["level1", "name"], name="level2_unique_in_level1")
        ]
        verbose_name = _("二级指标")
        verbose_name_plural = pgettext_lazy("plural", "二级指标")

    def __str__(self) -> str:
        return f"{self.level1.name} / {self.name}"


PERCENT = {"max_digits": 5, "decimal_places": 2}

# Where the national default's parameters come from (docs/rules.md §5).
NATIONAL_SOURCE = (
    "财预〔2020〕10号《项目支出绩效评价管理办法》附件（项目支出绩效自评表）；"
    "上海市人才服务中心 2023 年度自评表 11 张（种子）"
)


class RuleSet(models.Model):
    """One bureau's (or the national default's) rule parameters for a year, in versions
    (docs/rules.md §5); the defaults reproduce the 2023 seed.

    Which rule set scores a sheet is decided in one place, `projects.models.rule_set_for`.
    """

    class Rounding(models.TextChoices):
        DOWN = ROUND_DOWN, _("截尾（舍去）")
        HALF_UP = ROUND_HALF_UP, _("四舍五入")
        HALF_EVEN = ROUND_HALF_EVEN, _("银行家舍入")

    # The finance bureau whose rules these are; none: the national default.
    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_sets",
        verbose_name=_("财政局"),
    )
    # Where the rules come from (a document number, a published sheet).
    source = models.CharField(_("依据"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    # Versions of one year's rules: a version that scored a sheet past 草稿 is never edited;
    # a change makes the next version (projects.models.rule_set_for, docs/rules.md §5).
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, null=True)
    scheme = models.ForeignKey(
        CatalogueScheme, on_delete=models.PROTECT, verbose_name=_("指标目录版本")
    )
    title = models.CharField(_("表名"), max_length=60, default="财政项目支出绩效自评表")
    rounding = models.CharField(
        _("舍入方式"), max_length=20, choices=Rounding.choices, default=Rounding.DOWN
    )
    budget_weight = models.DecimalField(_("预算执行分值"), default=Decimal("10.00"), **PERCENT)
    achieved_low = models.DecimalField(_("达成：下限 %"), default=Decimal("80"), **PERCENT)
    achieved_high = models.DecimalField(_("达成：上限 %"), default=Decimal("100"), **PERCENT)
    partial_low = models.DecimalField(_("部分达成：下限 %"), default=Decimal("60"), **PERCENT)
    partial_high = models.DecimalField(_("部分达成：上限 %"), default=Decimal("80"), **PERCENT)
    not_achieved_low = models.DecimalField(_("未达成：下限 %"), default=Decimal("0"), **PERCENT)
    not_achieved_high = models.DecimalField(_("未达成：上限 %"), default=Decimal("60"), **PERCENT)
    grade_excellent = models.DecimalField(_("优：不低于"), default=Decimal("90"), **PERCENT)
    grade_good = models.DecimalField(_("良：不低于"), default=Decimal("80"), **PERCENT)
    grade_pass = models.DecimalField(_("中：不低于"), default=Decimal("60"), **PERCENT)
    execution_warning_below = models.DecimalField(
        _("执行率提示线 %"), default=Decimal("90"), **PERCENT
    )
    over_achievement_factor = models.DecimalField(
        _("超额完成提示倍数"), max_digits=4, decimal_places=2, default=Decimal("1.30")
    )

    class Denominator(models.TextChoices):
        ANNUAL = "annual", _("全年预算数（调整后预算数）")
        INITIAL = "initial", _("年初预算数")

    # The execution rate's denominator.
    rate_denominator = models.CharField(
        _("执行率分母"), max_length=10, choices=Denominator.choices, default=Denominator.ANNUAL
    )
    # Decimal places of the rate and the scores: 2 (the seed) or 0 (whole points).
    decimal_places = models.PositiveSmallIntegerField(_("保留小数位数"), default=2)
    # The level-1 weights a sheet is expected to follow (产出, 效益, 满意度); empty: no check
    # (the 20/80 form gives 80 to the indicators without a split).
    guideline_output = models.DecimalField(
        _("产出指标分值"), null=True, blank=True, default=Decimal("50"), **PERCENT
    )
    guideline_effect = models.DecimalField(
        _("效益指标分值"), null=True, blank=True, default=Decimal("30"), **PERCENT
    )
    guideline_satisfaction = models.DecimalField(
        _("满意度指标分值"), null=True, blank=True, default=Decimal("10"), **PERCENT
    )

    class Severity(models.TextChoices):
        WARNING = "warning", _("提醒")
        ERROR = "error", _("错误（不能提交）")

    # A score other than the suggested one: a warning (the seed) or an error.
    score_mismatch = models.CharField(
        _("得分与建议得分不符"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )

    class Tiers(models.IntegerChoices):
        ONE = 1, _("一级审核（主管部门）")
        TWO = 2, _("两级审核（主管部门，再报财政）")

    # Review in one tier (the 主管部门's approval is final) or two (财政 reviews after it).
    review_tiers = models.PositiveSmallIntegerField(
        _("审核层级"), choices=Tiers.choices, default=Tiers.ONE
    )

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "year", "version"], name="rule_set_unique_bureau_version"
            ),
            models.UniqueConstraint(
                fields=["year", "version"],
                condition=models.Q(bureau__isnull=True),
                name="rule_set_unique_default_version",
            ),
        ]
        verbose_name = _("年度评分规则")
        verbose_name_plural = pgettext_lazy("plural", "年度评分规则")

    def __str__(self) -> str:
        owner = self.bureau.name if self.bureau_id else _("全国默认")
        return f"{owner} {self.year} v{self.version}"

    @classmethod
    def ensure(cls, year: int, bureau: Bureau | None = None) -> RuleSet:
        """The rule set `for_year` finds, saved: when neither the bureau nor the national
        default has one for the year, the national default's is created with the defaults, so
        the administrator has a row to adjust (a bureau's own rules are added in the admin)."""
        found = cls.for_year(year, bureau)
        if found.pk is None and found.scheme_id is not None:
            found, _created = cls.objects.get_or_create(
                year=year,
                bureau=None,
                version=1,
                defaults={"scheme": found.scheme, "source": NATIONAL_SOURCE},
            )
        return found

    @classmethod
    def for_year(cls, year: int, bureau: Bureau | None = None) -> RuleSet:
        """The newest version of the bureau's rules for the year; else (no bureau, or the
        bureau has none for the year) the national default's newest; else an unsaved set with
        the defaults."""
        versions = cls.objects.filter(year=year).order_by("-version").select_related("scheme")
        found = None
        if bureau is not None:
            found = versions.filter(bureau=bureau).first()
        if found is None:
            found = versions.filter(bureau__isnull=True).first()
        if found is not None:
            return found
        scheme = CatalogueScheme.objects.filter(name=catalogue.DEFAULT_SCHEME).first()
        return cls(year=year, scheme=scheme)

    def guideline(self) -> tuple[tuple[str, Decimal], ...]:
        """The level-1 weights the sheets are expected to follow; the blank ones are left out
        of the check (all blank: no check)."""
        # The three level-1 names, in the national guideline's order (产出, 效益, 满意度).
        names = [level1 for level1, _weight in scoring.RuleParams().guideline]
        weights = (self.guideline_output, self.guideline_effect, self.guideline_satisfaction)
        return tuple(
            (level1, weight)
            for level1, weight in zip(names, weights, strict=True)
            if weight is not None
        )

    def to_params(self) -> scoring.RuleParams:
        hundred = Decimal("100")
        return scoring.RuleParams(
            rounding=self.rounding,
            bands=(
                (Level.ACHIEVED, self.achieved_low / hundred, self.achieved_high / hundred),
                (Level.PARTIAL, self.partial_low / hundred, self.partial_high / hundred),
                (
                    Level.NOT_ACHIEVED,
                    self.not_achieved_low / hundred,
                    self.not_achieved_high / hundred,
                ),
            ),
            budget_weight=self.budget_weight,
            grades=(
                (self.grade_excellent, scoring.Grade.EXCELLENT),
                (self.grade_good, scoring.Grade.GOOD),
                (self.grade_pass, scoring.Grade.PASS),
            ),
            execution_warning_below=self.execution_warning_below,
            over_achievement_factor=self.over_achievement_factor,
            places=self.decimal_places,
            rate_denominator=scoring.Denominator(self.rate_denominator),
            guideline=self.guideline(),
            severities=self.severities(),
        )

    def severities(self) -> tuple[tuple[findings.Code, findings.Severity], ...]:
        """The codes whose severity these rules change: a score other than the suggested
        one, when it is an error here (a warning is the code's own severity)."""
        code = findings.Code.SCORE_DIFFERS_FROM_SUGGESTED
        severity = findings.Severity(self.score_mismatch)
        return () if severity == code.severity else ((code, severity),)
