from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def fill_submitted_at(apps, schema_editor):
    """Each stored figures row gets its sheet's latest submission (已提交 transition)."""
    SheetFigures = apps.get_model("projects", "SheetFigures")
    SheetTransition = apps.get_model("projects", "SheetTransition")
    latest = (
        SheetTransition.objects.filter(sheet=OuterRef("sheet"), to_status="submitted")
        .values("sheet")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    SheetFigures.objects.update(submitted_at=Subquery(latest))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_stored_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="sheetfigures",
            name="submitted_at",
            field=models.DateTimeField(null=True, verbose_name="提交时间"),
        ),
        migrations.AddIndex(
            model_name="sheetfigures",
            index=models.Index(fields=["submitted_at", "sheet"], name="figures_submitted"),
        ),
        migrations.RunPython(fill_submitted_at, migrations.RunPython.noop),
    ]
