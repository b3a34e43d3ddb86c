"""A long sheet's PDF: continuation pages name the project and the groups they continue.

WeasyPrint prints a merged (rowspan) cell's text on one page only, so `pdf.render_document`
splits each level-1/level-2 cell a page break cuts. These tests read the PDF as text, page by
page (poppler's pdftotext), and check the rewritten HTML's table stays whole.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import weasyprint

from projects import official
from projects.exports import pdf
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import build_sheet_view

LONG = "人才大厦运行维护经费"  # the 40-row seed sheet: three pages
SHORT = "社区公共服务设施运营补助"  # 7 rows: one page
COLUMNS = 8  # the indicator table's columns in the PDF
HEAD = {1: official.INDICATOR_COLUMNS["level1"], 2: official.INDICATOR_COLUMNS["level2"]}


def view_of(seed, project: str):
    sheet = seed.get(project__name=project)
    return build_sheet_view(sheet_queryset().get(pk=sheet.pk))


def page_text(data: bytes, tmp_path, page: int) -> str:
    """The text of one page, whitespace removed (a name wrapped in its cell reads whole)."""
    assert shutil.which("pdftotext"), "poppler-utils is missing: make test installs it"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    args = ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def page_count(data: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))


def mm(value: float) -> float:
    return value * 72 / 25.4


# Where the level columns stand on an A4 landscape page (pdf.css: 10 mm side margins, the
# level-1 column 7 % and the level-2 column 8.5 % of the width between them), in points, a
# point inside each edge; below the top margin (12 mm) that holds the running header.
CONTENT = mm(297) - 2 * mm(10)
LEVEL_COLUMNS = {
    1: (mm(10) + 1, 0.07 * CONTENT - 2),
    2: (mm(10) + 0.07 * CONTENT + 1, 0.085 * CONTENT - 2),
}


def column_text(data: bytes, tmp_path, page: int, level: int) -> str:
    """A level column's text on one page, top to bottom, whitespace removed."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    x, width = LEVEL_COLUMNS[level]
    box = ["-x", f"{x:.0f}", "-y", f"{mm(12):.0f}", "-W", f"{width:.0f}", "-H", f"{mm(180):.0f}"]
    args = ["pdftotext", "-f", str(page), "-l", str(page), *box, str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


@pytest.fixture
def count_layouts(monkeypatch):
    """How many times WeasyPrint lays a document out."""
    calls = []
    render = weasyprint.HTML.render

    def counting(self, *args, **kwargs):
        calls.append(1)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counting)
    return calls


def test_each_continuation_page_names_the_project_and_the_groups_of_its_first_row(
    seed, tmp_path, count_layouts
):
    view = view_of(seed, LONG)
    html = pdf.sheet_html(view)
    document = pdf.render_document(html)
    starts = pdf.page_start_rows(document)
    assert len(document.pages) == 3 and len(starts) == 2
    # Laid out twice: once to find the breaks, once with the cells split there.
    assert len(count_layouts) == 2
    data = document.write_pdf()

    first = page_text(data, tmp_path, 1)
    assert view.title in first and "续表" not in first  # page 1 prints its own title
    for page, start in enumerate(starts, start=2):
        text = page_text(data, tmp_path, page)
        assert f"{official.PROJECT}：{view.project}" in text
        assert f"{view.title}续表" in text
        row = view.rows[start]
        # The groups the page continues: each is cut by the break (it began on an earlier
        # page), so before the split its name printed on the earlier page only.
        assert row.level1_span == 0 and row.level2_span == 0
        # Under the repeated column header, the page's first names are those groups'.
        assert column_text(data, tmp_path, page, 1).startswith(f"{HEAD[1]}{row.level1}")
        assert column_text(data, tmp_path, page, 2).startswith(f"{HEAD[2]}{row.level2}")


def test_the_cells_are_split_on_the_rows_that_start_a_page_and_nowhere_else(seed):
    html = pdf.sheet_html(view_of(seed, LONG))
    rows = pdf.indicator_rows(html)
    starts = pdf.page_start_rows(pdf.render_document(html))
    cuts = pdf.cut_rows(rows, starts)
    position = {number: i for i, number in enumerate(rows.numbers)}
    assert cuts == tuple(position[n] for n in starts)  # both breaks cut a group
    split = pdf.split_groups(html, cuts)
    copies = [
        c for c in pdf.indicator_rows(split).cells if "data-continued" in split[c.start : c.end]
    ]
    # Each cut row gets a copy of both levels (each page starts inside a level-2 group).
    assert sorted((c.row, c.level) for c in copies) == [
        (p, level) for p in cuts for level in (1, 2)
    ]
    assert html.count("data-continued") == 0


def grid_is_whole(html: str, rows: int) -> None:
    """Every indicator row fills exactly the table's columns, and each level's cells tile the
    rows: no row covered twice, none left out, every span inside the table."""
    parsed = pdf.indicator_rows(html)
    assert len(parsed.numbers) == rows
    for level in (1, 2):
        covered = [0] * rows
        for cell in parsed.cells:
            if cell.level == level:
                assert cell.span >= 1 and cell.row + cell.span <= rows
                for r in range(cell.row, cell.row + cell.span):
                    covered[r] += 1
        assert covered == [1] * rows
    for position, number in enumerate(parsed.numbers):
        start = html.index(f'id="row-{number}"')
        row_html = html[start : html.index("</tr>", start)]
        own = len(re.findall(r"<td\b", row_html))
        own_levels = sum(1 for c in parsed.cells if c.row == position)
        assert own - own_levels == COLUMNS - 2


@pytest.mark.parametrize(
    "cuts",
    [(), (1,), (5, 6, 7), tuple(range(1, 40, 3)), tuple(range(40))],
    ids=["none", "second row", "consecutive", "every third", "every row"],
)
def test_splitting_keeps_every_row_and_sums_each_groups_spans_to_its_rows(seed, cuts):
    view = view_of(seed, LONG)
    html = pdf.sheet_html(view)
    split = pdf.split_groups(html, cuts)
    grid_is_whole(split, len(view.rows))
    parsed = pdf.indicator_rows(split)
    for level in (1, 2):
        # Each group (a run of equal names) keeps its rows: its cells' spans sum to its length,
        # and every cell after its first is a marked copy with the same name.
        names = [r.level1 if level == 1 else (r.level1, r.level2) for r in view.rows]
        for original in pdf.indicator_rows(html).cells:
            if original.level != level:
                continue
            group = range(original.row, original.row + original.span)
            parts = [c for c in parsed.cells if c.level == level and c.row in group]
            assert sum(c.span for c in parts) == original.span
            assert {names[c.row] for c in parts} == {names[original.row]}
            for part in parts[1:]:
                assert "data-continued" in split[part.start : part.end]
                assert part.row in cuts
    # Text outside the level cells is unchanged.
    strip = re.compile(r'<td data-continued[^>]*>.*?</td>|rowspan="\d+"', re.DOTALL)
    assert strip.sub("", split) == strip.sub("", html)


def test_a_one_page_sheet_is_laid_out_once(seed, tmp_path, count_layouts):
    html = pdf.sheet_html(view_of(seed, SHORT))
    data = pdf.html_to_pdf(html)
    assert page_count(data, tmp_path) == 1
    assert len(count_layouts) == 1
    assert "续表" not in page_text(data, tmp_path, 1)


def test_a_worker_writes_the_same_split_pdf(seed, tmp_path):
    # The batch's forked workers get only the HTML and a path: the split happens there too.
    view = view_of(seed, LONG)
    path = pdf.write_pdf(pdf.sheet_html(view), str(tmp_path / "worker.pdf"))
    data = (tmp_path / "worker.pdf").read_bytes()
    assert path.endswith("worker.pdf") and page_count(data, tmp_path) == 3
    second = page_text(data, tmp_path, 2)
    assert f"{official.PROJECT}：{view.project}" in second
    assert column_text(data, tmp_path, 2, 1).startswith(f"{HEAD[1]}{view.rows[0].level1}")


def test_a_split_copies_the_cell_as_printed_whatever_its_text():
    # User text reaches the HTML escaped: a name that looks like markup stays text, and the
    # copy keeps the cell's other attributes (lang) untouched.
    name = "&lt;/td&gt; rowspan=&quot;9&quot;"
    rows = "".join(
        f'<tr id="row-{i}" class="indicator">'
        + (
            f'<td class="level" lang="zh-Hans" data-level="1" rowspan="4">{name}</td>'
            if i == 0
            else ""
        )
        + (f'<td class="level" data-level="2" rowspan="2">二{i}</td>' if i % 2 == 0 else "")
        + "<td>x</td></tr>"
        for i in range(4)
    )
    split = pdf.split_groups(f"<table><tbody>{rows}</tbody></table>", (1, 3))
    assert split.count(f">{name}</td>") == 3
    assert (
        '<tr id="row-1" class="indicator"><td data-continued class="level" lang="zh-Hans"'
        f' data-level="1" rowspan="2">{name}</td><td data-continued class="level"'
        ' data-level="2" rowspan="1">二0</td><td>x</td></tr>'
    ) in split
    spans = [(c.row, c.level, c.span) for c in pdf.indicator_rows(split).cells]
    assert spans == [(0, 1, 1), (0, 2, 1), (1, 1, 2), (1, 2, 1), (2, 2, 1), (3, 1, 1), (3, 2, 1)]
