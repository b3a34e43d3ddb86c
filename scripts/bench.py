"""make bench: export speed, as figures and ratios.

1. PDF of the 40-row seed sheet (人才大厦运行维护经费) through perfeval, against WeasyPrint
   rendering the same HTML alone: the ratio is what perfeval adds (view-model, template).
2. Excel export of the same sheet.
3. The batch export of all seed sheets as PDFs, timed as a whole process
   (`manage.py export_sheets --format pdf`), start-up included.
4. A batch of BENCH_BATCH_SHEETS (100) sheets — copies of the demo's — zipped as PDFs with 1
   and with 2 worker processes, the PDF cache emptied before each, BENCH_BATCH_ROUNDS (2)
   rounds alternating, the best of each: goal, 2 workers ≤ 0.6 × 1.
5. One sheet's PDF (query, view-model, HTML, cache) cold — the cache emptied — and warm,
   unchanged since: goal, warm ≤ 0.1 × cold.

Runs on a throw-away SQLite database loaded with `load_demo`, with its own media directory
(the PDF cache), so it never touches real data; both are deleted at the end.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
BATCH_SHEETS = int(os.environ.get("BENCH_BATCH_SHEETS", "100"))
# Rounds of the batch, 1 and 2 workers alternating; the best of each counts (shared machine).
BATCH_ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "2"))


def copy_demo_sheets(count: int) -> list[int]:
    """`count` sheets: the demo's and copies of them (each a new project of its unit, its rows
    and budget lines copied), in the throw-away database. Returns their ids."""
    from projects.models import BudgetLine, Indicator, Project, Sheet

    originals = list(Sheet.objects.select_related("project"))
    ids = [s.pk for s in originals]
    n = 0
    while len(ids) < count:
        original = originals[n % len(originals)]
        n += 1
        project = Project.objects.create(
            unit_id=original.project.unit_id, name=f"{original.project.name}（副本{n}）"
        )
        rows = list(Indicator.objects.filter(sheet=original))
        lines = list(BudgetLine.objects.filter(sheet=original))
        copy = Sheet.objects.get(pk=original.pk)
        copy.pk = None
        copy._state.adding = True
        copy.project = project
        copy.save()
        for obj in (*rows, *lines):
            obj.pk = None
            obj._state.adding = True
            obj.sheet = copy
        Indicator.objects.bulk_create(rows)
        BudgetLine.objects.bulk_create(lines)
        ids.append(copy.pk)
    return ids[:count]


def batch_times(workdir: Path) -> tuple[int, dict[int, list[float]]]:
    """Seconds for a zip of BATCH_SHEETS PDFs with 1 and with 2 worker processes, the cache
    emptied before each, BATCH_ROUNDS times alternating."""
    from projects.exports import pdf_cache
    from projects.exports import services as exports

    ids = copy_demo_sheets(BATCH_SHEETS)
    times: dict[int, list[float]] = {1: [], 2: []}
    for _round in range(BATCH_ROUNDS):
        for workers in (1, 2):
            pdf_cache.clear()
            sheets = list(exports.select_sheets(None, ids=ids))
            start = time.perf_counter()
            exports.pdf_zip(sheets, out=workdir / f"batch-{workers}.zip", workers=workers)
            times[workers].append(time.perf_counter() - start)
    return len(ids), times


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
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
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

    from projects.exports import pdf_cache
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

    def cached_pdf() -> bytes:
        """What the sheet's PDF download does: query, view-model, HTML, the cache."""
        sheet = sheet_queryset().get(pk=sheet_id)
        return exports.one_pdf(build_sheet_view(sheet), sheet=sheet)

    def cold_pdf() -> bytes:
        pdf_cache.clear()
        return cached_pdf()

    perfeval_pdf()  # warm up fonts and templates once, as a running server would be
    pdf_time, pdf_runs = timed(perfeval_pdf)
    alone_time, alone_runs = timed(weasyprint_alone)
    xlsx_time, xlsx_runs = timed(perfeval_xlsx)
    cold_time, cold_runs = timed(cold_pdf)
    warm_time, warm_runs = timed(cached_pdf)  # the last cold run left it cached

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
    load_before = os.getloadavg()
    batch_count, batch_runs = batch_times(workdir)
    one_worker, two_workers = min(batch_runs[1]), min(batch_runs[2])
    load_after = os.getloadavg()

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

    def runs(values: list[float]) -> str:
        return ", ".join(f"{r * 1000:.0f}" for r in values)

    print(f"  PDF of one sheet, cold (rendered)  {ms(cold_time)}   runs: {runs(cold_runs)}")
    print(f"  PDF of one sheet, warm (cached)    {ms(warm_time)}   runs: {runs(warm_runs)}")
    print(f"  ratio warm / cold                  {warm_time / cold_time:6.2f}   (goal ≤ 0.10)")
    for workers, best in ((1, one_worker), (2, two_workers)):
        print(
            f"  batch: {batch_count} sheets zipped as PDF, cache empty, {workers} worker(s)"
            f"  {best:6.2f} s   best of: {', '.join(f'{r:.2f}' for r in batch_runs[workers])}"
        )
    print(
        f"  ratio 2 workers / 1                {two_workers / one_worker:6.2f}   (goal ≤ 0.60;"
        f" {os.cpu_count()} cores, load average {load_before[0]:.2f} before,"
        f" {load_after[0]:.2f} after)"
    )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
