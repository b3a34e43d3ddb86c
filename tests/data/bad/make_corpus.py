"""Writes the bad-input corpus beside this script (tests/projects/test_bad_input.py reads it).

    .venv/bin/python tests/data/bad/make_corpus.py

Deterministic: running it again writes the same bytes. Every file stays small (the whole
corpus is well under 1 MB); the zip bombs are small files whose entries claim and expand to
far more than the import limits allow. The workbooks are written part by part with zipfile,
so each one holds exactly the XML that tests the limit, nothing else.
"""

from __future__ import annotations

import random
import zipfile
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024
FIXED_TIME = (2024, 1, 1, 0, 0, 0)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def sheet_xml(*, dimension: str = "A1", rows: str = "", after: str = "") -> bytes:
    """A worksheet part: its <dimension>, the rows of <sheetData>, what follows sheetData."""
    return (
        f'{SHEET_OPEN}<dimension ref="{dimension}"/><sheetData>{rows}</sheetData>{after}'
        "</worksheet>"
    ).encode()


ONE_CELL = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'


def package(sheet: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx holding one worksheet, every entry deflated, with fixed timestamps."""
    out = BytesIO()
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode(),
        "xl/worksheets/sheet1.xml": sheet,
        **(extra or {}),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
    return out.getvalue()


def padded_sheet(size: int) -> bytes:
    """A valid worksheet part of `size` bytes: one cell, then whitespace (compresses ~1000×)."""
    head = sheet_xml(rows=ONE_CELL)
    return head[: -len(b"</worksheet>")] + b" " * (size - len(head)) + b"</worksheet>"


def corrupt() -> bytes:
    """A readable zip whose worksheet entry's deflated bytes are overwritten in the middle:
    the archive opens, the entry does not decompress."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第{r}行 {r * 7919}</t></is></c></row>'
        for r in range(1, 200)
    )
    data = bytearray(package(sheet_xml(dimension="A1:A199", rows=rows)))
    archive = zipfile.ZipFile(BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Local header: 30 bytes + name + extra, then the compressed data.
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 3
    data[middle : middle + 64] = b"\xff" * 64
    return bytes(data)


def sheet_text(
    *,
    project: str = "坏输入测试项目",
    initial: str = "100.00",
    annual: str = "100.00",
    executed: str = "90.00",
    weight: str = "50.00",
    actual: str = "100",
    rows: int = 2,
) -> str:
    """A small official sheet as tab-separated text, with the values a test puts in."""
    lines = [
        "财政项目支出绩效自评价",
        f"项目名称\t\t{project}",
        "主管部门\t\t坏输入测试局\t\t实施单位\t\t坏输入测试中心",
        "项目资金（万元）\t\t\t\t年初预算数\t全年预算数\t全年执行数\t分数\t执行率\t得分",
        f"\t\t年度资金总额\t\t{initial}\t{annual}\t{executed}\t10.00\t\t",
        f"\t\t其中：当年财政拨款\t\t{initial}\t{annual}\t{executed}\t-\t\t-",
        "\t\t上年结转资金\t\t0.00\t0.00\t0.00\t-\t\t-",
        "\t\t其他资金\t\t0.00\t0.00\t0.00\t-\t\t-",
        "年度总体目标\t\t预期目标\t\t\t实际完成情况",
        "\t\t完成培训任务。\t\t\t完成了培训任务。",
        "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析",
        f"产出指标\t数量指标\t培训人次\t≥100(人次)\t{actual}(人次)\t{weight}\t{weight}\t",
    ]
    lines += [f"\t\t第{n}项培训\t≥1(次)\t1(次)\t0.01\t0.01\t" for n in range(2, rows + 1)]
    lines += ["\t\t\t\t\t100\t90.00", "评分等级\t\t良"]
    return "\n".join(lines) + "\n"


def workbooks() -> dict[str, bytes]:
    return {
        "corrupt.xlsx": corrupt(),
        "truncated.xlsx": package(sheet_xml(rows=ONE_CELL))[:300],
        # 60 MiB of worksheet in one entry: past the 50 MiB the entries may expand to.
        "zip_bomb.xlsx": package(padded_sheet(60 * MIB)),
        # 20 MiB, under the total, but one entry expanding about 1000 times its size.
        "ratio_bomb.xlsx": package(padded_sheet(20 * MIB)),
        "huge_dimension.xlsx": package(sheet_xml(dimension="A1:XFD1048576", rows=ONE_CELL)),
        "huge_cell.xlsx": package(
            sheet_xml(
                dimension="A1",
                rows='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
            )
        ),
        "huge_merge.xlsx": package(
            sheet_xml(
                rows=ONE_CELL,
                after='<mergeCells count="1"><mergeCell ref="A1:Z1000000"/></mergeCells>',
            )
        ),
        "empty.xlsx": b"",
    }


def texts() -> dict[str, bytes]:
    return {
        "garbage.bin": random.Random(20240101).randbytes(4096),
        "gbk.txt": sheet_text(project="国标编码项目").encode("gbk"),
        "utf16.txt": sheet_text(project="双字节编码项目").encode("utf-16"),  # with its BOM
        "thousand_rows.txt": sheet_text(project="一千行项目", rows=1000).encode(),
        "nan.txt": sheet_text(project="非数项目", executed="NaN").encode(),
        "overflow.txt": sheet_text(project="溢出项目", executed="1e309").encode(),
        "fullwidth.txt": sheet_text(
            project="全角数字项目", executed="９０．００", actual="１２３"
        ).encode(),
        "negative.txt": sheet_text(project="负数项目", executed="-90.00").encode(),
    }


def evidence() -> dict[str, bytes]:
    return {
        "evil.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
        b"<script>alert(1)</script></svg>\n",
        "evil.html": b"<!doctype html><html><body><script>alert(document.cookie)</script>"
        b"</body></html>\n",
        # HTML under a PDF's name: the first bytes give it away.
        "html_as.pdf": b"<html><script>alert(1)</script></html>\n",
    }


def main() -> None:
    total = 0
    for name, data in {**workbooks(), **texts(), **evidence()}.items():
        (HERE / name).write_bytes(data)
        total += len(data)
        print(f"{name}: {len(data)} bytes")
    print(f"total: {total} bytes")
    assert total < MIB, "the corpus must stay under 1 MB"


if __name__ == "__main__":
    main()
