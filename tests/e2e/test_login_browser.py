"""The login in Chromium: password then TOTP through the real pages, the idle warning, and the
editor's unsaved input surviving a time-out and a new login."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from projects.models import Sheet
from tests.e2e.conftest import DEMO_PASSWORD, fresh_totp_code


def test_a_real_login_takes_the_password_then_the_code(e2e_demo, page, live_server):
    page.goto(f"{live_server.url}/sheets/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/sheets/$"))
    page.fill("#id_username", "filler")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    # Past the password only: no page but the code's.
    page.goto(f"{live_server.url}/overview/")
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    expect(page.locator("nav")).not_to_contain_text("本单位")
    page.fill("#id_code", "000000" if fresh_totp_code("filler") != "000000" else "111111")
    page.click("button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("验证码不正确")
    page.wait_for_timeout(1100)  # django-otp slows the next try by a second after a wrong code
    page.fill("#id_code", fresh_totp_code("filler"))
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/overview/$"))
    expect(page.locator("nav")).to_contain_text("本单位")


def test_the_idle_warning_appears_and_continue_keeps_the_session(
    e2e_demo, login, live_server, settings
):
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 70 / 60  # the warning comes after ~10 s
    page = login("filler")
    toast = page.locator("#idle-warning")
    expect(toast).to_be_visible(timeout=20_000)
    expect(toast).to_contain_text("一分钟后将因长时间未操作而退出，点击继续")
    page.click("#idle-continue")
    expect(toast).to_be_hidden()
    page.goto(f"{live_server.url}/sheets/")
    expect(page).to_have_url(re.compile(r"/sheets/$"))


def test_unsaved_editor_input_survives_a_time_out_and_a_new_login(
    e2e_demo, login, live_server, settings
):
    sheet = Sheet.objects.get(project__name="信息化运维项目")
    original = sheet.goal_achieved
    page = login("filler")
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 0.25  # 15 s
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    typed = "超时前输入、尚未保存的实际完成情况"
    page.fill("textarea[name=goal_achieved]", typed)
    # The page warns, then reloads at the time-out: the server ends the session.
    expect(page).to_have_url(
        re.compile(r"/accounts/login/\?next=/sheets/\d+/edit/$"), timeout=40_000
    )
    expect(page.locator(".alert")).to_contain_text("长时间未操作")
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 30
    assert Sheet.objects.get(pk=sheet.pk).goal_achieved == original
    page.fill("#id_username", "filler")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.fill("#id_code", fresh_totp_code("filler"))
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/sheets/{sheet.pk}/edit/$"))
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("textarea[name=goal_achieved]")).to_have_value(typed)
    # Discarding goes back to what is saved.
    page.click("#draft-discard")
    expect(page.locator("#draft-restored")).to_have_count(0)
    expect(page.locator("textarea[name=goal_achieved]")).to_have_value(original)
    # Saved, the draft is gone for good.
    page.fill("textarea[name=goal_achieved]", typed)
    page.click("button[value=save]")
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    page.goto(f"{live_server.url}/sheets/{sheet.pk}/edit/")
    expect(page.locator("textarea[name=goal_achieved]")).to_have_value(typed)
    expect(page.locator("#draft-restored")).to_have_count(0)
    assert Sheet.objects.get(pk=sheet.pk).goal_achieved == typed
