"""Review work lists, comment threads, evidence, history and the diff between submissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from projects import figures
from projects.models import Comment, Evidence, Profile, Sheet, SheetTransition
from projects.review.services import review_action
from projects.sheets.services import sheet_transition
from tests.helpers import edit_url, form_data, logged_in, sheet_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def submit(sheet, user):
    return sheet_transition(sheet=sheet, user=user, action="submit")


def test_the_inbox_lists_submitted_sheets_oldest_first_with_open_comments(filler, reviewer):
    older, newer = sheet_of("信息化运维项目"), sheet_of("人才公寓运行维护经费")
    submit(newer, filler)
    submit(older, filler)
    SheetTransition.objects.filter(sheet=older).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    # The inbox orders by the stored submission time: a time changed around the services is
    # stored again as `recompute_figures` would.
    figures.store(older)
    assert older.figures.submitted_at < newer.figures.submitted_at
    Comment.objects.create(sheet=newer, author=reviewer, body="一", anchor="sheet")
    Comment.objects.create(sheet=newer, author=reviewer, body="二", anchor="sheet")
    Comment.objects.create(sheet=newer, author=reviewer, body="已解决", resolved_at=timezone.now())
    response = logged_in(reviewer).get("/review/")
    listed = [(s.project.name, s.open_comments) for s in response.context["sheets"]]
    assert listed == [("信息化运维项目", 0), ("人才公寓运行维护经费", 2)]
    # Drafts are not awaiting review.
    assert all(s.status == "submitted" for s in response.context["sheets"])


def test_the_inbox_shows_50_sheets_a_page_in_queries_that_do_not_grow(
    filler, reviewer, django_assert_max_num_queries
):
    template = sheet_of("信息化运维项目")
    submit(template, filler)
    project = template.project
    sheets = [template]
    for year in range(1960, 2020):  # 61 sheets awaiting review
        sheet = Sheet.objects.create(
            project=project, year=year, status="submitted", budget_weight=template.budget_weight
        )
        SheetTransition.objects.create(
            sheet=sheet,
            action="submit",
            from_status="draft",
            to_status="submitted",
            user=filler,
            version=1,
        )
        sheets.append(sheet)
    figures.store_many([s.pk for s in sheets])
    Comment.objects.create(sheet=sheets[-1], author=reviewer, body="一", anchor="sheet")
    client = logged_in(reviewer)
    first = client.get("/review/")
    assert len(first.context["sheets"]) == 50
    assert first.context["page"].paginator.count == 61
    assert [s.pk for s in first.context["sheets"]] == [s.pk for s in sheets[:50]]
    second = client.get("/review/?page=2")
    listed = second.context["sheets"]
    assert [s.pk for s in listed] == [s.pk for s in sheets[50:]]
    assert [s.open_comments for s in listed][-1] == 1
    assert "2 / 2" in second.content.decode()
    with django_assert_max_num_queries(12):
        client.get("/review/?page=2")


def test_the_units_overview_puts_returned_sheets_first(filler, reviewer):
    sheet = sheet_of("信息化运维项目")
    submit(sheet, filler)
    review_action(
        sheet=sheet, user=reviewer, action="return", version=sheet.version, comment="请补充"
    )
    submit(sheet_of("人才公寓运行维护经费"), filler)
    response = logged_in(filler).get("/overview/")
    groups = [
        (status, [s.project.name for s in sheets])
        for _label, status, sheets in response.context["groups"]
    ]
    assert groups[0] == ("returned", ["信息化运维项目"])
    assert [status for status, _ in groups] == ["returned", "draft", "submitted"]
    assert response.context["groups"][0][2][0].open_comments == 1


def test_each_role_starts_at_the_year_at_a_glance(filler, reviewer, admin_user, finance):
    for user in (filler, reviewer, admin_user, finance):
        assert logged_in(user).get("/")["Location"] == "/dashboard/"


def test_comments_thread_on_rows_and_budget_lines_and_can_be_resolved(filler, reviewer):
    sheet = sheet_of("信息化运维项目")
    submit(sheet, filler)
    row = sheet.indicators.get(name="长效管理机制健全性")
    review = logged_in(reviewer)
    review.post(
        f"/sheets/{sheet.pk}/comments/", {"body": "这一行的原因太笼统", "indicator": row.pk}
    )
    review.post(f"/sheets/{sheet.pk}/comments/", {"body": "执行率请核对", "budget_line": "total"})
    first = Comment.objects.get(body="这一行的原因太笼统")
    assert (first.anchor, first.indicator, first.anchor_text) == (
        "row",
        row,
        "第 16 行 长效管理机制健全性",
    )
    review_action(sheet=sheet, user=reviewer, action="return", version=sheet.version)
    unit = logged_in(filler)
    unit.post(f"/sheets/{sheet.pk}/comments/", {"body": "已补充具体措施", "parent": first.pk})
    reply = Comment.objects.get(body="已补充具体措施")
    assert reply.parent == first and reply.indicator == row
    # The unit cannot resolve; the reviewer can.
    assert unit.post(f"/sheets/{sheet.pk}/comments/{first.pk}/resolve/").status_code == 403
    review.post(f"/sheets/{sheet.pk}/comments/{first.pk}/resolve/")
    first.refresh_from_db()
    assert first.resolved_by == reviewer and first.resolved_at is not None

    page = unit.get(sheet.get_absolute_url())
    html = page.content.decode()
    notes = dict((r.index, n) for r, n in page.context["annotated_rows"])
    assert [t.first.body for t in notes[15].threads] == ["这一行的原因太笼统"]
    assert [r.body for r in notes[15].threads[0].replies] == ["已补充具体措施"]
    funds = {row.key: n for row, n in page.context["funds_notes"]}
    assert [t.first.body for t in funds["total"].threads] == ["执行率请核对"]
    assert page.context["open_comments"] == 1
    assert "这一行的原因太笼统" in html and "执行率请核对" in html


def test_a_comment_is_escaped_and_an_empty_one_refused(filler, reviewer):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(reviewer)
    client.post(f"/sheets/{sheet.pk}/comments/", {"body": "<script>alert(1)</script>"})
    client.post(f"/sheets/{sheet.pk}/comments/", {"body": "   "})
    assert Comment.objects.filter(sheet=sheet).count() == 1
    html = client.get(sheet.get_absolute_url()).content.decode()
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )


def test_a_comment_cannot_point_at_another_sheets_row(reviewer):
    sheet, other = sheet_of("信息化运维项目"), sheet_of("人才公寓运行维护经费")
    foreign = other.indicators.first()
    response = logged_in(reviewer).post(
        f"/sheets/{sheet.pk}/comments/", {"body": "x", "indicator": foreign.pk}
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_the_diff_since_the_previous_submission_stands_beside_the_comments(filler, reviewer):
    sheet = sheet_of("信息化运维项目")
    submit(sheet, filler)
    row = sheet.indicators.get(name="长效管理机制健全性")
    logged_in(reviewer).post(
        f"/sheets/{sheet.pk}/comments/", {"body": "请具体说明", "indicator": row.pk}
    )
    review_action(sheet=sheet, user=reviewer, action="return", version=sheet.version)
    unit = logged_in(filler)
    data = form_data(unit.get(edit_url(sheet)))
    data["rows-15-reason"] = "缺少考核细则，6月前印发"
    data["rows-15-score"] = "4.50"
    data["appropriation_executed"] = "21.80"
    data["action"] = "submit"
    assert unit.post(edit_url(sheet), data).status_code == 302
    page = logged_in(reviewer).get(sheet.get_absolute_url())
    diff = page.context["diff"]
    change = diff.for_row(row.pk)
    assert [(c.label, c.old, c.new) for c in change.changes] == [
        ("得分", "4.00", "4.50"),
        ("偏差原因分析及改进措施", "长效管理机制还需进一步健全", "缺少考核细则，6月前印发"),
    ]
    assert [(c.label, c.old, c.new) for c in diff.funds] == [
        ("年度资金总额 · 全年执行数（万元）", "21.77", "21.80"),
        ("当年财政拨款 · 全年执行数（万元）", "21.77", "21.80"),
    ]
    notes = dict((r.index, n) for r, n in page.context["annotated_rows"])
    assert notes[15].change == change and notes[15].threads[0].first.body == "请具体说明"
    html = page.content.decode()
    assert "<del>4.00</del> → <ins>4.50</ins>" in html


def test_history_shows_each_change_with_its_author_and_time(filler, django_user_model):
    colleague = django_user_model.objects.create_user("colleague", first_name="同事乙")
    Profile.objects.create(user=colleague, unit=filler.profile.unit)
    sheet = sheet_of("政府聘用辅助人员经费")
    first = logged_in(filler)
    data = form_data(first.get(edit_url(sheet)))
    data["rows-0-reason"] = "填报人改的原因"
    first.post(edit_url(sheet), data)
    second = logged_in(colleague)
    data = form_data(second.get(edit_url(sheet)))
    data["goal_achieved"] = "同事乙改的完成情况"
    data["rows-2-score"] = "7.00"
    data["rows-2-reason"] = "资质复核中"
    second.post(edit_url(sheet), data)

    page = first.get(f"/sheets/{sheet.pk}/history/")
    entries = page.context["entries"]
    by_author = {}
    for entry in entries:
        for name, _old, new in entry.changes:
            by_author.setdefault(entry.who, []).append((entry.what, name, new))
    assert (
        "第 1 行 政府聘用服务人员数量",
        "偏差原因分析及改进措施",
        "填报人改的原因",
    ) in by_author["人才服务中心填报人"]
    assert ("整张表", "实际完成情况", "同事乙改的完成情况") in by_author["同事乙"]
    assert ("第 3 行 政府聘用服务人员资质达标率", "得分", "7.00") in by_author["同事乙"]
    assert all(entry.when is not None for entry in entries)
    assert entries == sorted(entries, key=lambda e: e.when, reverse=True)
    assert page.status_code == 200 and "同事乙" in page.content.decode()


def upload(client, sheet, name, content, **extra):
    return client.post(
        f"/sheets/{sheet.pk}/evidence/", {"file": SimpleUploadedFile(name, content), **extra}
    )


def test_evidence_is_attached_to_a_row_and_served_only_to_those_who_may_see_the_sheet(
    filler, reviewer, filler_other
):
    sheet = sheet_of("信息化运维项目")
    row = sheet.indicators.first()
    unit = logged_in(filler)
    assert upload(unit, sheet, "盖章报告.pdf", PDF, indicator=row.pk).status_code == 302
    upload(unit, sheet, "现场照片.png", PNG)
    pdf, png = Evidence.objects.order_by("pk")
    assert (pdf.indicator, pdf.name, pdf.content_type, pdf.size) == (
        row,
        "盖章报告.pdf",
        "application/pdf",
        len(PDF),
    )
    assert png.indicator is None
    # No public URL serves the stored file itself.
    assert logged_in(reviewer).get(f"/media/{pdf.file.name}").status_code == 404
    assert logged_in(reviewer).get(f"/{pdf.file.name}").status_code == 404

    response = logged_in(reviewer).get(f"/sheets/{sheet.pk}/evidence/{pdf.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert logged_in(filler_other).get(f"/sheets/{sheet.pk}/evidence/{pdf.pk}/").status_code == 404
    assert Client().get(f"/sheets/{sheet.pk}/evidence/{pdf.pk}/").status_code == 302
    # An evidence id under another sheet's URL is not found either.
    other = sheet_of("人才公寓运行维护经费")
    assert logged_in(reviewer).get(f"/sheets/{other.pk}/evidence/{pdf.pk}/").status_code == 404

    page = logged_in(reviewer).get(sheet.get_absolute_url())
    notes = dict((r.index, n) for r, n in page.context["annotated_rows"])
    assert notes[0].evidence == [pdf]
    assert f"/sheets/{sheet.pk}/evidence/{pdf.pk}/" in page.content.decode()


def test_evidence_type_size_and_content_are_checked(filler, settings):
    sheet = sheet_of("信息化运维项目")
    unit = logged_in(filler)
    upload(unit, sheet, "程序.exe", b"MZ" + b"\x00" * 10)
    upload(unit, sheet, "假的.pdf", b"MZ" + b"\x00" * 10)
    settings.EVIDENCE_MAX_BYTES = 10
    response = upload(unit, sheet, "大文件.pdf", PDF)
    assert not Evidence.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("过大" in m for m in messages)


def test_history_of_an_import_names_no_user(seed_sheets, client_for, admin_user):
    sheet = Sheet.objects.get(project__name="政府聘用辅助人员经费")
    page = client_for(admin_user).get(f"/sheets/{sheet.pk}/history/")
    assert {e.who for e in page.context["entries"]} == {"系统导入"}


def test_approving_asks_first_and_names_the_open_comments(filler, reviewer):
    from projects.sheets.services import sheet_transition

    sheet = sheet_transition(sheet=sheet_of("信息化运维项目"), user=filler, action="submit")
    client = logged_in(reviewer)
    page = client.get(f"/sheets/{sheet.pk}/").content.decode()
    assert 'class="js-confirm" data-confirm="确认审核通过？通过后该表不能再修改。"' in page
    Comment.objects.create(sheet=sheet, author=reviewer, body="请核对")
    Comment.objects.create(sheet=sheet, author=reviewer, body="再核对")
    page = client.get(f"/sheets/{sheet.pk}/").content.decode()
    assert "该表还有 2 条待处理意见，确认仍要审核通过吗？" in page


def test_the_inbox_marks_a_resubmission_and_links_to_what_changed(filler, reviewer):
    from projects.sheets.services import sheet_transition

    first = sheet_transition(sheet=sheet_of("信息化运维项目"), user=filler, action="submit")
    other = sheet_transition(sheet=sheet_of("人才大厦运行维护经费"), user=filler, action="submit")
    sheet_transition(sheet=first, user=reviewer, action="return", comment="请补充")
    sheet_transition(sheet=first, user=filler, action="submit")
    page = logged_in(reviewer).get("/review/").content.decode()
    assert page.count("再次提交") == 1
    assert f'href="/sheets/{first.pk}/#changes"' in page
    assert f'href="/sheets/{other.pk}/#changes"' not in page


def test_the_inbox_says_what_a_resubmission_changed(filler, reviewer, django_assert_num_queries):
    from projects.sheets.services import sheet_transition

    sheet = sheet_transition(sheet=sheet_of("信息化运维项目"), user=filler, action="submit")
    sheet_transition(sheet=sheet_of("人才大厦运行维护经费"), user=filler, action="submit")
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="return", comment="请补充")
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["rows-0-score"] = "0.50"
    data["rows-0-reason"] = "按实际完成情况扣分：会议推迟至次年举行"
    data["rows-1-reason"] = "已补充原因"
    data["goal_achieved"] = data["goal_achieved"] + "（已修订）"
    response = client.post(edit_url(sheet), {**data, "action": "submit"})
    assert response["Location"] == f"/sheets/{sheet.pk}/"
    html = logged_in(reviewer).get("/review/").content.decode()
    line = html.split('class="small text-muted inbox-changes">')[1].split("</div>")[0]
    assert line.strip() == "改动：2 行修改 表头或目标 1 处"
    assert html.count("inbox-changes") == 1  # the first submission says nothing


def test_an_unchanged_resubmission_says_so(filler, reviewer):
    from projects.sheets.services import sheet_transition

    sheet = sheet_transition(sheet=sheet_of("信息化运维项目"), user=filler, action="submit")
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="return", comment="请补充")
    sheet_transition(sheet=sheet, user=filler, action="submit")
    html = logged_in(reviewer).get("/review/").content.decode()
    assert "改动：无\n</div>" in html
