"""The audit log: every security event recorded once with who, where, what and the result;
append-only in the app, the admin and SQL; the chain verified; pruning audited; the 审计员
alone reads and exports it."""

from __future__ import annotations

import datetime
import io
from contextlib import contextmanager

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.forms.models import inlineformset_factory
from django.test import Client
from django.utils import timezone, translation

from projects.access import landing, role_label
from projects.admin import ProfileFormSet
from projects.audit import services, wording
from projects.audit.models import AppendOnly, AuditCheckpoint, AuditRecord
from projects.imports.services import read_text, save_parsed
from projects.models import Comment, Department, ExportJob, Profile, Sheet
from tests.conftest import persona
from tests.helpers import edit_url, form_data, logged_in, sheet_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PG = connection.vendor == "postgresql"


@pytest.fixture
def auditor(seed):
    user = persona("auditor", full_name="审计员甲")
    Profile.objects.create(user=user, auditor=True)
    return user


def head() -> int:
    return AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def since(start: int, action: str | None = None) -> list[AuditRecord]:
    records = AuditRecord.objects.filter(id__gt=start).order_by("id")
    return list(records.filter(action=action) if action else records)


def only(start: int, action: str) -> AuditRecord:
    found = since(start, action)
    assert len(found) == 1, [(r.action, r.object_label) for r in since(start)]
    return found[0]


# -- each event, once, with who, where, what and how it ended --------------------------------


def test_a_failed_login_keeps_the_name_tried_and_the_address(db, settings):
    start = head()
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong-Password-1"})
    record = only(start, "login_failed")
    assert (record.username, record.user_id, record.result) == ("nobody", None, "failed")
    assert record.ip == "198.51.100.7"  # no forwarded header is believed by default
    assert "wrong-Password-1" not in str(record.params)

    settings.PERFEVAL_PROXY_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    start = head()
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong-Password-1"})
    assert only(start, "login_failed").ip == "203.0.113.9"


def test_login_and_logout_are_recorded_with_the_user(filler):
    start = head()
    client = logged_in(filler)
    login = only(start, "login")
    assert (login.user_id, login.username, login.result) == (filler.pk, "filler", "ok")
    start = head()
    client.post("/accounts/logout/", REMOTE_ADDR="192.0.2.1")
    logout = only(start, "logout")
    assert (logout.user_id, logout.ip) == (filler.pk, "192.0.2.1")


@pytest.mark.skipif(not apps.is_installed("axes"), reason="the lock-out comes with django-axes")
def test_the_lock_out_is_recorded(filler, settings):
    start = head()
    client = Client(REMOTE_ADDR="198.51.100.8")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "filler", "password": "Wrong-password-9"})
    record = only(start, "lockout")
    assert (record.username, record.result, record.ip) == ("filler", "refused", "198.51.100.8")
    assert len(since(start, "login_failed")) == settings.AXES_FAILURE_LIMIT


def test_a_refusal_is_recorded_after_the_refused_action_rolled_back(filler, filler_other):
    sheet = sheet_of("信息化运维项目")
    start = head()
    # Outside the scope: 404, as if the sheet did not exist — and recorded.
    response = logged_in(filler_other).get(f"/sheets/{sheet.pk}/", REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 404
    record = only(start, "access")
    assert (record.user_id, record.result, record.ip) == (filler_other.pk, "refused", "192.0.2.44")
    assert (record.object_type, record.object_id) == ("sheet", str(sheet.pk))
    assert record.object_label == "2023 信息化运维项目"
    assert record.params["status"] == 404
    # Inside the scope, an action the role may not take: 403, recorded, nothing changed.
    start = head()
    response = logged_in(filler).post(f"/sheets/{sheet.pk}/approve/", {"comment": "x"})
    assert response.status_code == 403
    record = only(start, "access")
    assert (record.params["status"], record.params["view"]) == (403, "projects:sheet-approve")
    assert since(start, "transition") == []


def test_a_transition_is_recorded_with_its_states_and_version(filler):
    sheet = sheet_of("信息化运维项目")
    start = head()
    logged_in(filler).post(f"/sheets/{sheet.pk}/submit/")
    assert Sheet.objects.get(pk=sheet.pk).status == "submitted"
    record = only(start, "transition")
    assert record.user_id == filler.pk
    assert record.params == {"action": "submit", "from": "draft", "to": "submitted", "version": 1}
    assert (record.object_type, record.object_id) == ("sheet", str(sheet.pk))
    assert since(start, "content_save") == []  # the state's own save is the transition


def test_a_content_save_is_one_record(filler):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["rows-0-reason"] = "审计测试"
    start = head()
    client.post(edit_url(sheet), data, REMOTE_ADDR="192.0.2.5")
    record = only(start, "content_save")
    assert (record.user_id, record.ip, record.object_id) == (filler.pk, "192.0.2.5", str(sheet.pk))
    assert record.params == {"version": sheet.version + 1, "source": "web"}
    assert [r.action for r in since(start)] == ["content_save"]


def test_an_import_is_recorded_as_a_new_sheet(seed, seed_text):
    start = head()
    parsed = read_text(seed_text).sheets[0]
    save_parsed(parsed, year=2031)
    record = only(start, "sheet_create")
    assert (record.user_id, record.username, record.ip) == (None, "", None)
    assert record.params == {"version": 1, "source": "command", "year": 2031, "status": "draft"}
    assert record.object_label == f"2031 {parsed.project}"


def test_comments_are_recorded_when_written_and_resolved(filler, reviewer):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(reviewer)
    start = head()
    client.post(f"/sheets/{sheet.pk}/comments/", {"body": "请补充依据"})
    comment = Comment.objects.get(sheet=sheet, body="请补充依据")
    added = only(start, "comment_add")
    assert (added.user_id, added.object_type, added.object_id) == (
        reviewer.pk,
        "comment",
        str(comment.pk),
    )
    assert added.params == {"sheet": sheet.pk, "anchor": "sheet", "reply": False}
    assert "请补充依据" not in added.object_label + str(added.params)  # no text, codes
    client.post(f"/sheets/{sheet.pk}/comments/{comment.pk}/resolve/")
    assert only(start, "comment_resolve").user_id == reviewer.pk
    client.post(f"/sheets/{sheet.pk}/comments/{comment.pk}/resolve/", {"resolved": "0"})
    assert only(start, "comment_reopen").object_id == str(comment.pk)


def test_evidence_upload_download_and_delete_are_recorded(filler):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(filler)
    start = head()
    client.post(f"/sheets/{sheet.pk}/evidence/", {"file": SimpleUploadedFile("盖章报告.pdf", PDF)})
    upload = only(start, "evidence_upload")
    evidence_id = int(upload.object_id)
    assert upload.object_label == "2023 信息化运维项目 · 盖章报告.pdf"
    assert upload.params == {"sheet": sheet.pk, "size": len(PDF), "content_type": "application/pdf"}
    response = client.get(f"/sheets/{sheet.pk}/evidence/{evidence_id}/")
    b"".join(response.streaming_content)
    download = only(start, "evidence_download")
    assert (download.user_id, download.object_id) == (filler.pk, str(evidence_id))
    client.post(f"/sheets/{sheet.pk}/evidence/{evidence_id}/delete/")
    assert only(start, "evidence_delete").user_id == filler.pk


def test_exports_and_batches_are_recorded(reviewer):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(reviewer)
    start = head()
    assert client.get(f"/sheets/{sheet.pk}.xlsx").status_code == 200
    export = only(start, "export")
    assert (export.user_id, export.object_id, export.params) == (
        reviewer.pk,
        str(sheet.pk),
        {"kind": "xlsx"},
    )
    department = Department.objects.get(name="上海市人力资源和社会保障局")
    client.post("/exports/", {"kind": "summary", "year": 2023, "department": department.pk})
    job = ExportJob.objects.get(user=reviewer)
    queued = only(start, "batch_export")
    assert (queued.object_type, queued.object_id, queued.params) == (
        "export_job",
        str(job.pk),
        {"kind": "summary"},
    )
    b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
    assert only(start, "batch_download").object_id == str(job.pk)
    start = head()
    assert client.get(f"/sheets/{sheet.pk}.json").status_code == 200
    assert only(start, "export").params == {"kind": "json"}


def test_the_auditor_has_no_sheet_pages_and_no_links_to_them(auditor):
    client = logged_in(auditor)
    home = client.get("/audit/")
    html = home.content.decode()
    assert home.status_code == 200
    assert "/sheets/" not in html and "/exports/" not in html
    for url in ("/sheets/", "/exports/", "/summary/"):
        start = head()
        response = client.get(url)
        assert response.status_code == 403
        assert only(start, "access").result == "refused"
        page = response.content.decode()
        assert "无权访问" in page and "这次访问已记入审计日志" in page
        assert 'href="/audit/"' in page and 'href="/sheets/"' not in page  # own navigation


def test_changes_in_the_admin_are_recorded(admin_user):
    client = logged_in(admin_user)
    start = head()
    client.post("/admin/projects/department/add/", {"name": "审计测试部门"})
    record = only(start, "admin_change")
    department = Department.objects.get(name="审计测试部门")
    assert (record.user_id, record.object_type, record.object_id) == (
        admin_user.pk,
        "projects.department",
        str(department.pk),
    )
    assert (record.params["flag"], record.params["model"]) == ("add", "projects.department")
    # Users deleted several at once: one record each.
    users = [persona(f"leaver{i}") for i in range(2)]
    start = head()
    client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in users], "post": "yes"},
    )
    deleted = since(start, "admin_change")
    assert sorted(r.object_label for r in deleted) == ["leaver0", "leaver1"]
    assert {r.params["flag"] for r in deleted} == {"delete"}


def test_account_events_from_the_accounts_room_are_recorded(admin_user, filler):
    signals = pytest.importorskip("projects.accounts.signals")
    start = head()
    signals.devices_reset.send("reset_devices", request=None, user=admin_user, target=filler)
    record = only(start, "otp_reset")
    assert (record.user_id, record.object_type, record.object_id) == (
        admin_user.pk,
        "user",
        str(filler.pk),
    )
    signals.otp_failed.send("verify", request=None, user=filler, reason="wrong")
    assert only(start, "otp_failed").params == {"reason": "wrong"}


# -- worded when shown ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_records_hold_codes_and_are_worded_in_the_readers_language(auditor, language):
    record = services.record("login_failed", result="failed", username="mallory")
    assert (record.action, record.result) == ("login_failed", "failed")  # codes, not words
    client = logged_in(auditor)
    client.cookies["django_language"] = language
    html = client.get(f"/audit/{record.pk}/").content.decode()
    with translation.override(language):
        assert str(wording.ACTIONS["login_failed"]) in html
        assert str(wording.RESULTS["failed"]) in html
    listing = client.get("/audit/", {"user": "mallory"}).content.decode()
    with translation.override(language):
        assert str(wording.ACTIONS["login_failed"]) in listing


# -- append-only -------------------------------------------------------------------------------


def test_the_app_and_the_admin_cannot_change_or_delete_a_record(admin_user):
    record = services.record("login", user=admin_user)
    record.username = "someone else"
    with pytest.raises(AppendOnly):
        record.save()
    with pytest.raises(AppendOnly):
        record.delete()
    with pytest.raises(AppendOnly):
        AuditRecord.objects.filter(pk=record.pk).update(username="x")
    with pytest.raises(AppendOnly):
        AuditRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(AppendOnly):
        AuditCheckpoint.objects.all().delete()
    assert AuditRecord not in admin.site._registry
    assert AuditCheckpoint not in admin.site._registry
    client = logged_in(admin_user)
    assert client.get("/admin/projects/auditrecord/").status_code == 404
    assert client.get("/audit/").status_code == 403
    assert AuditRecord.objects.get(pk=record.pk).username == "admin"


@pytest.mark.parametrize("table", ["projects_auditrecord", "projects_auditcheckpoint"])
def test_the_database_refuses_update_and_delete(db, table):
    services.record("login", username="x")
    services.checkpoint()
    statements = [f"UPDATE {table} SET id = id", f"DELETE FROM {table}"]
    if PG:
        statements.append(f"TRUNCATE {table}")  # SQLite has no TRUNCATE
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] >= 1


def test_a_postgresql_delete_passes_only_old_records_with_the_prune_setting(db):
    if not PG:
        pytest.skip("the prune setting is read by the PostgreSQL trigger; SQLite has none")
    services.record("login", username="young")
    for value in ("180", "0", "on"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('perfeval.audit_prune', %s, true)", [value])
                cursor.execute("DELETE FROM projects_auditrecord WHERE username = 'young'")


# -- the chain --------------------------------------------------------------------------------


@contextmanager
def triggers_off():
    """Raw SQL on the audit table as an attacker with the table's owner rights would run it;
    undone with the test's transaction."""
    with connection.cursor() as cursor:
        if PG:
            cursor.execute("ALTER TABLE projects_auditrecord DISABLE TRIGGER ALL")
            cursor.execute("ALTER TABLE projects_auditcheckpoint DISABLE TRIGGER ALL")
        else:
            for table in ("projects_auditrecord", "projects_auditcheckpoint"):
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
        yield cursor


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.fixture
def chain(db):
    """Ten records on a chain that verifies."""
    first = head() + 1
    for i in range(10):
        services.record("login", username=f"user{i}", ip="192.0.2.1")
    status, output = verify()
    assert status == 0, output
    assert "intact" in output
    return list(range(first, first + 10))


def test_verify_finds_a_changed_record(chain):
    with triggers_off() as cursor:
        cursor.execute(
            "UPDATE projects_auditrecord SET username = 'mallory' WHERE id = %s", [chain[4]]
        )
    status, output = verify()
    assert status == 1
    assert f"changed: #{chain[4]} (content does not match hash)" in output


def test_verify_finds_a_record_rewritten_with_a_new_hash(chain):
    record = AuditRecord.objects.get(id=chain[4])
    record.username = "mallory"
    with triggers_off() as cursor:
        cursor.execute(
            "UPDATE projects_auditrecord SET username = 'mallory', hash = %s WHERE id = %s",
            [services.hash_of(record), chain[4]],
        )
    status, output = verify()
    assert status == 1
    assert f"changed: #{chain[4]} (rewritten" in output


def test_verify_finds_a_deleted_record(chain):
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM projects_auditrecord WHERE id = %s", [chain[3]])
    status, output = verify()
    assert status == 1
    assert f"deleted: #{chain[3]} (missing before #{chain[4]})" in output


def test_verify_finds_an_inserted_record(chain):
    """A forged record put between two others, the later ones renumbered to make room."""
    before = AuditRecord.objects.get(id=chain[4])
    forged = AuditRecord(
        id=chain[5],
        created_at=timezone.now(),
        username="mallory",
        action="login",
        result="ok",
        params={},
        prev_hash=before.hash,
    )
    forged.hash = services.hash_of(forged)
    with triggers_off() as cursor:
        cursor.execute(
            "UPDATE projects_auditrecord SET id = id + 1000000 WHERE id > %s", [chain[4]]
        )
        cursor.execute("UPDATE projects_auditrecord SET id = id - 1000000 + 1 WHERE id > 1000000")
        forged.save()
    status, output = verify()
    assert status == 1
    assert f"inserted: #{chain[5]} (branches off the chain" in output
    assert "changed" not in output and "deleted" not in output


def test_verify_finds_reordered_records(chain):
    a, b = chain[2], chain[6]
    with triggers_off() as cursor:
        cursor.execute("UPDATE projects_auditrecord SET id = -1 WHERE id = %s", [a])
        cursor.execute("UPDATE projects_auditrecord SET id = %s WHERE id = %s", [a, b])
        cursor.execute("UPDATE projects_auditrecord SET id = %s WHERE id = -1", [b])
    status, output = verify()
    assert status == 1
    assert "reordered:" in output
    assert "changed" not in output and "deleted" not in output


def test_verify_finds_a_truncated_tail_against_the_checkpoint(chain):
    call_command("audit_checkpoint", stdout=io.StringIO())
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM projects_auditrecord WHERE id >= %s", [chain[8]])
    status, output = verify()
    assert status == 1
    assert f"truncated: #{chain[9]} (checkpointed head gone; log ends at #{chain[7]})" in output


def test_a_checkpoint_is_written_every_n_records(db, settings):
    settings.PERFEVAL_AUDIT_CHECKPOINT_EVERY = 3
    before = AuditCheckpoint.objects.count()
    for _i in range(6):
        services.record("login", username="x")
    points = AuditCheckpoint.objects.order_by("-id")[: AuditCheckpoint.objects.count() - before]
    assert len(points) == 2
    assert all(p.reason == "periodic" and p.record_id % 3 == 0 for p in points)
    assert points[0].record_hash == AuditRecord.objects.get(id=points[0].record_id).hash


# -- pruning ----------------------------------------------------------------------------------


def test_prune_refuses_records_younger_than_the_retention(db):
    services.record("login", username="x")
    count = AuditRecord.objects.count()
    recent = timezone.localdate() - datetime.timedelta(days=179)
    with pytest.raises(CommandError, match="180 days are kept"):
        call_command("prune_audit", "--before", recent.isoformat())
    assert AuditRecord.objects.count() == count


def test_prune_deletes_old_records_is_audited_and_the_chain_still_verifies(db, monkeypatch):
    with triggers_off() as cursor:  # a log that starts 200 days ago
        cursor.execute("DELETE FROM projects_auditrecord")
        cursor.execute("DELETE FROM projects_auditcheckpoint")
    if PG:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE projects_auditrecord ENABLE TRIGGER ALL")
            cursor.execute("ALTER TABLE projects_auditcheckpoint ENABLE TRIGGER ALL")
    else:
        with connection.cursor() as cursor:
            for table in ("projects_auditrecord", "projects_auditcheckpoint"):
                for kind in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {table}_no_{kind.lower()} BEFORE {kind} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'perfeval: the audit log is append-only'); END"
                    )
    long_ago = timezone.now() - datetime.timedelta(days=200)
    monkeypatch.setattr(services.timezone, "now", lambda: long_ago)
    old = [services.record("login", username=f"old{i}").id for i in range(3)]
    monkeypatch.undo()
    kept = [services.record("login", username=f"new{i}").id for i in range(2)]
    out = io.StringIO()
    before = timezone.localdate() - datetime.timedelta(days=190)
    call_command("prune_audit", "--before", before.isoformat(), stdout=out)
    assert "3 records" in out.getvalue()
    assert not AuditRecord.objects.filter(id__in=old).exists()
    assert AuditRecord.objects.filter(id__in=kept).count() == 2
    pruned = AuditRecord.objects.get(action="audit_prune")
    assert pruned.params == {
        "count": 3,
        "first": old[0],
        "last": old[2],
        "before": before.isoformat(),
    }
    status, output = verify()
    assert status == 0, output
    # The trigger is back: nothing more can be deleted, the young records least of all.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM projects_auditrecord")


# -- the 审计员 alone ---------------------------------------------------------------------------


AUDIT_PAGES = ["/audit/", "/audit/{pk}/", "/audit/export.csv", "/audit/export.xlsx"]


def test_only_the_auditor_opens_and_exports_the_log(auditor, admin_user, filler, reviewer):
    record = services.record("login_failed", result="failed", username="x")
    for page in AUDIT_PAGES:
        url = page.format(pk=record.pk)
        assert logged_in(auditor).get(url).status_code == 200, url
        for user in (admin_user, filler, reviewer):
            assert logged_in(user).get(url).status_code == 403, (url, user)
        assert Client().get(url)["Location"].startswith("/accounts/login/")


def test_the_auditor_has_no_other_powers(auditor):
    sheet = sheet_of("信息化运维项目")
    client = logged_in(auditor)
    assert landing(auditor) == "projects:audit-log"
    assert client.get("/")["Location"] == "/audit/"
    assert role_label(auditor) == "审计员"
    assert client.get(f"/sheets/{sheet.pk}/").status_code == 404
    assert client.get(f"/sheets/{sheet.pk}.xlsx").status_code == 404
    assert client.get("/review/").status_code == 403
    assert client.get("/admin/").status_code == 302  # not staff: the admin's own login


def test_a_user_cannot_be_both_administrator_and_auditor(admin_user, filler):
    Profile.objects.create(user=admin_user)
    FormSet = inlineformset_factory(
        get_user_model(), Profile, formset=ProfileFormSet, fields=["unit", "department", "auditor"]
    )

    def data(profile, **values):
        return {
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-0-id": str(profile.pk),
            "profile-0-user": str(profile.user_id),
            **{f"profile-0-{k}": v for k, v in values.items()},
        }

    admin_profile = Profile.objects.get(user=admin_user)
    refused = FormSet(data(admin_profile, auditor="on"), instance=admin_user, prefix="profile")
    assert not refused.is_valid()
    assert "管理员" in str(refused.non_form_errors())
    filler_profile = Profile.objects.get(user=filler)
    refused = FormSet(
        data(filler_profile, auditor="on", unit=str(filler_profile.unit_id)),
        instance=filler,
        prefix="profile",
    )
    assert not refused.is_valid()
    allowed = FormSet(data(filler_profile, auditor="on"), instance=filler, prefix="profile")
    assert allowed.is_valid(), allowed.errors


def test_the_list_filters_pages_and_shows_the_newest_first(auditor):
    for i in range(55):
        services.record("login", username=f"bulk{i:02d}", ip="10.1.2.3")
    services.record("login_failed", result="failed", username="bulk-x", ip="10.9.9.9")
    client = logged_in(auditor)
    page = client.get("/audit/", {"user": "bulk"})
    entries = page.context["entries"]
    assert len(entries) == 50 and page.context["page"].paginator.count == 56
    assert entries[0]["record"].username == "bulk-x"
    second = client.get("/audit/", {"user": "bulk", "page": 2}).context["entries"]
    assert [e["record"].username for e in second] == [f"bulk{i:02d}" for i in range(5, -1, -1)][:6]
    only_failed = client.get("/audit/", {"result": "failed", "user": "bulk"}).context["entries"]
    assert [e["record"].username for e in only_failed] == ["bulk-x"]
    by_ip = client.get("/audit/", {"ip": "10.9.9.9"}).context["entries"]
    assert [e["record"].username for e in by_ip] == ["bulk-x"]
    today = timezone.localdate().isoformat()
    dated = client.get("/audit/", {"user": "bulk", "date_from": today, "date_to": today})
    assert dated.context["page"].paginator.count == 56
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    old = client.get("/audit/", {"user": "bulk", "date_to": yesterday})
    assert old.context["page"].paginator.count == 0


def test_the_export_keeps_text_as_text_and_is_itself_audited(auditor):
    services.record("login_failed", result="failed", username='=HYPERLINK("http://x")')
    client = logged_in(auditor)
    start = head()
    response = client.get("/audit/export.xlsx", {"result": "failed"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [
        c for row in book.active.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")'
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    record = only(start, "audit_export")
    assert (record.user_id, record.params["format"], record.params["filters"]) == (
        auditor.pk,
        "xlsx",
        {"result": "failed"},
    )
    text = b"".join(client.get("/audit/export.csv", {"result": "failed"}).streaming_content)
    assert '\'=HYPERLINK(""http://x"")' in text.decode("utf-8-sig")
    assert len(since(start, "audit_export")) == 2
