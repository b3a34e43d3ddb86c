"""Units fill in their sheets: the editor, live scoring, saving, stale edits, submitting."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Sheet, SheetTransition
from tests.helpers import edit_url, form_data, json_of, logged_in, sheet_of

pytestmark = pytest.mark.django_db
D = Decimal
OTHER_PROJECT = "社区公共服务设施运营补助"


def test_the_editor_opens_for_the_units_filler(filler):
    sheet = sheet_of("政府聘用辅助人员经费")
    response = logged_in(filler).get(edit_url(sheet))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live-total"' in html and "95.79" in html
    assert response.context["rows"].total_form_count() == 12


def test_saving_the_editor_untouched_keeps_every_figure_and_text(filler):
    client = logged_in(filler)
    for sheet in Sheet.objects.filter(project__unit__name="上海市人才服务中心"):
        before = json_of(sheet) | {"version": 2}
        response = client.get(edit_url(sheet))
        saved = client.post(edit_url(sheet), form_data(response))
        assert saved.status_code == 302, sheet
        assert json_of(sheet) == before, sheet.project.name
        assert Sheet.objects.get(pk=sheet.pk).version == 2


def test_an_invalid_value_re_renders_with_everything_typed(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    data["goal_achieved"] = "新写的实际完成情况，一个字都不能丢"
    data["rows-0-reason"] = "新写的偏差原因"
    data["rows-1-score"] = "八分"  # not a number
    data["appropriation_executed"] = "999.99"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "新写的实际完成情况，一个字都不能丢" in html
    assert "新写的偏差原因" in html
    assert 'value="八分"' in html
    assert 'value="999.99"' in html
    assert "输入一个数字。" in html
    # Nothing was saved.
    assert Sheet.objects.get(pk=sheet.pk).version == 1
    assert (
        sheet_of("政府聘用辅助人员经费")
        .indicators.get(position=0)
        .reason.startswith("根据实际工作情况")
    )


def test_a_stale_save_is_refused_and_nothing_of_the_first_is_lost(filler, django_user_model):
    colleague = django_user_model.objects.create_user("colleague", first_name="同事甲")
    colleague.profile = None
    from projects.models import Profile

    Profile.objects.create(user=colleague, unit=filler.profile.unit)
    sheet = sheet_of("政府聘用辅助人员经费")
    first, second = logged_in(colleague), logged_in(filler)
    first_data = form_data(first.get(edit_url(sheet)))
    second_data = form_data(second.get(edit_url(sheet)))

    first_data["rows-0-reason"] = "同事甲写的原因"
    assert first.post(edit_url(sheet), first_data).status_code == 302

    second_data["rows-0-reason"] = "我写的原因"
    second_data["goal_expected"] = "我改的预期目标"
    response = second.post(edit_url(sheet), second_data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "同事甲" in html and "第 2 版" in html
    # The refused input stays on screen, ready to be saved again deliberately.
    assert "我写的原因" in html and "我改的预期目标" in html
    assert response.context["header"]["version"].value() == "2"
    stored = sheet_of("政府聘用辅助人员经费")
    assert stored.version == 2
    assert stored.indicators.get(position=0).reason == "同事甲写的原因"
    assert stored.goal_expected.startswith("全年计划聘用60名服务人员")


def test_rows_are_added_removed_and_reordered(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    level2 = data["rows-0-level2"]
    # Remove row 1, move row 10 first, add a new row last: rows stay grouped as the form
    # groups them (docs/rules.md §2.1), so row 10 leads its own 二级指标 (可持续影响指标) and
    # the new 数量指标 row joins row 0's group.
    data["rows-1-DELETE"] = "on"
    data["rows-10-ORDER"] = "0"
    data["rows-TOTAL_FORMS"] = "13"
    data.update(
        {
            "rows-12-level2": level2,
            "rows-12-name": "新增指标",
            "rows-12-target_operator": "≥",
            "rows-12-target_number": "10",
            "rows-12-target_unit": "场",
            "rows-12-actual_number": "12",
            "rows-12-weight": "0",
            "rows-12-score": "0",
            "rows-12-ORDER": "99",
        }
    )
    assert client.post(edit_url(sheet), data).status_code == 302
    names = list(
        sheet_of("政府聘用辅助人员经费").indicators.values_list(
            "name", "target_text", "actual_text"
        )
    )
    assert names[0][0] == "政府聘用服务人员数量"
    assert names[1] == ("新增指标", "≥10(场)", "12.00(场)")
    assert names[7][0] == "档案管理机制健全性"
    assert names[-1][0] == "办事人员满意度"
    assert "政府聘用服务人员岗位培训通过" not in [n for n, _, _ in names]
    assert len(names) == 12


def test_live_scoring_returns_every_figure_for_the_typed_values(filler):
    client = logged_in(filler)
    sheet = sheet_of("政府聘用辅助人员经费")
    data = form_data(client.get(edit_url(sheet)))
    data["appropriation_executed"] = "1047.30"
    data["rows-0-score"] = "12.00"
    data["rows-0-reason"] = ""
    response = client.post(reverse("projects:sheet-edit-preview", args=[sheet.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live-total"' in html and ">98.00<" in html  # 10 + 11 + 1 + 76 = 98.00
    assert 'id="rate-total"' in html and "1,047.30 ÷ 1,047.30 = 100.00%" in html
    assert 'id="calc-rows-0" class="calc" hx-swap-oob="true"' in html
    assert "建议" in html and "11.60" in html
    # Nothing is saved by live scoring.
    assert Sheet.objects.get(pk=sheet.pk).version == 1


def test_submit_is_refused_while_errors_remain_with_links_to_the_rows(filler):
    client = logged_in(filler)
    sheet = sheet_of("人事人才公共服务工作经费")
    data = form_data(client.get(edit_url(sheet)))
    data["action"] = "submit"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 302
    assert response["Location"].endswith("?submit=refused")
    page = client.get(response["Location"]).content.decode()
    assert 'id="submit-refused"' in page
    assert 'href="#row-30"' in page and 'href="#row-36"' in page
    assert Sheet.objects.get(pk=sheet.pk).status == Sheet.Status.DRAFT

    data = form_data(client.get(edit_url(sheet)))
    data["rows-30-reason"] = "发生一起重大安全事件，已整改"
    data["rows-36-score"] = "2.00"
    data["action"] = "submit"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 302 and response["Location"] == sheet.get_absolute_url()
    sheet.refresh_from_db()
    assert sheet.status == Sheet.Status.SUBMITTED
    transition = SheetTransition.objects.get(sheet=sheet)
    assert (transition.from_status, transition.to_status, transition.user) == (
        "draft",
        "submitted",
        filler,
    )


def test_the_editor_refuses_other_methods(filler):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(filler)
    assert client.put(edit_url(sheet)).status_code == 405
    assert client.get(reverse("projects:sheet-edit-preview", args=[sheet.pk])).status_code == 405
    assert client.get(reverse("projects:sheet-submit", args=[sheet.pk])).status_code == 405


def test_a_new_empty_sheet_starts_as_a_draft_with_the_default_budget_weight(filler_other):
    client = logged_in(filler_other)
    response = client.post(
        reverse("projects:sheet-new"), {"new_project": "新项目", "year": "2024", "mode": "empty"}
    )
    sheet = Sheet.objects.get(project__name="新项目")
    assert response["Location"] == edit_url(sheet)
    assert (sheet.year, sheet.status, sheet.budget_weight) == (2024, "draft", D("10.00"))
    assert sheet.project.unit.name == "示范区公共服务中心"
    assert sheet.budget_lines.count() == 4 and sheet.indicators.count() == 0
    # The same project and year again is refused with a link to the existing sheet.
    again = client.post(
        reverse("projects:sheet-new"), {"new_project": "新项目", "year": "2024", "mode": "empty"}
    )
    assert again.status_code == 200 and again.context["existing"] == sheet


def test_a_sheet_from_last_year_copies_indicators_targets_and_weights_only(filler):
    client = logged_in(filler)
    last = sheet_of("人才大厦运行维护经费")
    response = client.post(
        reverse("projects:sheet-new"),
        {"project": str(last.project_id), "year": "2024", "mode": "copy"},
    )
    new = Sheet.objects.get(project=last.project, year=2024)
    assert response["Location"] == edit_url(new)
    old_rows = list(last.indicators.values_list("level2", "name", "target_text", "weight"))
    new_rows = list(new.indicators.values_list("level2", "name", "target_text", "weight"))
    assert new_rows == old_rows and len(new_rows) == 40
    assert set(new.indicators.values_list("actual_text", "reason")) == {("", "")}
    assert set(new.indicators.values_list("score", flat=True)) == {None}
    assert new.goal_achieved == ""


def test_copying_needs_a_sheet_of_the_year_before(filler):
    client = logged_in(filler)
    project = sheet_of("人才大厦运行维护经费").project
    response = client.post(
        reverse("projects:sheet-new"), {"project": str(project.pk), "year": "2026", "mode": "copy"}
    )
    assert response.status_code == 200
    assert "没有 2025 年度的自评表可复制" in response.content.decode()
    assert not Sheet.objects.filter(year=2026).exists()


def test_a_pasted_sheet_is_previewed_and_saved_only_on_confirmation(filler, seed_text):
    client = logged_in(filler)
    block = seed_text[
        seed_text.index("财政项目支出绩效自评价\t\t\t\t\t\t\t\t\t\n项目名称\t\t科创") :
    ]
    block = block[: block.index("评分等级\t\t优") + 10]
    data = {"new_project": "科创人才公共服务专项", "year": "2024", "mode": "paste", "text": block}
    preview = client.post(reverse("projects:sheet-new"), data)
    assert preview.status_code == 200
    view = preview.context["view"]
    assert (view.total_text, view.grade, len(view.rows)) == ("96.76", "优", 15)
    assert view.funds[0].rate_text == "97.62"
    assert not Sheet.objects.filter(year=2024).exists()
    confirmed = client.post(reverse("projects:sheet-new"), {**data, "action": "confirm"})
    sheet = Sheet.objects.get(year=2024)
    assert confirmed["Location"] == edit_url(sheet)
    assert json_of(sheet)["total"] == {
        "weight": "100.00",
        "score": "96.76",
        "raw_score": "96.76",
        "grade": "优",
    }


def test_a_paste_that_holds_no_sheet_is_refused(filler):
    response = logged_in(filler).post(
        reverse("projects:sheet-new"),
        {"new_project": "x", "year": "2024", "mode": "paste", "text": "随便\t几个\t字"},
    )
    assert response.status_code == 200
    assert "没有识别出自评表" in response.content.decode()


def test_known_indicator_names_come_with_their_usual_level_and_target(filler):
    response = logged_in(filler).get(edit_url(sheet_of("政府聘用辅助人员经费")))
    known = response.context["known_indicators"]
    assert known["长效管理机制健全性"]["text"] == "健全"
    assert known["有责投诉数"]["operator"] == "=" and known["有责投诉数"]["number"] == "0"
    assert known["有责投诉数"]["unit"] == "起"
    assert known["岗位专业覆盖率"]["number"] == "90"
    assert known["零星档案材料数字化处理页数"]["number"] == "350000"
    html = response.content.decode()
    assert '<option value="安全事故发生数">' in html
    assert json.loads(
        html.split('id="known-indicators" type="application/json">')[1].split("</script>")[0]
    )
