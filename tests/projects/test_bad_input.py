"""The bad-input corpus (tests/data/bad/, written by make_corpus.py): one test per file, through
the real import page, evidence upload and `import_sheets`.

Each refused input answers with its exact message and writes nothing (the counts of sheets,
indicator rows, budget lines and evidence are the same before and after). Time and memory are
bounded by where each check stands, not by timing: the tests replace openpyxl's
`load_workbook`, the sheet-XML scan and the text parser with tripwires, and show that an
oversized file, a zip bomb or a huge range is refused before they are reached.
"""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from projects.imports import services as imports
from projects.imports import xlsx_reader
from projects.models import BudgetLine, Evidence, Indicator, Sheet
from tests.helpers import logged_in, sheet_of

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"
NEW = reverse("projects:sheet-new")


def counts() -> tuple[int, int, int, int]:
    return (
        Sheet.objects.count(),
        Indicator.objects.count(),
        BudgetLine.objects.count(),
        Evidence.objects.count(),
    )


class Tripwire:
    """Stands in for a function that must not be reached; records any call and fails."""

    def __init__(self, name: str) -> None:
        self.name, self.calls = name, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        raise AssertionError(f"{self.name} reached")


@pytest.fixture
def tripwires(monkeypatch):
    """openpyxl's loader, the decompressing XML scan and the byte reader, each a tripwire."""
    wires = {
        "load_workbook": Tripwire("openpyxl.load_workbook"),
        "scan": Tripwire("sheet XML scan"),
        "read": Tripwire("reading the upload"),
    }
    monkeypatch.setattr(xlsx_reader, "load_workbook", wires["load_workbook"])
    return wires, monkeypatch


def upload(client, name: str, data: bytes):
    """The import page's Excel upload, as a browser posts it."""
    return client.post(
        NEW,
        {
            "new_project": "坏输入",
            "year": "2024",
            "mode": "xlsx",
            "upload": SimpleUploadedFile(name, data),
        },
    )


def paste(client, text: str):
    return client.post(
        NEW, {"new_project": "坏输入", "year": "2024", "mode": "paste", "text": text}
    )


def refused_upload(filler, name: str, data: bytes) -> str:
    """Posts the file to the import page; returns the upload field's one error."""
    before = counts()
    response = upload(logged_in(filler), name, data)
    assert response.status_code == 200
    assert "view" not in response.context  # no preview: the form was refused
    errors = response.context["form"].errors["upload"]
    assert len(errors) == 1
    assert counts() == before
    return errors[0]


def command_refuses(tmp_path, name: str, data: bytes | None = None, as_name: str = "") -> str:
    """`import_sheets` on the file; returns its one-line error, nothing saved."""
    path = tmp_path / (as_name or name)
    if data is None:
        shutil.copy(BAD / name, path)
    else:
        path.write_bytes(data)
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_sheets", str(path), "--year", "2023")
    assert counts() == before
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message.removeprefix(f"{path}: ")


# -- workbooks ---------------------------------------------------------------------------------


CORRUPT = "无法读取 Excel 文件：文件已损坏，请在 Excel 中打开并另存后再导入"
NOT_ZIP = "无法读取 Excel 文件：不是有效的 .xlsx 工作簿（文件不完整或不是 Excel 文件）"
RANGE = "无法读取 Excel 文件：工作表的范围（{ref}）超出上限，每个工作表最多 2000 行、60 列"


def test_a_corrupt_workbook_is_refused_before_openpyxl(filler, tmp_path, tripwires):
    wires, _patch = tripwires
    data = (BAD / "corrupt.xlsx").read_bytes()
    assert refused_upload(filler, "corrupt.xlsx", data) == CORRUPT
    assert command_refuses(tmp_path, "corrupt.xlsx") == CORRUPT
    assert wires["load_workbook"].calls == 0


def test_a_truncated_workbook_is_refused_before_openpyxl(filler, tmp_path, tripwires):
    wires, _patch = tripwires
    data = (BAD / "truncated.xlsx").read_bytes()
    assert refused_upload(filler, "truncated.xlsx", data) == NOT_ZIP
    assert command_refuses(tmp_path, "truncated.xlsx") == NOT_ZIP
    assert wires["load_workbook"].calls == 0


def test_a_zip_bomb_is_refused_from_its_directory_without_decompressing(
    filler, tmp_path, tripwires
):
    wires, monkeypatch = tripwires
    monkeypatch.setattr(xlsx_reader, "_scan_part", wires["scan"])
    data = (BAD / "zip_bomb.xlsx").read_bytes()
    assert len(data) < 100_000  # a small file …
    message = "无法读取 Excel 文件：解压后的内容过大（60.0\xa0MB），上限为 50.0\xa0MB"
    assert refused_upload(filler, "zip_bomb.xlsx", data) == message
    assert command_refuses(tmp_path, "zip_bomb.xlsx") == message
    assert wires["load_workbook"].calls == wires["scan"].calls == 0


def test_an_entry_compressed_a_thousand_times_is_refused_without_decompressing(
    filler, tmp_path, tripwires
):
    wires, monkeypatch = tripwires
    monkeypatch.setattr(xlsx_reader, "_scan_part", wires["scan"])
    data = (BAD / "ratio_bomb.xlsx").read_bytes()
    message = "无法读取 Excel 文件：压缩比异常（1016 倍，上限 200 倍），疑似恶意构造的文件"
    assert refused_upload(filler, "ratio_bomb.xlsx", data) == message
    assert command_refuses(tmp_path, "ratio_bomb.xlsx") == message
    assert wires["load_workbook"].calls == wires["scan"].calls == 0


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("huge_dimension.xlsx", "A1:XFD1048576"),
        ("huge_cell.xlsx", "1048576:1048576"),
        ("huge_merge.xlsx", "A1:Z1000000"),
    ],
)
def test_a_workbook_claiming_a_huge_range_is_refused_before_openpyxl(
    filler, tmp_path, tripwires, name, ref
):
    wires, _patch = tripwires
    data = (BAD / name).read_bytes()
    assert len(data) < 2000
    assert refused_upload(filler, name, data) == RANGE.format(ref=ref)
    assert command_refuses(tmp_path, name) == RANGE.format(ref=ref)
    assert wires["load_workbook"].calls == 0


def test_the_corpus_workbooks_are_otherwise_well_formed():
    """The huge-range files are refused for their range alone: the same package with a small
    range reads (so the tests above do not pass for a wrong reason)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    small = corpus.package(corpus.sheet_xml(dimension="A1", rows=corpus.ONE_CELL))
    assert imports.read_workbook(small) == "项目名称\n"
    padded = corpus.package(corpus.padded_sheet(512 * 1024))  # compresses well, but is small
    assert imports.read_workbook(padded) == "项目名称\n"
    for name, data in {**corpus.workbooks(), **corpus.texts(), **corpus.evidence()}.items():
        assert (BAD / name).read_bytes() == data, f"{name}: run make_corpus.py again"
    assert sum(f.stat().st_size for f in BAD.iterdir()) < 1024 * 1024


def test_a_workbook_above_the_size_limit_is_refused_from_its_size_before_reading(
    filler, tmp_path, tripwires, settings
):
    wires, monkeypatch = tripwires
    monkeypatch.setattr(xlsx_reader, "_read_bytes", wires["read"])
    settings.PERFEVAL_IMPORT_MAX_BYTES = 1000
    data = (BAD / "huge_dimension.xlsx").read_bytes()  # 1.6 KB
    message = f"文件过大（{len(data) / 1024:.1f}\xa0KB），上限为 1000\xa0字节，未导入。"
    assert refused_upload(filler, "big.xlsx", data) == message
    assert command_refuses(tmp_path, "huge_dimension.xlsx") == message
    assert wires["read"].calls == wires["load_workbook"].calls == 0


def test_binary_garbage_is_refused_as_a_workbook_and_as_text(filler, tmp_path, tripwires):
    wires, _patch = tripwires
    data = (BAD / "garbage.bin").read_bytes()
    assert refused_upload(filler, "garbage.xlsx", data) == NOT_ZIP
    assert command_refuses(tmp_path, "garbage.bin", as_name="garbage.xlsx") == NOT_ZIP
    assert command_refuses(tmp_path, "garbage.bin", as_name="garbage.txt") == (
        "不是文本文件：请导入 UTF-8、GBK（GB18030）或带 BOM 的 UTF-16 编码的文本，或 .xlsx 文件。"
    )
    assert wires["load_workbook"].calls == 0


def test_an_empty_file_is_refused(filler, tmp_path, tripwires):
    wires, _patch = tripwires
    data = (BAD / "empty.xlsx").read_bytes()
    assert data == b""
    # Django's file field refuses an empty upload before the form's own checks.
    assert refused_upload(filler, "empty.xlsx", data) == "所提交的是空文件。"
    assert command_refuses(tmp_path, "empty.xlsx") == "无法读取 Excel 文件：文件是空的"
    assert command_refuses(tmp_path, "empty.xlsx", as_name="empty.txt") == "文件是空的，未导入。"
    assert wires["load_workbook"].calls == 0


# -- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "project"), [("gbk.txt", "国标编码项目"), ("utf16.txt", "双字节编码项目")]
)
def test_gbk_and_utf16_text_files_are_decoded_and_imported(empty_db, tmp_path, name, project):
    raw = (BAD / name).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    path = tmp_path / name
    shutil.copy(BAD / name, path)
    call_command("import_sheets", str(path), "--year", "2023")
    sheet = Sheet.objects.get(project__name=project)
    assert (sheet.project.unit.name, sheet.project.unit.department.name) == (
        "坏输入测试中心",
        "坏输入测试局",
    )
    assert [row.name for row in sheet.indicators.order_by("position")] == ["培训人次", "第2项培训"]
    total = sheet.budget_lines.get(kind="total")
    assert (total.annual, total.executed) == (Decimal("100"), Decimal("90"))


def test_a_very_large_paste_is_refused_before_it_is_parsed(filler, monkeypatch):
    parser = Tripwire("parse_text")
    monkeypatch.setattr(imports, "parse_text", parser)
    text = "项目名称\t\t大段粘贴\n" + "很长的内容\t" * 40_000
    before = counts()
    response = paste(logged_in(filler), text)
    assert response.status_code == 200 and "view" not in response.context
    assert response.context["form"].errors["text"] == [
        f"内容过长（{len(text.strip())} 个字符），上限为 200000 个字符，未导入。"
    ]
    assert parser.calls == 0
    assert counts() == before


def test_a_thousand_row_sheet_is_refused_with_its_row_count(filler, tmp_path):
    text = (BAD / "thousand_rows.txt").read_text(encoding="utf-8")
    message = "自评表“一千行项目”有 1000 行三级指标，超过上限 300 行，未导入。"
    before = counts()
    response = paste(logged_in(filler), text)
    assert response.status_code == 200 and "view" not in response.context
    assert response.context["form"].errors["text"] == [message]
    assert counts() == before
    assert command_refuses(tmp_path, "thousand_rows.txt") == message


def preview(filler, name: str):
    """The paste preview of a corpus sheet (it writes nothing): its view and findings."""
    before = counts()
    response = paste(logged_in(filler), (BAD / name).read_text(encoding="utf-8"))
    assert response.status_code == 200
    assert counts() == before
    view = response.context["view"]
    findings: dict[str, list[str]] = {}
    for finding in view.findings:
        findings.setdefault(finding.code, []).append(finding.message)
    return view, findings


@pytest.mark.parametrize(("name", "text"), [("nan.txt", "NaN"), ("overflow.txt", "1e309")])
def test_nan_and_1e309_are_no_amount_and_are_reported(filler, name, text):
    view, findings = preview(filler, name)
    total = view.funds[0]
    assert total.executed is None and total.executed_text == ""
    assert findings["value_missing"] == ["缺少年度资金总额的全年执行数。"]
    assert findings["import_unplaced"] == [
        f"导入时第 5 行未能识别：年度资金总额 | 100.00 | 100.00 | {text} | 10.00",
        f"导入时第 6 行未能识别：其中：当年财政拨款 | 100.00 | 100.00 | {text} | - | -",
    ]


def test_negative_amounts_are_a_finding_not_a_crash(filler):
    view, findings = preview(filler, "negative.txt")
    total = view.funds[0]
    # Never a negative budget score: the amount is not read, and the line is reported.
    assert total.executed is None and total.score_text == "0.00"
    assert findings["value_missing"] == ["缺少年度资金总额的全年执行数。"]
    assert findings["import_unplaced"] == [
        "导入时第 5 行未能识别：年度资金总额 | 100.00 | 100.00 | -90.00 | 10.00",
        "导入时第 6 行未能识别：其中：当年财政拨款 | 100.00 | 100.00 | -90.00 | - | -",
    ]


def test_full_width_digits_are_read_as_their_numbers(filler):
    view, findings = preview(filler, "fullwidth.txt")
    total = view.funds[0]
    assert (total.executed_text, total.rate_text) == ("90.00", "90.00")  # ９０．００
    row = view.rows[0]
    assert row.actual == "１２３(人次)"  # the text as printed …
    assert "import_unplaced" not in findings and "unparsed_value" not in findings
    # … and its number read as 123: the target ≥100 is met, full marks.
    assert row.score_text == "50.00" and row.suggested_text == "50.00"


# -- evidence ------------------------------------------------------------------------------------


def evidence_upload(client, sheet, name: str, data: bytes):
    file = io.BytesIO(data)
    file.name = name
    response = client.post(reverse("projects:evidence-upload", args=[sheet.pk]), {"file": file})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("evil.svg", "不支持的文件类型 .svg：可上传 PDF、图片（JPG、PNG）和 Office 文档。"),
        ("evil.html", "不支持的文件类型 .html：可上传 PDF、图片（JPG、PNG）和 Office 文档。"),
        ("html_as.pdf", "文件内容与扩展名 .pdf 不符。"),
    ],
)
def test_svg_and_html_evidence_is_refused(filler, name, message):
    sheet = sheet_of("政府聘用辅助人员经费")
    before = counts()
    assert evidence_upload(logged_in(filler), sheet, name, (BAD / name).read_bytes()) == [message]
    assert counts() == before


def test_evidence_above_its_limit_is_refused_from_its_size_before_reading(
    filler, settings, monkeypatch
):
    settings.EVIDENCE_MAX_BYTES = 100
    read = Tripwire("reading the evidence")
    # The server's side of the upload: nothing reads it before its size is checked.
    monkeypatch.setattr(InMemoryUploadedFile, "read", read)
    sheet = sheet_of("政府聘用辅助人员经费")
    before = counts()
    messages = evidence_upload(logged_in(filler), sheet, "big.pdf", b"%PDF-1.4" + b" " * 200)
    assert messages == ["文件过大（208\xa0字节），上限为 100\xa0字节。"]
    assert read.calls == 0
    assert counts() == before


def test_entity_tricks_in_the_sheet_xml_are_refused_before_openpyxl(filler, tripwires):
    """A DOCTYPE (the billion-laughs entity expansion) is refused as soon as the scan sees it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    wires, _patch = tripwires
    assert refused_upload(filler, "laughs.xlsx", corpus.package(laughs)) == (
        "无法读取 Excel 文件：含有不允许的 XML 文档类型声明，疑似恶意构造的文件"
    )
    assert wires["load_workbook"].calls == 0


def test_rows_and_columns_past_the_box_are_never_iterated():
    """Belt and braces behind the scan: reading a worksheet stops at the box."""
    from openpyxl import Workbook

    ws = Workbook().active
    ws.cell(row=1, column=1, value="项目名称")
    ws.cell(row=50, column=9, value="远处")
    limits = xlsx_reader.WorkbookLimits(max_rows=10, max_columns=5)
    assert xlsx_reader.worksheet_lines(ws, limits=limits) == ["项目名称"]
