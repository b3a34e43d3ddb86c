"""No 500s, no silent nonsense (issue 10, item 5): a stale edit after an import says so, a
dropped database connection during a save keeps the input with a retry message, and a server
error is logged and shown with the request id.

This module is also the URLconf of the error tests (`ROOT_URLCONF=__name__`): the app's URLs,
its handler500, and views that fail on purpose.
"""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory, override_settings
from django.urls import path

from perfeval import urls as app_urls
from perfeval.errors import server_error
from projects.imports.services import read_text, save_parsed
from projects.models import Sheet
from tests.helpers import edit_url, form_data, sheet_of

pytestmark = pytest.mark.django_db

PROJECT = "政府聘用辅助人员经费"
RETRY = "数据库连接中断，您的输入未丢失，请稍后重试保存"


def boom(request):
    raise RuntimeError("a bug, on purpose")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/database-gone/", database_gone),
    *app_urls.urlpatterns,
]
handler500 = app_urls.handler500


def typed(data: dict) -> dict:
    """The editor's form with the user's own typing in it."""
    return data | {
        "goal_achieved": "我刚写的实际完成情况，一个字都不能丢",
        "rows-0-reason": "我刚写的偏差原因",
        "appropriation_executed": "888.88",
    }


def assert_input_kept(html: str) -> None:
    assert "我刚写的实际完成情况，一个字都不能丢" in html
    assert "我刚写的偏差原因" in html
    assert 'value="888.88"' in html


# -- a stale edit whose other save had no user (an import) -----------------------------------


def reimport(project: str, seed_text: str, **changes) -> None:
    """Import the project's seed sheet again with some changes, as `import_sheets` would."""
    [parsed] = [p for p in read_text(seed_text).sheets if p.project == project]
    outcome = save_parsed(dataclasses.replace(parsed, **changes), year=2023)
    assert outcome.action == "updated"


def test_a_save_after_an_import_over_the_draft_is_stale_and_names_the_import(
    filler, client_for, seed_text
):
    client = client_for(filler)
    sheet = sheet_of(PROJECT)
    data = typed(form_data(client.get(edit_url(sheet))))
    reimport(PROJECT, seed_text, goal_expected="导入时改过的预期目标")
    stored = Sheet.objects.get(pk=sheet.pk)
    assert stored.updated_by is None and stored.version == sheet.version + 1

    response = client.post(edit_url(sheet), data)

    assert response.status_code == 409
    html = response.content.decode()
    warning = re.search(r'id="stale-warning">(.*?)</div>', html, re.S).group(1)
    assert "此表已由导入于" in warning
    assert f"更新为第 {stored.version} 版" in warning
    assert "None" not in warning and not re.search(r">\s*于 ", warning)
    assert_input_kept(html)
    assert response.context["header"]["version"].value() == str(stored.version)
    assert Sheet.objects.get(pk=sheet.pk).goal_expected == "导入时改过的预期目标"


def test_after_the_stale_notice_after_an_import_saving_again_lands(filler, client_for, seed_text):
    client = client_for(filler)
    sheet = sheet_of(PROJECT)
    data = typed(form_data(client.get(edit_url(sheet))))
    reimport(PROJECT, seed_text, goal_expected="导入时改过的预期目标")
    refused = client.post(edit_url(sheet), data)
    # The rows the import wrote have new ids: the page's form is what is posted again.
    again = form_data(refused)

    response = client.post(edit_url(sheet), again)

    assert response.status_code == 302
    stored = Sheet.objects.get(pk=sheet.pk)
    assert stored.goal_achieved == "我刚写的实际完成情况，一个字都不能丢"
    assert stored.updated_by == filler


def test_a_stale_save_when_the_other_save_has_no_user_reads_sensibly(filler, client_for):
    client = client_for(filler)
    sheet = sheet_of(PROJECT)
    data = typed(form_data(client.get(edit_url(sheet))))
    Sheet.objects.filter(pk=sheet.pk).update(version=sheet.version + 1, updated_by=None)

    response = client.post(edit_url(sheet), data)

    assert response.status_code == 409
    assert "此表已由导入于" in response.content.decode()
    assert_input_kept(response.content.decode())


def test_a_stale_edit_names_who_saved_even_when_the_joined_user_was_read_before_the_save(filler):
    # On PostgreSQL, a save that waited for another one's row lock re-reads the sheet's row
    # but not the user joined to it: the stale sheet says version 2, updated_by None.
    from projects.sheets.services import StaleEdit

    sheet = Sheet.objects.select_related("updated_by").get(pk=sheet_of(PROJECT).pk)
    assert sheet.updated_by is None
    sheet.updated_by_id, sheet.version = filler.pk, sheet.version + 1

    stale = StaleEdit(sheet)

    assert stale.by == filler
    assert StaleEdit(Sheet.objects.get(pk=sheet.pk)).by is None  # an import: nobody


# -- a dropped database connection during a save ---------------------------------------------


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_dropped_connection_during_a_save_keeps_the_input_with_a_retry_message(
    filler, client_for, monkeypatch, caplog, error
):
    client = client_for(filler)
    sheet = sheet_of(PROJECT)
    data = typed(form_data(client.get(edit_url(sheet))))

    def dropped(**kwargs):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr("projects.sheets.views.sheet_save_content", dropped)
    with caplog.at_level(logging.WARNING):
        response = client.post(edit_url(sheet), data)

    assert response.status_code == 503
    html = response.content.decode()
    assert RETRY in html
    assert_input_kept(html)
    # The form still carries the version it was loaded at: saving again is a normal save.
    assert response.context["header"]["version"].value() == str(sheet.version)
    assert Sheet.objects.get(pk=sheet.pk).version == sheet.version
    [record] = [r for r in caplog.records if r.name == "projects.sheets.views"]
    assert record.levelno == logging.WARNING and record.exc_info
    assert record.request_id == response["X-Request-ID"]


def test_when_the_database_stays_away_the_503_page_keeps_every_field_as_a_retry_form(
    filler, client_for, monkeypatch
):
    client = client_for(filler)
    client.raise_request_exception = False
    sheet = sheet_of(PROJECT)
    data = typed(form_data(client.get(edit_url(sheet)))) | {"csrfmiddlewaretoken": "the-token"}

    def gone(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("projects.sheets.views.sheet_save_content", gone)
    monkeypatch.setattr("projects.sheets.views._editor_context", gone)
    response = client.post(edit_url(sheet), data)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert RETRY in html
    assert f'<form method="post" action="{edit_url(sheet)}">' in html
    for name in ("goal_achieved", "rows-0-reason", "appropriation_executed", "version"):
        assert f'name="{name}" value="{data[name]}"' in html
    assert 'name="csrfmiddlewaretoken" value="the-token"' in html
    assert response["X-Request-ID"] in html
    assert "<script" not in html and "<style" not in html and " style=" not in html


def test_the_retry_form_never_echoes_a_password_or_a_one_time_code():
    request = RequestFactory().post(
        "/accounts/login/",
        {"username": "filler", "password": "Secret-2026x", "otp_token": "123456", "x": "y"},
    )

    response = server_error_while(OperationalError("down"), request)

    html = response.content.decode()
    assert response.status_code == 503
    assert "Secret-2026x" not in html and "123456" not in html
    assert 'name="username" value="filler"' in html and 'name="x" value="y"' in html


def server_error_while(exception: Exception, request):
    """handler500 as Django calls it: while the exception is being handled."""
    request.request_id = "test-request-0001"
    try:
        raise exception
    except Exception:
        return server_error(request)


def test_a_database_error_outside_a_view_answers_503_not_500():
    request = RequestFactory().get("/sheets/")

    response = server_error_while(InterfaceError("connection already closed"), request)

    assert response.status_code == 503
    assert "数据库暂时无法连接" in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_a_database_error_in_any_view_answers_503_with_the_request_id(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/test-errors/database-gone/")

    assert response.status_code == 503
    request_id = response["X-Request-ID"]
    assert request_id in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "perfeval.errors"]
    assert record.request_id == request_id and record.exc_info


# -- server errors: logged with the request id, a friendly page that shows it ---------------


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_logged_and_shown_with_the_same_request_id(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        response = client.get("/test-errors/boom/")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    html = response.content.decode()
    assert f'<code id="request-id">{request_id}</code>' in html
    assert "服务器出错了" in html
    assert "<script" not in html and "<style" not in html and " style=" not in html
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == request_id
    assert record.exc_info[0] is RuntimeError
    assert record.status_code == 500


@override_settings(ROOT_URLCONF=__name__)
def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(client):
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    strange = client.get("/accounts/login/", HTTP_X_REQUEST_ID="x\nFAKE LOG LINE <script>")

    assert kept["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    assert re.fullmatch(r"[0-9a-f]{32}", strange["X-Request-ID"])


def test_every_request_gets_its_own_id(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")

    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_log_lines_go_to_stderr_with_the_request_id_in_the_format(settings):
    handler = logging.getLogger().handlers
    [stderr] = [h for h in handler if getattr(h, "name", "") == "stderr"]
    record = logging.getLogger("projects.sheets.views").makeRecord(
        "projects.sheets.views", logging.ERROR, __file__, 1, "save failed", (), None
    )
    record.request_id = "abcdef0123456789"

    line = stderr.format(record)

    assert isinstance(stderr, logging.StreamHandler)
    assert settings.LOGGING["handlers"]["stderr"]["stream"] == "ext://sys.stderr"
    assert "[abcdef0123456789] projects.sheets.views: save failed" in line
    assert settings.LOGGING["loggers"]["django.request"]["level"] == "ERROR"
