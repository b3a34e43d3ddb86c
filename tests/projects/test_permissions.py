"""The permission matrix: every role × own or other unit × every action × every sheet state,
in a year reviewed in two tiers (主管部门, then 财政) and, for the transitions, in one.

Allowed actions succeed and change what they should; every other combination answers 404
(outside the scope), 403 (inside it) or the login page (anonymous), with nothing changed.
The expected table is written here independently of `projects.workflow`, so a change to the
workflow's table shows up as a failing cell.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from indicators.models import Bureau
from projects.models import Comment, Department, Evidence, Profile, Sheet, SheetTransition, Unit
from projects.sheets.forms import IndicatorForm, SheetHeaderForm
from projects.sheets.selectors import content_snapshot, sheet_queryset
from tests.conftest import bureau_of, persona
from tests.helpers import logged_in, sheet_of

STATES = ["draft", "submitted", "returned", "dept_approved", "approved"]
ROLES = ["filler_own", "filler_other", "reviewer_own", "reviewer_other", "admin", "anonymous"]
ROLES += ["auditor"]  # 审计员: the audit log and nothing else; every sheet is out of scope
ROLES += ["finance_own", "finance_other"]  # 财政 of the sheet's bureau, of another bureau
ACTIONS = ["view", "history", "edit_form", "edit", "preview", "submit", "attach", "comment"]
ACTIONS += ["resolve", "return", "approve", "reopen", "export_json", "export_pdf", "export_xlsx"]

VIEWERS = {"filler_own", "reviewer_own", "finance_own", "admin"}
EVERY = {state: VIEWERS for state in STATES}
EDITABLE = {"draft": {"filler_own"}, "returned": {"filler_own"}}
OPEN = ("draft", "submitted", "returned", "dept_approved")
ALLOWED = {
    "view": EVERY,
    "history": EVERY,
    **{f"export_{fmt}": EVERY for fmt in ("json", "pdf", "xlsx")},
    "edit_form": EDITABLE,
    "edit": EDITABLE,
    "preview": EDITABLE,
    "submit": EDITABLE,
    "attach": EDITABLE,
    "comment": {state: VIEWERS for state in OPEN},
    # Once the 主管部门 has approved, the sheet is with 财政: the lower tier resolves nothing.
    "resolve": {
        state: {"finance_own", "admin"} | ({"reviewer_own"} if state != "dept_approved" else set())
        for state in OPEN
    },
    "return": {"submitted": {"reviewer_own"}, "dept_approved": {"finance_own"}},
    "approve": {"submitted": {"reviewer_own"}, "dept_approved": {"finance_own"}},
    "reopen": {"approved": {"admin"}},
}
TRANSITION_ACTIONS = {"submit", "return", "approve", "reopen"}


def next_state(action: str, state: str, tiers: int) -> str:
    """What an allowed transition turns the state into."""
    if action == "approve" and state == "submitted":
        return "dept_approved" if tiers == 2 else "approved"
    return {"submit": "submitted", "return": "returned", "approve": "approved"}.get(
        action, "returned"
    )


# Two tiers for every cell; one tier too for the cells of a transition.
CELLS = [
    (role, action, state, tiers)
    for tiers in (2, 1)
    for role in ROLES
    for action in ACTIONS
    for state in STATES
    if tiers == 2 or action in TRANSITION_ACTIONS
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(seed, request):
    """A seed sheet of unit A (department A, under bureau A reviewing 2023 in `tiers` tiers:
    the test's parameter, else two) with one open review thread; unit B under department B,
    under bureau B; one user for each role."""
    tiers = getattr(request, "param", 2)
    bureau_a = bureau_of(tiers=tiers)
    sheet = sheet_of("信息化运维项目")
    assert sheet.rule_set.review_tiers == tiers
    unit_a = sheet.project.unit
    bureau_b = Bureau.objects.create(name="乙市财政局")
    dept_b = Department.objects.create(name="部门乙", bureau=bureau_b)
    unit_b = Unit.objects.create(name="单位乙", department=dept_b)
    users = {
        "finance_own": persona("finance_own", bureau=bureau_a),
        "finance_other": persona("finance_other", bureau=bureau_b),
        "filler_own": persona("filler_own", unit=unit_a),
        "filler_other": persona("filler_other", unit=unit_b),
        "reviewer_own": persona("reviewer_own", department=unit_a.department),
        "reviewer_other": persona("reviewer_other", department=dept_b),
        "admin": persona("admin", superuser=True),
        "auditor": persona("auditor"),
    }
    Profile.objects.create(user=users["auditor"], auditor=True)
    Comment.objects.create(sheet=sheet, author=users["reviewer_own"], body="请核对执行率")
    return sheet, users


def put_in_state(sheet: Sheet, state: str, users) -> None:
    """Bring the sheet to a state the way the workflow would have, history included."""
    if state == "draft":
        return
    full = sheet_queryset().get(pk=sheet.pk)
    SheetTransition.objects.create(
        sheet=sheet,
        action="submit",
        from_status="draft",
        to_status="submitted",
        user=users["filler_own"],
        version=sheet.version,
        snapshot=content_snapshot(full),
    )
    if state == "dept_approved":
        SheetTransition.objects.create(
            sheet=sheet,
            action="approve",
            from_status="submitted",
            to_status="dept_approved",
            user=users["reviewer_own"],
            version=sheet.version,
        )
    Sheet.objects.filter(pk=sheet.pk).update(status=state)


def edit_data(sheet: Sheet) -> dict:
    sheet = sheet_queryset().get(pk=sheet.pk)
    data = {}
    header = SheetHeaderForm(initial=SheetHeaderForm.initial_for(sheet))
    for bound in header:
        value = bound.value()
        data[bound.html_name] = "" if value is None else str(value)
    rows = list(sheet.indicators.all())
    data.update({"rows-TOTAL_FORMS": str(len(rows)), "rows-INITIAL_FORMS": str(len(rows))})
    for i, row in enumerate(rows):
        for key, value in IndicatorForm.initial_for(row).items():
            if key == "not_applicable":
                if value:
                    data[f"rows-{i}-{key}"] = "on"
                continue
            data[f"rows-{i}-{key}"] = "" if value is None else str(value)
        data[f"rows-{i}-ORDER"] = str(i + 1)
    data["rows-0-reason"] = "由权限测试修改"
    return data


def request(client: Client, action: str, sheet: Sheet):
    base = f"/sheets/{sheet.pk}/"
    thread = Comment.objects.get(sheet=sheet, body="请核对执行率")
    return {
        "view": lambda: client.get(base),
        "history": lambda: client.get(f"{base}history/"),
        "edit_form": lambda: client.get(f"{base}edit/"),
        "edit": lambda: client.post(f"{base}edit/", edit_data(sheet)),
        "preview": lambda: client.post(f"{base}edit/preview/", edit_data(sheet)),
        "submit": lambda: client.post(f"{base}submit/"),
        "attach": lambda: client.post(
            f"{base}evidence/", {"file": SimpleUploadedFile("盖章报告.pdf", PDF)}
        ),
        "comment": lambda: client.post(f"{base}comments/", {"body": "权限测试的意见"}),
        "resolve": lambda: client.post(f"{base}comments/{thread.pk}/resolve/"),
        **{
            f"export_{fmt}": (lambda fmt=fmt: client.get(f"/sheets/{sheet.pk}.{fmt}"))
            for fmt in ("json", "pdf", "xlsx")
        },
    }.get(
        action,
        lambda: client.post(
            f"{base}{action}/",
            {"comment": "权限测试的说明", "version": Sheet.objects.get(pk=sheet.pk).version},
        ),
    )()


def footprint(sheet: Sheet) -> tuple:
    fresh = Sheet.objects.get(pk=sheet.pk)
    return (
        fresh.status,
        fresh.version,
        Comment.objects.filter(sheet=sheet).count(),
        SheetTransition.objects.filter(sheet=sheet).count(),
        fresh.indicators.get(position=0).reason,
        Evidence.objects.filter(sheet=sheet).count(),
        Comment.objects.filter(sheet=sheet, resolved_at__isnull=False).count(),
    )


READS = {"view", "history", "edit_form", "preview", "export_json", "export_pdf", "export_xlsx"}
# For each allowed change: which footprint item moves by one.
CHANGES = {"edit": 1, "comment": 2, "attach": 5, "resolve": 6}


@pytest.mark.parametrize(
    ("role", "action", "state", "world"),
    CELLS,
    ids=[f"{r}-{a}-{s}-{t}tier" for r, a, s, t in CELLS],
    indirect=["world"],
)
def test_permission_matrix(world, role, action, state):
    sheet, users = world
    tiers = sheet.rule_set.review_tiers
    put_in_state(sheet, state, users)
    client = Client()
    if role != "anonymous":
        logged_in(users[role], client)
    before = footprint(sheet)
    response = request(client, action, sheet)
    after = footprint(sheet)
    allowed = role in ALLOWED[action].get(state, set())

    if allowed:
        assert response.status_code in (200, 302), response.content[:300]
        if action in READS:
            assert response.status_code == 200
            assert after == before
        elif action in CHANGES:
            moved = CHANGES[action]
            assert after[moved] == before[moved] + 1
            if action == "edit":
                assert after[4] == "由权限测试修改"
        else:
            assert after[0] == next_state(action, state, tiers)
            assert after[3] == before[3] + 1
        return

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif role in ("filler_other", "reviewer_other", "finance_other", "auditor"):
        assert response.status_code == 404
    else:
        assert response.status_code == 403
    assert after == before


def test_returning_needs_a_comment_or_open_comments(world):
    sheet, users = world
    Comment.objects.filter(sheet=sheet).delete()
    put_in_state(sheet, "submitted", users)
    client = Client()
    logged_in(users["reviewer_own"], client)
    response = client.post(
        f"/sheets/{sheet.pk}/return/", {"comment": " ", "version": sheet.version}
    )
    assert response.status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).status == "submitted"
    # An open comment on a row is reason enough.
    row = sheet.indicators.first()
    client.post(f"/sheets/{sheet.pk}/comments/", {"body": "此行有误", "indicator": row.pk})
    client.post(f"/sheets/{sheet.pk}/return/", {"comment": "", "version": sheet.version})
    assert Sheet.objects.get(pk=sheet.pk).status == "returned"
    transition = SheetTransition.objects.filter(sheet=sheet).last()
    assert (transition.action, transition.from_status, transition.to_status, transition.user) == (
        "return",
        "submitted",
        "returned",
        users["reviewer_own"],
    )


def test_a_lower_tier_cannot_undo_a_higher_approval(world):
    """Once 财政 has the sheet (主管部门已审核) or has approved it, the 主管部门's reviewer can
    neither return nor approve nor reopen it, and 财政 cannot reopen an approved sheet."""
    sheet, users = world
    reviewer = logged_in(users["reviewer_own"])
    finance = logged_in(users["finance_own"])
    for state, client, action in [
        ("dept_approved", reviewer, "return"),
        ("dept_approved", reviewer, "approve"),
        ("approved", reviewer, "return"),
        ("approved", reviewer, "reopen"),
        ("approved", finance, "return"),
        ("approved", finance, "reopen"),
    ]:
        put_in_state(sheet, state, users)
        before = footprint(sheet)
        assert request(client, action, sheet).status_code == 403, (state, action)
        assert footprint(sheet) == before


def test_a_finance_return_needs_a_comment_and_goes_back_to_the_unit(world):
    sheet, users = world
    Comment.objects.filter(sheet=sheet).update(resolved_at="2026-01-01T00:00:00Z")
    put_in_state(sheet, "dept_approved", users)
    client = logged_in(users["finance_own"])
    version = Sheet.objects.get(pk=sheet.pk).version
    refused = client.post(f"/sheets/{sheet.pk}/return/", {"comment": "", "version": version})
    assert refused.status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).status == "dept_approved"
    client.post(f"/sheets/{sheet.pk}/return/", {"comment": "依据不足", "version": version})
    assert Sheet.objects.get(pk=sheet.pk).status == "returned"
    last = SheetTransition.objects.filter(sheet=sheet).latest("pk")
    assert (last.user, last.comment) == (users["finance_own"], "依据不足")


def test_reopening_needs_a_reason(world):
    sheet, users = world
    put_in_state(sheet, "approved", users)
    client = Client()
    logged_in(users["admin"], client)
    client.post(f"/sheets/{sheet.pk}/reopen/", {"comment": "", "version": sheet.version})
    assert Sheet.objects.get(pk=sheet.pk).status == "approved"
    client.post(
        f"/sheets/{sheet.pk}/reopen/", {"comment": "抽查发现问题", "version": sheet.version}
    )
    assert Sheet.objects.get(pk=sheet.pk).status == "returned"


@pytest.mark.parametrize("page", ["/sheets/new/", "/overview/"])
def test_only_a_units_filler_starts_a_sheet_or_has_a_unit_overview(world, page):
    _sheet, users = world
    for role, user in users.items():
        client = Client()
        logged_in(user, client)
        expected = 200 if role.startswith("filler") else 403
        assert client.get(page).status_code == expected, role
    assert Client().get(page)["Location"].startswith("/accounts/login/")


def test_only_reviewers_and_the_administrator_have_an_inbox(world):
    _sheet, users = world
    for role, user in users.items():
        client = Client()
        logged_in(user, client)
        expected = 403 if role.startswith("filler") or role == "auditor" else 200
        assert client.get("/review/").status_code == expected, role


def test_profile_without_unit_or_department_has_no_role(world):
    _sheet, _users = world
    nobody = persona("nobody")
    Profile.objects.create(user=nobody)
    client = Client()
    logged_in(nobody, client)
    assert client.get("/sheets/").context["entries"] == []
    assert client.get("/review/").status_code == 403


AUDIT_PAGES = {
    "audit_view": "/audit/",
    "audit_record": "/audit/{pk}/",
    "audit_export_csv": "/audit/export.csv",
    "audit_export_xlsx": "/audit/export.xlsx",
}


@pytest.mark.parametrize("page", AUDIT_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_auditor_reads_and_exports_the_audit_log(world, role, page):
    from projects.audit.models import AuditRecord
    from projects.audit.services import record

    _sheet, users = world
    url = AUDIT_PAGES[page].format(pk=record("login_failed", result="failed", username="x").pk)
    client = Client()
    if role != "anonymous":
        logged_in(users[role], client)
    exports = AuditRecord.objects.filter(action="audit_export").count()
    response = client.get(url)
    if role == "auditor":
        assert response.status_code == 200
        expected = exports + (1 if page.startswith("audit_export") else 0)
        assert AuditRecord.objects.filter(action="audit_export").count() == expected
    elif role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
        assert AuditRecord.objects.filter(action="audit_export").count() == exports


# Account administration (projects/accounts): the 管理员 alone resets a user's second-factor
# devices and lifts a lock-out; every other role gets 403, the anonymous the login page.
ACCOUNT_ACTIONS = {
    "accounts_page": ("get", "/accounts/manage/"),
    "device_reset": ("post", "/accounts/manage/{pk}/reset-devices/"),
    "unlock": ("post", "/accounts/manage/{pk}/unlock/"),
}


@pytest.mark.parametrize("action", ACCOUNT_ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_administrator_resets_devices_and_unlocks_accounts(world, role, action):
    from axes.models import AccessAttempt
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.helpers import confirmed_totp_device

    _sheet, users = world
    target = persona("locked_target")
    device = confirmed_totp_device(target)
    AccessAttempt.objects.create(
        username="locked_target",
        ip_address="10.0.0.9",
        user_agent="test",
        failures_since_start=10,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    method, url = ACCOUNT_ACTIONS[action]
    client = Client()
    if role != "anonymous":
        logged_in(users[role], client)
    response = getattr(client, method)(url.format(pk=target.pk))
    device_kept = TOTPDevice.objects.filter(pk=device.pk).exists()
    still_locked = AccessAttempt.objects.filter(username="locked_target").exists()
    if role == "admin":
        assert response.status_code == (200 if method == "get" else 302)
        assert device_kept == (action != "device_reset")
        assert still_locked == (action != "unlock")
        return
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
    assert device_kept and still_locked
