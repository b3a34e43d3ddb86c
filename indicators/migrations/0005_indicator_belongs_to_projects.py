"""`projects` 0005 took the indicator row model over; the catalogue app forgets it. Nothing
changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0004_indicator_tables_move_to_projects"),
        ("projects", "0005_indicator_row"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalIndicator"),
                migrations.DeleteModel(name="Indicator"),
            ],
            database_operations=[],
        ),
    ]
