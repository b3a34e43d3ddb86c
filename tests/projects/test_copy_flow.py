"""Copy and paste flow (issue 16 item 8): a sheet copied from last year (or started empty)
shows one line 尚未填报 instead of every row's 缺少实际完成值/缺少得分, which still block its
submission; a goal copied with last year's year in it is pointed out; a sheet started from an
uploaded Excel file is called an upload, not a paste."""

from __future__ import annotations

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.exports import pdf
from projects.models import Indicator, Sheet
from projects.sheets.view_model import FindingView
from tests.helpers import edit_url, form_data, logged_in, sheet_of, view_of

PROJECT = "人才大厦运行维护经费"
NEW = reverse("projects:sheet-new")
NOT_YET = "尚未填报实际完成值和得分（40 行）"
GOAL_NOTE = "预期目标仍写着 2023 年，请按本年度修改。"


def copy_of(filler, *, goal: str | None = None) -> Sheet:
    """The 2024 sheet copied from the project's 2023 sheet (its goal set first if given)."""
    last = sheet_of(PROJECT)
    if goal is not None:
        Sheet.objects.filter(pk=last.pk).update(goal_expected=goal)
    logged_in(filler).post(NEW, {"project": str(last.project_id), "year": "2024", "mode": "copy"})
    return Sheet.objects.get(project=last.project, year=2024)


def unfilled(findings: tuple[FindingView, ...]) -> list[FindingView]:
    return [f for f in findings if f.is_unfilled]


# -- 尚未填报 ------------------------------------------------------------------------------------


def test_a_fresh_copy_folds_its_per_row_findings_into_one_line(filler):
    view = view_of(copy_of(filler))
    assert view.not_yet_filled == 40
    # The engine still finds every missing score (and actual): they stay errors.
    missing = unfilled(view.findings)
    assert len([f for f in missing if f.field == "score"]) == 40
    assert all(f in view.errors for f in missing)
    assert unfilled(view.shown_findings) == []
    assert all(not unfilled(row.notes) for row in view.rows)
    assert any(unfilled(row.findings) for row in view.rows)
    # What is not folded (the empty funds) is still listed.
    assert any(f.anchor == "funds" for f in view.shown_errors)


def test_the_sheet_page_shows_one_line_not_forty_rows_of_findings(filler):
    sheet = copy_of(filler)
    html = logged_in(filler).get(sheet.get_absolute_url()).content.decode()
    assert html.count(NOT_YET) == 1
    assert "缺少得分" not in html and "缺少实际完成值" not in html
    assert "未发现问题" not in html


def test_the_editor_shows_one_line_and_submission_is_still_refused(filler):
    sheet = copy_of(filler)
    client = logged_in(filler)
    html = client.get(edit_url(sheet)).content.decode()
    assert html.count(NOT_YET) == 1
    assert "缺少得分" not in html and "缺少实际完成值" not in html
    refused = client.post(reverse("projects:sheet-submit", args=[sheet.pk]))
    assert refused.status_code == 302 and "submit=refused" in refused["Location"]
    assert Sheet.objects.get(pk=sheet.pk).status == "draft"


def test_the_live_check_folds_too_until_one_score_is_typed(filler):
    sheet = copy_of(filler)
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    preview = reverse("projects:sheet-edit-preview", args=[sheet.pk])
    html = client.post(preview, data).content.decode()
    assert NOT_YET in html and "缺少得分" not in html
    data["rows-0-score"] = "1"
    html = client.post(preview, data).content.decode()
    assert "尚未填报实际完成值和得分" not in html
    assert "缺少得分" in html


def test_a_filled_sheet_lists_its_rows_findings_as_before(filler):
    sheet = sheet_of(PROJECT)
    Indicator.objects.filter(pk=sheet.indicators.first().pk).update(score=None)
    view = view_of(sheet_of(PROJECT))
    assert view.not_yet_filled == 0
    assert view.shown_findings == view.findings
    (missing,) = unfilled(view.findings)
    assert missing.row == 0 and missing in view.rows[0].notes
    html = logged_in(filler).get(sheet.get_absolute_url()).content.decode()
    assert "缺少得分" in html and "尚未填报实际完成值和得分" not in html


def test_the_pdf_shows_no_findings_at_all(filler):
    sheet = copy_of(filler)
    html = pdf.sheet_html(view_of(sheet))
    assert "项目名称" in html and "预期目标" in html
    assert "尚未填报" not in html and "缺少得分" not in html
    assert 'class="finding' not in html and 'class="findings-cell' not in html


# -- the copied goal still names last year ------------------------------------------------------


def test_a_copied_goal_naming_last_year_is_pointed_out_on_both_pages(filler):
    sheet = copy_of(filler, goal="2023 年完成人才大厦运行维护。")
    assert view_of(sheet).stale_goal_year == 2023
    client = logged_in(filler)
    assert GOAL_NOTE in client.get(sheet.get_absolute_url()).content.decode()
    assert GOAL_NOTE in client.get(edit_url(sheet)).content.decode()


def test_the_note_goes_once_the_goal_names_this_year(filler):
    sheet = copy_of(filler, goal="2023年完成人才大厦运行维护。")
    assert view_of(sheet).stale_goal_year == 2023
    Sheet.objects.filter(pk=sheet.pk).update(goal_expected="2024年完成人才大厦运行维护。")
    assert view_of(sheet).stale_goal_year is None
    client = logged_in(filler)
    assert GOAL_NOTE not in client.get(sheet.get_absolute_url()).content.decode()
    assert GOAL_NOTE not in client.get(edit_url(sheet)).content.decode()


def test_a_longer_number_ending_in_the_year_is_not_the_year(filler):
    sheet = copy_of(filler, goal="服务12023年度人次。")
    assert view_of(sheet).stale_goal_year is None


def test_no_note_without_last_years_sheet(filler):
    client = logged_in(filler)
    client.post(NEW, {"new_project": "新项目", "year": "2024", "mode": "empty"})
    sheet = Sheet.objects.get(project__name="新项目", year=2024)
    Sheet.objects.filter(pk=sheet.pk).update(goal_expected="延续 2023 年的工作。")
    assert view_of(sheet).stale_goal_year == 2023
    assert GOAL_NOTE not in client.get(sheet.get_absolute_url()).content.decode()


# -- an upload is called an upload --------------------------------------------------------------


def upload_data(filler) -> dict:
    workbook = logged_in(filler).get(reverse("projects:sheet-xlsx", args=[sheet_of(PROJECT).pk]))
    return {
        "new_project": "上传的项目",
        "year": "2024",
        "mode": "xlsx",
        "upload": SimpleUploadedFile("sheet.xlsx", workbook.content),
    }


def test_an_uploaded_file_is_previewed_and_saved_as_an_upload(filler):
    client = logged_in(filler)
    preview = client.post(NEW, upload_data(filler))
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "确认上传的 Excel 自评表" in html and "确认导入并保存为草稿" in html
    assert "确认粘贴" not in html and "确认并保存为草稿" not in html
    assert 'name="source" value="upload"' in html
    confirm = {
        "new_project": "上传的项目",
        "year": "2024",
        "mode": "paste",
        "source": "upload",
        "text": preview.context["form"].cleaned_data["text"],
        "action": "confirm",
    }
    saved = client.post(NEW, confirm, follow=True)
    sheet = Sheet.objects.get(project__name="上传的项目", year=2024)
    assert saved.redirect_chain[0][0] == edit_url(sheet)
    page = saved.content.decode()
    assert "已导入上传的 Excel 自评表（40 行指标）。" in page
    assert "粘贴的自评表" not in page
    assert sheet.indicators.count() == 40


def test_a_paste_is_still_called_a_paste(filler, seed_text):
    client = logged_in(filler)
    block = seed_text[
        seed_text.index("财政项目支出绩效自评价\t\t\t\t\t\t\t\t\t\n项目名称\t\t科创") :
    ]
    block = block[: block.index("评分等级\t\t优") + 10]
    data = {"new_project": "粘贴的项目", "year": "2024", "mode": "paste", "text": block}
    preview = client.post(NEW, data)
    html = preview.content.decode()
    assert "确认粘贴的自评表" in html and "确认上传" not in html
    assert 'name="source"' not in html
    saved = client.post(NEW, {**data, "action": "confirm"}, follow=True)
    assert "已导入粘贴的自评表（15 行指标）。" in saved.content.decode()


def test_an_upload_without_a_sheet_says_upload(filler):
    book = openpyxl.Workbook()
    book.active.append(["随便", "几个", "字"])
    data = io.BytesIO()
    book.save(data)
    refused = logged_in(filler).post(
        NEW,
        {
            "new_project": "x",
            "year": "2024",
            "mode": "xlsx",
            "upload": SimpleUploadedFile("a.xlsx", data.getvalue()),
        },
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "没有识别出自评表：请确认上传的文件中有包含“项目名称”的整张表。" in html
    assert "请确认复制了" not in html
    assert not Sheet.objects.filter(project__name="x").exists()
