"""The level-3 indicator row moves to `projects` (it belongs to a sheet, as a budget line does):
first its tables take the new app's names, keeping every row; `projects` 0005 then takes the
model over, and 0005 here forgets it (docs/architecture.md)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0003_historicalindicator"),
    ]

    operations = [
        migrations.AlterModelTable(name="indicator", table="projects_indicator"),
        migrations.AlterModelTable(name="historicalindicator", table="projects_historicalindicator"),
    ]
