"""make bench: export speed, as figures and ratios.

1. PDF of the 40-row seed sheet (人才大厦运行维护经费) through perfeval, against WeasyPrint
   rendering the same HTML alone: the ratio is what perfeval adds (view-model, template).
2. Excel export of the same sheet.
3. The batch export of all seed sheets as PDFs, timed as a whole process
   (`manage.py export_sheets --format pdf`), start-up included.

Runs on a throw-away SQLite database loaded with `load_demo`, so it never touches real data.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def timed(fn, repeat: int = REPEAT) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="perfeval-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "perfeval.settings",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, capture_output=True)

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from weasyprint import HTML

    from projects.exports import services as exports
    from projects.exports.pdf import refuse_fetch, sheet_html
    from projects.models import Sheet
    from projects.sheets.selectors import sheet_queryset
    from projects.sheets.view_model import build_sheet_view

    sheet_id = Sheet.objects.get(project__name="人才大厦运行维护经费").pk
    html = sheet_html(build_sheet_view(sheet_queryset().get(pk=sheet_id)))

    def perfeval_pdf() -> bytes:
        view = build_sheet_view(sheet_queryset().get(pk=sheet_id))
        return exports.one_pdf(view)

    def weasyprint_alone() -> bytes:
        return HTML(string=html, url_fetcher=refuse_fetch).write_pdf()

    def perfeval_xlsx() -> bytes:
        view = build_sheet_view(sheet_queryset().get(pk=sheet_id))
        return exports.one_xlsx(view)

    perfeval_pdf()  # warm up fonts and templates once, as a running server would be
    pdf_time, pdf_runs = timed(perfeval_pdf)
    alone_time, alone_runs = timed(weasyprint_alone)
    xlsx_time, xlsx_runs = timed(perfeval_xlsx)

    count = Sheet.objects.count()
    out = workdir / "pdfs"
    start = time.perf_counter()
    subprocess.run(
        [*manage, "export_sheets", "--format", "pdf", "--output", str(out)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    batch_time = time.perf_counter() - start
    files = len(list(out.glob("*.pdf")))

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:8.1f} ms"

    print(f"perfeval bench (median of {REPEAT} runs; 40-row sheet 人才大厦运行维护经费)")
    print(
        f"  PDF export, perfeval             {ms(pdf_time)}   runs: {', '.join(f'{r * 1000:.0f}' for r in pdf_runs)}"
    )
    print(
        f"  PDF, WeasyPrint on the same HTML {ms(alone_time)}   runs: {', '.join(f'{r * 1000:.0f}' for r in alone_runs)}"
    )
    print(f"  ratio perfeval / WeasyPrint alone  {pdf_time / alone_time:6.2f}")
    print(
        f"  Excel export, perfeval           {ms(xlsx_time)}   runs: {', '.join(f'{r * 1000:.0f}' for r in xlsx_runs)}"
    )
    print(f"  ratio Excel / PDF                  {xlsx_time / pdf_time:6.2f}")
    print(
        f"  batch: {files} of {count} sheets as PDF, whole process  {batch_time:6.2f} s"
        f"   ({batch_time / max(files, 1):.2f} s per sheet)"
    )


if __name__ == "__main__":
    main()
