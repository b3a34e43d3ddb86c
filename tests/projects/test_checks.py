"""The cross-sheet checks report (/checks/, docs/checks.md): on the 11 seed sheets it finds
the rows whose reasons contradict their actual values and the cut scores justified only by
boilerplate; it reads the stored findings within the user's scope, links each line to its
row, exports the same lines as text cells, and costs the same queries at 10× the sheets."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from openpyxl import load_workbook

from indicators.findings import Code
from projects import figures
from projects.audit.models import AuditRecord
from projects.checks.selectors import CHUNK
from projects.models import (
    BudgetLine,
    Department,
    Indicator,
    Profile,
    Project,
    Sheet,
    SheetFinding,
)
from tests.conftest import DEPARTMENT_B, UNIT_A, UNIT_B, persona
from tests.helpers import logged_in, sheet_of
from tests.projects.test_figures import add_copies

URL, EXPORT = "/checks/", "/checks/export/"

# Found once by running the engine over the seed, then written down: (project, row, name).
CONTRADICTING = {
    ("高校毕业生就业服务专项", 1, "高校毕业生就业服务周（月）活动轮次"),
    ("高校毕业生就业服务专项", 3, "“梦想进校园、精彩绘人生”系列校园招聘招聘会举办场次"),
    ("回国留学人员创业服务专项", 4, "开展品牌宣传留创园数量"),
    ("科创人才公共服务专项", 2, "科创人才专场招聘活动"),
    ("人才大厦运行维护经费", 2, "电梯设备维保数量"),
    ("人才引进一网通办服务专项", 3, "业务人员培训次数"),
    ("人事人才公共服务工作经费", 5, "各类培训开展场次"),
}
BOILERPLATE = {
    ("流动人员人事档案管理专项", 2, "转出人事档案整理装订数量"),
    ("流动人员人事档案管理专项", 4, "其他零星邮件邮寄份数"),
    ("流动人员人事档案管理专项", 6, "人事档案数字化处理份数"),
    ("人才引进一网通办服务专项", 1, "留学回国小语种成绩单翻译份数"),
    ("人事人才公共服务工作经费", 2, "回聘及实习人数"),
    ("人事人才公共服务工作经费", 7, "会议开展次数"),
}


def lines(client, **params) -> list:
    response = client.get(URL, {"year": 2023, **params})
    assert response.status_code == 200
    return response.context["lines"]


def places(found) -> set[tuple[str, int | None, str]]:
    return {(line.project, line.row_number, line.row_name) for line in found}


def test_the_seed_report_finds_the_reasons_contradicting_their_actuals(reviewer):
    found = lines(logged_in(reviewer), kind=str(Code.REASON_CONTRADICTS_ACTUAL))
    assert places(found) == CONTRADICTING
    rounds = next(line for line in found if line.row_number == 1 and "活动轮次" in line.row_name)
    assert rounds.message == "偏差原因中写的 5.00轮 与实际完成值 4.00轮 不一致。"
    assert {line.unit for line in found} == {UNIT_A}


def test_the_seed_report_finds_the_cut_scores_justified_only_by_boilerplate(reviewer):
    found = lines(logged_in(reviewer), kind=str(Code.BOILERPLATE_REASON))
    assert places(found) == BOILERPLATE
    assert all("过于笼统" in line.message for line in found)


def test_the_two_hints_are_in_the_report(reviewer):
    client = logged_in(reviewer)
    [exceeded] = lines(client, kind=str(Code.TARGET_EXCEEDED))
    assert (exceeded.project, exceeded.row_number) == ("流动人员人事档案管理专项", 5)
    assert exceeded.message.startswith("实际完成值 9316.00 达到年度指标值 6000.00 的 1.30 倍")
    [repeated] = lines(client, kind=str(Code.REASON_REPEATED))
    assert (repeated.project, repeated.row_number) == ("流动人员人事档案管理专项", 2)
    assert (
        repeated.message == "偏差原因“以实际业务发生情况为准”在 3 行中重复填写（第 2、4、6 行）。"
    )


def test_the_counts_at_the_top_are_the_engines_findings_of_each_kind(admin_user, seed):
    response = logged_in(admin_user).get(URL)  # the latest year by default: 2023
    assert response.context["filters"].year == 2023
    expected: dict[str, int] = {}
    for sheet in seed:
        for finding in sheet.evaluate().findings:
            expected[str(finding.code)] = expected.get(str(finding.code), 0) + 1
    counts = {c.code: c.count for c in response.context["counts"]}
    assert not any(c.more for c in response.context["counts"])
    assert counts == {code: expected.get(code, 0) for code in counts}
    assert counts[str(Code.REASON_CONTRADICTS_ACTUAL)] == len(CONTRADICTING)
    assert counts[str(Code.BOILERPLATE_REASON)] == len(BOILERPLATE)
    assert response.context["page"].paginator.count == sum(counts.values())
    html = response.content.decode()
    assert f'data-kind="{Code.BOILERPLATE_REASON}"' in html


def test_each_count_stops_at_the_cap_and_the_pages_follow_it(reviewer, monkeypatch):
    """With a state filter each kind is counted from the findings up to the cap; without one
    the counts kept per unit and year are exact, cap or not."""
    from projects.checks import selectors, views

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = logged_in(reviewer)
    response = client.get(URL, {"year": 2023, "state": "draft"})
    counts = {c.code: (c.count, c.more) for c in response.context["counts"]}
    assert counts[str(Code.REASON_CONTRADICTS_ACTUAL)] == (3, True)
    assert counts[str(Code.TARGET_EXCEEDED)] == (1, False)
    total = sum(n for n, _more in counts.values())
    assert response.context["page"].paginator.num_pages == -(-total // 4)
    assert "以上" in response.content.decode()
    kind = str(Code.BOILERPLATE_REASON)
    response = client.get(URL, {"year": 2023, "state": "draft", "kind": kind})
    assert response.context["page"].paginator.count == 3
    exact = {c.code: (c.count, c.more) for c in client.get(URL, {"year": 2023}).context["counts"]}
    assert exact[str(Code.REASON_CONTRADICTS_ACTUAL)] == (len(CONTRADICTING), False)
    assert exact[kind] == (len(BOILERPLATE), False)


def test_lines_are_grouped_by_unit_and_a_reviewer_sees_only_its_department(
    reviewer, admin_user, filler_other
):
    everyone = lines(logged_in(admin_user))
    assert {line.unit for line in everyone} == {UNIT_A, UNIT_B}
    # Each unit's lines together, and within a unit each sheet's lines together.
    groups = [
        key
        for i, key in enumerate((line.department, line.unit) for line in everyone)
        if i == 0 or (everyone[i - 1].department, everyone[i - 1].unit) != key
    ]
    assert len(groups) == len(set(groups)) == 2
    sheets = [
        line.sheet_id
        for i, line in enumerate(everyone)
        if i == 0 or everyone[i - 1].sheet_id != line.sheet_id
    ]
    assert len(sheets) == len(set(sheets))
    html = logged_in(admin_user).get(URL, {"year": 2023}).content.decode()
    assert html.count('class="table-group-divider unit-group"') == 2
    own = lines(logged_in(reviewer))
    assert own and {line.unit for line in own} == {UNIT_A}
    other_units = lines(logged_in(filler_other))
    assert other_units and {line.unit for line in other_units} == {UNIT_B}
    # Another department asked for by id is outside the reviewer's scope: nothing.
    other = Department.objects.get(name=DEPARTMENT_B)
    assert lines(logged_in(reviewer), department=other.pk) == []
    html = logged_in(reviewer).get(URL).content.decode()
    assert UNIT_B not in html and "设施完好率" not in html


def test_department_unit_and_state_filters(admin_user, seed):
    client = logged_in(admin_user)
    department = Department.objects.get(name=DEPARTMENT_B)
    found = lines(client, department=department.pk)
    assert {line.unit for line in found} == {UNIT_B}
    unit = found[0]
    assert lines(client, unit=Project.objects.get(name=unit.project).unit_id) == found
    assert lines(client, state=Sheet.Status.SUBMITTED) == []
    sheet = sheet_of("人事人才公共服务工作经费")
    Sheet.objects.filter(pk=sheet.pk).update(status=Sheet.Status.SUBMITTED)
    submitted = lines(client, state=Sheet.Status.SUBMITTED)
    assert {line.project for line in submitted} == {"人事人才公共服务工作经费"}
    assert {line.state_label for line in submitted} == {"已提交"}


def test_each_lines_link_anchors_its_row_on_the_sheet_page(reviewer):
    client = logged_in(reviewer)
    found = lines(client)
    assert len(found) > 20
    pages: dict[str, str] = {}
    for line in found:
        path, _hash, anchor = line.url.partition("#")
        assert path == f"/sheets/{line.sheet_id}/"
        if path not in pages:
            pages[path] = client.get(path).content.decode()
        html = pages[path]
        if line.row_number is None:
            assert anchor == "funds" and 'id="funds"' in html
            continue
        assert anchor == f"row-{line.row_number - 1}"
        row = re.search(rf'<tr id="{anchor}"[^>]*>(.*?)</tr>', html, re.S)
        assert row is not None, line.url
        assert escape(line.row_name) in row.group(1)


def test_the_report_reads_the_stored_findings_not_the_engine(reviewer):
    client = logged_in(reviewer)
    sheet = sheet_of("高校毕业生就业服务专项")
    row = sheet.indicators.get(position=0)
    # Written around the services: nothing is stored until the figures are recomputed.
    Indicator.objects.filter(pk=row.pk).update(reason="实际完成4轮")
    assert ("高校毕业生就业服务专项", 1, row.name) in places(
        lines(client, kind=str(Code.REASON_CONTRADICTS_ACTUAL))
    )
    figures.store(sheet.pk)
    assert ("高校毕业生就业服务专项", 1, row.name) not in places(
        lines(client, kind=str(Code.REASON_CONTRADICTS_ACTUAL))
    )


def test_amounts_that_do_not_add_up_link_to_the_funds_in_the_sheets_unit(reviewer):
    sheet = sheet_of("信息化运维项目")
    BudgetLine.objects.filter(sheet=sheet, kind="other").update(executed=Decimal("1.5"))
    Sheet.objects.filter(pk=sheet.pk).update(amount_unit=Sheet.AmountUnit.YUAN)
    figures.store(sheet.pk)
    [line] = lines(logged_in(reviewer), kind=str(Code.FUNDS_NOT_ADDING_UP))
    assert line.url == f"/sheets/{sheet.pk}/#funds"
    assert (line.row_number, line.project) == (None, "信息化运维项目")
    total = sheet.budget_lines.get(kind="total").executed
    assert f"{total.scaleb(4):,.2f} 元" in line.message
    assert f"{(total + Decimal('1.5')).scaleb(4):,.2f} 元" in line.message


def test_the_export_holds_the_same_lines_as_text_cells_and_is_audited(reviewer):
    client = logged_in(reviewer)
    formula = '=HYPERLINK("http://x","y")'
    Project.objects.filter(name="人事人才公共服务工作经费").update(name=formula)
    shown = lines(client)
    response = client.get(EXPORT, {"year": 2023})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(min_row=3))
    exported = [(r[2].value, r[4].value, r[5].value or "", r[8].value) for r in rows]
    assert exported == [(x.project, x.row_number, x.row_name, x.message) for x in shown]
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert [r[2].data_type for r in rows if r[2].value == formula] == ["s"] * 9
    record = AuditRecord.objects.get(action="checks_export")
    assert record.params["year"] == 2023 and record.params["lines"] == len(shown)


def test_the_export_follows_the_filters(reviewer):
    client = logged_in(reviewer)
    kind = str(Code.BOILERPLATE_REASON)
    response = client.get(EXPORT, {"year": 2023, "kind": kind})
    ws = load_workbook(io.BytesIO(response.content)).active
    projects = {(r[2].value, r[4].value, r[5].value) for r in ws.iter_rows(min_row=3)}
    assert projects == BOILERPLATE


def test_who_may_see_the_report(client, seed, filler):
    assert client.get(URL).status_code == 302  # to the login
    auditor = persona("auditor_x")
    Profile.objects.create(user=auditor, auditor=True)
    nobody = persona("nobody")
    for user in (auditor, nobody):
        assert logged_in(user).get(URL).status_code == 403
        assert logged_in(user).get(EXPORT).status_code == 403
    # A 填报人 sees its own unit's rows.
    assert {line.unit for line in lines(logged_in(filler))} == {UNIT_A}


def count_queries(client, url: str, params: dict) -> int:
    client.get(url, params)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["reviewer", "admin_user"])
def test_the_report_costs_the_same_queries_at_ten_times_the_sheets(who, request):
    user = request.getfixturevalue(who)
    client = logged_in(user)
    small = count_queries(client, URL, {"year": 2023})
    small_kind = count_queries(client, URL, {"year": 2023, "kind": str(Code.BOILERPLATE_REASON)})
    seed_findings = SheetFinding.objects.count()
    add_copies(110)
    assert SheetFinding.objects.count() > 5 * seed_findings
    assert count_queries(client, URL, {"year": 2023}) == small
    assert count_queries(client, URL, {"year": 2023, "page": 3}) == small
    assert count_queries(client, URL, {"year": 2023, "kind": str(Code.BOILERPLATE_REASON)}) == (
        small_kind
    )


def test_the_export_costs_the_same_queries_at_ten_times_the_sheets(reviewer):
    client = logged_in(reviewer)
    small = count_queries(client, EXPORT, {"year": 2023})
    add_copies(110)
    response = client.get(EXPORT, {"year": 2023})
    exported = load_workbook(io.BytesIO(response.content)).active.max_row - 2
    assert 300 < exported < CHUNK  # one chunk of findings, as for the seed
    assert count_queries(client, EXPORT, {"year": 2023}) == small
