"""Publication (随决算公开): who may publish an 已审核 sheet, and the public pages, PDF, JSON
and lists that anyone may open without logging in — holding only what the official sheet
shows, cacheable, without a cookie, and a 404 for anything not published."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from projects.audit.models import AuditRecord
from projects.models import Comment, Department, Evidence, Sheet, Unit
from projects.publication import services
from projects.publication.formats import csv_text
from projects.sheets.services import sheet_transition
from tests.conftest import DEPARTMENT_A, persona
from tests.helpers import logged_in, sheet_of, view_of

pytestmark = pytest.mark.django_db

PROJECT = "信息化运维项目"
OTHER_PROJECT = "人才公寓运行维护经费"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COMMENT_TEXT = "内部意见：请核实电梯台数"
EVIDENCE_NAME = "内部佐证-维保合同.pdf"


def approved(project: str, filler, reviewer, finance=None) -> Sheet:
    """The seed sheet of `project` taken to 已审核 (through 财政 in a two-tier year)."""
    sheet = sheet_transition(sheet=sheet_of(project), user=filler, action="submit")
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    if sheet.status == Sheet.Status.DEPT_APPROVED:
        sheet = sheet_transition(sheet=sheet, user=finance, action="approve")
    assert sheet.status == Sheet.Status.APPROVED
    return sheet


def published_sheet(filler, reviewer, project: str = PROJECT) -> Sheet:
    return services.publish(reviewer, approved(project, filler, reviewer))


def anonymous() -> Client:
    return Client()


def assert_public(response) -> None:
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert not response.cookies
    assert "Set-Cookie" not in response.headers


# -- who may publish -----------------------------------------------------------------------------


def test_the_reviewer_of_the_department_publishes_and_unpublishes_with_audit(filler, reviewer):
    sheet = approved(PROJECT, filler, reviewer)
    sheet = services.publish(reviewer, sheet)
    assert sheet.is_published and sheet.published_by == reviewer
    record = AuditRecord.objects.filter(action="publish").get()
    assert record.username == "reviewer" and record.object_id == str(sheet.pk)
    assert record.result == "ok"
    sheet = services.unpublish(reviewer, sheet)
    sheet.refresh_from_db()
    assert not sheet.is_published and sheet.published_by is None
    assert AuditRecord.objects.filter(action="unpublish", object_id=str(sheet.pk)).count() == 1


def test_a_filler_may_not_publish_and_the_button_answers_403(filler, reviewer):
    sheet = approved(PROJECT, filler, reviewer)
    with pytest.raises(PermissionDenied):
        services.publish(filler, sheet)
    response = logged_in(filler).post(f"/public/sheets/{sheet.pk}/publish/")
    assert response.status_code == 403
    sheet.refresh_from_db()
    assert not sheet.is_published
    assert not AuditRecord.objects.filter(action="publish").exists()


def test_a_reviewer_of_another_department_gets_404(filler, reviewer):
    sheet = approved(PROJECT, filler, reviewer)
    other = persona("other-reviewer", department=Department.objects.create(name="其他局"))
    with pytest.raises(PermissionDenied):
        services.publish(other, sheet)
    assert logged_in(other).post(f"/public/sheets/{sheet.pk}/publish/").status_code == 404
    sheet.refresh_from_db()
    assert not sheet.is_published


def test_finance_of_the_bureau_publishes_and_of_another_bureau_may_not(filler, reviewer, finance):
    from indicators.models import Bureau

    sheet = approved(PROJECT, filler, reviewer, finance)
    stranger = persona("other-finance", bureau=Bureau.objects.create(name="外省财政厅"))
    with pytest.raises(PermissionDenied):
        services.publish(stranger, sheet)
    assert logged_in(stranger).post(f"/public/sheets/{sheet.pk}/publish/").status_code == 404
    response = logged_in(finance).post(f"/public/sheets/{sheet.pk}/publish/")
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.is_published and sheet.published_by == finance
    record = AuditRecord.objects.get(action="publish")
    assert record.username == "finance" and record.object_id == str(sheet.pk)


def test_the_administrator_publishes_and_unpublishes_through_the_buttons(
    filler, reviewer, admin_user
):
    sheet = approved(PROJECT, filler, reviewer)
    client = logged_in(admin_user)
    page = client.get(f"/sheets/{sheet.pk}/").content.decode()
    assert 'id="publish-button"' in page and 'id="published-badge"' not in page
    assert client.post(f"/public/sheets/{sheet.pk}/publish/").status_code == 302
    page = client.get(f"/sheets/{sheet.pk}/").content.decode()
    assert 'id="published-badge"' in page and f"/public/sheets/{sheet.pk}/" in page
    assert 'id="unpublish-button"' in page and 'id="publish-button"' not in page
    assert client.post(f"/public/sheets/{sheet.pk}/unpublish/").status_code == 302
    sheet.refresh_from_db()
    assert not sheet.is_published
    actions = list(
        AuditRecord.objects.filter(object_id=str(sheet.pk), action__in=["publish", "unpublish"])
        .order_by("id")
        .values_list("action", "username")
    )
    assert actions == [("publish", "admin"), ("unpublish", "admin")]


def test_only_an_approved_sheet_is_published(filler, reviewer, finance):
    sheet = sheet_of(PROJECT)
    with pytest.raises(PermissionDenied):  # 草稿
        services.publish(reviewer, sheet)
    sheet = sheet_transition(sheet=sheet, user=filler, action="submit")
    with pytest.raises(PermissionDenied):  # 已提交
        services.publish(reviewer, sheet)
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    assert sheet.status == Sheet.Status.DEPT_APPROVED
    for user in (reviewer, finance):  # 主管部门已审核: not yet final
        with pytest.raises(PermissionDenied):
            services.publish(user, sheet)
    assert logged_in(reviewer).post(f"/public/sheets/{sheet.pk}/publish/").status_code == 403
    page = logged_in(reviewer).get(f"/sheets/{sheet.pk}/").content.decode()
    assert 'id="publish-button"' not in page
    sheet = sheet_transition(sheet=sheet, user=finance, action="approve")
    assert services.publish(reviewer, sheet).is_published


def test_a_published_sheet_is_not_reopened_until_unpublished(filler, reviewer, admin_user):
    sheet = published_sheet(filler, reviewer)
    client = logged_in(admin_user)
    data = {"version": sheet.version, "comment": "需要更正"}
    assert client.post(f"/sheets/{sheet.pk}/reopen/", data).status_code == 403
    sheet.refresh_from_db()
    assert sheet.status == Sheet.Status.APPROVED
    services.unpublish(reviewer, sheet)
    assert client.post(f"/sheets/{sheet.pk}/reopen/", data).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == Sheet.Status.RETURNED


# -- the public sheet ----------------------------------------------------------------------------


def test_the_public_page_shows_the_official_sheet_and_nothing_of_the_review(filler, reviewer):
    sheet = sheet_transition(sheet=sheet_of(PROJECT), user=filler, action="submit")
    Comment.objects.create(sheet=sheet, author=reviewer, body=COMMENT_TEXT, anchor="sheet")
    Evidence.objects.create(
        sheet=sheet,
        file=SimpleUploadedFile(EVIDENCE_NAME, PDF),
        name=EVIDENCE_NAME,
        size=len(PDF),
        content_type="application/pdf",
        uploaded_by=filler,
    )
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    # What the logged-in sheet page shows beside the official table.
    inside = logged_in(reviewer).get(f"/sheets/{sheet.pk}/").content.decode()
    assert COMMENT_TEXT in inside and EVIDENCE_NAME in inside
    services.publish(reviewer, sheet)
    view = view_of(sheet)

    response = anonymous().get(f"/public/sheets/{sheet.pk}/")
    assert_public(response)
    page = response.content.decode()
    assert view.project in page and view.unit in page and view.department in page
    assert view.total_text in page and str(view.grade) in page
    for row in view.rows:
        assert row.name in page
    for secret in (COMMENT_TEXT, EVIDENCE_NAME, "流转记录", "修改记录", "检查结果", "csrf"):
        assert secret not in page
    assert f"/sheets/{sheet.pk}/edit/" not in page and "/history/" not in page
    # Nor the rules' suggestions and arithmetic the sheet page shows in tooltips.
    assert "建议得满分" in inside and "÷" in inside
    assert "建议得满分" not in page and "÷" not in page and "finding" not in page
    assert 'class="navbar' not in page and "退出" not in page


def test_the_public_pdf_and_json_open_without_login(filler, reviewer):
    sheet = published_sheet(filler, reviewer)
    Comment.objects.create(sheet=sheet, author=reviewer, body=COMMENT_TEXT, anchor="sheet")
    client = anonymous()
    pdf = client.get(f"/public/sheets/{sheet.pk}.pdf")
    assert_public(pdf)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # The same file the app's PDF download gives, read from its cache the second time.
    assert logged_in(reviewer).get(f"/sheets/{sheet.pk}.pdf").content == pdf.content
    assert client.get(f"/public/sheets/{sheet.pk}.pdf").content == pdf.content

    response = client.get(f"/public/sheets/{sheet.pk}.json")
    assert_public(response)
    data = json.loads(response.content)
    view = view_of(sheet)
    assert data["id"] == sheet.pk and data["project"] == view.project
    assert data["total"]["score"] == view.total_text and data["total"]["grade"] == view.grade
    assert [row["name"] for row in data["indicators"]] == [row.name for row in view.rows]
    assert "findings" not in data and "version" not in data
    assert "suggested_score" not in data["indicators"][0]
    assert COMMENT_TEXT not in response.content.decode()


@pytest.mark.parametrize("suffix", ["/", ".pdf", ".json"])
def test_unpublished_or_unknown_sheets_are_404(filler, reviewer, suffix):
    draft = sheet_of(OTHER_PROJECT)
    approved_only = approved(PROJECT, filler, reviewer)
    unknown = Sheet.objects.order_by("-pk").first().pk + 100
    client = anonymous()
    for pk in (draft.pk, approved_only.pk, unknown):
        response = client.get(f"/public/sheets/{pk}{suffix}")
        assert response.status_code == 404
        assert not response.cookies
    # Logged in does not open it either: the public pages know only published sheets.
    assert logged_in(reviewer).get(f"/public/sheets/{approved_only.pk}{suffix}").status_code == 404


def test_unpublishing_takes_the_pages_down_at_once(filler, reviewer):
    sheet = published_sheet(filler, reviewer)
    client = anonymous()
    department = sheet.project.unit.department_id
    for url in (
        f"/public/sheets/{sheet.pk}/",
        f"/public/sheets/{sheet.pk}.json",
        f"/public/sheets/{sheet.pk}.pdf",
        f"/public/{sheet.year}/departments/{department}/",
    ):
        assert client.get(url).status_code == 200
    services.unpublish(reviewer, sheet)
    for url in (
        f"/public/sheets/{sheet.pk}/",
        f"/public/sheets/{sheet.pk}.json",
        f"/public/sheets/{sheet.pk}.pdf",
        f"/public/{sheet.year}/departments/{department}/",
    ):
        assert client.get(url).status_code == 404
    assert PROJECT not in client.get("/public/").content.decode()


def test_public_pages_set_no_cookie_even_for_a_logged_in_visitor(filler, reviewer):
    sheet = published_sheet(filler, reviewer)
    department = sheet.project.unit.department_id
    urls = [
        "/public/",
        f"/public/sheets/{sheet.pk}/",
        f"/public/sheets/{sheet.pk}.json",
        f"/public/{sheet.year}/departments/{department}/",
        f"/public/{sheet.year}/departments/{department}.csv",
        f"/public/{sheet.year}/departments/{department}.json",
    ]
    for client in (anonymous(), logged_in(reviewer)):
        for url in urls:
            assert_public(client.get(url))
    # The same client's own sheet page does set its cookies (the check can see one).
    inside = logged_in(reviewer).get(f"/sheets/{sheet.pk}/")
    assert "csrftoken" in inside.cookies
    assert not anonymous().get("/public/nothing-here/").cookies


def test_public_pages_answer_get_only(filler, reviewer):
    sheet = published_sheet(filler, reviewer)
    assert anonymous().post(f"/public/sheets/{sheet.pk}/").status_code == 405
    assert anonymous().head(f"/public/sheets/{sheet.pk}/").status_code == 200


def test_publishing_needs_a_login_and_a_post(filler, reviewer):
    sheet = approved(PROJECT, filler, reviewer)
    response = anonymous().post(f"/public/sheets/{sheet.pk}/publish/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert logged_in(reviewer).get(f"/public/sheets/{sheet.pk}/publish/").status_code == 405
    sheet.refresh_from_db()
    assert not sheet.is_published


# -- the lists -----------------------------------------------------------------------------------


def test_the_department_list_shows_only_published_sheets_and_its_files_match(filler, reviewer):
    shown = published_sheet(filler, reviewer)
    hidden = approved(OTHER_PROJECT, filler, reviewer)  # 已审核, not published
    department = shown.project.unit.department
    client = anonymous()
    base = f"/public/{shown.year}/departments/{department.pk}"
    response = client.get(f"{base}/")
    assert_public(response)
    page = response.content.decode()
    view = view_of(shown)
    assert PROJECT in page and OTHER_PROJECT not in page
    assert view.total_text in page and f"/public/sheets/{shown.pk}/" in page
    assert f"/public/sheets/{hidden.pk}/" not in page

    csv_response = client.get(f"{base}.csv")
    assert_public(csv_response)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["编号", "年度", "主管部门", "实施单位", "项目名称", "总分", "评分等级"]
    assert [r[0] for r in rows[1:]] == [str(shown.pk)]
    assert rows[1][4:7] == [PROJECT, view.total_text, str(view.grade)]

    json_response = client.get(f"{base}.json")
    assert_public(json_response)
    data = json.loads(json_response.content)
    assert data["department"] == DEPARTMENT_A and data["year"] == shown.year
    assert data["count"] == 1
    [entry] = data["sheets"]
    assert entry["id"] == shown.pk and entry["project"] == PROJECT
    assert entry["total"] == view.total_text and entry["grade"] == str(view.grade)
    assert entry["url"] == f"http://testserver/public/sheets/{shown.pk}/"
    assert [str(entry[k]) for k in ("id", "project", "total", "grade", "url")] == [
        rows[1][0],
        rows[1][4],
        rows[1][5],
        rows[1][6],
        rows[1][8],
    ]
    assert client.get(f"{base}.xml").status_code == 404


def test_the_bureau_list_groups_its_departments_and_lists_only_published(filler, reviewer, finance):
    from projects.models import Project

    bureau = Department.objects.get(name=DEPARTMENT_A).bureau
    first = approved(PROJECT, filler, reviewer, finance)
    services.publish(finance, first)
    # A second department of the same bureau, with a published sheet of its own.
    sibling = Department.objects.create(name="上海市民政局", bureau=bureau)
    unit = Unit.objects.create(department=sibling, name="上海市社区服务中心")
    second = sheet_of(OTHER_PROJECT)
    second.project = Project.objects.create(unit=unit, name="社区服务项目")
    second.list_key = ""
    second.save()
    Sheet.objects.filter(pk=second.pk).update(status=Sheet.Status.APPROVED)
    from projects import figures

    figures.store(second)
    services.publish(finance, Sheet.objects.get(pk=second.pk))
    unpublished = approved("人才大厦运行维护经费", filler, reviewer, finance)

    client = anonymous()
    base = f"/public/{first.year}/bureaus/{bureau.pk}"
    page = client.get(f"{base}/").content.decode()
    assert DEPARTMENT_A in page and "上海市民政局" in page
    assert PROJECT in page and "社区服务项目" in page
    assert f"/public/sheets/{unpublished.pk}/" not in page
    # Grouped by department, in the departments' order (上海市人力… before 上海市民政局).
    assert page.index(DEPARTMENT_A) < page.index(PROJECT) < page.index("上海市民政局")
    assert page.index("上海市民政局") < page.index("社区服务项目")
    data = json.loads(client.get(f"{base}.json").content)
    assert data["bureau"] == bureau.name
    assert [s["id"] for s in data["sheets"]] == [first.pk, second.pk]
    rows = list(csv.reader(io.StringIO(client.get(f"{base}.csv").content.decode("utf-8-sig"))))
    assert [int(r[0]) for r in rows[1:]] == [first.pk, second.pk]

    index = client.get("/public/").content.decode()
    assert f"/public/{first.year}/bureaus/{bureau.pk}/" in index
    assert f"/public/{first.year}/departments/{sibling.pk}/" in index
    # Unknown or empty lists are 404.
    assert client.get(f"/public/{first.year}/bureaus/{bureau.pk + 99}/").status_code == 404
    assert client.get(f"/public/{first.year - 1}/bureaus/{bureau.pk}/").status_code == 404
    empty = Department.objects.create(name="无公开部门", bureau=bureau)
    assert client.get(f"/public/{first.year}/departments/{empty.pk}/").status_code == 404


def test_the_lists_are_paginated(filler, reviewer, monkeypatch):
    from projects.publication import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first = published_sheet(filler, reviewer)
    second = published_sheet(filler, reviewer, OTHER_PROJECT)
    base = f"/public/{first.year}/departments/{first.project.unit.department_id}/"
    client = anonymous()
    one, two = client.get(base).content.decode(), client.get(base + "?page=2").content.decode()
    assert "1 / 2" in one and "2 / 2" in two
    names = sorted([first.project.name, second.project.name])  # the list's order
    assert names[0] in one and names[1] not in one
    assert names[1] in two and names[0] not in two
    # The files hold every row, not a page.
    assert json.loads(client.get(base.rstrip("/") + ".json").content)["count"] == 2


def test_csv_cells_never_start_a_formula(filler, reviewer):
    assert csv_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for start in ("+", "-", "@", "\t", "\r"):
        assert csv_text(f"{start}1") == f"'{start}1"
    assert csv_text("上海市人才服务中心") == "上海市人才服务中心"
    sheet = published_sheet(filler, reviewer)
    from projects.models import Project

    Project.objects.filter(pk=sheet.project_id).update(name="=cmd|' /C calc'!A0")
    Unit.objects.filter(pk=sheet.project.unit_id).update(name="@SUM(1+1)")
    url = f"/public/{sheet.year}/departments/{sheet.project.unit.department_id}.csv"
    rows = list(csv.reader(io.StringIO(anonymous().get(url).content.decode("utf-8-sig"))))
    assert rows[1][3] == "'@SUM(1+1)" and rows[1][4] == "'=cmd|' /C calc'!A0"


def test_the_index_lists_years_and_departments_with_published_sheets(filler, reviewer):
    client = anonymous()
    response = client.get("/public/")
    assert_public(response)
    assert 'id="nothing-published"' in response.content.decode()
    sheet = published_sheet(filler, reviewer)
    page = client.get("/public/").content.decode()
    department = sheet.project.unit.department
    assert f"/public/{sheet.year}/departments/{department.pk}/" in page
    assert DEPARTMENT_A in page and str(sheet.year) in page


def test_a_logged_in_visitor_who_owes_a_second_factor_reads_the_public_page(seed, reviewer):
    """The account middleware lets the public pages pass: a user past the password but not the
    second factor is not sent to the code page from a published sheet."""
    from tests.conftest import PERSONA_PASSWORD
    from tests.helpers import login_with_password

    sheet = Sheet.objects.filter(year=2023).first()
    Sheet.objects.filter(pk=sheet.pk).update(status="approved", published_at=timezone.now())
    client = Client()
    login_with_password(client, "reviewer", PERSONA_PASSWORD, code=False)  # password only
    assert client.get("/sheets/").status_code == 302  # the app: the second factor first
    response = client.get(f"/public/sheets/{sheet.pk}/")
    assert response.status_code == 200
    assert sheet.project.name in response.content.decode()
