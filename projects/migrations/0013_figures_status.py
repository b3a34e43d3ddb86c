from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_status(apps, schema_editor):
    """Each stored figures row gets its sheet's state."""
    SheetFigures = apps.get_model("projects", "SheetFigures")
    Sheet = apps.get_model("projects", "Sheet")
    state = Sheet.objects.filter(pk=OuterRef("sheet")).values("status")
    SheetFigures.objects.update(status=Subquery(state))


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_regional_rule_sets"),
        ("projects", "0012_sheet_list_key"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="sheetfigures", name="figures_submitted"),
        migrations.AddField(
            model_name="sheetfigures",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "草稿"),
                    ("submitted", "已提交"),
                    ("returned", "已退回"),
                    ("approved", "已审核"),
                ],
                default="draft",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(fill_status, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="sheetfigures",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "dept_approved"])),
                fields=["submitted_at", "sheet"],
                name="figures_awaiting",
            ),
        ),
    ]
