"""python manage.py export_sheets --format json|pdf|xlsx|workbook|summary --output PATH [--id N …]

json writes one file with a list of sheets. pdf and xlsx write FILE for one `--id`, or one file
per sheet into the directory PATH (named by year, unit and project) for several ids or none.
Several PDFs render in parallel (`PERFEVAL_PDF_WORKERS`), each read from the PDF cache while
its sheet is unchanged. workbook (one worksheet per sheet) and summary (汇总表) write one .xlsx
file. `--year`, `--department` and `--unit` narrow the selection. Several sheets show a
progress bar.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.exports import services as exports
from projects.models import Department, Unit
from projects.sheets.json_form import sheet_to_dict


class ProgressBar:
    """A one-line text progress bar on stderr: `[########------------]  8/20 导出中`."""

    def __init__(self, stream, label: str, width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width

    def __call__(self, done: int, total: int) -> None:
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r[{bar}] {done:>4}/{total} {self.label}{end}", ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = "Export self-evaluation sheets as JSON, PDF, Excel, one workbook or the summary table."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--format", choices=["json", "pdf", "xlsx", "workbook", "summary"], default="json"
        )
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--id", type=int, action="append", dest="ids", default=[])
        parser.add_argument("--year", type=int)
        parser.add_argument("--department", help="主管部门 name")
        parser.add_argument("--unit", help="实施单位 name")

    def handle(self, *args, format: str, output: Path, ids: list[int], **options) -> None:
        department = unit = None
        if options["department"]:
            department = Department.objects.filter(name=options["department"]).first()
            if department is None:
                raise CommandError(f"no department named {options['department']}")
        if options["unit"]:
            unit = Unit.objects.filter(name=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit named {options['unit']}")
        sheets = list(
            exports.select_sheets(
                None, year=options["year"], department=department, unit=unit, ids=ids
            )
        )
        missing = sorted(set(ids) - {s.pk for s in sheets})
        if missing:
            raise CommandError(f"no sheet with id {', '.join(map(str, missing))}")
        if not sheets:
            raise CommandError("no sheet matches")
        progress = ProgressBar(self.stderr, "sheets")
        try:
            written = self.write(
                format, output, sheets, ids, progress, options["year"], department, unit
            )
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror or exc})") from None
        self.stdout.write(written)

    def write(self, format, output, sheets, ids, progress, year, department, unit) -> str:
        if format == "json":
            data = [sheet_to_dict(sheet, view) for sheet, view in exports.views_of(sheets)]
            output.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
            return f"{len(data)} sheet(s) written to {output}"
        if format == "workbook":
            output.write_bytes(exports.workbook(sheets, progress))
            return f"{len(sheets)} sheet(s) written to {output}"
        if format == "summary":
            title = exports.summary_title(year, department, unit)
            output.write_bytes(exports.summary(sheets, title=title))
            return f"summary of {len(sheets)} sheet(s) written to {output}"
        render = exports.SINGLE[format].render
        if len(ids) == 1:
            [(sheet, view)] = list(exports.views_of(sheets))
            output.write_bytes(render(view, sheet=sheet))
            return f"1 sheet written to {output}"
        output.mkdir(parents=True, exist_ok=True)
        if format == "pdf":  # in parallel, each from the cache while unchanged
            for sheet, pdf in exports.pdf_files(sheets, progress):
                with open(output / exports.sheet_filename(sheet, "pdf"), "wb") as out:
                    shutil.copyfileobj(pdf, out)
            return f"{len(sheets)} sheet(s) written to {output}/"
        for sheet, view in exports.views_of(sheets, progress):
            (output / exports.sheet_filename(sheet, format)).write_bytes(render(view))
        return f"{len(sheets)} sheet(s) written to {output}/"
