"""The history page: what a new or deleted row held, no entry for a save that changed nothing
shown, comments and evidence, and the filter by kind and person."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Comment, Evidence, Profile
from tests.helpers import edit_url, form_data, logged_in, sheet_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROJECT = "政府聘用辅助人员经费"


def history_url(sheet, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/sheets/{sheet.pk}/history/" + (f"?{query}" if query else "")


def rows_of(html: str) -> list[str]:
    """The history table's rows as plain text, one string each."""
    body = html.split('id="history"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    # Inline marks (a quoted name's <span lang="zh-Hans">) are no word break.
    rows = [re.sub(r"</?span[^>]*>", "", r) for r in rows]
    return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]


def add_and_remove_rows(client, sheet):
    """Remove row 2, move the last row first and add a new row at the end."""
    data = form_data(client.get(edit_url(sheet)))
    level2 = data["rows-0-level2"]
    data["rows-1-DELETE"] = "on"
    data["rows-11-ORDER"] = "0"
    data["rows-TOTAL_FORMS"] = "13"
    data.update(
        {
            "rows-12-level2": level2,
            "rows-12-name": "新增的培训场次",
            "rows-12-target_operator": "≥",
            "rows-12-target_number": "10",
            "rows-12-target_unit": "场",
            "rows-12-actual_number": "12",
            "rows-12-weight": "0",
            "rows-12-score": "0",
            "rows-12-reason": "新增行的原因",
            "rows-12-ORDER": "99",
        }
    )
    assert client.post(edit_url(sheet), data).status_code == 302


def test_a_new_row_shows_its_values_and_a_deleted_row_what_it_held(filler):
    sheet = sheet_of(PROJECT)
    deleted = sheet.indicators.get(position=1)
    client = logged_in(filler)
    add_and_remove_rows(client, sheet)

    page = client.get(history_url(sheet))
    rows = rows_of(page.content.decode())
    added = [r for r in rows if "新增的培训场次" in r and "新增" in r.split("新增的培训场次")[1]]
    assert len(added) == 1, rows
    assert "人才服务中心填报人" in added[0]
    for shown in ("≥10(场)", "12.00(场)", "新增行的原因", "指标值", "实际完成值"):
        assert shown in added[0], added[0]

    removed = [r for r in rows if "删除" in r and deleted.name in r]
    assert len(removed) == 1, rows
    assert deleted.target_text in removed[0]
    assert str(deleted.weight) in removed[0]

    entry = next(
        e for e in page.context["entries"] if e.action == "+" and "新增的培训场次" in e.what
    )
    assert entry.kind == "content"
    assert ("偏差原因分析及改进措施", "", "新增行的原因") in entry.changes


def test_a_save_that_changed_nothing_shown_gives_no_entry(filler):
    sheet = sheet_of(PROJECT)
    client = logged_in(filler)
    # A row-only edit bumps the sheet's version; reordering moves rows out of the way and back.
    data = form_data(client.get(edit_url(sheet)))
    data["rows-0-reason"] = "只改了一行的原因"
    assert client.post(edit_url(sheet), data).status_code == 302
    add_and_remove_rows(client, sheet)
    sheet.refresh_from_db()
    assert sheet.version == 3
    assert sheet.history.filter(history_user=filler).count() >= 2

    page = client.get(history_url(sheet))
    entries = page.context["entries"]
    mine = [e for e in entries if e.who_id == filler.pk]
    assert mine
    assert all(e.changes for e in mine if e.action == "~")
    assert all(old != new for e in mine for _name, old, new in e.changes if e.action == "~")
    # No sheet entry of the filler's: the sheet itself only had its version bumped.
    assert not [e for e in mine if e.what == "整张表"]
    html = page.content.decode()
    assert "版本" not in html
    assert "10001" not in html and "10000" not in html
    assert "只改了一行的原因" in html


def test_comments_and_evidence_are_recorded(filler, reviewer):
    sheet = sheet_of(PROJECT)
    unit = logged_in(filler)
    unit.post(
        f"/sheets/{sheet.pk}/evidence/",
        {"file": SimpleUploadedFile("盖章报告.pdf", PDF)},
    )
    evidence = Evidence.objects.get(name="盖章报告.pdf")
    unit.post(f"/sheets/{sheet.pk}/evidence/{evidence.pk}/delete/")
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    unit.post(f"/sheets/{sheet.pk}/submit/")
    sheet = sheet_of(PROJECT)
    assert sheet.status == "submitted"
    review = logged_in(reviewer)
    review.post(f"/sheets/{sheet.pk}/comments/", {"body": "请补充培训记录"})
    comment = Comment.objects.get(body="请补充培训记录")
    review.post(f"/sheets/{sheet.pk}/comments/{comment.pk}/resolve/")

    page = review.get(history_url(sheet))
    entries = page.context["entries"]
    by_kind = {}
    for e in entries:
        by_kind.setdefault(e.kind, []).append(e)
    evidence_entries = [(e.action, e.who_id, e.what) for e in by_kind["evidence"]]
    assert ("+", filler.pk, "佐证材料 盖章报告.pdf") in evidence_entries
    assert ("-", filler.pk, "佐证材料 盖章报告.pdf") in evidence_entries
    written = [e for e in by_kind["comment"] if e.action == "+"]
    assert [(e.who_id, e.changes[0][2]) for e in written] == [(reviewer.pk, "请补充培训记录")]
    resolved = [e for e in by_kind["comment"] if e.action == "~"]
    assert len(resolved) == 1 and resolved[0].changes[0][0] == "解决时间"
    assert resolved[0].changes[0][1] == "" and resolved[0].changes[0][2]
    status = [e for e in by_kind["status"]]
    assert [(e.changes[0][1], e.changes[0][2]) for e in status] == [("草稿", "已提交")]

    rows = rows_of(page.content.decode())
    assert any("审核意见“请补充培训记录”" in r and "新增" in r for r in rows)
    assert any("审核意见“请补充培训记录”" in r and "解决时间" in r for r in rows)
    assert any("佐证材料 盖章报告.pdf" in r and "删除" in r for r in rows)
    assert any("整张表" in r and "草稿" in r and "已提交" in r for r in rows)


def test_the_history_filters_by_kind_and_person(filler, reviewer, django_user_model):
    colleague = django_user_model.objects.create_user("colleague", first_name="同事乙")
    Profile.objects.create(user=colleague, unit=filler.profile.unit)
    sheet = sheet_of(PROJECT)
    first = logged_in(filler)
    data = form_data(first.get(edit_url(sheet)))
    data["rows-0-reason"] = "填报人改的原因"
    first.post(edit_url(sheet), data)
    second = logged_in(colleague)
    data = form_data(second.get(edit_url(sheet)))
    data["goal_achieved"] = "同事乙改的完成情况"
    second.post(edit_url(sheet), data)
    first.post(f"/sheets/{sheet.pk}/submit/")
    sheet = sheet_of(PROJECT)
    assert sheet.status == "submitted"
    logged_in(reviewer).post(f"/sheets/{sheet.pk}/comments/", {"body": "审核人的意见"})

    everything = first.get(history_url(sheet))
    html = everything.content.decode()
    assert 'id="history-filter"' in html
    people = dict(everything.context["people"])
    assert people == {
        str(filler.pk): "人才服务中心填报人",
        str(colleague.pk): "同事乙",
        str(reviewer.pk): reviewer.get_full_name() or reviewer.username,
        "import": "系统导入",
    }
    assert f'<option value="{colleague.pk}">同事乙</option>' in html

    by_colleague = first.get(history_url(sheet, person=colleague.pk))
    rows = rows_of(by_colleague.content.decode())
    assert rows and all("同事乙" in r for r in rows)
    assert any("同事乙改的完成情况" in r for r in rows)
    assert not any("填报人改的原因" in r for r in rows)
    assert f'<option value="{colleague.pk}" selected>同事乙</option>' in (
        by_colleague.content.decode()
    )

    comments = first.get(history_url(sheet, kind="comment"))
    rows = rows_of(comments.content.decode())
    assert len(rows) == 1 and "审核人的意见" in rows[0]
    assert '<option value="comment" selected>审核意见</option>' in comments.content.decode()

    status = first.get(history_url(sheet, kind="status"))
    assert {e.kind for e in status.context["entries"]} == {"status"}
    assert [e.who_id for e in status.context["entries"]] == [filler.pk]

    content_by_filler = first.get(history_url(sheet, kind="content", person=filler.pk))
    entries = content_by_filler.context["entries"]
    assert entries and all(e.kind == "content" and e.who_id == filler.pk for e in entries)
    assert any(
        ("偏差原因分析及改进措施" == n and new == "填报人改的原因")
        for e in entries
        for n, _o, new in e.changes
    )

    imported = first.get(history_url(sheet, person="import"))
    assert {e.who for e in imported.context["entries"]} == {"系统导入"}

    nothing = first.get(history_url(sheet, kind="evidence"))
    assert nothing.context["entries"] == []
    assert "没有符合筛选条件的修改记录。" in nothing.content.decode()

    # Unknown values are ignored: the whole history.
    unknown = first.get(history_url(sheet, kind="bogus", person="nobody"))
    assert len(unknown.context["entries"]) == len(everything.context["entries"])


def test_the_history_queries_do_not_grow_with_the_versions(filler):
    sheet = sheet_of(PROJECT)
    client = logged_in(filler)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(history_url(sheet, kind="content")).status_code == 200
        return len(queries)

    def edit(reason: str) -> None:
        data = form_data(client.get(edit_url(sheet)))
        data["rows-0-reason"] = reason
        data["goal_achieved"] = reason
        assert client.post(edit_url(sheet), data).status_code == 302

    edit("第一次")
    once = count_queries()
    for n in range(5):
        edit(f"又一次 {n}")
    assert count_queries() == once


def test_history_of_another_units_sheet_is_not_found(filler_other):
    sheet = sheet_of(PROJECT)
    assert logged_in(filler_other).get(history_url(sheet, kind="content")).status_code == 404
