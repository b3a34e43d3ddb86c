"""The level-3 indicator row is a row of its sheet, as a budget line is: the model moves here
from `indicators`, which keeps only the catalogue and the rules and no longer knows sheets.

`indicators` 0004 renamed the tables to `projects_indicator` and
`projects_historicalindicator`, keeping every row and every foreign key; this migration takes
the model over in Django's state only, points comments and evidence at it, and moves the
content types (and with them any permissions granted on the model) to this app.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ("indicator", "historicalindicator")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label="projects", model=model).exists():
            continue
        ContentType.objects.filter(app_label="indicators", model=model).update(
            app_label="projects"
        )


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="projects", model__in=MODELS).update(
        app_label="indicators"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("indicators", "0004_indicator_tables_move_to_projects"),
        ("projects", "0004_export_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalIndicator',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(verbose_name='顺序')),
                        ('name', models.CharField(max_length=200, verbose_name='三级指标')),
                        ('target_text', models.CharField(blank=True, max_length=200, verbose_name='年度指标值')),
                        ('target_kind', models.CharField(choices=[('quantitative', '定量'), ('qualitative', '定性'), ('unparsed', '无法识别'), ('empty', '未填')], default='empty', max_length=20, verbose_name='指标值类型')),
                        ('target_operator', models.CharField(blank=True, max_length=2, verbose_name='运算符')),
                        ('target_number', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True, verbose_name='指标数值')),
                        ('target_unit', models.CharField(blank=True, max_length=40, verbose_name='计量单位')),
                        ('actual_text', models.CharField(blank=True, max_length=200, verbose_name='实际完成值')),
                        ('actual_kind', models.CharField(choices=[('number', '数值'), ('level', '完成程度'), ('not_applicable', '不适用'), ('text', '文字'), ('empty', '未填')], default='empty', max_length=20, verbose_name='完成值类型')),
                        ('actual_number', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True, verbose_name='完成数值')),
                        ('actual_unit', models.CharField(blank=True, max_length=40, verbose_name='完成值单位')),
                        ('actual_level', models.CharField(blank=True, choices=[('achieved', '达成年度指标'), ('partial', '部分达成年度指标并具有一定效果'), ('not_achieved', '未达成年度指标且效果较差')], max_length=20, verbose_name='完成程度')),
                        ('weight', models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, verbose_name='分值')),
                        ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, verbose_name='得分')),
                        ('reason', models.TextField(blank=True, verbose_name='偏差原因分析及改进措施')),
                        ('applicable', models.BooleanField(default=True, verbose_name='适用')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('level1', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='indicators.level1', verbose_name='一级指标')),
                        ('level2', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='indicators.level2', verbose_name='二级指标')),
                        ('sheet', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.sheet', verbose_name='自评表')),
                    ],
                    options={
                        'verbose_name': 'historical 三级指标',
                        'verbose_name_plural': 'historical 三级指标',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Indicator',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(verbose_name='顺序')),
                        ('name', models.CharField(max_length=200, verbose_name='三级指标')),
                        ('target_text', models.CharField(blank=True, max_length=200, verbose_name='年度指标值')),
                        ('target_kind', models.CharField(choices=[('quantitative', '定量'), ('qualitative', '定性'), ('unparsed', '无法识别'), ('empty', '未填')], default='empty', max_length=20, verbose_name='指标值类型')),
                        ('target_operator', models.CharField(blank=True, max_length=2, verbose_name='运算符')),
                        ('target_number', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True, verbose_name='指标数值')),
                        ('target_unit', models.CharField(blank=True, max_length=40, verbose_name='计量单位')),
                        ('actual_text', models.CharField(blank=True, max_length=200, verbose_name='实际完成值')),
                        ('actual_kind', models.CharField(choices=[('number', '数值'), ('level', '完成程度'), ('not_applicable', '不适用'), ('text', '文字'), ('empty', '未填')], default='empty', max_length=20, verbose_name='完成值类型')),
                        ('actual_number', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True, verbose_name='完成数值')),
                        ('actual_unit', models.CharField(blank=True, max_length=40, verbose_name='完成值单位')),
                        ('actual_level', models.CharField(blank=True, choices=[('achieved', '达成年度指标'), ('partial', '部分达成年度指标并具有一定效果'), ('not_achieved', '未达成年度指标且效果较差')], max_length=20, verbose_name='完成程度')),
                        ('weight', models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, verbose_name='分值')),
                        ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, verbose_name='得分')),
                        ('reason', models.TextField(blank=True, verbose_name='偏差原因分析及改进措施')),
                        ('applicable', models.BooleanField(default=True, verbose_name='适用')),
                        ('level1', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='indicators.level1', verbose_name='一级指标')),
                        ('level2', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='indicators.level2', verbose_name='二级指标')),
                        ('sheet', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indicators', to='projects.sheet', verbose_name='自评表')),
                    ],
                    options={
                        'verbose_name': '三级指标',
                        'verbose_name_plural': '三级指标',
                        'ordering': ['sheet', 'position'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='indicator',
                    constraint=models.UniqueConstraint(fields=('sheet', 'position'), name='indicator_position_unique'),
                ),
                migrations.AlterField(
                    model_name='comment',
                    name='indicator',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='comments', to='projects.indicator', verbose_name='指标行'),
                ),
                migrations.AlterField(
                    model_name='evidence',
                    name='indicator',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='evidence', to='projects.indicator', verbose_name='指标行'),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
