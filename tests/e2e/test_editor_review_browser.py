"""The review inside the editor, in the browser (issue 16 item 5): the reviewer's comment shows
under its row, the clerk answers it there without leaving or dirtying the editor, attaches a
file to another row, and the comments follow their rows when the rows move."""

from __future__ import annotations

from playwright.sync_api import expect

from projects.models import Comment, Evidence, Sheet

PROJECT = "人才引进一网通办服务专项"  # returned to the demo's filler with two open comments
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_reviewer_comment_is_visible_and_answerable_in_the_editor(
    e2e_demo, page_for, live_server, tmp_path
):
    sheet = Sheet.objects.get(project__name=PROJECT, year=2023)
    assert sheet.status == Sheet.Status.RETURNED
    version = sheet.version
    thread = Comment.objects.filter(sheet=sheet, parent=None, resolved_at=None).order_by(
        "indicator__position"
    )[0]
    row = thread.indicator
    page = page_for("filler")
    previews: list[str] = []
    page.on("request", lambda r: previews.append(r.url) if "/edit/preview/" in r.url else None)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")

    general = page.locator("#editor-review-general")
    expect(general).to_contain_text("2 条待处理意见")
    block = page.locator(f"#review-row-{row.pk}")
    expect(block).to_be_visible()
    expect(block).to_contain_text(thread.body)
    # The block stands right under its row.
    assert page.evaluate(
        f"document.getElementById('review-row-{row.pk}').previousElementSibling"
        ".querySelector('input[name$=\"-row_id\"]').value"
    ) == str(row.pk)

    # The link in the summary takes the cursor to the reply box.
    general.locator(f"a[data-row-id='{row.pk}']").click()
    reply = block.locator("textarea")
    expect(reply).to_be_focused()
    reply.fill("已按实际情况补充偏差原因。")
    page.wait_for_timeout(700)
    assert previews == []  # typing a reply is not editing the sheet: no live scoring
    block.get_by_role("button", name="回复").click()
    expect(block).to_contain_text("已发送。")
    expect(block).to_contain_text("已按实际情况补充偏差原因。")
    assert Comment.objects.get(parent=thread).body == "已按实际情况补充偏差原因。"

    # Evidence for a row without comments: the clip opens its block.
    other = sheet.indicators.order_by("position")[4]
    editor_row = page.locator("tr.indicator-row").nth(4)
    editor_row.locator(".js-evidence").click()
    other_block = page.locator(f"#review-row-{other.pk}")
    expect(other_block).to_be_visible()
    proof = tmp_path / "会议签到表.png"
    proof.write_bytes(PNG)
    other_block.locator("input[type=file]").set_input_files(str(proof))
    other_block.get_by_role("button", name="上传佐证").click()
    expect(page.locator(f"#review-row-{other.pk}")).to_contain_text("会议签到表.png")
    assert Evidence.objects.get(sheet=sheet).indicator_id == other.pk

    # Nothing of the sheet changed: leaving asks nothing.
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/")
    assert dialogs == []
    sheet.refresh_from_db()
    assert (sheet.version, sheet.status) == (version, Sheet.Status.RETURNED)

    # Back in the editor, a row moved down takes its comments with it.
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    first = page.locator("tr.indicator-row").first
    moved_id = first.locator("input[name$='-row_id']").input_value()
    expect(page.locator(f"#review-row-{moved_id}")).to_be_attached()
    first.locator(".js-down").click()
    second = page.locator("tr.indicator-row").nth(1)
    assert second.locator("input[name$='-row_id']").input_value() == moved_id
    assert (
        page.evaluate(
            f"document.getElementById('review-row-{moved_id}').previousElementSibling"
            ".querySelector('input[name$=\"-row_id\"]').value"
        )
        == moved_id
    )
