"""The official sheet as PDF (WeasyPrint), laid out from the same SheetView as the page.

Only local files are ever fetched: the fonts come from fontconfig (Debian's fonts-noto-cjk),
the stylesheet is inlined, and any other URL is refused, so an export never reaches out.
"""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from projects.sheets.view_model import SheetView


def refuse_fetch(url: str, timeout: int = 10, ssl_context=None):
    raise ValueError(f"perfeval PDFs fetch nothing: {url}")


def sheet_html(view: SheetView, *, exported_at: datetime | None = None) -> str:
    return render_to_string(
        "projects/exports/sheet_pdf.html",
        {"view": view, "exported_at": timezone.localtime(exported_at or timezone.now())},
    )


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=refuse_fetch).write_pdf()


def sheet_pdf(view: SheetView, *, exported_at: datetime | None = None) -> bytes:
    return html_to_pdf(sheet_html(view, exported_at=exported_at))
