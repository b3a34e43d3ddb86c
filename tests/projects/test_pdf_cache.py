"""Each sheet's PDF rendered once: the cache and its key, its bound, and batches in parallel.

Most tests replace WeasyPrint by a fake that prints a hash of the HTML it is given (fast, and
it counts renders); the batch comparison renders real PDFs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from indicators.models import RuleSet
from projects import rule_sets
from projects.audit.models import AuditRecord
from projects.exports import pdf, pdf_cache
from projects.exports import services as exports
from projects.models import ExportJob, Project, Sheet, Unit
from projects.sheets.selectors import sheet_queryset
from projects.sheets.services import sheet_transition
from projects.sheets.view_model import build_sheet_view
from tests.helpers import edit_url, form_data, logged_in

pytestmark = pytest.mark.django_db
SMALL = "信息化运维项目"


class FakeHTML:
    """Stands for weasyprint.HTML: a "PDF" naming the hash of its HTML; counts renders."""

    renders: list[str] = []

    def __init__(self, string: str, url_fetcher=None) -> None:
        self.string = string

    def render(self) -> FakeHTML:
        self.pages = [self]  # one page: no level cell to split at a page break
        return self

    def write_pdf(self) -> bytes:
        FakeHTML.renders.append(self.string)
        return b"%PDF-fake " + hashlib.sha256(self.string.encode()).hexdigest().encode()


@pytest.fixture
def fake_weasyprint(monkeypatch):
    FakeHTML.renders = []
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    return FakeHTML


def sheet_named(project: str) -> Sheet:
    return sheet_queryset().get(project__name=project)


def pdf_of(sheet: Sheet) -> bytes:
    sheet = sheet_queryset().get(pk=sheet.pk)
    return exports.one_pdf(build_sheet_view(sheet), sheet=sheet)


def cached_files() -> list[Path]:
    return sorted(pdf_cache.cache_dir().glob("sheet-*.pdf"))


def test_a_second_download_of_an_unchanged_sheet_comes_from_the_cache(filler, monkeypatch):
    sheet = sheet_named(SMALL)
    client = logged_in(filler)
    first = client.get(f"/sheets/{sheet.pk}.pdf")
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    [cached] = cached_files()
    assert cached.name.startswith(f"sheet-{sheet.pk}-v{sheet.version}-r{sheet.rule_set_id}-t")

    def no_weasyprint(*args, **kwargs):
        raise AssertionError("WeasyPrint called for an unchanged sheet")

    monkeypatch.setattr("weasyprint.HTML", no_weasyprint)
    second = client.get(f"/sheets/{sheet.pk}.pdf")
    assert second.status_code == 200
    assert second.content == first.content  # the export time of the first rendering kept
    assert second["Content-Disposition"] == first["Content-Disposition"]
    # Each download is in the audit log, the one from the cache too.
    exports_logged = AuditRecord.objects.filter(action="export", object_id=str(sheet.pk))
    assert exports_logged.count() == 2


def test_whatever_the_pdf_prints_changing_gives_a_new_pdf(filler, fake_weasyprint, monkeypatch):
    sheet = sheet_named(SMALL)
    first = pdf_of(sheet)
    renders = fake_weasyprint.renders

    def changed() -> None:
        count = len(renders)
        data = pdf_of(sheet)
        assert len(renders) == count + 1  # rendered afresh
        assert pdf_of(sheet) == data and len(renders) == count + 1  # then cached in turn

    count = len(renders)
    assert pdf_of(sheet) == first and len(renders) == count

    client = logged_in(filler)  # a content save (the editor): a new version
    data = form_data(client.get(edit_url(sheet)))
    data["goal_expected"] = "新的年度目标"
    assert client.post(edit_url(sheet), data).status_code == 302
    changed()

    Project.objects.filter(pk=sheet.project_id).update(name="改名后的项目")  # no version bump
    changed()
    Unit.objects.filter(pk=sheet.project.unit_id).update(name="改名后的单位")
    changed()
    sheet.refresh_from_db()
    sheet_transition(sheet=sheet, user=filler, action="submit")  # a transition
    changed()
    # The status prints: a change of it alone, without a new version, is a new PDF too.
    Sheet.objects.filter(pk=sheet.pk).update(status=Sheet.Status.APPROVED)
    changed()

    monkeypatch.setattr(exports, "template_version", lambda: "another")
    changed()


def test_a_new_rule_set_version_gives_a_new_pdf(seed_sheets, fake_weasyprint):
    sheet = sheet_named(SMALL)
    before = pdf_of(sheet)
    copy = RuleSet.objects.get(pk=sheet.rule_set_id)
    copy.pk = None
    copy._state.adding = True
    saved = rule_sets.save_rule_set(copy)
    sheet.refresh_from_db()
    assert sheet.rule_set_id == saved.rule_set.pk
    renders = len(fake_weasyprint.renders)
    after = pdf_of(sheet)
    assert len(fake_weasyprint.renders) == renders + 1
    [old, new] = sorted(cached_files(), key=lambda p: p.stat().st_mtime_ns)
    assert f"-r{saved.rule_set.pk}-" in new.name and f"-r{saved.rule_set.pk}-" not in old.name
    assert after.startswith(b"%PDF") and before.startswith(b"%PDF")


def test_the_cache_keeps_under_its_bound_evicting_the_least_recently_used(settings):
    settings.PERFEVAL_PDF_CACHE_MAX_BYTES = 2500
    now = time.time()
    for i in range(5):
        pdf_cache.store_bytes(f"sheet-{i}", bytes(1000))
        path = pdf_cache.cache_dir() / f"sheet-{i}.pdf"
        os.utime(path, (now - 100 + i, now - 100 + i))
    with pdf_cache.open_cached("sheet-0") as handle:  # a hit: now the most recently used
        assert handle.read() == bytes(1000)

    assert pdf_cache.evict() == 3
    assert [p.name for p in cached_files()] == ["sheet-0.pdf", "sheet-4.pdf"]
    assert sum(p.stat().st_size for p in cached_files()) <= 2500
    assert pdf_cache.read_cached("sheet-1") is None


def test_a_batch_evicts_down_to_the_bound(seed_sheets, settings, fake_weasyprint, tmp_path):
    settings.PERFEVAL_PDF_CACHE_MAX_BYTES = 300  # about three fake PDFs
    exports.pdf_zip(list(seed_sheets), out=tmp_path / "all.zip", workers=1)
    assert 0 < sum(p.stat().st_size for p in cached_files()) <= 300


def test_deleting_the_cache_directory_is_safe(filler, fake_weasyprint):
    sheet = sheet_named(SMALL)
    pdf_of(sheet)
    shutil.rmtree(pdf_cache.cache_dir())
    renders = len(fake_weasyprint.renders)
    assert pdf_of(sheet).startswith(b"%PDF-fake")
    assert len(fake_weasyprint.renders) == renders + 1
    assert len(cached_files()) == 1  # stored again
    # A write whose directory vanishes is dropped, not raised; an open file stays readable.
    with pdf_cache.open_cached(cached_files()[0].stem) as handle:
        shutil.rmtree(pdf_cache.cache_dir())
        assert handle.read().startswith(b"%PDF")
    assert pdf_cache.evict() == 0 and pdf_cache.clear() == 0
    pdf_cache.store_file("sheet-x", Path("/nonexistent/file.pdf"))
    assert cached_files() == []


def test_the_command_clears_the_cache_or_evicts_down_to_its_bound(
    filler, fake_weasyprint, settings
):
    from io import StringIO

    from django.core.management import call_command

    pdf_of(sheet_named(SMALL))
    pdf_of(sheet_named("人才大厦运行维护经费"))
    settings.PERFEVAL_PDF_CACHE_MAX_BYTES = max(p.stat().st_size for p in cached_files())
    out = StringIO()
    call_command("clear_pdf_cache", "--evict", stdout=out)
    assert out.getvalue().startswith("1 cached PDF(s) deleted") and len(cached_files()) == 1
    call_command("clear_pdf_cache", stdout=out)
    assert out.getvalue().endswith(f"1 cached PDF(s) deleted from {pdf_cache.cache_dir()}\n")
    assert cached_files() == []


def pdf_texts(archive: Path, tmp_path: Path) -> dict[str, str]:
    """Each entry's text, the stamp's export time left out."""
    texts = {}
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            path = tmp_path / "entry.pdf"
            path.write_bytes(zf.read(name))
            text = subprocess.run(
                ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
            texts[name] = "\n".join(line for line in text.splitlines() if "导出于" not in line)
    return texts


def test_a_batch_with_two_workers_gives_the_same_files_as_with_one(
    seed_sheets, tmp_path, monkeypatch
):
    pools = []

    class Pool(pdf.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            pools.append(kwargs["max_workers"])

    monkeypatch.setattr(pdf, "ProcessPoolExecutor", Pool)
    sheets = list(seed_sheets.order_by("pk")[:4])
    one = exports.pdf_zip(sheets, out=tmp_path / "one.zip", workers=1)
    assert pools == []
    pdf_cache.clear()
    two = exports.pdf_zip(sheets, out=tmp_path / "two.zip", workers=2)
    assert pools == [2]  # rendered by two worker processes
    assert isinstance(one, Path) and one.is_file()  # written on disk, not returned as bytes
    one_texts, two_texts = pdf_texts(one, tmp_path), pdf_texts(two, tmp_path)
    assert (
        sorted(one_texts)
        == sorted(two_texts)
        == sorted(exports.sheet_filename(s, "pdf") for s in sheets)
    )
    assert one_texts == two_texts
    assert all("财政项目支出绩效自评表" in t.replace(" ", "") for t in one_texts.values())
    # Every sheet is cached now: a third batch renders nothing, in no worker.
    monkeypatch.setattr("weasyprint.HTML", None)
    three = exports.pdf_zip(sheets, out=tmp_path / "three.zip", workers=2)
    assert pools == [2] and pdf_texts(three, tmp_path) == one_texts


def test_an_export_job_records_progress_and_heartbeat_as_files_finish(
    filler, settings, fake_weasyprint, monkeypatch
):
    settings.PERFEVAL_PDF_WORKERS = 2
    from projects.exports import tasks

    beats = []
    original = tasks.Heartbeat.__call__

    def beat(self, done: int, total: int) -> None:
        beats.append((done, total))
        original(self, done, total)

    monkeypatch.setattr(tasks.Heartbeat, "__call__", beat)
    pdf_of(sheet_named(SMALL))  # one sheet cached beforehand
    response = logged_in(filler).post("/exports/", {"kind": "pdf_zip", "year": "2023"})
    assert response.status_code == 302
    job = ExportJob.objects.latest("pk")
    assert (job.state, job.done, job.total) == ("done", 11, 11)
    assert job.heartbeat_at is not None
    assert beats == [(i, 11) for i in range(1, 12)]
    with job.file.open("rb") as f, zipfile.ZipFile(f) as archive:
        names = archive.namelist()
        assert len(names) == 11 and all(archive.read(n).startswith(b"%PDF") for n in names)
    assert len(cached_files()) == 11


def test_the_commands_pdf_batch_renders_in_workers_and_reuses_the_cache(
    seed_sheets, settings, fake_weasyprint, tmp_path
):
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import UNIT_A

    settings.PERFEVAL_PDF_WORKERS = 2
    args = ["export_sheets", "--format", "pdf", "--unit", UNIT_A, "--output", str(tmp_path)]
    call_command(*args, stdout=StringIO(), stderr=StringIO())
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.pdf")}
    assert len(first) == 11 and len(cached_files()) == 11
    assert fake_weasyprint.renders == []  # rendered in the worker processes, not here
    settings.PERFEVAL_PDF_WORKERS = 1
    err = StringIO()
    call_command(*args, stdout=StringIO(), stderr=err)
    assert fake_weasyprint.renders == []  # all from the cache
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.pdf")} == first
    assert "11/11 sheets" in err.getvalue()
