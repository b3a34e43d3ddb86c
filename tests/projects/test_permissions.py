"""The permission matrix: every role × every action × every sheet state.

Allowed actions succeed and change what they should; every other combination answers 404
(outside the scope), 403 (inside it) or the login page (anonymous), with nothing changed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from projects.imports.services import save_parsed
from projects.imports.text_reader import parse_text
from projects.models import Comment, Department, Profile, Sheet, SheetTransition, Unit
from projects.sheets.forms import IndicatorForm, SheetHeaderForm
from projects.sheets.selectors import content_snapshot, sheet_queryset
from tests.conftest import SEED

STATES = ["draft", "submitted", "returned", "approved"]
ROLES = ["filler_own", "filler_other", "reviewer_own", "reviewer_other", "admin", "anonymous"]
ACTIONS = ["view", "edit", "submit", "comment", "return", "approve", "reopen"]
ACTIONS += ["export_json", "export_pdf", "export_xlsx"]

VIEWERS = {"filler_own", "reviewer_own", "admin"}
ALLOWED = {
    "view": {state: VIEWERS for state in STATES},
    **{f"export_{fmt}": {state: VIEWERS for state in STATES} for fmt in ("json", "pdf", "xlsx")},
    "edit": {"draft": {"filler_own"}, "returned": {"filler_own"}},
    "submit": {"draft": {"filler_own"}, "returned": {"filler_own"}},
    "comment": {state: VIEWERS for state in ("draft", "submitted", "returned")},
    "return": {"submitted": {"reviewer_own"}},
    "approve": {"submitted": {"reviewer_own"}},
    "reopen": {"approved": {"admin"}},
}
# What an allowed action turns the state into.
NEXT_STATE = {
    "submit": "submitted",
    "return": "returned",
    "approve": "approved",
    "reopen": "returned",
}


@pytest.fixture
def world(db):
    """Unit A (with the sheet) under department A; unit B under department B; one user each."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("项目名称\t\t信息化运维项目") - len(
        "财政项目支出绩效自我评价\t\t\t\t\t\t\t\t\t\n"
    )
    block = text[start : text.index("评分等级\t\t优", start) + 10]
    parsed = parse_text(block).sheets[0]
    sheet = save_parsed(parsed, year=2023).sheet
    unit_a = sheet.project.unit
    dept_b = Department.objects.create(name="部门乙")
    unit_b = Unit.objects.create(name="单位乙", department=dept_b)
    User = get_user_model()
    users = {
        "filler_own": User.objects.create_user("filler_own"),
        "filler_other": User.objects.create_user("filler_other"),
        "reviewer_own": User.objects.create_user("reviewer_own"),
        "reviewer_other": User.objects.create_user("reviewer_other"),
        "admin": User.objects.create_superuser("admin", password="x"),
    }
    Profile.objects.create(user=users["filler_own"], unit=unit_a)
    Profile.objects.create(user=users["filler_other"], unit=unit_b)
    Profile.objects.create(user=users["reviewer_own"], department=unit_a.department)
    Profile.objects.create(user=users["reviewer_other"], department=dept_b)
    return sheet, users


def put_in_state(sheet: Sheet, state: str, users) -> None:
    """Bring the sheet to a state the way the workflow would have, history included."""
    if state == "draft":
        return
    full = sheet_queryset().get(pk=sheet.pk)
    SheetTransition.objects.create(
        sheet=sheet,
        from_status="draft",
        to_status="submitted",
        user=users["filler_own"],
        version=sheet.version,
        snapshot=content_snapshot(full),
    )
    if state == "returned":
        Comment.objects.create(sheet=sheet, author=users["reviewer_own"], body="请修改")
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
    if action == "view":
        return client.get(base)
    if action.startswith("export_"):
        return client.get(f"/sheets/{sheet.pk}.{action.removeprefix('export_')}")
    if action == "edit":
        return client.post(f"{base}edit/", edit_data(sheet))
    if action == "submit":
        return client.post(f"{base}submit/")
    if action == "comment":
        return client.post(f"{base}comments/", {"body": "权限测试的意见"})
    return client.post(f"{base}{action}/", {"comment": "权限测试的说明"})


def footprint(sheet: Sheet) -> tuple:
    fresh = Sheet.objects.get(pk=sheet.pk)
    return (
        fresh.status,
        fresh.version,
        Comment.objects.filter(sheet=sheet).count(),
        SheetTransition.objects.filter(sheet=sheet).count(),
        fresh.indicators.get(position=0).reason,
    )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role, action, state):
    sheet, users = world
    put_in_state(sheet, state, users)
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    before = footprint(sheet)
    response = request(client, action, sheet)
    after = footprint(sheet)
    allowed = role in ALLOWED[action].get(state, set())

    if allowed:
        assert response.status_code in (200, 302), response.content[:300]
        if action == "view" or action.startswith("export_"):
            assert response.status_code == 200
            assert after == before
        elif action == "edit":
            assert after[1] == before[1] + 1 and after[4] == "由权限测试修改"
        elif action == "comment":
            assert after[2] == before[2] + 1
        else:
            assert after[0] == NEXT_STATE[action]
            assert after[3] == before[3] + 1
        return

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif role in ("filler_other", "reviewer_other"):
        assert response.status_code == 404
    else:
        assert response.status_code == 403
    assert after == before


def test_returning_needs_a_comment(world):
    sheet, users = world
    put_in_state(sheet, "submitted", users)
    client = Client()
    client.force_login(users["reviewer_own"])
    response = client.post(f"/sheets/{sheet.pk}/return/", {"comment": " "})
    assert response.status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).status == "submitted"
    # An open comment on a row is reason enough.
    row = sheet.indicators.first()
    client.post(f"/sheets/{sheet.pk}/comments/", {"body": "此行有误", "indicator": row.pk})
    client.post(f"/sheets/{sheet.pk}/return/", {"comment": ""})
    assert Sheet.objects.get(pk=sheet.pk).status == "returned"
    transition = SheetTransition.objects.filter(sheet=sheet).last()
    assert (transition.from_status, transition.to_status, transition.user) == (
        "submitted",
        "returned",
        users["reviewer_own"],
    )


def test_reopening_needs_a_reason(world):
    sheet, users = world
    put_in_state(sheet, "approved", users)
    client = Client()
    client.force_login(users["admin"])
    client.post(f"/sheets/{sheet.pk}/reopen/", {"comment": ""})
    assert Sheet.objects.get(pk=sheet.pk).status == "approved"
    client.post(f"/sheets/{sheet.pk}/reopen/", {"comment": "抽查发现问题"})
    assert Sheet.objects.get(pk=sheet.pk).status == "returned"
