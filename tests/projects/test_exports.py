"""Exports: one sheet as PDF and Excel, batches in the background, the summary, the command."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from projects.models import ExportJob, Sheet
from tests.conftest import UNIT_A
from tests.helpers import json_of, logged_in

pytestmark = pytest.mark.django_db
D = Decimal
BIG = "人才大厦运行维护经费"


def pdf_text(data: bytes, tmp_path, *, layout: bool = True) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_the_pdf_of_the_40_row_sheet_holds_every_name_and_the_total_in_embedded_fonts(
    filler, tmp_path
):
    assert shutil.which("pdftotext"), "poppler-utils is missing: make test installs it"
    sheet = Sheet.objects.get(project__name=BIG)
    response = logged_in(filler).get(f"/sheets/{sheet.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    # Reading order, whitespace aside: a long name wraps onto two lines of its cell.
    flowing = "".join(pdf_text(data, tmp_path, layout=False).split())
    for row in sheet.indicators.all():
        assert row.name in flowing, row.name
    assert "96.63" in text and "财政项目支出绩效自评表（2023年度）" in text.replace(" ", "")
    assert "第1页共3页" in text.replace(" ", "")
    assert "草稿" in text and "导出于" in text
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "sheet.pdf")], capture_output=True, text=True
    ).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5] == "yes" for r in rows), fonts  # the "emb" column
    assert all("CJK" in r[0] for r in rows)


def test_user_text_in_the_pdf_is_text_not_markup(filler, tmp_path):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    Sheet.objects.filter(pk=sheet.pk).update(goal_expected="<b>加粗</b> & <p>段落</p>")
    data = logged_in(filler).get(f"/sheets/{sheet.pk}.pdf").content
    assert "<b>加粗</b> & <p>段落</p>" in pdf_text(data, tmp_path)


def test_the_xlsx_of_a_sheet_is_a_real_worksheet(filler):
    sheet = Sheet.objects.get(project__name=BIG)
    response = logged_in(filler).get(f"/sheets/{sheet.pk}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.page_setup.orientation == "landscape"
    numbers = {
        D(str(c.value))
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "n" and c.value is not None
    }
    assert D("96.63") in numbers and D("1052.02") in numbers
    assert len(ws.merged_cells.ranges) > 10


def run_batch(client, **data) -> ExportJob:
    response = client.post("/exports/", data)
    assert response.status_code == 302
    return ExportJob.objects.latest("pk")


def test_a_batch_of_pdfs_is_built_for_the_users_scope_only(filler, filler_other):
    job = run_batch(logged_in(filler), kind="pdf_zip", year="2023")
    assert (job.state, job.done, job.total, job.percent) == ("done", 11, 11, 100)
    response = logged_in(filler).get(f"/exports/{job.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 11
    assert "2023_上海市人才服务中心_人才大厦运行维护经费.pdf" in names
    assert all(archive.read(n).startswith(b"%PDF") for n in names)
    # Another user's batch holds only its own sheet, and cannot fetch this one.
    other = run_batch(logged_in(filler_other), kind="pdf_zip", year="2023")
    assert other.total == 1
    assert logged_in(filler_other).get(f"/exports/{job.pk}/download/").status_code == 404
    assert logged_in(filler_other).get(f"/exports/{job.pk}/").status_code == 404


def test_a_batch_workbook_has_one_worksheet_per_sheet(reviewer):
    job = run_batch(logged_in(reviewer), kind="workbook", year="2023")
    data = b"".join(logged_in(reviewer).get(f"/exports/{job.pk}/download/").streaming_content)
    wb = load_workbook(io.BytesIO(data))
    assert len(wb.worksheets) == 11
    assert BIG in wb.sheetnames


def test_the_summary_table_has_a_row_per_sheet_and_a_total_row(reviewer):
    job = run_batch(logged_in(reviewer), kind="summary", year="2023")
    data = b"".join(logged_in(reviewer).get(f"/exports/{job.pk}/download/").streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[3]]
    assert header == [
        "序号",
        "实施单位",
        "项目名称",
        "全年预算数（万元）",
        "全年执行数（万元）",
        "执行率（%）",
        "指标得分",
        "总分",
        "评分等级",
        "状态",
    ]
    rows = {r[2]: r for r in ws.iter_rows(min_row=4, max_row=14, values_only=True)}
    big = rows[BIG]
    assert (
        D(str(big[3])),
        D(str(big[4])),
        D(str(big[5])),
        D(str(big[6])),
        D(str(big[7])),
        big[8],
        big[9],
    ) == (D("1092.30"), D("1052.02"), D("96.31"), D("87.00"), D("96.63"), "优", "草稿")
    total = [c.value for c in ws[15]]
    assert total[0].startswith("合计（11 个项目")
    assert D(str(total[3])) == D("5134.06")  # Σ 全年预算数 of the 11 sheets
    assert total[8] == "优11"


def test_the_summary_page_shows_the_same_figures(reviewer):
    response = logged_in(reviewer).get("/summary/", {"year": 2023})
    summary = response.context["summary"]
    assert len(summary.rows) == 11
    assert summary.annual == D("5134.06")
    assert summary.rate == D("95.42")  # 4,899.03 ÷ 5,134.06
    html = response.content.decode()
    assert "5,134.06" in html and "96.63" in html


def test_the_progress_of_a_running_batch_is_shown_and_polled(filler):
    job = ExportJob.objects.create(
        user=filler, kind="pdf_zip", year=2023, state="running", done=3, total=11
    )
    html = logged_in(filler).get(f"/exports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html and "3/11" in html and 'data-percent="27"' in html
    job.state, job.done = "done", 11
    job.save()
    html = logged_in(filler).get(f"/exports/{job.pk}/").content.decode()
    assert "hx-trigger" not in html and "/download/" in html


def test_a_batch_queued_in_the_database_is_run_by_the_worker(transactional_db, filler, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = run_batch(logged_in(filler), kind="summary", year="2023")
    assert job.state == "queued"
    call_command("db_worker", "--batch", stdout=io.StringIO(), stderr=io.StringIO())
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("done", 11, 11)
    assert job.file.name.endswith(".xlsx")


def test_the_command_writes_one_file_or_one_file_per_sheet(seed_sheets, tmp_path):
    sheet = Sheet.objects.get(project__name=BIG)
    one = tmp_path / "one.pdf"
    call_command(
        "export_sheets",
        "--format",
        "pdf",
        "--id",
        str(sheet.pk),
        "--output",
        str(one),
        stdout=io.StringIO(),
    )
    assert one.read_bytes().startswith(b"%PDF")
    err = io.StringIO()
    out_dir = tmp_path / "all"
    call_command(
        "export_sheets",
        "--format",
        "xlsx",
        "--unit",
        UNIT_A,
        "--output",
        str(out_dir),
        stdout=io.StringIO(),
        stderr=err,
    )
    files = sorted(p.name for p in out_dir.iterdir())
    assert len(files) == 11 and "2023_上海市人才服务中心_人才大厦运行维护经费.xlsx" in files
    assert "[##############################]   11/11 sheets" in err.getvalue()
    book = tmp_path / "book.xlsx"
    call_command(
        "export_sheets",
        "--format",
        "workbook",
        "--unit",
        UNIT_A,
        "--output",
        str(book),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert len(load_workbook(book).worksheets) == 11
    summary = tmp_path / "summary.xlsx"
    call_command(
        "export_sheets",
        "--format",
        "summary",
        "--year",
        "2023",
        "--output",
        str(summary),
        stdout=io.StringIO(),
    )
    assert load_workbook(summary).active["A1"].value == "2023年度项目支出绩效自评汇总表"


def test_the_commands_own_xlsx_imports_back_to_identical_figures(seed_sheets, tmp_path):
    sheet = Sheet.objects.get(project__name=BIG)
    before = json_of(sheet)
    path = tmp_path / "big.xlsx"
    call_command(
        "export_sheets",
        "--format",
        "xlsx",
        "--id",
        str(sheet.pk),
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command("import_sheets", str(path), stdout=out, stderr=io.StringIO())
    assert (
        "2023 人才大厦运行维护经费: 40 rows, 0 errors, 1 warnings — 内容相同，未改动"
        in out.getvalue()
    )
    assert json_of(sheet) == before


def test_import_refuses_a_broken_workbook_in_one_line(db, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="bad.xlsx"):
        call_command("import_sheets", str(bad), "--year", "2023")


def test_a_sheet_can_be_started_from_an_uploaded_workbook(filler, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.exports import services as exports
    from tests.helpers import sheet_of, view_of

    view = view_of(sheet_of("政府聘用辅助人员经费"))
    upload = SimpleUploadedFile("sheet.xlsx", exports.one_xlsx(view))
    client = logged_in(filler)
    data = {"new_project": "上传的项目", "year": "2024", "mode": "xlsx", "upload": upload}
    preview = client.post("/sheets/new/", data)
    assert preview.status_code == 200
    assert preview.context["view"].total_text == "95.79"
    text = preview.context["form"]["text"].value()
    confirmed = client.post(
        "/sheets/new/",
        {
            "new_project": "上传的项目",
            "year": "2024",
            "mode": "paste",
            "text": text,
            "action": "confirm",
        },
    )
    assert confirmed.status_code == 302
    assert str(Sheet.objects.get(project__name="上传的项目").evaluate().total) == "95.79"


def test_the_summary_opens_with_the_latest_year_and_offers_its_workbook(seed, reviewer):
    client = logged_in(reviewer)
    page = client.get("/summary/")
    assert page.status_code == 200
    assert page.context["summary"] is not None
    assert page.context["form"].cleaned_data["year"] == 2023
    html = page.content.decode()
    assert 'id="summary-download"' in html and 'name="kind" value="summary"' in html
    queued = client.post(
        "/exports/", {"kind": "summary", "year": 2023, "department": "", "unit": ""}
    )
    assert queued.status_code == 302
    from projects.models import ExportJob

    assert ExportJob.objects.get().kind == "summary"


def test_the_batch_form_remembers_the_last_choice(seed, reviewer):
    client = logged_in(reviewer)
    department = reviewer.profile.department
    client.post(
        "/exports/", {"kind": "summary", "year": 2023, "department": department.pk, "unit": ""}
    )
    form = client.get("/exports/").context["form"]
    assert form["kind"].value() == "summary"
    assert str(form["year"].value()) == "2023"
    assert str(form["department"].value()) == str(department.pk)
