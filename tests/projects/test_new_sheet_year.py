"""The year the new-sheet form proposes (/sheets/new/): the year of the unit's open task item,
else last calendar year — never "the unit's latest sheet + 1" — so that 复制上一年度 finds the
previous year's sheet."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from projects.models import Project, Sheet, Unit
from projects.sheets.selectors import proposed_year
from projects.sheets.services import sheet_create
from projects.tasks.models import EvaluationTask, TaskItem
from projects.tasks.selectors import UNSUBMITTED, unit_items
from tests.conftest import DEPARTMENT_A, UNIT_A

pytestmark = pytest.mark.django_db


def unit_a() -> Unit:
    return Unit.objects.get(name=UNIT_A, department__name=DEPARTMENT_A)


def on(monkeypatch, day: datetime.date) -> None:
    """Today is `day` (timezone.localdate, which both rules read)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def proposed(client) -> int:
    response = client.get("/sheets/new/")
    assert response.status_code == 200
    return response.context["form"]["year"].value()


def a_task_item(admin, project: Project, year: int, *, cancelled: bool = False) -> TaskItem:
    task = EvaluationTask.objects.create(
        title=f"{year}年度项目支出绩效自评",
        year=year,
        deadline=datetime.date(year + 1, 4, 30),
        created_by=admin,
        cancelled_at=timezone.now() if cancelled else None,
    )
    return TaskItem.objects.create(task=task, project=project, unit=project.unit)


def open_task_year(user) -> int | None:
    """The same rule read through the tasks room: the latest year of the unit's items (tasks
    not cancelled) still with the unit."""
    years = [item.task.year for item in unit_items(user) if item.stage in UNSUBMITTED]
    return max(years) if years else None


def test_a_unit_with_a_2024_sheet_and_no_task_gets_last_calendar_year(
    filler, client_for, monkeypatch
):
    # The seed's 2023 sheets, then one 2024 sheet: "latest + 1" would say 2025.
    seed_sheet = Sheet.objects.filter(project__unit=unit_a(), year=2023).first()
    sheet_create(unit=unit_a(), project_name=seed_sheet.project.name, year=2024, user=filler)
    on(monkeypatch, datetime.date(2025, 3, 10))
    client = client_for(filler)
    assert open_task_year(filler) is None
    assert proposed_year(unit_a()) == 2024
    assert proposed(client) == 2024
    assert 'value="2024"' in client.get("/sheets/new/").content.decode()

    # 复制上一年度 with the proposed year finds the 2023 sheet of another project.
    other = Sheet.objects.filter(project__unit=unit_a(), year=2023).exclude(pk=seed_sheet.pk)[0]
    response = client.post(
        "/sheets/new/",
        {"project": str(other.project_id), "new_project": "", "year": "2024", "mode": "copy"},
    )
    assert response.status_code == 302
    copied = Sheet.objects.get(project=other.project, year=2024)
    assert response["Location"] == f"/sheets/{copied.pk}/edit/"
    assert copied.indicators.count() == other.indicators.count() > 0


def test_without_a_task_it_is_last_calendar_year_whatever_the_sheets(filler, client_for):
    assert proposed(client_for(filler)) == timezone.localdate().year - 1


def test_a_unit_without_sheets_gets_last_calendar_year(filler_other, client_for, monkeypatch):
    Sheet.objects.filter(project__unit=filler_other.profile.unit).delete()
    on(monkeypatch, datetime.date(2026, 1, 5))
    assert proposed(client_for(filler_other)) == 2025


def test_an_open_2025_task_item_gives_2025(filler, admin_user, client_for, monkeypatch):
    on(monkeypatch, datetime.date(2027, 2, 1))  # last calendar year would be 2026
    project = Project.objects.filter(unit=unit_a()).order_by("name").first()
    a_task_item(admin_user, project, 2025)
    client = client_for(filler)
    assert open_task_year(filler) == 2025
    assert proposed_year(unit_a()) == 2025
    assert proposed(client) == 2025

    # A draft (or a returned sheet) of the item keeps it open.
    sheet = sheet_create(unit=unit_a(), project_name=project.name, year=2025, user=filler)
    assert open_task_year(filler) == 2025 and proposed(client) == 2025
    Sheet.objects.filter(pk=sheet.pk).update(status="returned")
    assert open_task_year(filler) == 2025 and proposed(client) == 2025
    # Submitted, the item is no longer the unit's to do: last calendar year again.
    Sheet.objects.filter(pk=sheet.pk).update(status="submitted")
    assert open_task_year(filler) is None
    assert proposed(client) == 2026


def test_the_latest_open_task_year_wins_and_cancelled_tasks_do_not_count(
    filler, admin_user, client_for, monkeypatch
):
    on(monkeypatch, datetime.date(2027, 2, 1))
    first, second = Project.objects.filter(unit=unit_a()).order_by("name")[:2]
    a_task_item(admin_user, first, 2024)
    a_task_item(admin_user, second, 2025, cancelled=True)
    client = client_for(filler)
    assert open_task_year(filler) == 2024 and proposed(client) == 2024
    a_task_item(admin_user, first, 2025)
    assert open_task_year(filler) == 2025 and proposed(client) == 2025


def test_another_units_task_does_not_move_the_year(
    filler, filler_other, admin_user, client_for, monkeypatch
):
    on(monkeypatch, datetime.date(2027, 2, 1))
    other_project = Project.objects.create(unit=filler_other.profile.unit, name="示范区项目")
    a_task_item(admin_user, other_project, 2024)
    assert proposed(client_for(filler)) == 2026
    assert proposed(client_for(filler_other)) == 2024


def test_going_back_from_a_paste_preview_keeps_the_chosen_year(filler, client_for, monkeypatch):
    on(monkeypatch, datetime.date(2027, 2, 1))
    response = client_for(filler).post(
        "/sheets/new/", {"action": "back", "new_project": "新项目", "year": "2019", "mode": "paste"}
    )
    assert response.context["form"]["year"].value() == "2019"


def test_the_deadline_of_the_task_plays_no_part(filler, admin_user, client_for, monkeypatch):
    """A task whose deadline has passed is still the unit's open task while unsubmitted."""
    on(monkeypatch, datetime.date(2027, 2, 1))
    project = Project.objects.filter(unit=unit_a()).order_by("name").first()
    item = a_task_item(admin_user, project, 2025)
    EvaluationTask.objects.filter(pk=item.task_id).update(
        deadline=datetime.date(2027, 2, 1) - timedelta(days=30)
    )
    assert proposed(client_for(filler)) == 2025
