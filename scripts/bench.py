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
6. Live scoring: the editor's form posted to the preview endpoint (Django's test Client, the
   unit's 填报人 logged in) for the 40-row sheet and for the smallest seed sheet
   (社区公共服务设施运营补助, 7 rows), one score changed: goal, 40 rows ≤ 1.5 × the small one.
   `scripts/bench.py --live` runs this part alone; BENCH_LIVE_PROFILE=1 adds a cProfile of
   the 40-row request.

Runs on a throw-away SQLite database loaded with `load_demo`, with its own media directory
(the PDF cache), so it never touches real data; both are deleted at the end.
"""

from __future__ import annotations

import json
import os
import re
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


LIVE_LONG = "人才大厦运行维护经费"  # 40 rows; 已提交 in the demo, returned here to edit it
LIVE_SHORT = "社区公共服务设施运营补助"  # 7 rows, the smallest seed sheet (示范区公共服务中心)
SIG = re.compile(r'id="calc-([^"]+)"[^>]*data-sig="([0-9a-f]+)"')
LIVE_REPEAT = int(os.environ.get("BENCH_LIVE_REPEAT", "15"))


def editor_post(sheet) -> dict:
    """The editor's form as the browser posts it untouched (what the GET renders)."""
    from projects.sheets.forms import IndicatorForm, IndicatorFormSet, SheetHeaderForm
    from projects.sheets.selectors import level2_choices_for

    header = SheetHeaderForm(
        initial=SheetHeaderForm.initial_for(sheet), sheet_unit=sheet.amount_unit
    )
    rows = IndicatorFormSet(
        prefix="rows",
        initial=[IndicatorForm.initial_for(row) for row in sheet.indicators.all()],
        form_kwargs={"level2_queryset": level2_choices_for(sheet)},
    )
    data = {}
    for form in [header, rows.management_form, *rows.forms]:
        for bound in form:
            value = bound.value()
            if getattr(bound.field.widget, "input_type", "") == "checkbox":
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = "" if value is None else str(value)
    return data


def live_request(client, sheet):
    """One keystroke's request, as htmx posts it: the form's fields as one JSON object (the
    editor's hx-ext="json-enc"), a score typed in the first row, the computed cells'
    signatures the browser holds (sheet-edit.js adds them; each answer updates them, as its
    swaps do). Returns the seconds the server took to answer (the request made and its answer
    read: the body is encoded and the signatures are read outside the time)."""
    from django.urls import reverse

    data = editor_post(sheet)
    url = reverse("projects:sheet-edit-preview", args=[sheet.pk])
    shown: dict[str, str] = {}
    typed = {"n": 0}

    def post() -> float:
        typed["n"] += 1
        score = ("1.00", "2.00")[typed["n"] % 2]
        body = json.dumps({**data, "rows-0-score": score, "live_sigs": json.dumps(shown)})
        start = time.perf_counter()
        response = client.post(url, body, content_type="application/json", HTTP_HX_REQUEST="true")
        html = response.content.decode()
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        shown.update(SIG.findall(html))
        return elapsed

    return post


def live_scoring_times() -> dict[str, tuple[int, float, list[float]]]:
    """Per sheet: its rows, the median seconds of a live-scoring request and the runs."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from projects.models import Sheet
    from projects.sheets.selectors import sheet_queryset
    from projects.sheets.services import sheet_transition
    from tests.helpers import logged_in

    long_sheet = Sheet.objects.select_related("project__unit").get(project__name=LIVE_LONG)
    if long_sheet.status == Sheet.Status.SUBMITTED:
        reviewer = get_user_model().objects.get(username="reviewer")
        sheet_transition(
            sheet=long_sheet, user=reviewer, action="return", comment="bench: 退回以便编辑"
        )
    results = {}
    for name, username in ((LIVE_LONG, "filler"), (LIVE_SHORT, "filler_other")):
        sheet = sheet_queryset().get(project__name=name)
        user = get_user_model().objects.get(username=username)
        client = logged_in(user, Client(HTTP_HOST="localhost"))
        post = live_request(client, sheet)
        post()  # warm up templates and caches once, as a running server would be
        runs = [post() for _ in range(LIVE_REPEAT)]
        median = statistics.median(runs)
        results[name] = (sheet.indicators.count(), median, runs)
        if name == LIVE_LONG and os.environ.get("BENCH_LIVE_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(post)
            pstats.Stats(profile).sort_stats(
                os.environ.get("BENCH_LIVE_SORT", "cumulative")
            ).print_stats(40)
    return results


def print_live(results) -> None:
    long_rows, long_time, _ = results[LIVE_LONG]
    short_rows, short_time, _ = results[LIVE_SHORT]
    for name, (rows, median, runs) in results.items():
        print(
            f"  live scoring, {rows:2d} rows ({name})  {median * 1000:8.1f} ms"
            f"   runs: {', '.join(f'{r * 1000:.0f}' for r in runs)}"
        )
    print(
        f"  ratio live scoring {long_rows} rows / {short_rows} rows    "
        f"{long_time / short_time:6.2f}   (goal ≤ 1.50; median of {LIVE_REPEAT})"
    )


def main() -> None:
    live_only = "--live" in sys.argv[1:]
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

    if live_only:
        print("perfeval bench: live scoring only")
        print_live(live_scoring_times())
        shutil.rmtree(workdir, ignore_errors=True)
        return
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
    print_live(live_scoring_times())
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
