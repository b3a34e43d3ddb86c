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
import secrets
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING

from django.template.loader import get_template, render_to_string
from django.utils import timezone

if TYPE_CHECKING:
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
    """A hash of the PDF's template files and WeasyPrint's version, computed once."""
    digest = hashlib.sha256(package_version("weasyprint").encode())
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
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=refuse_fetch).write_pdf()


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
