"""Approved means frozen: project names, rule-set versions, the admin, stale review actions.

docs/rules.md §5 (rule-set versions) and §8 (what never changes after 草稿).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.models import RuleSet
from projects import rule_sets
from projects.exports.pdf import sheet_html
from projects.models import Comment, Indicator, Project, Sheet, SheetTransition
from projects.sheets.services import sheet_create
from tests.helpers import edit_url, form_data, logged_in, sheet_of, view_of

pytestmark = pytest.mark.django_db

FIXED = timezone.make_aware(timezone.datetime(2024, 3, 1, 9, 30))


def move_to(sheet: Sheet, status: str, user) -> Sheet:
    """Bring a sheet to a state the way the workflow leaves it (a transition on record)."""
    SheetTransition.objects.create(
        sheet=sheet,
        action="submit",
        from_status="draft",
        to_status="submitted",
        user=user,
        version=sheet.version,
    )
    Sheet.objects.filter(pk=sheet.pk).update(status=status)
    return Sheet.objects.get(pk=sheet.pk)


# -- Project names -------------------------------------------------------------------------


def test_renaming_is_refused_while_another_years_sheet_has_left_draft(filler, client_for):
    approved = sheet_of("信息化运维项目")
    move_to(approved, "approved", filler)
    draft = sheet_create(
        unit=approved.project.unit,
        project_name="信息化运维项目",
        year=2024,
        user=filler,
        copy_from=approved,
    )
    client = client_for(filler)
    data = form_data(client.get(edit_url(draft)))
    data["project_name"] = "信息化运维项目（二期）"
    response = client.post(edit_url(draft), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "2023 年度的自评表已提交或审核" in page
    assert "信息化运维项目（二期）" in page  # what was typed stays on screen
    assert Sheet.objects.get(pk=approved.pk).project.name == "信息化运维项目"
    assert Sheet.objects.get(pk=draft.pk).version == draft.version  # nothing saved


def test_renaming_a_project_whose_other_sheets_are_drafts_keeps_the_old_name_in_history(
    filler, client_for
):
    first = sheet_of("人才公寓运行维护经费")
    later = sheet_create(
        unit=first.project.unit,
        project_name=first.project.name,
        year=2024,
        user=filler,
        copy_from=first,
    )
    client = client_for(filler)
    data = form_data(client.get(edit_url(later)))
    data["project_name"] = "人才公寓运维经费"
    assert client.post(edit_url(later), data).status_code == 302
    project = Project.objects.get(pk=first.project_id)
    assert project.name == "人才公寓运维经费"
    names = list(project.history.order_by("history_date").values_list("name", flat=True))
    assert names[-2:] == ["人才公寓运行维护经费", "人才公寓运维经费"]
    assert project.history.latest().history_user == filler


def test_renaming_onto_another_projects_name_is_a_message_not_a_500(filler, client_for):
    sheet = sheet_of("信息化运维项目")
    client = client_for(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["project_name"] = "人才公寓运行维护经费"
    response = client.post(edit_url(sheet), data)
    assert response.status_code == 400
    assert "本单位已有名为“人才公寓运行维护经费”的项目，不能重名。" in response.content.decode()
    assert Sheet.objects.get(pk=sheet.pk).project.name == "信息化运维项目"


# -- Rule-set versions ---------------------------------------------------------------------


def admin_change(client, rule_set: RuleSet, **changes):
    """Post the rule set's admin change form with `changes` applied."""
    url = f"/admin/indicators/ruleset/{rule_set.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else str(getattr(value, "pk", value))
    data.update({k: str(v) for k, v in changes.items()})
    return client.post(url, data)


def test_every_sheet_records_the_rule_set_version_that_scores_it(seed):
    assert not seed.filter(rule_set__isnull=True).exists()
    sheet = seed.first()
    assert sheet.rule_set.year == sheet.year and sheet.rule_set.version == 1


def test_editing_the_rules_leaves_approved_sheets_unchanged_and_moves_drafts(
    filler, admin_user, client_for
):
    approved = move_to(sheet_of("信息化运维项目"), "approved", filler)
    draft = sheet_of("人才公寓运行维护经费")
    before_html = sheet_html(view_of(approved), exported_at=FIXED)
    before = view_of(approved)
    old = approved.rule_set
    assert rule_sets.is_frozen(old)

    response = admin_change(client_for(admin_user), old, grade_excellent="99", grade_good="98")
    assert response.status_code == 302

    new = RuleSet.objects.get(year=old.year, version=2)
    old.refresh_from_db()
    assert (old.grade_excellent, old.grade_good) == (Decimal("90"), Decimal("80"))
    assert (new.grade_excellent, new.grade_good) == (Decimal("99"), Decimal("98"))
    assert Sheet.objects.get(pk=approved.pk).rule_set_id == old.pk
    assert Sheet.objects.get(pk=draft.pk).rule_set_id == new.pk
    after = view_of(approved)
    assert (after.total, after.grade) == (before.total, before.grade)
    assert sheet_html(after, exported_at=FIXED) == before_html
    # The draft is scored by the new version: 优 now needs 99, 良 98.
    moved = view_of(draft)
    assert 90 <= moved.total < 98 and moved.grade == "中"


def test_a_version_that_scores_no_submitted_sheet_is_edited_in_place(admin_user, client_for, seed):
    rule_set = seed.first().rule_set
    assert not rule_sets.is_frozen(rule_set)  # the seed sheets are all drafts
    assert admin_change(client_for(admin_user), rule_set, title="绩效自评表").status_code == 302
    assert RuleSet.objects.filter(year=rule_set.year).count() == 1
    assert RuleSet.objects.get(pk=rule_set.pk).title == "绩效自评表"


def test_a_version_in_use_cannot_be_deleted(admin_user, client_for, seed):
    rule_set = seed.first().rule_set
    client = client_for(admin_user)
    assert (
        client.post(f"/admin/indicators/ruleset/{rule_set.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert RuleSet.objects.filter(pk=rule_set.pk).exists()


def test_submitting_a_sheet_without_a_recorded_version_records_the_years(filler, seed):
    from projects.sheets.services import sheet_submit

    sheet = sheet_of("政府聘用辅助人员经费")
    Sheet.objects.filter(pk=sheet.pk).update(rule_set=None)
    assert Sheet.objects.get(pk=sheet.pk).rule_set is None
    sheet_submit(sheet=sheet, user=filler)  # a seed sheet without blocking errors
    assert Sheet.objects.get(pk=sheet.pk).rule_set == RuleSet.for_year(sheet.year)


# -- The admin never bypasses the workflow -------------------------------------------------


def test_the_admin_cannot_change_or_delete_an_approved_sheet(filler, admin_user, client_for):
    sheet = move_to(sheet_of("信息化运维项目"), "approved", filler)
    client = client_for(admin_user)
    url = f"/admin/projects/sheet/{sheet.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200  # shown, read-only
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, {"goal_achieved": "管理员改的", "budget_weight": "50"})
    assert response.status_code == 403
    assert (
        client.post(f"/admin/projects/sheet/{sheet.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    fresh = Sheet.objects.get(pk=sheet.pk)
    assert fresh.goal_achieved == sheet.goal_achieved and fresh.budget_weight == sheet.budget_weight


def test_the_admin_cannot_change_rows_or_comments_of_a_submitted_sheet(
    filler, reviewer, admin_user, client_for
):
    sheet = move_to(sheet_of("信息化运维项目"), "submitted", filler)
    row = sheet.indicators.first()
    comment = Comment.objects.create(sheet=sheet, author=reviewer, body="请核对")
    client = client_for(admin_user)
    for url in (
        f"/admin/projects/indicator/{row.pk}/change/",
        f"/admin/projects/comment/{comment.pk}/change/",
    ):
        assert client.post(url, {"name": "改", "body": "改"}).status_code == 403
        assert client.post(url.replace("change", "delete"), {"post": "yes"}).status_code == 403
    assert Indicator.objects.get(pk=row.pk).name == row.name
    assert Comment.objects.get(pk=comment.pk).body == "请核对"


def test_a_sheet_that_left_draft_once_is_never_deleted_even_when_back_in_draft(
    filler, admin_user, client_for
):
    sheet = move_to(sheet_of("信息化运维项目"), "draft", filler)  # a transition is on record
    client = client_for(admin_user)
    assert (
        client.post(f"/admin/projects/sheet/{sheet.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    changelist = client.get("/admin/projects/sheet/")
    assert "delete_selected" not in changelist.content.decode()
    assert Sheet.objects.filter(pk=sheet.pk).exists()


def test_a_draft_that_never_left_draft_can_be_deleted_by_the_admin(filler, admin_user, client_for):
    sheet = sheet_create(
        unit=sheet_of("信息化运维项目").project.unit,
        project_name="误建的项目",
        year=2024,
        user=filler,
    )
    client = client_for(admin_user)
    response = client.post(f"/admin/projects/sheet/{sheet.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Sheet.objects.filter(pk=sheet.pk).exists()


def test_history_is_never_reverted_from_the_admin(filler, admin_user, client_for):
    """simple-history's revert setting only hides the button: posting an old version of an
    approved sheet to its history page must still be refused, and change nothing."""
    sheet = sheet_of("信息化运维项目")
    old = sheet.history.earliest()  # a version from when the sheet was a draft
    approved = move_to(sheet, "approved", filler)
    client = client_for(admin_user)
    url = f"/admin/projects/sheet/{sheet.pk}/history/{old.history_id}/"
    assert client.get(url).status_code == 200  # shown, read-only
    response = client.post(url, {"goal_achieved": "回退的内容", "budget_weight": "10"})
    assert response.status_code == 403
    fresh = Sheet.objects.get(pk=sheet.pk)
    assert (fresh.status, fresh.goal_achieved) == ("approved", approved.goal_achieved)


# -- Review actions carry the version the reviewer looked at -------------------------------


def test_a_stale_approve_is_refused_with_who_changed_what(filler, reviewer, client_for):
    sheet = move_to(sheet_of("信息化运维项目"), "submitted", filler)
    seen = sheet.version
    # Meanwhile the sheet went back to the unit and came back with new content.
    Sheet.objects.filter(pk=sheet.pk).update(
        version=seen + 1, updated_by=filler, updated_at=timezone.now()
    )
    client = client_for(reviewer)
    response = client.post(f"/sheets/{sheet.pk}/approve/", {"version": seen}, follow=True)
    assert Sheet.objects.get(pk=sheet.pk).status == "submitted"
    page = response.content.decode()
    assert '未执行：您打开此页后，<span lang="zh-Hans">人才服务中心填报人</span>' in page
    assert f"将该表保存为第 {seen + 1} 版" in page


def test_a_stale_return_after_an_import_names_the_import(filler, reviewer, client_for):
    sheet = move_to(sheet_of("信息化运维项目"), "submitted", filler)
    Sheet.objects.filter(pk=sheet.pk).update(version=sheet.version + 1, updated_by=None)
    client = client_for(reviewer)
    response = client.post(
        f"/sheets/{sheet.pk}/return/", {"version": sheet.version, "comment": "请补充"}, follow=True
    )
    assert Sheet.objects.get(pk=sheet.pk).status == "submitted"
    assert "该表已由导入于" in response.content.decode()


def test_an_approve_without_the_version_it_was_made_for_is_refused(filler, reviewer, client_for):
    sheet = move_to(sheet_of("信息化运维项目"), "submitted", filler)
    client = client_for(reviewer)
    client.post(f"/sheets/{sheet.pk}/approve/")
    assert Sheet.objects.get(pk=sheet.pk).status == "submitted"
    client.post(f"/sheets/{sheet.pk}/approve/", {"version": sheet.version})
    assert Sheet.objects.get(pk=sheet.pk).status == "approved"
    transition = SheetTransition.objects.filter(sheet=sheet).last()
    assert (transition.action, transition.version) == ("approve", sheet.version)


# -- Comments, evidence and project names have history -------------------------------------


def test_the_history_page_shows_comment_evidence_and_project_name_changes(
    filler, reviewer, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sheet = sheet_of("信息化运维项目")
    unit = client_for(filler)
    data = form_data(unit.get(edit_url(sheet)))
    data["project_name"] = "信息化运维服务项目"
    assert unit.post(edit_url(sheet), data).status_code == 302
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    unit.post(f"/sheets/{sheet.pk}/evidence/", {"file": SimpleUploadedFile("合同.pdf", pdf)})
    evidence = sheet.evidence.get()
    unit.post(f"/sheets/{sheet.pk}/evidence/{evidence.pk}/delete/")
    review = client_for(reviewer)
    review.post(f"/sheets/{sheet.pk}/comments/", {"body": "请补充合同扫描件"})
    thread = Comment.objects.get(sheet=sheet, body="请补充合同扫描件")
    review.post(f"/sheets/{sheet.pk}/comments/{thread.pk}/resolve/")

    entries = review.get(f"/sheets/{sheet.pk}/history/").context["entries"]
    seen = {(e.what, change[0], change[2]) for e in entries for change in e.changes}
    assert ("项目", "项目名称", "信息化运维服务项目") in seen
    # A new record lists what it holds ("+"), a deleted one what it held ("-").
    actions = {(e.what, e.action) for e in entries}
    assert ("佐证材料 合同.pdf", "+") in actions
    assert ("佐证材料 合同.pdf", "-") in actions
    assert ("佐证材料 合同.pdf", "文件名", "合同.pdf") in seen
    assert ("审核意见“请补充合同扫描件”", "+") in actions
    resolved = [c for e in entries for c in e.changes if c[0] == "解决时间"]
    assert resolved and resolved[0][1] == "" and resolved[0][2]
    by_what = {e.what: e.who for e in entries}
    assert by_what["审核意见“请补充合同扫描件”"] == "人社局审核人"


@pytest.mark.parametrize("who", ["filler", "reviewer", "filler_other", None])
def test_only_the_administrator_reaches_the_rule_set_versions(who, request, client_for, seed):
    rule_set = seed.first().rule_set
    client = client_for(request.getfixturevalue(who) if who else None)
    for url in (
        "/admin/indicators/ruleset/",
        f"/admin/indicators/ruleset/{rule_set.pk}/change/",
        "/admin/indicators/ruleset/add/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    before = RuleSet.objects.count()
    client.post("/admin/indicators/ruleset/add/", {"year": "2031", "scheme": rule_set.scheme_id})
    assert RuleSet.objects.count() == before


def test_the_administrator_adds_a_years_next_version_and_drafts_follow(
    admin_user, client_for, seed
):
    rule_set = seed.first().rule_set
    client = client_for(admin_user)
    page = client.get("/admin/indicators/ruleset/add/")
    form = page.context["adminform"].form
    data = {
        name: "" if (v := form.initial.get(name, f.initial)) is None else str(getattr(v, "pk", v))
        for name, f in form.fields.items()
    }
    data.update({"year": str(rule_set.year), "scheme": str(rule_set.scheme_id), "title": "新版"})
    assert client.post("/admin/indicators/ruleset/add/", data).status_code == 302
    newest = RuleSet.for_year(rule_set.year)
    assert newest.version == 2 and newest.title == "新版"
    assert set(seed.values_list("rule_set", flat=True).distinct()) == {newest.pk}


def test_a_sheet_outside_the_scope_is_a_friendly_404_page(filler_other, client_for):
    sheet = sheet_of("信息化运维项目")
    response = client_for(filler_other).get(f"/sheets/{sheet.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "不在您可以查看的范围内" in page
    assert "信息化运维项目" not in page


def test_refused_saves_and_review_actions_are_in_the_audit_log(filler, reviewer, client_for):
    from projects.audit.models import AuditRecord

    start = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    approved = move_to(sheet_of("信息化运维项目"), "approved", filler)
    draft = sheet_create(
        unit=approved.project.unit, project_name=approved.project.name, year=2024, user=filler
    )
    unit = client_for(filler)
    data = form_data(unit.get(edit_url(draft)))
    data["project_name"] = "改名"
    unit.post(edit_url(draft), data)
    unit.post(f"/sheets/{draft.pk}/submit/")  # an empty sheet: errors remain
    submitted = move_to(sheet_of("人才公寓运行维护经费"), "submitted", filler)
    client_for(reviewer).post(f"/sheets/{submitted.pk}/approve/", {"version": 0})
    refused = AuditRecord.objects.filter(id__gt=start, result="refused").order_by("id")
    assert [(r.action, r.object_id, r.params) for r in refused] == [
        ("content_save", str(draft.pk), {"reason": "rename"}),
        ("transition", str(draft.pk), {"action": "submit", "reason": "errors"}),
        ("transition", str(submitted.pk), {"action": "approve", "reason": "stale"}),
    ]


def test_an_admin_change_to_a_draft_moves_its_version_so_an_open_editor_is_stale(
    filler, admin_user, client_for
):
    sheet = sheet_of("信息化运维项目")
    unit = logged_in(filler)  # a client of its own: client_for hands out one shared client
    data = form_data(unit.get(edit_url(sheet)))  # the clerk's editor, open
    row = sheet.indicators.order_by("position").first()
    admin = client_for(admin_user)
    url = f"/admin/projects/indicator/{row.pk}/change/"
    form = admin.get(url).context["adminform"].form
    post = {
        name: "" if (v := form.initial.get(name, f.initial)) is None else str(getattr(v, "pk", v))
        for name, f in form.fields.items()
    }
    post["reason"] = "管理员在后台改的原因"
    post["applicable"] = "on"
    assert admin.post(url, post).status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).version == sheet.version + 1

    data["rows-0-reason"] = "填报人改的原因"
    response = unit.post(edit_url(sheet), data)
    assert response.status_code == 409
    assert Indicator.objects.get(pk=row.pk).reason == "管理员在后台改的原因"


def test_the_admin_site_shows_no_second_factor_secret_and_no_login_attempts(admin_user, client_for):
    client = client_for(admin_user)
    index = client.get("/admin/").content.decode()
    assert "otp_totp" not in index and "otp_static" not in index and "/admin/axes/" not in index
    for url in ("/admin/otp_totp/totpdevice/", "/admin/axes/accessattempt/"):
        assert client.get(url).status_code == 404


def test_the_sheet_list_is_ordered_by_names_and_follows_a_rename(admin_user, client_for, seed):
    from projects.models import Department

    client = client_for(admin_user)
    names = [e.sheet.project.name for e in client.get("/sheets/").context["entries"]]
    expected = list(
        seed.order_by(
            "-year", "project__unit__department__name", "project__unit__name", "project__name"
        ).values_list("project__name", flat=True)
    )
    assert names == expected[: len(names)]
    # Renaming a department moves its sheets in the list at once.
    department = Department.objects.get(name="上海市人力资源和社会保障局")
    department.name = "一个排在最前的主管部门"
    department.save()
    first = client.get("/sheets/").context["entries"][0].sheet
    assert first.project.unit.department_id == department.pk
    assert first.list_key.startswith("一个排在最前的主管部门\x1f")
