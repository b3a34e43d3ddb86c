"""The sheet list, the sheet page and its JSON: scope, layout and figures."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Sheet
from tests.helpers import sheet_of

pytestmark = pytest.mark.django_db


def listed(client) -> set[str]:
    response = client.get(reverse("projects:sheet-list"))
    assert response.status_code == 200
    return {entry.sheet.project.name for entry in response.context["entries"]}


SEED_PROJECTS = {
    "高校毕业生就业服务专项",
    "回国留学人员创业服务专项",
    "科创人才公共服务专项",
    "流动人员人事档案管理专项",
    "人才大厦运行维护经费",
    "人才公寓运行维护经费",
    "人才引进一网通办服务专项",
    "人事人才公共服务工作经费",
    "上海市流动人才党员服务管理专项",
    "信息化运维项目",
    "政府聘用辅助人员经费",
}
OTHER_PROJECT = "社区公共服务设施运营补助"


def test_each_demo_account_sees_exactly_its_sheets(
    client_for, filler, filler_other, reviewer, admin_user
):
    assert listed(client_for(filler)) == SEED_PROJECTS
    assert listed(client_for(reviewer)) == SEED_PROJECTS
    assert listed(client_for(filler_other)) == {OTHER_PROJECT}
    assert listed(client_for(admin_user)) == SEED_PROJECTS | {OTHER_PROJECT}


def test_a_user_without_a_unit_or_department_sees_no_sheet(client_for, seed, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert listed(client_for(nobody)) == set()
    sheet = sheet_of("信息化运维项目")
    assert client_for(nobody).get(sheet.get_absolute_url()).status_code == 404


def test_a_missing_sheet_is_404_too(client_for, admin_user):
    assert client_for(admin_user).get("/sheets/999999/").status_code == 404


@pytest.mark.parametrize("url", ["/", "/sheets/", "/review/", "/exports/", "/summary/"])
def test_anonymous_users_are_sent_to_the_login_page(client, seed, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ["/sheets/", "/sheets/{pk}/", "/sheets/{pk}.json"])
def test_the_pages_only_answer_get(client_for, filler, url):
    pk = sheet_of("信息化运维项目").pk
    assert client_for(filler).post(url.format(pk=pk)).status_code == 405


def test_the_list_filters_by_year_unit_department_and_state(client_for, admin_user):
    client = client_for(admin_user)
    other = sheet_of(OTHER_PROJECT)
    unit_id = other.project.unit_id
    department_id = other.project.unit.department_id
    response = client.get(reverse("projects:sheet-list"), {"unit": unit_id})
    assert [e.sheet.project.name for e in response.context["entries"]] == [OTHER_PROJECT]
    response = client.get(
        reverse("projects:sheet-list"), {"department": department_id, "year": 2023}
    )
    assert [e.sheet.project.name for e in response.context["entries"]] == [OTHER_PROJECT]
    response = client.get(reverse("projects:sheet-list"), {"status": "submitted"})
    assert response.context["entries"] == []
    response = client.get(reverse("projects:sheet-list"), {"year": 2022})
    assert response.context["entries"] == []
    response = client.get(reverse("projects:sheet-list"), {"unit": 999999})
    assert response.context["entries"] == []


def test_the_list_shows_each_sheets_total_and_grade(client_for, filler):
    response = client_for(filler).get(reverse("projects:sheet-list"))
    by_project = {e.sheet.project.name: e for e in response.context["entries"]}
    assert (
        by_project["人才大厦运行维护经费"].total_text,
        by_project["人才大厦运行维护经费"].grade,
    ) == ("96.63", "优")
    assert by_project["人事人才公共服务工作经费"].errors == 2
    html = response.content.decode()
    assert "96.63" in html and "92.58" in html


def test_the_filter_offers_only_what_the_user_may_see(client_for, filler_other):
    response = client_for(filler_other).get(reverse("projects:sheet-list"))
    form = response.context["form"]
    assert [u.name for u in form.fields["unit"].queryset] == ["示范区公共服务中心"]
    assert [d.name for d in form.fields["department"].queryset] == ["示范区财政局"]


def test_the_sheet_page_lays_out_the_official_form(client_for, filler):
    sheet = sheet_of("人才大厦运行维护经费")
    response = client_for(filler).get(sheet.get_absolute_url())
    html = response.content.decode()
    view = response.context["view"]
    assert view.title == "财政项目支出绩效自评表（2023年度）"
    for label in (
        "项目名称",
        "主管部门",
        "实施单位",
        "项目资金",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "执行率",
        "年度资金总额",
        "其中：当年财政拨款",
        "上年结转资金",
        "其他资金",
        "年度总体目标",
        "预期目标",
        "实际完成情况",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
        "总分",
        "评分等级",
    ):
        assert label in html, label
    assert "1,087.50" in html and "1,052.02" in html and "96.31" in html and "9.63" in html
    assert "96.63" in html
    # Level cells span their rows: 产出指标 covers the 25 output rows, 数量指标 17 of them.
    assert '<td class="level" data-level="1" rowspan="25">产出指标</td>' in html
    assert '<td class="level" data-level="2" rowspan="17">数量指标</td>' in html
    assert len(view.rows) == 40
    assert sum(r.level1_span for r in view.rows) == 40
    assert sum(r.level2_span for r in view.rows) == 40


def test_each_computed_figure_explains_itself(client_for, filler):
    sheet = sheet_of("高校毕业生就业服务专项")
    response = client_for(filler).get(sheet.get_absolute_url())
    view = response.context["view"]
    total = view.funds[0]
    assert total.rate_explanation == "293.19 ÷ 294.00 = 99.72%"
    assert total.score_explanation.startswith("10.00 × 99.72% = 9.97")
    assert view.total_explanation == "预算执行得分 9.97 + 各指标得分 87.00 = 96.97"
    html = response.content.decode()
    assert 'data-bs-title="293.19 ÷ 294.00 = 99.72%"' in html
    assert 'tabindex="0"' in html


def test_row_findings_stand_beside_their_row_and_in_the_summary(client_for, filler):
    sheet = sheet_of("人事人才公共服务工作经费")
    response = client_for(filler).get(sheet.get_absolute_url())
    view = response.context["view"]
    row = view.rows[30]
    assert row.name == "信息化系统重大安全事件发生数"
    assert row.severity == "error"
    assert {f.code for f in row.findings} == {
        "reason_required",
        "score_differs_from_suggested",
        "target_met_score_cut",
    }
    html = response.content.decode()
    assert 'id="row-30" class="indicator has-error"' in html
    assert 'href="#row-30"' in html
    assert "得分 0.00 低于分值 2.00，必须填写偏差原因分析及改进措施。" in html


def test_user_text_is_escaped(client_for, filler):
    sheet = sheet_of("信息化运维项目")
    Sheet.objects.filter(pk=sheet.pk).update(goal_expected="<script>alert(1)</script><p>目标</p>")
    sheet.indicators.filter(position=0).update(reason="<b>粗体</b>")
    html = client_for(filler).get(sheet.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;目标&lt;/p&gt;" in html
    assert "&lt;b&gt;粗体&lt;/b&gt;" in html


def test_the_json_url_serves_the_documented_object(client_for, filler):
    sheet = sheet_of("高校毕业生就业服务专项")
    response = client_for(filler).get(reverse("projects:sheet-json", args=[sheet.pk]))
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["id"] == sheet.pk
    assert data["total"] == {
        "weight": "100.00",
        "score": "96.97",
        "raw_score": "96.97",
        "grade": "优",
    }
    assert data["funds"]["total"]["rate"] == "99.72"
    assert len(data["indicators"]) == 19


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_a_40_row_sheet_costs_the_same_queries_as_a_12_row_one(client_for, filler):
    client = client_for(filler)
    big = sheet_of("人才大厦运行维护经费")
    small = sheet_of("政府聘用辅助人员经费")
    assert big.indicators.count() == 40 and small.indicators.count() == 12
    big_count = count_queries(client, big.get_absolute_url())
    small_count = count_queries(client, small.get_absolute_url())
    assert big_count == small_count
    assert big_count <= 11  # one of them: the second factor's device (django_otp)


def test_the_list_costs_the_same_queries_whatever_the_number_of_sheets(
    client_for, filler_other, admin_user
):
    one = count_queries(client_for(filler_other), reverse("projects:sheet-list"))
    twelve = count_queries(client_for(admin_user), reverse("projects:sheet-list"))
    # The administrator skips the profile lookup that scoping costs a unit user.
    assert twelve <= one


def test_the_interface_is_chinese_by_default_whatever_the_browser_asks(client_for, filler):
    client = client_for(filler)
    html = client.get(
        reverse("projects:sheet-list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert "项目支出绩效自评表" in html
    assert '<html lang="zh-hans">' in html


def test_english_is_a_real_translation_but_the_official_sheet_keeps_its_labels(client_for, filler):
    client = client_for(filler)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/sheets/"})
    assert response.status_code == 302
    html = client.get(reverse("projects:sheet-list")).content.decode()
    assert "Project expenditure performance self-evaluation sheets" in html
    assert "Excellent" in html
    sheet = sheet_of("人事人才公共服务工作经费")
    html = client.get(sheet.get_absolute_url()).content.decode()
    assert "Score 0.00 is below the weight 2.00" in html
    # The official form keeps its official Chinese labels.
    assert "偏差原因分析及改进措施" in html and "评分等级" in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/projects/department/",
        "/admin/projects/unit/",
        "/admin/auth/user/",
        "/admin/indicators/cataloguescheme/",
        "/admin/indicators/level1/",
        "/admin/indicators/ruleset/",
        "/admin/projects/sheet/",
        "/admin/projects/comment/",
        "/admin/projects/evidence/",
    ],
)
def test_the_administrator_manages_reference_data_in_the_admin(client_for, admin_user, url):
    assert client_for(admin_user).get(url).status_code == 200


def test_the_admin_opens_a_sheet_its_rule_set_and_a_user(client_for, admin_user, filler):
    client = client_for(admin_user)
    sheet = sheet_of("信息化运维项目")
    from indicators.models import RuleSet

    assert client.get(f"/admin/projects/sheet/{sheet.pk}/change/").status_code == 200
    assert client.get(f"/admin/projects/sheet/{sheet.pk}/history/").status_code == 200
    assert (
        client.get(
            f"/admin/indicators/ruleset/{RuleSet.objects.get(year=2023).pk}/change/"
        ).status_code
        == 200
    )
    assert client.get(f"/admin/auth/user/{filler.pk}/change/").status_code == 200


def test_units_and_reviewers_cannot_open_the_admin(client_for, filler, reviewer):
    assert client_for(filler).get("/admin/projects/sheet/").status_code == 302
    assert client_for(reviewer).get("/admin/").status_code == 302
