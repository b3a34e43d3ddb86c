"""python manage.py export_sheets --format json --output FILE [--id N …]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.sheet_json import sheet_to_dict, sheets_for_export


class Command(BaseCommand):
    help = "Export self-evaluation sheets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--id", type=int, action="append", dest="ids", default=[])

    def handle(self, *args, format: str, output: Path, ids: list[int], **options) -> None:
        sheets = list(sheets_for_export(ids))
        missing = sorted(set(ids) - {s.pk for s in sheets})
        if missing:
            raise CommandError(f"no sheet with id {', '.join(map(str, missing))}")
        data = [sheet_to_dict(sheet) for sheet in sheets]
        try:
            output.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror or exc})") from None
        self.stdout.write(f"{len(data)} sheet(s) written to {output}")
