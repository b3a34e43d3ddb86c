"""python manage.py clear_pdf_cache [--evict]

Deletes every cached PDF (`PERFEVAL_PDF_CACHE_DIR`); the next download of each sheet renders
it again. With `--evict`, deletes only the least recently used files above
`PERFEVAL_PDF_CACHE_MAX_BYTES`. Safe at any time, with exports running: a PDF being read
stays readable, and a rendering that finds its file gone stores it again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from projects.exports import pdf_cache


class Command(BaseCommand):
    help = "Delete the cached PDFs (all, or with --evict those above the cache's bound)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--evict", action="store_true", help="only evict down to the cache's bound"
        )

    def handle(self, *args, evict: bool, **options) -> None:
        deleted = pdf_cache.evict() if evict else pdf_cache.clear()
        self.stdout.write(f"{deleted} cached PDF(s) deleted from {pdf_cache.cache_dir()}")
