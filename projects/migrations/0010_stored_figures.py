import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_regional_rule_sets"),
        ("projects", "0009_bureaus_and_amount_units"),
    ]

    operations = [
        migrations.CreateModel(
            name="SheetFigures",
            fields=[
                (
                    "sheet",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="figures",
                        serialize=False,
                        to="projects.sheet",
                    ),
                ),
                (
                    "total",
                    models.DecimalField(decimal_places=2, max_digits=30, verbose_name="总分"),
                ),
                ("grade", models.CharField(max_length=4, verbose_name="评分等级")),
                (
                    "raw_score",
                    models.DecimalField(decimal_places=2, max_digits=30, verbose_name="得分合计"),
                ),
                (
                    "rate",
                    models.DecimalField(
                        decimal_places=2, max_digits=30, null=True, verbose_name="执行率"
                    ),
                ),
                (
                    "budget_score",
                    models.DecimalField(
                        decimal_places=2, max_digits=30, verbose_name="预算执行得分"
                    ),
                ),
                (
                    "budget_weight",
                    models.DecimalField(
                        decimal_places=2, max_digits=30, verbose_name="预算执行分值"
                    ),
                ),
                (
                    "weight_total",
                    models.DecimalField(decimal_places=2, max_digits=30, verbose_name="分值合计"),
                ),
                ("errors", models.PositiveIntegerField(verbose_name="错误数")),
                ("warnings", models.PositiveIntegerField(verbose_name="提醒数")),
                (
                    "initial",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=20,
                        null=True,
                        verbose_name="年初预算数",
                    ),
                ),
                (
                    "annual",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=20,
                        null=True,
                        verbose_name="全年预算数",
                    ),
                ),
                (
                    "executed",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=20,
                        null=True,
                        verbose_name="全年执行数",
                    ),
                ),
                ("computed_at", models.DateTimeField(verbose_name="计算时间")),
                (
                    "rule_set",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="indicators.ruleset",
                        verbose_name="评分规则版本",
                    ),
                ),
            ],
            options={
                "verbose_name": "自评表得分",
                "verbose_name_plural": "自评表得分",
                "indexes": [
                    models.Index(fields=["grade"], name="figures_grade"),
                    models.Index(fields=["total"], name="figures_total"),
                    models.Index(fields=["errors"], name="figures_errors"),
                ],
            },
        ),
        migrations.CreateModel(
            name="SheetFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveIntegerField(verbose_name="顺序")),
                ("code", models.CharField(max_length=60, verbose_name="代码")),
                ("severity", models.CharField(max_length=10, verbose_name="级别")),
                ("row", models.PositiveIntegerField(null=True, verbose_name="行")),
                ("field", models.CharField(blank=True, max_length=60, verbose_name="位置")),
                ("params", models.JSONField(default=dict, verbose_name="参数")),
                (
                    "sheet",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stored_findings",
                        to="projects.sheet",
                        verbose_name="自评表",
                    ),
                ),
            ],
            options={
                "verbose_name": "检查结果",
                "verbose_name_plural": "检查结果",
                "ordering": ["sheet", "position"],
                "indexes": [
                    models.Index(fields=["code", "severity"], name="finding_code_severity")
                ],
            },
        ),
    ]
