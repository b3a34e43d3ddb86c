"""python manage.py recompute_figures [--year 2023] [--dry-run] — recompute every sheet's
stored figures and findings (`projects/figures.py`) and report what changed.

Each sheet is scored as its page scores it: with the rule-set version it records
(`rule_set_for`), so an approved sheet's figures change only when the code computing them
did, and that is what the report names. Run it after an upgrade that changes the rules
engine; `migrate` itself stores the figures of sheets that have none. Batches of 500 sheets,
each in its own transaction, then every unit's year counted again (`UnitYearFigures`);
`--dry-run` compares without storing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from projects import figures
from projects.models import Sheet


class Command(BaseCommand):
    help = "Recompute the stored figures and findings of every sheet; name those that changed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, help="only this year's sheets")
        parser.add_argument(
            "--dry-run", action="store_true", help="compare with the stored ones, store nothing"
        )

    def handle(self, *args, **options) -> None:
        sheets = Sheet.objects.order_by("pk")
        if options["year"]:
            sheets = sheets.filter(year=options["year"])
        ids = list(sheets.values_list("pk", flat=True))
        count, changed = figures.recompute(ids, write=not options["dry_run"])
        if not options["dry_run"]:
            # The units' years too, those whose sheets moved or went included.
            figures.rebuild_unit_years()
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(f"{count} sheets recomputed, {len(changed)} {verb}")
        if changed:
            self.stdout.write("sheet ids: " + ", ".join(str(pk) for pk in changed))
