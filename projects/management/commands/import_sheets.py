"""python manage.py import_sheets PATH [PATH …] [--year N] [--bureau NAME]

Reads .xlsx workbooks and text files in the seed's tab-separated layout (several sheets per
file) through the same tolerant reader, saves every sheet as
a draft and prints one line per sheet, then what was read: the rule set that scores it, the
unit its amounts are printed in, and every cell the reader could not place. `--bureau` names
the finance bureau (财政局) of the sheets' departments: created when new, and linked to each
department that has none. Exit 0 when every sheet was saved, 1 with a one-line
reason when a file cannot be read or a year is unknown (nothing is saved then).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.imports.services import (
    ImportRefused,
    bureau_named,
    check_file_size,
    decode_text,
    read_text,
    read_workbook,
    resolve_year,
    save_parsed,
)
from projects.models import rule_set_for


def read_file(path: Path) -> str:
    """A file's text: an .xlsx workbook's cells as tab-separated lines, or a text file in UTF-8,
    the GB18030 that Chinese Windows exports still produce, or UTF-16 with its BOM. The file's
    size is checked before it is read (docs/rules.md, Limits)."""
    try:
        check_file_size(path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except ImportRefused as exc:
        raise CommandError(f"{path}: {exc}") from None
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_workbook(data)
        return decode_text(data)
    except ImportRefused as exc:
        raise CommandError(f"{path}: {exc}") from None


class Command(BaseCommand):
    help = "Import self-evaluation sheets from tab-separated text files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--year", type=int, help="year for sheets whose title has none")
        parser.add_argument(
            "--bureau",
            help="finance bureau (财政局) whose rules score the sheets' departments",
        )

    def handle(
        self, *args, paths: list[Path], year: int | None, bureau: str | None = None, **options
    ) -> None:
        parsed_files = []
        # Read and parse everything first, so a bad file or an unknown year saves nothing.
        for path in paths:
            try:
                result = read_text(read_file(path))
            except ImportRefused as exc:
                raise CommandError(f"{path}: {exc}") from None
            if not result.sheets:
                raise CommandError(f"{path}: no self-evaluation sheet found (no 项目名称 line)")
            for parsed in result.sheets:
                if resolve_year(parsed, year) is None:
                    raise CommandError("year unknown: pass --year")
            parsed_files.append((path, result))

        unsaved = 0
        with transaction.atomic():
            the_bureau = bureau_named(bureau)
            for path, result in parsed_files:
                for number, text in result.stray:
                    self.stdout.write(f"{path}:{number}: skipped, outside any sheet: {text}")
                for parsed in result.sheets:
                    outcome = save_parsed(
                        parsed, year=resolve_year(parsed, year), bureau=the_bureau
                    )
                    unsaved += self.report(path, parsed, outcome, resolve_year(parsed, year))
        if unsaved:
            raise CommandError(f"{unsaved} sheet(s) not saved")

    def report(self, path: Path, parsed, outcome, year: int) -> int:
        """One line per sheet, then what was read; 1 when the sheet was not saved."""
        errors = len(outcome.result.errors)
        warnings = len(outcome.result.warnings)
        line = (
            f"{year} {parsed.project or '?'}: "
            f"{len(parsed.rows)} rows, {errors} errors, {warnings} warnings"
            f" — {outcome.message}"
        )
        if not outcome.saved:
            self.stderr.write(f"{path}:{parsed.first_line}: {line}")
            return 1
        self.stdout.write(line)
        unit = "元" if parsed.amount_unit == "yuan" else "万元"
        printed = "" if parsed.amount_unit_printed else " (not printed: 万元 assumed)"
        self.stdout.write(f"  rules: {rule_set_for(outcome.sheet)}; amounts in {unit}{printed}")
        for number, text in parsed.unplaced:
            self.stdout.write(f"  {path}:{number}: not placed: {text}")
        return 0
