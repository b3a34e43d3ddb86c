"""The lists' filters offer what the user may see, and never every unit of a province at once:
someone who sees many departments chooses the department first."""

from __future__ import annotations

from projects.models import Department, Sheet, Unit
from tests.helpers import logged_in

HRSS, CENTRE = "上海市人力资源和社会保障局", "上海市人才服务中心"
OTHER_UNIT = "示范区公共服务中心"


def unit_choices(response) -> list[str]:
    return [label for value, label in response.context["form"].fields["unit"].choices if value]


def test_the_administrator_chooses_the_department_before_the_units(admin_user, filler_other):
    client = logged_in(admin_user)
    assert unit_choices(client.get("/sheets/")) == []
    hrss = Department.objects.get(name=HRSS)
    assert unit_choices(client.get(f"/sheets/?department={hrss.pk}")) == [CENTRE]
    # A unit chosen without its department (an old link) is offered and filters the list.
    centre = Unit.objects.get(name=CENTRE)
    answer = client.get(f"/sheets/?unit={centre.pk}")
    assert unit_choices(answer) == [CENTRE]
    assert answer.context["page"].paginator.count == Sheet.objects.filter(
        project__unit=centre
    ).count()


def test_a_reviewer_is_offered_its_departments_units_at_once(reviewer, filler_other):
    assert unit_choices(logged_in(reviewer).get("/sheets/")) == [CENTRE]


def test_the_summary_and_the_exports_page_narrow_the_units_the_same_way(admin_user, seed):
    client = logged_in(admin_user)
    assert unit_choices(client.get("/summary/")) == []
    hrss = Department.objects.get(name=HRSS)
    assert unit_choices(client.get(f"/summary/?year=2023&department={hrss.pk}")) == [CENTRE]
    assert unit_choices(client.get("/exports/")) == []
    page = client.get(f"/exports/?department={hrss.pk}")
    assert unit_choices(page) == [CENTRE]
    assert 'class="form-select js-reload-on-change"' in page.content.decode()
