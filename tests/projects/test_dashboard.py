"""The dashboard (/dashboard/): its numbers against the sheets counted one by one here, each
role's scope, the links to the sheet list, a flat number of queries, and the landing page."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects import figures
from projects.dashboard import charts
from projects.dashboard.selectors import TOP
from projects.models import (
    Comment,
    Department,
    Profile,
    Project,
    Sheet,
    SheetFigures,
    Unit,
)
from projects.sheets.services import sheet_transition
from projects.tasks.models import EvaluationTask, TaskItem
from tests.conftest import DEPARTMENT_A, DEPARTMENT_B, UNIT_A, UNIT_B, persona
from tests.helpers import logged_in

CENT = Decimal("0.01")
GRADES = ("优", "良", "中", "差")
STATES = ("draft", "returned", "submitted", "dept_approved", "approved")


def sheet_of(project: str, year: int = 2023) -> Sheet:
    return Sheet.objects.get(project__name=project, year=year)


def generate(count: int, *, start: int = 0) -> None:
    """`count` sheets over three units (two of department A, one of department B), in 2022
    and 2023, every state, grade and a spread of totals and rates (some none), some with
    errors, with their stored figures (what the dashboard reads)."""
    department_a = Department.objects.get(name=DEPARTMENT_A)
    department_b = Department.objects.get(name=DEPARTMENT_B)
    units = [
        Unit.objects.get(name=UNIT_A),
        Unit.objects.get_or_create(department=department_a, name="生成单位甲")[0],
        Unit.objects.get_or_create(department=department_b, name="生成单位乙")[0],
    ]
    projects = Project.objects.bulk_create(
        [Project(unit=units[i % 3], name=f"生成项目{i:04d}") for i in range(start, start + count)]
    )
    sheets = Sheet.objects.bulk_create(
        [
            Sheet(project=project, year=2023 if i % 4 else 2022, status=STATES[i % 5])
            for i, project in zip(range(start, start + count), projects, strict=True)
        ]
    )
    now = timezone.now()
    SheetFigures.objects.bulk_create(
        [
            SheetFigures(
                sheet=sheet,
                total=Decimal(55 + (i * 7) % 45) + Decimal(i % 100) / 100,
                grade=GRADES[i % 4],
                raw_score=Decimal(50),
                rate=None if i % 6 == 0 else Decimal(60 + (i * 11) % 45) + Decimal(i % 7) / 10,
                budget_score=Decimal(10),
                budget_weight=Decimal(10),
                weight_total=Decimal(100),
                errors=2 if i % 9 == 0 else 0,
                warnings=0,
                computed_at=now,
                status=sheet.status,
            )
            for i, sheet in zip(range(start, start + count), sheets, strict=True)
        ]
    )
    # Figures written around the services: their units' years are counted as the writers
    # count them.
    figures.refresh_unit_years(
        figures.pairs_of(Sheet.objects.filter(pk__in=[s.pk for s in sheets]))
    )


def comment(sheet: Sheet, author, *, resolved=False, parent=None) -> Comment:
    """A comment written around the services, its sheet's open threads counted as the
    comment services count them."""
    written = Comment.objects.create(
        sheet=sheet,
        author=author,
        body="请说明",
        parent=parent,
        resolved_at=timezone.now() if resolved else None,
    )
    figures.refresh_open_comments(sheet)
    return written


@pytest.fixture
def world(filler, reviewer, finance):
    """The seed sheets taken through the two-tier review, comments open and resolved, and
    generated sheets; a 2023 task with a past deadline over unit A's projects."""
    submitted = [
        "人才大厦运行维护经费",
        "人才公寓运行维护经费",
        "科创人才公共服务专项",
        "信息化运维项目",
    ]
    for name in submitted:
        sheet_transition(sheet=sheet_of(name), user=filler, action="submit")
    sheet_transition(sheet=sheet_of("人才公寓运行维护经费"), user=reviewer, action="approve")
    sheet_transition(sheet=sheet_of("科创人才公共服务专项"), user=reviewer, action="approve")
    sheet_transition(sheet=sheet_of("科创人才公共服务专项"), user=finance, action="approve")
    sheet_transition(sheet=sheet_of("信息化运维项目"), user=reviewer, action="return", comment="补")
    first = comment(sheet_of("人才大厦运行维护经费"), reviewer)
    comment(sheet_of("人才大厦运行维护经费"), filler, parent=first)  # a reply: not a thread
    comment(sheet_of("人才大厦运行维护经费"), reviewer)
    comment(sheet_of("政府聘用辅助人员经费"), reviewer, resolved=True)  # resolved: not open
    comment(Sheet.objects.get(project__unit__name=UNIT_B), persona("b_reviewer"))
    generate(60)
    task = EvaluationTask.objects.create(
        year=2023,
        title="市级项目支出绩效自评",
        deadline=timezone.localdate() - timedelta(days=3),
        created_by=finance,
    )
    unit_a = Unit.objects.get(name=UNIT_A)
    TaskItem.objects.bulk_create(
        [
            TaskItem(task=task, project=project, unit=unit_a)
            for project in Project.objects.filter(unit=unit_a, sheets__year=2023)[:14]
        ]
        + [
            TaskItem(
                task=task,
                project=Project.objects.create(unit=unit_a, name="未开始项目"),
                unit=unit_a,
            )
        ]
    )
    return task


def average(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def expected(sheets) -> dict:
    """The dashboard's numbers, counted here one sheet at a time."""
    sheets = list(sheets.select_related("figures", "project__unit"))
    open_threads = set(
        Comment.objects.filter(parent__isnull=True, resolved_at__isnull=True).values_list(
            "sheet", flat=True
        )
    )
    status = Counter(sheet.status for sheet in sheets)
    units = defaultdict(list)
    for sheet in sheets:
        units[sheet.project.unit_id].append(sheet.figures)
    return {
        "total": len(sheets),
        "status": {state: status[state] for state in STATES},
        "stages": {
            "filling": status["draft"] + status["returned"],
            "dept_review": status["submitted"],
            "finance_review": status["dept_approved"],
            "approved": status["approved"],
        },
        "grades": dict(Counter(sheet.figures.grade for sheet in sheets)),
        "errors": sum(1 for sheet in sheets if sheet.figures.errors > 0),
        "comments": sum(1 for sheet in sheets if sheet.pk in open_threads),
        "units": {
            pk: (average(f.total for f in figs), average(f.rate for f in figs), len(figs))
            for pk, figs in units.items()
        },
        "projects": {
            sheet.project_id: (sheet.figures.total, sheet.figures.rate, sheet.pk)
            for sheet in sheets
        },
    }


def in_scope_2023(user_filter: dict):
    return Sheet.objects.filter(year=2023, **user_filter)


def check(response, want: dict) -> None:
    context = response.context
    counts = context["counts"]
    assert counts["total"] == want["total"]
    assert counts["status"] == want["status"]
    assert counts["stages"] == want["stages"]
    assert {g: n for g, n in counts["grades"].items() if n} == want["grades"]
    assert counts["errors"] == want["errors"]
    assert counts["comments"] == want["comments"]
    # The state chart's parts and the grade chart's columns are those counts.
    parts = {item.css.removeprefix("state-"): item.value for item in context["states"]["parts"]}
    assert parts == want["status"]
    assert [item.value for item in context["grades"]["items"]] == [
        want["grades"].get(g, 0) for g in GRADES
    ]
    # Every unit, weakest first, with its averages and its number of sheets.
    units = context["units"]
    assert {row.pk: (row.total, row.rate, row.sheets) for row in units} == want["units"]
    totals = [row.total for row in units]
    assert totals == sorted(totals)
    assert context["unit_count"] == len(want["units"])
    # The projects: the weakest TOP, each its sheet's figures.
    projects = context["projects"]
    lowest = sorted(want["projects"].values(), key=lambda v: v[0])[:TOP]
    assert [row.total for row in projects] == [v[0] for v in lowest]
    for row in projects:
        assert (row.total, row.rate, row.sheet) == want["projects"][row.pk]
    assert context["project_count"] == len(want["projects"])
    # The first few sheets with errors and with open comments are such sheets.
    assert all(sheet.figures.errors > 0 for sheet in context["with_errors"])
    assert len(context["with_errors"]) == min(5, want["errors"])
    assert len(context["with_comments"]) == min(5, want["comments"])


def test_the_reviewers_numbers_are_its_departments_sheets_counted_one_by_one(world, reviewer):
    response = logged_in(reviewer).get("/dashboard/", {"year": 2023})
    assert response.status_code == 200
    want = expected(in_scope_2023({"project__unit__department__name": DEPARTMENT_A}))
    check(response, want)
    # The demo-like world has every state, grade and both kinds of issue.
    assert all(want["stages"].values()) and len(want["grades"]) == 4
    assert want["errors"] >= 2 and want["comments"] == 1
    # Never a sheet of another department: unit B's open comment is not counted.
    names = {row.name for row in response.context["units"]}
    assert names == {UNIT_A, "生成单位甲"}


def test_the_finance_bureau_and_the_administrator_see_their_scopes(world, finance, admin_user):
    want = expected(in_scope_2023({"project__unit__department__name": DEPARTMENT_A}))
    check(logged_in(finance).get("/dashboard/", {"year": 2023}), want)
    everything = expected(in_scope_2023({}))
    response = logged_in(admin_user).get("/dashboard/", {"year": 2023})
    check(response, everything)
    assert everything["comments"] == 2 and everything["total"] > want["total"]
    # The 管理员 narrows to one department, then to one unit.
    department_b = Department.objects.get(name=DEPARTMENT_B)
    narrowed = logged_in(admin_user).get(
        "/dashboard/", {"year": 2023, "department": department_b.pk}
    )
    check(narrowed, expected(in_scope_2023({"project__unit__department": department_b})))
    unit = Unit.objects.get(name="生成单位甲")
    check(
        logged_in(admin_user).get("/dashboard/", {"year": 2023, "unit": unit.pk}),
        expected(in_scope_2023({"project__unit": unit})),
    )


def test_a_filler_sees_its_unit_only_whatever_it_asks(world, filler):
    client = logged_in(filler)
    response = client.get("/dashboard/")
    assert response.context["scope"].year == 2023  # the latest year with its sheets
    check(response, expected(in_scope_2023({"project__unit__name": UNIT_A})))
    assert "department" not in response.context["form"].fields
    other = Unit.objects.get(name="生成单位甲")
    # The filler has no unit to choose: another unit's id changes nothing.
    response = client.get("/dashboard/", {"unit": other.pk})
    check(response, expected(in_scope_2023({"project__unit__name": UNIT_A})))
    assert "生成单位甲" not in response.content.decode()


def test_a_reviewer_cannot_narrow_to_another_departments_unit(world, reviewer):
    unit_b = Unit.objects.get(name=UNIT_B)
    assert logged_in(reviewer).get("/dashboard/", {"unit": unit_b.pk}).status_code == 404


def test_late_items_are_counted_against_the_task_list(world, filler, reviewer, filler_other):
    late = logged_in(reviewer).get("/dashboard/").context["late"]
    items = TaskItem.objects.filter(task=world)
    unsubmitted = 0
    for item in items:
        sheet = Sheet.objects.filter(project=item.project, year=2023).first()
        if sheet is None or sheet.status in ("draft", "returned"):
            unsubmitted += 1
    assert late["total"] == items.count() == 15
    assert late["late"] == unsubmitted and late["not_started"] == 1
    assert logged_in(filler).get("/dashboard/").context["late"] == late
    assert logged_in(filler_other).get("/dashboard/").context["late"]["total"] == 0


def test_year_over_year_is_each_units_average_per_year(world, reviewer):
    response = logged_in(reviewer).get("/dashboard/", {"year": 2023})
    history = response.context["history"]
    assert history["years"] == [2022, 2023]
    for row in history["rows"][1:]:
        unit = Unit.objects.get(name=row["name"])
        for year, cell in zip(history["years"], row["cells"], strict=True):
            figs = [s.figures for s in Sheet.objects.filter(project__unit=unit, year=year)]
            if not figs:
                assert cell is None
                continue
            assert cell == (
                average(f.total for f in figs),
                average(f.rate for f in figs),
                len(figs),
            )
    overall = history["rows"][0]["cells"]
    department = Sheet.objects.filter(project__unit__department__name=DEPARTMENT_A)
    for year, cell in zip(history["years"], overall, strict=True):
        figs = [s.figures for s in department.filter(year=year)]
        assert cell[0] == average(f.total for f in figs)
    # The chart's columns are the overall averages.
    assert [c.item.value for c in history["chart"].columns] == [cell[0] for cell in overall]


def sheet_list_pks(client, href: str) -> set[int]:
    """The sheets the sheet list shows at `href`, every page."""
    url = urlparse(href)
    assert url.path == "/sheets/"
    pks, page = set(), 1
    while True:
        response = client.get(f"{url.path}?{url.query}&page={page}")
        pks |= {entry.sheet.pk for entry in response.context["entries"]}
        if not response.context["page"].has_next():
            return pks
        page += 1


def test_every_link_shows_exactly_the_counted_sheets(world, reviewer):
    client = logged_in(reviewer)
    context = client.get("/dashboard/", {"year": 2023}).context
    scope = in_scope_2023({"project__unit__department__name": DEPARTMENT_A})
    # The stages (草稿 and 已退回 together for 填报中).
    for stage in context["states"]["stages"]:
        pks = sheet_list_pks(client, stage["href"])
        assert len(pks) == stage["count"]
    filling = sheet_list_pks(client, context["states"]["stages"][0]["href"])
    assert filling == set(
        scope.filter(status__in=["draft", "returned"]).values_list("pk", flat=True)
    )
    # Each state's part of the bar and each grade's column.
    for item in [*context["states"]["parts"], *context["grades"]["items"]]:
        assert len(sheet_list_pks(client, item.href)) == item.value
    good = context["grades"]["items"][1]
    assert sheet_list_pks(client, good.href) == set(
        scope.filter(figures__grade="良").values_list("pk", flat=True)
    )
    # The sheets with errors, with open comments, all of them.
    errors = sheet_list_pks(client, context["errors_url"])
    assert errors == set(scope.filter(figures__errors__gt=0).values_list("pk", flat=True))
    assert len(errors) == context["counts"]["errors"]
    commented = sheet_list_pks(client, context["comments_url"])
    assert commented == {sheet_of("人才大厦运行维护经费").pk}
    assert len(sheet_list_pks(client, context["all_sheets"])) == context["counts"]["total"]
    # Each unit's bar: that unit's sheets of the year.
    for bar in context["units_chart"].bars:
        row = next(r for r in context["units"] if r.name == bar.item.label)
        assert len(sheet_list_pks(client, bar.item.href)) == row.sheets
    # Each project's bar: its sheet.
    bar = context["projects_chart"].bars[0]
    assert bar.item.href == f"/sheets/{context['projects'][0].sheet}/"


def test_the_more_pages_list_every_unit_and_project_weakest_first(world, admin_user):
    client = logged_in(admin_user)
    response = client.get("/dashboard/projects/", {"year": 2023})
    assert response.status_code == 200
    rows = response.context["rows"]
    total = Sheet.objects.filter(year=2023).count()
    assert response.context["page"].paginator.count == total
    assert [r.total for r in rows] == sorted(r.total for r in rows)
    rates = client.get("/dashboard/units/", {"year": 2023, "order": "rate"}).context["rows"]
    values = [r.rate for r in rates if r.rate is not None]
    assert (
        values == sorted(values)
        and len(rates) == Unit.objects.filter(projects__sheets__year=2023).distinct().count()
    )


def count_queries(client, params=None) -> int:
    client.get("/dashboard/", params or {})  # warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/", params or {}).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_the_seed_and_ten_times_more(
    filler, reviewer, finance, admin_user
):
    users = {"filler": filler, "reviewer": reviewer, "finance": finance, "admin": admin_user}
    sheet_transition(sheet=sheet_of("人才大厦运行维护经费"), user=filler, action="submit")
    comment(sheet_of("人才大厦运行维护经费"), reviewer)
    generate(12)
    before = Sheet.objects.count()
    at_small = {role: count_queries(logged_in(user)) for role, user in users.items()}
    generate(10 * before, start=12)
    assert Sheet.objects.count() == 11 * before
    at_large = {role: count_queries(logged_in(user)) for role, user in users.items()}
    assert at_large == at_small
    department = Department.objects.get(name=DEPARTMENT_A)
    admin = logged_in(admin_user)
    assert count_queries(admin, {"department": department.pk}) <= at_large["admin"] + 2


def test_each_working_role_lands_on_the_dashboard_and_the_auditor_on_the_log(
    filler, reviewer, finance, admin_user
):
    for user in (filler, reviewer, finance, admin_user):
        client = logged_in(user)
        assert client.get("/")["Location"] == "/dashboard/"
        assert client.get("/dashboard/").status_code == 200
    auditor = persona("auditor_x")
    Profile.objects.create(user=auditor, auditor=True)
    client = logged_in(auditor)
    assert client.get("/")["Location"] == "/audit/"
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/units/").status_code == 403


def test_the_charts_are_svg_with_no_inline_style_or_script(world, finance):
    html = logged_in(finance).get("/dashboard/").content.decode()
    assert html.count("<svg") == 5  # states, grades, units, projects, years
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert "css/dashboard.css" in html
    assert html.count("<details") >= 4


def test_bar_geometry():
    chart = charts.bars(
        [
            charts.Item("甲", Decimal(50), "50"),
            charts.Item("乙", Decimal(100), "100"),
            charts.Item("一个名字很长很长很长的单位名称", None, "—"),
        ],
        scale=100,
    )
    plot = chart.plot_width
    assert [bar.width for bar in chart.bars] == [Decimal(plot) / 2, Decimal(plot), Decimal(0)]
    assert chart.bars[2].short_label.endswith("…") and len(chart.bars[2].short_label) == 14
    assert [bar.y for bar in chart.bars] == [0, 26, 52]
    bar = charts.stacked(
        [charts.Item("a", 1, "1"), charts.Item("b", 0, "0"), charts.Item("c", 3, "3")]
    )
    assert [s.item.label for s in bar.segments] == ["a", "c"]
    assert [s.share for s in bar.segments] == [Decimal("25.0"), Decimal("75.0")]
    assert sum(s.width for s in bar.segments) == bar.width
    columns = charts.columns([charts.Item("x", 2, "2"), charts.Item("y", 4, "4")])
    assert [c.height for c in columns.columns] == [Decimal(50), Decimal(100)]
    assert all(c.width == charts.COLUMN_WIDTH for c in columns.columns)
    assert columns.columns[1].y + columns.columns[1].height == columns.base


def test_a_unit_without_rates_or_totals_orders_last_and_never_divides_by_zero(admin_user):
    """A unit whose sheets have no execution rate (no budget denominator) has no average rate:
    it orders last, and PostgreSQL never divides by zero."""
    SheetFigures.objects.update(rate=None)
    figures.rebuild_unit_years()
    client = logged_in(admin_user)
    for order in ("rate", "total"):
        response = client.get("/dashboard/", {"year": 2023, "order": order})
        assert response.status_code == 200
        assert all(row.rate is None for row in response.context["units"])
