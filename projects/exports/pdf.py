"""The official sheet as PDF (WeasyPrint), laid out from the same SheetView as the page.

Only local files are ever fetched: the fonts come from fontconfig (Debian's fonts-noto-cjk),
the stylesheet is inlined, and any other URL is refused, so an export never reaches out.

Many sheets render in parallel (`Renderer`): the parent process builds each sheet's HTML (it
holds the database), worker processes only turn HTML into PDF files. The workers are forked,
so they start warm (WeasyPrint and the fonts already loaded) and need neither Django set-up
nor a database: they are handed a string and a path and never touch a connection they
inherited, and they leave by `os._exit`, which closes nothing of the parent's.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import multiprocessing
import re
import secrets
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING

from django.template.loader import get_template, render_to_string
from django.utils import timezone

if TYPE_CHECKING:
    from weasyprint import Document

    from projects.sheets.view_model import SheetView

TEMPLATE = "projects/exports/sheet_pdf.html"
# Every file the PDF's HTML is made of: a change to any of them is a new template version.
TEMPLATE_FILES = (
    TEMPLATE,
    "projects/exports/pdf.css",
    "projects/sheets/includes/official_sheet.html",
)
# Stands for the export time in HTML whose cache key is computed; unguessable, so no user
# text can contain it.
TIME_MARK = f"exported-at-{secrets.token_hex(8)}"


def refuse_fetch(url: str, timeout: int = 10, ssl_context=None):
    raise ValueError(f"perfeval PDFs fetch nothing: {url}")


@functools.cache
def template_version() -> str:
    """A hash of the PDF's template files, this module (it splits the level cells at page
    breaks) and WeasyPrint's version, computed once."""
    digest = hashlib.sha256(package_version("weasyprint").encode())
    digest.update(Path(__file__).read_bytes())
    for name in TEMPLATE_FILES:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return digest.hexdigest()[:12]


def export_time_text(exported_at: datetime | None = None) -> str:
    return f"{timezone.localtime(exported_at or timezone.now()):%Y-%m-%d %H:%M}"


def sheet_html(view: SheetView, *, exported_at: datetime | str | None = None) -> str:
    """The PDF's HTML; `exported_at` may be given as the text to print (`TIME_MARK`)."""
    if not isinstance(exported_at, str):
        exported_at = export_time_text(exported_at)
    return render_to_string(TEMPLATE, {"view": view, "exported_at": exported_at})


def html_to_pdf(html: str) -> bytes:
    return render_document(html).write_pdf()


def render_document(html: str) -> Document:
    """The laid-out document (a WeasyPrint `Document`), each level-1/level-2 cell that a page
    break would cut split there, so every continuation page names the groups it continues.

    WeasyPrint cuts a merged cell at a page break and prints its text on one fragment only;
    the next page's rows would stand under a blank cell. Nothing in CSS repeats it, and only a
    layout knows where pages break, so: lay out, find the row each later page starts with
    (its `row-N` anchor), rewrite the HTML so the group's cell ends before that row and a copy
    of it starts on it (`split_groups`), lay out again. The copies can move a break (a short
    first part grows to fit its name), so this repeats until the breaks stand where the
    splits are, `MAX_PASSES` layouts at most. A sheet whose groups no break cuts — every
    one-page sheet — is laid out once, as before.
    """
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=refuse_fetch).render()
    if len(document.pages) == 1:
        return document
    rows = indicator_rows(html)
    applied: tuple[int, ...] = ()
    for _ in range(MAX_PASSES - 1):
        cuts = cut_rows(rows, page_start_rows(document))
        if cuts == applied:
            break
        applied = cuts
        split = split_groups(html, cuts, rows)
        document = HTML(string=split, url_fetcher=refuse_fetch).render()
    return document


# The indicator rows (`<tr id="row-N" …>`) and their level cells (`data-level="1"`/`"2"`) as
# official_sheet.html prints them; the cells' other attributes and text are copied untouched.
ROW_TAG = re.compile(r'<tr\s[^>]*?\bid="row-(\d+)"[^>]*>')
LEVEL_CELL = re.compile(r'<td\s[^>]*?\bdata-level="([12])"[^>]*>.*?</td>', re.DOTALL)
ROWSPAN = re.compile(r'\browspan="(\d+)"')
ANCHOR = re.compile(r"row-(\d+)")
MAX_PASSES = 3


@dataclass(frozen=True)
class LevelCell:
    level: int
    row: int  # position of the row it starts on, among the indicator rows
    span: int
    start: int  # where the cell's HTML starts and ends
    end: int


@dataclass(frozen=True)
class IndicatorRows:
    numbers: tuple[int, ...]  # each row's N of `row-N`, in order
    tag_ends: tuple[int, ...]  # where each row's <tr …> tag ends in the HTML
    cells: tuple[LevelCell, ...]


def indicator_rows(html: str) -> IndicatorRows:
    numbers, tag_ends, cells = [], [], []
    for position, tag in enumerate(ROW_TAG.finditer(html)):
        numbers.append(int(tag.group(1)))
        tag_ends.append(tag.end())
        row_end = html.index("</tr>", tag.end())
        for cell in LEVEL_CELL.finditer(html, tag.end(), row_end):
            span = ROWSPAN.search(cell.group(0))
            cells.append(
                LevelCell(
                    level=int(cell.group(1)),
                    row=position,
                    span=int(span.group(1)) if span else 1,
                    start=cell.start(),
                    end=cell.end(),
                )
            )
    return IndicatorRows(tuple(numbers), tuple(tag_ends), tuple(cells))


def page_start_rows(document: Document) -> list[int]:
    """The `N` of the first indicator row on each page after the first that holds one."""
    starts = []
    for page in document.pages[1:]:
        on_page = [int(m.group(1)) for name in page.anchors if (m := ANCHOR.fullmatch(name))]
        if on_page:
            starts.append(min(on_page))
    return starts


def cut_rows(rows: IndicatorRows, starts: list[int]) -> tuple[int, ...]:
    """The positions of the page-starting rows that some level cell spans into from above."""
    position = {number: i for i, number in enumerate(rows.numbers)}
    at = {position[n] for n in starts if n in position}
    return tuple(sorted(p for p in at if any(c.row < p < c.row + c.span for c in rows.cells)))


def split_groups(html: str, cuts: tuple[int, ...], rows: IndicatorRows | None = None) -> str:
    """The HTML with every level cell that spans a row of `cuts` ended before it and copied
    onto it (the copy spanning the rest of the group, up to the next cut), marked
    `data-continued`."""
    rows = rows or indicator_rows(html)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    inserts: dict[int, list[tuple[int, str]]] = {}
    for cell in rows.cells:
        inside = [p for p in cuts if cell.row < p < cell.row + cell.span]
        if not inside:
            continue
        text = html[cell.start : cell.end]
        bounds = [cell.row, *inside, cell.row + cell.span]
        first = bounds[1] - bounds[0]
        edits.append((cell.start, cell.end, ROWSPAN.sub(f'rowspan="{first}"', text, count=1)))
        for begin, end in zip(bounds[1:-1], bounds[2:], strict=True):
            copy = ROWSPAN.sub(f'rowspan="{end - begin}"', text, count=1)
            copy = copy.replace("<td", "<td data-continued", 1)
            inserts.setdefault(rows.tag_ends[begin], []).append((cell.level, copy))
    for at, copies in inserts.items():
        edits.append((at, at, "".join(copy for _, copy in sorted(copies))))
    for start, end, replacement in sorted(edits, reverse=True):
        html = html[:start] + replacement + html[end:]
    return html


def sheet_pdf(view: SheetView, *, exported_at: datetime | None = None) -> bytes:
    return html_to_pdf(sheet_html(view, exported_at=exported_at))


def write_pdf(html: str, path: str) -> str:
    """Render HTML into a PDF file (in a worker process); returns the path."""
    Path(path).write_bytes(html_to_pdf(html))
    return path


class Renderer:
    """HTML → PDF files in `workers` forked processes, each rendering one sheet at a time, or
    in this process when `workers` is 1. At most two files per worker wait their turn, so the
    caller's HTML is never all in memory; finished files come back in the order they finish.

        with Renderer(2) as renderer:
            renderer.submit(html, path, tag)
            for tag, path in renderer.finished(): ...   # those done so far (or when full)
            for tag, path in renderer.drain(): ...      # the rest
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.pool: ProcessPoolExecutor | None = None
        self.pending: dict[Future, object] = {}
        self.done: list[tuple[object, str]] = []

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def submit(self, html: str, path: str, tag: object) -> None:
        if self.workers == 1:
            self.done.append((tag, write_pdf(html, path)))
            return
        if self.pool is None:  # forked on first use: a batch of cached sheets forks nothing
            import weasyprint  # noqa: F401 — loaded once here, so the workers import nothing

            self.pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("fork")
            )
            # The workers are forked at the first submit; frozen objects are left alone by
            # their garbage collector, so the parent's memory stays shared, not copied.
            gc.freeze()
            try:
                self.pending[self.pool.submit(write_pdf, html, path)] = tag
            finally:
                gc.unfreeze()
            return
        self.pending[self.pool.submit(write_pdf, html, path)] = tag

    def finished(self) -> list[tuple[object, str]]:
        """The files finished so far; waits for one when every worker has two queued."""
        if len(self.pending) >= 2 * self.workers:
            self._collect(wait(self.pending, return_when=FIRST_COMPLETED).done)
        else:
            self._collect([f for f in self.pending if f.done()])
        done, self.done = self.done, []
        return done

    def drain(self):
        while self.pending:
            self._collect(wait(self.pending, return_when=FIRST_COMPLETED).done)
            done, self.done = self.done, []
            yield from done
        done, self.done = self.done, []
        yield from done

    def _collect(self, futures) -> None:
        for future in futures:
            tag = self.pending.pop(future)
            self.done.append((tag, future.result()))
