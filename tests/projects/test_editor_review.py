"""The review inside the editor (issue 16 item 5): the reviewer's comments on the rows where the
clerk makes the fix, answered there, and evidence attached there, through the review room's
panel (`projects:editor-review`), whose fields belong to no form of the editor."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Comment, Evidence, Sheet
from projects.review.services import review_action
from projects.sheets.services import sheet_transition
from tests.helpers import sheet_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PROJECT = "信息化运维项目"


@pytest.fixture
def returned(filler, reviewer):
    """A sheet returned with a comment on its third row, one on its funds and one on the
    whole sheet, and a resolved one on its first row."""
    sheet = sheet_of(PROJECT)
    sheet_transition(sheet=sheet, user=filler, action="submit")
    sheet.refresh_from_db()
    rows = list(sheet.indicators.order_by("position"))
    row_comment = Comment.objects.create(
        sheet=sheet,
        author=reviewer,
        body="实际完成值低于目标，请说明原因。",
        indicator=rows[2],
        anchor=Comment.Anchor.ROW,
        anchor_row_number=3,
        anchor_row_name=rows[2].name,
    )
    Comment.objects.create(
        sheet=sheet,
        author=reviewer,
        body="执行数请与决算核对。",
        budget_line="total",
        anchor=Comment.Anchor.FUNDS,
    )
    Comment.objects.create(sheet=sheet, author=reviewer, body="请补充整体说明。")
    done = Comment.objects.create(
        sheet=sheet,
        author=reviewer,
        body="已改好的旧意见",
        indicator=rows[0],
        anchor=Comment.Anchor.ROW,
        anchor_row_number=1,
        anchor_row_name=rows[0].name,
    )
    from django.utils import timezone

    Comment.objects.filter(pk=done.pk).update(resolved_at=timezone.now(), resolved_by=reviewer)
    sheet.refresh_from_db()
    review_action(sheet=sheet, user=reviewer, action="return", version=sheet.version)
    sheet.refresh_from_db()
    return sheet, rows, row_comment


def panel(client, sheet):
    return client.get(f"/sheets/{sheet.pk}/edit/review/")


def test_the_editor_loads_the_review_panel_of_its_sheet(returned, filler, client_for):
    sheet, _rows, _comment = returned
    page = client_for(filler).get(f"/sheets/{sheet.pk}/edit/").content.decode()
    assert f'data-url="/sheets/{sheet.pk}/edit/review/"' in page
    assert "js/editor-review.js" in page


def test_the_panel_puts_each_thread_on_its_row_with_a_reply_box(returned, filler, client_for):
    sheet, rows, comment = returned
    response = panel(client_for(filler), sheet)
    assert response.status_code == 200
    html = response.content.decode()
    block = re.search(
        rf'<tr class="review-row has-open" id="review-row-{rows[2].pk}".*?</tr>', html, re.S
    ).group(0)
    assert "实际完成值低于目标，请说明原因。" in block
    assert f'data-parent="{comment.pk}"' in block
    # Every saved row has its block (for evidence); rows with nothing are hidden until asked.
    assert html.count('class="review-row') == len(rows)
    assert re.search(rf'id="review-row-{rows[5].pk}" data-row-id="{rows[5].pk}" hidden', html)
    # The resolved thread stays folded away; the open count and its link name the row.
    assert "1 条已解决的意见" in html and "已改好的旧意见" in html
    general = html.split("<table>")[0]
    assert "3 条待处理意见" in general
    assert f'第 3 行 <span lang="zh-Hans">{rows[2].name}</span>' in general
    assert "执行数请与决算核对。" in general and "请补充整体说明。" in general
    # No field of the panel belongs to the sheet's form: its saves never post them.
    fields = re.findall(r"<(?:textarea|input)\b[^>]*>", html)
    assert fields and all('form="editor-review-none"' in f for f in fields)


def test_the_panel_is_the_editors_own_the_reviewer_and_other_units_get_none(
    returned, reviewer, filler_other, client_for
):
    sheet, _rows, _comment = returned
    assert panel(client_for(reviewer), sheet).status_code == 403
    assert panel(client_for(filler_other), sheet).status_code == 404
    assert panel(client_for(None), sheet).status_code == 302


def test_a_reply_written_in_the_editor_is_kept_in_its_thread(returned, filler, client_for):
    sheet, rows, comment = returned
    client = client_for(filler)
    response = client.post(
        f"/sheets/{sheet.pk}/comments/",
        {"parent": comment.pk, "body": "已按实际补充原因。", "in_editor": "1"},
    )
    assert response.status_code == 200
    reply = Comment.objects.get(parent=comment)
    assert (reply.author, reply.body, reply.indicator_id) == (
        filler,
        "已按实际补充原因。",
        rows[2].pk,
    )
    html = response.content.decode()
    block = re.search(rf'id="review-row-{rows[2].pk}".*?</tr>', html, re.S).group(0)
    assert "已按实际补充原因。" in block and "已发送。" in block
    # The sheet itself is untouched: the reply is not a save.
    before = sheet.version
    sheet.refresh_from_db()
    assert sheet.version == before and sheet.status == Sheet.Status.RETURNED


def test_an_empty_reply_is_refused_at_its_thread(returned, filler, client_for):
    sheet, rows, comment = returned
    response = client_for(filler).post(
        f"/sheets/{sheet.pk}/comments/", {"parent": comment.pk, "body": "  ", "in_editor": "1"}
    )
    assert response.status_code == 400
    thread = re.search(
        rf'id="editor-thread-{comment.pk}".*?</div>\s*</div>', response.content.decode(), re.S
    )
    assert "意见内容不能为空。" in response.content.decode()
    assert thread is not None
    assert not Comment.objects.filter(parent=comment).exists()


def test_evidence_is_attached_to_a_row_from_the_editor_and_removed_there(
    returned, filler, client_for
):
    sheet, rows, _comment = returned
    client = client_for(filler)
    response = client.post(
        f"/sheets/{sheet.pk}/evidence/",
        {
            "indicator": rows[5].pk,
            "in_editor": "1",
            "file": SimpleUploadedFile("培训签到表.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 200
    evidence = Evidence.objects.get(sheet=sheet)
    assert evidence.indicator_id == rows[5].pk
    html = response.content.decode()
    block = re.search(rf'<tr class="review-row" id="review-row-{rows[5].pk}"[^>]*>', html).group(0)
    assert "hidden" not in block  # the row's block now shows its file
    assert '已上传 <span lang="zh-Hans">培训签到表.png</span>。' in html

    refused = client.post(
        f"/sheets/{sheet.pk}/evidence/",
        {
            "indicator": rows[5].pk,
            "in_editor": "1",
            "file": SimpleUploadedFile("宏.xlsm", b"PK\x03\x04", content_type="application/zip"),
        },
    )
    assert refused.status_code == 400
    assert Evidence.objects.filter(sheet=sheet).count() == 1
    assert 'role="alert"' in refused.content.decode()

    gone = client.post(f"/sheets/{sheet.pk}/evidence/{evidence.pk}/delete/", {"in_editor": "1"})
    assert gone.status_code == 200
    assert not Evidence.objects.filter(sheet=sheet).exists()
    assert '已删除 <span lang="zh-Hans">培训签到表.png</span>。' in gone.content.decode()


def test_the_panel_costs_the_same_queries_whatever_the_rows(
    returned, filler, client_for, django_assert_num_queries
):
    sheet, _rows, _comment = returned
    long_sheet = sheet_of("人才大厦运行维护经费")
    client = client_for(filler)
    panel(client, sheet)  # the session and the user are read once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for each in (sheet, long_sheet):
        with CaptureQueriesContext(connection) as queries:
            assert panel(client, each).status_code == 200
        counts.append(len(queries))
    assert long_sheet.indicators.count() > 2 * sheet.indicators.count()
    assert counts[0] == counts[1]
