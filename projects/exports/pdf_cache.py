"""Each sheet's PDF, rendered once: a directory of files, one per key, bounded, safe to delete.

The key names everything the PDF prints (`pdf_key`): the sheet, its version, its rule-set
version, the template version (the PDF templates, their CSS and WeasyPrint's version), the
language, and a hash of the HTML given to WeasyPrint with the export time left out — so a
renamed project, unit or department, a transition (the status prints), a renamed catalogue
level or rule-set title, all of which leave `Sheet.version` alone, give a new key. The stamp's
export time is the one thing printed and not keyed: a cached PDF keeps the time it was first
rendered, the moment this exact content was produced (docs/decisions.md).

Files are written atomically (a temporary file in the directory, then `os.replace`), read
without locks (an open file outlives its deletion), touched on every hit and evicted least
recently used first — by modification time, which a `noatime` mount still keeps — when the
directory grows past `PERFEVAL_PDF_CACHE_MAX_BYTES`. Deleting the directory at any moment only
costs renders: a miss renders again, a write that finds the directory gone is dropped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

PREFIX = "sheet-"
SUFFIX = ".pdf"


def cache_dir() -> Path:
    """`PERFEVAL_PDF_CACHE_DIR`, by default MEDIA_ROOT/pdf-cache (read on each use)."""
    configured = settings.PERFEVAL_PDF_CACHE_DIR
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "pdf-cache"


def pdf_key(
    *, sheet_id: int, version: int, rule_set_id: int | None, template: str, lang: str, html: str
) -> str:
    """`sheet-12-v7-r3-t1a2b3c4d5e6-zh-hans-<hash of the HTML>`: one file name per content."""
    content = hashlib.sha256(html.encode()).hexdigest()[:20]
    lang = "".join(c for c in lang if c.isalnum() or c == "-") or "default"
    return f"{PREFIX}{sheet_id}-v{version}-r{rule_set_id or 0}-t{template}-{lang}-{content}"


def _path(key: str) -> Path:
    return cache_dir() / f"{key}{SUFFIX}"


def open_cached(key: str):
    """The cached file opened for reading and marked as just used, or None on a miss."""
    path = _path(key)
    try:
        handle = open(path, "rb")  # noqa: SIM115 — the caller closes it
    except OSError:
        return None
    try:
        os.utime(path)
    except OSError:  # deleted or evicted meanwhile: the open handle still reads it
        pass
    return handle


def read_cached(key: str) -> bytes | None:
    handle = open_cached(key)
    if handle is None:
        return None
    with handle:
        return handle.read()


def _store(key: str, write) -> None:
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, _path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # the directory deleted meanwhile, a full disk: only a lost hit
        log.warning("PDF cache: %s not stored (%s)", key, exc)


def store_bytes(key: str, data: bytes) -> None:
    _store(key, lambda out: out.write(data))


def store_file(key: str, source: Path) -> None:
    """Copy a rendered file into the cache (the source may be on another file system)."""

    def copy(out) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, out)

    _store(key, copy)


def evict(max_bytes: int | None = None) -> int:
    """Delete the least recently used files until the directory holds at most `max_bytes`
    (`PERFEVAL_PDF_CACHE_MAX_BYTES`); leftover temporary files older than an hour go too.
    Returns how many files were deleted."""
    limit = settings.PERFEVAL_PDF_CACHE_MAX_BYTES if max_bytes is None else max_bytes
    entries = []
    try:
        with os.scandir(cache_dir()) as it:
            for entry in it:
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, entry.path, entry.name))
    except OSError:
        return 0
    total = sum(size for _mtime, size, _path, _name in entries)
    deleted = 0
    newest = max((mtime for mtime, *_rest in entries), default=0)
    for mtime, size, path, name in sorted(entries):
        if name.startswith(".tmp-"):  # being written, unless left by a crash an hour ago
            if newest - mtime <= 3600:
                continue
        elif total <= limit:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        deleted += 1
    return deleted


def clear() -> int:
    """Delete every cached PDF (the directory itself stays). Returns how many."""
    deleted = 0
    try:
        with os.scandir(cache_dir()) as it:
            for entry in it:
                if entry.name.startswith((PREFIX, ".tmp-")) and entry.is_file():
                    try:
                        os.unlink(entry.path)
                        deleted += 1
                    except OSError:
                        pass
    except OSError:
        return 0
    return deleted
