"""Stored figures and findings (projects/figures.py, docs/rules.md "Stored figures").

The stored rows equal a fresh computation for every seed sheet and every real sheet; every
writer (the editor's save, an import, each transition, a rule-set version, the admin's change
to a draft) stores them in its own transaction, and they roll back with it; an approved
sheet's stored figures do not move with a new rule-set version; `recompute_figures` names what
changed; and the lists, inbox, exports page and summary cost as many queries for 120 sheets as
for 12.
"""

from __future__ import annotations

import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from indicators.messages import grade_name
from indicators.models import RuleSet
from projects import figures
from projects.exports.summary import build_summary
from projects.exports.summary_xlsx import summary_workbook
from projects.models import (
    BudgetLine,
    Department,
    Indicator,
    Project,
    Sheet,
    SheetFigures,
    SheetFinding,
    SheetTransition,
)
from projects.sheets import services as sheet_services
from projects.sheets.selectors import sheet_queryset
from projects.sheets.services import sheet_transition
from tests.conftest import SEED
from tests.helpers import edit_url, form_data, logged_in, sheet_of, view_of
from tests.projects.test_frozen import admin_change
from tests.projects.test_real_sheets_scored import FIGURES, imported

pytestmark = pytest.mark.django_db

PROJECT = "信息化运维项目"  # a seed draft without blocking errors


def key(sheet) -> tuple:
    return figures.stored(sheet).key()


def assert_stored_is_fresh(sheet) -> None:
    """The stored rows are what the sheet page computes now: the engine's figures and
    findings, and the view-model's total, grade and counts."""
    stored = figures.stored(sheet)
    assert stored.figures is not None, f"sheet {sheet.pk} has no stored figures"
    assert stored.key() == figures.fresh(sheet).key()
    view = view_of(sheet)
    assert (stored.figures.total, stored.figures.grade) == (view.total, view.grade)
    result = Sheet.objects.get(pk=sheet.pk).evaluate()
    assert stored.figures.errors == len(result.errors)
    assert stored.figures.warnings == len(result.warnings)
    assert [f.code for f in stored.findings] == [str(f.code) for f in result.findings]


def tamper(sheet) -> None:
    """A stored row made wrong, so that a writer's storing shows."""
    SheetFigures.objects.filter(sheet_id=sheet.pk).update(total=Decimal("-1"), errors=99)
    SheetFinding.objects.filter(sheet_id=sheet.pk).delete()


# -- equal to a fresh computation ----------------------------------------------------------


def test_every_seed_sheet_has_stored_figures_equal_to_a_fresh_computation(seed):
    assert seed.count() == 12
    assert SheetFigures.objects.count() == 12
    for sheet in seed:
        assert_stored_is_fresh(sheet)
    # The seed has findings of both severities, stored one row each.
    assert SheetFinding.objects.filter(severity="error").exists()
    assert SheetFinding.objects.filter(severity="warning").exists()
    assert SheetFinding.objects.count() == sum(len(s.evaluate().findings) for s in sheet_queryset())


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_every_real_sheet_has_stored_figures_equal_to_a_fresh_computation(empty_db, stem):
    sheet = imported(stem)
    assert sheet.rule_set.bureau is not None  # scored by its bureau's rules, stored so
    assert figures.stored(sheet).figures.rule_set_id == sheet.rule_set_id
    assert_stored_is_fresh(sheet)


# -- every writer stores, in its transaction ------------------------------------------------


def test_a_save_through_the_editor_stores_the_new_figures(filler):
    sheet = sheet_of(PROJECT)
    before = figures.stored(sheet).figures.total
    client = logged_in(filler)
    data = form_data(client.get(edit_url(sheet)))
    data["rows-0-score"] = "0"
    assert client.post(edit_url(sheet), data).status_code == 302
    assert figures.stored(sheet).figures.total < before
    assert_stored_is_fresh(sheet)


def test_a_save_that_fails_after_storing_leaves_the_old_stored_figures(filler, monkeypatch):
    sheet = sheet_of(PROJECT)
    before = key(sheet)
    real_store = figures.store

    def store_then_fail(target):
        real_store(target)
        assert key(sheet) != before  # stored, inside the transaction
        raise RuntimeError("after storing")

    monkeypatch.setattr(sheet_services.figures, "store", store_then_fail)
    content = sheet_services.SheetContent(
        project_name=PROJECT,
        budget_weight=Decimal("10"),
        goal_expected="",
        goal_achieved="",
        funds={},
    )
    with pytest.raises(RuntimeError):
        sheet_services.sheet_save_content(
            sheet=sheet, user=filler, version=sheet.version, content=content
        )
    assert key(sheet) == before
    assert Sheet.objects.get(pk=sheet.pk).version == sheet.version


def test_an_import_over_a_draft_stores_the_new_figures(seed, tmp_path):
    sheet = Sheet.objects.get(project__name=PROJECT)
    before = figures.stored(sheet).figures.total
    changed = SEED.read_text(encoding="utf-8").replace(
        "6.00\t4.00\t长效管理机制还需进一步健全", "6.00\t6.00\t长效管理机制还需进一步健全"
    )
    path = tmp_path / "changed.txt"
    path.write_text(changed, encoding="utf-8")
    call_command("import_sheets", str(path), "--year", "2023", stdout=io.StringIO())
    assert Sheet.objects.get(pk=sheet.pk).version == 2
    assert figures.stored(sheet).figures.total == before + 2
    assert_stored_is_fresh(sheet)


def test_an_import_that_creates_a_sheet_stores_its_figures(empty_db):
    call_command("import_sheets", str(SEED), "--year", "2023", stdout=io.StringIO())
    assert SheetFigures.objects.count() == Sheet.objects.count() == 11
    for sheet in Sheet.objects.all():
        assert_stored_is_fresh(sheet)


@pytest.mark.parametrize("path", [("submit", "return"), ("submit", "approve")])
def test_each_transition_stores_the_figures(filler, reviewer, path):
    sheet = sheet_of(PROJECT)
    for action in path:
        tamper(sheet)
        who = filler if action == "submit" else reviewer
        sheet = sheet_transition(sheet=sheet, user=who, action=action, comment="请补充")
        assert_stored_is_fresh(sheet)


def test_the_latest_submission_time_is_stored_and_refilled(filler, reviewer):
    sheet = sheet_of(PROJECT)
    assert sheet.figures.submitted_at is None
    sheet = sheet_transition(sheet=sheet, user=filler, action="submit")
    first = SheetTransition.objects.get(sheet=sheet, action="submit").created_at
    assert SheetFigures.objects.get(sheet_id=sheet.pk).submitted_at == first
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="return", comment="请补充")
    sheet = sheet_transition(sheet=sheet, user=filler, action="submit")
    latest = SheetTransition.objects.filter(sheet=sheet, action="submit").latest("created_at")
    assert latest.created_at > first
    assert SheetFigures.objects.get(sheet_id=sheet.pk).submitted_at == latest.created_at
    # Rows stored before the field existed are filled by the migration, and a wrong time is
    # named and stored again by `recompute_figures`.
    SheetFigures.objects.update(submitted_at=None)
    migration = importlib.import_module("projects.migrations.0011_figures_submitted_at")
    migration.fill_submitted_at(django_apps, None)
    assert SheetFigures.objects.get(sheet_id=sheet.pk).submitted_at == latest.created_at
    SheetFigures.objects.filter(sheet_id=sheet.pk).update(submitted_at=first)
    assert recompute() == f"12 sheets recomputed, 1 changed\nsheet ids: {sheet.pk}\n"
    assert SheetFigures.objects.get(sheet_id=sheet.pk).submitted_at == latest.created_at


def test_the_state_is_stored_with_the_figures_and_refilled(filler, reviewer):
    """The inbox reads its page from the index (state, submission time) of the stored
    figures: every transition stores the new state, the migration fills it, and a wrong one
    is named and stored again by `recompute_figures`."""
    sheet = sheet_of(PROJECT)
    assert SheetFigures.objects.get(sheet_id=sheet.pk).status == "draft"
    for who, action, state in [
        (filler, "submit", "submitted"),
        (reviewer, "return", "returned"),
        (filler, "submit", "submitted"),
        (reviewer, "approve", "approved"),
    ]:
        sheet = sheet_transition(sheet=sheet, user=who, action=action, comment="请补充")
        assert SheetFigures.objects.get(sheet_id=sheet.pk).status == state == sheet.status
    SheetFigures.objects.update(status="draft")
    migration = importlib.import_module("projects.migrations.0013_figures_status")
    migration.fill_status(django_apps, None)
    assert SheetFigures.objects.get(sheet_id=sheet.pk).status == "approved"
    assert SheetFigures.objects.exclude(status=F("sheet__status")).count() == 0
    SheetFigures.objects.filter(sheet_id=sheet.pk).update(status="submitted")
    assert recompute() == f"12 sheets recomputed, 1 changed\nsheet ids: {sheet.pk}\n"
    assert SheetFigures.objects.get(sheet_id=sheet.pk).status == "approved"


def test_a_transition_stores_in_its_transaction_and_rolls_back_with_it(filler, monkeypatch):
    sheet = sheet_of(PROJECT)
    tamper(sheet)
    before = key(sheet)
    real_store = figures.store

    def store_then_fail(target):
        real_store(target)
        raise RuntimeError("after storing")

    monkeypatch.setattr(sheet_services.figures, "store", store_then_fail)
    with pytest.raises(RuntimeError):
        sheet_transition(sheet=sheet, user=filler, action="submit")
    assert key(sheet) == before
    assert Sheet.objects.get(pk=sheet.pk).status == "draft"


def test_a_new_rule_set_version_moves_the_drafts_figures_and_not_the_approved_ones(
    filler, reviewer, admin_user, client_for
):
    approved = sheet_of(PROJECT)
    for action, who in (("submit", filler), ("approve", reviewer)):
        approved = sheet_transition(sheet=approved, user=who, action=action)
    draft = sheet_of("人才公寓运行维护经费")
    approved_before = figures.stored(approved)
    draft_before = figures.stored(draft).figures
    assert draft_before.grade == "优"

    old = approved.rule_set
    response = admin_change(client_for(admin_user), old, grade_excellent="99", grade_good="98")
    assert response.status_code == 302
    new = RuleSet.objects.get(year=old.year, bureau=old.bureau, version=old.version + 1)

    moved = figures.stored(draft).figures
    assert moved.rule_set_id == new.pk and moved.grade == "中"
    assert_stored_is_fresh(draft)
    after = figures.stored(approved)
    assert after.key() == approved_before.key()
    assert after.figures.computed_at == approved_before.figures.computed_at  # not rewritten
    assert after.figures.rule_set_id == old.pk
    assert_stored_is_fresh(approved)


def test_a_rule_set_change_that_fails_leaves_the_drafts_stored_figures(
    admin_user, client_for, seed, monkeypatch
):
    draft = sheet_of(PROJECT)
    before = key(draft)

    def fail(ids):
        raise RuntimeError("storing failed")

    from projects import rule_sets

    monkeypatch.setattr(rule_sets.figures, "store_many", fail)
    rule_set = draft.rule_set
    with pytest.raises(RuntimeError):
        rule_sets.save_rule_set(_with(rule_set, grade_excellent=Decimal("99")))
    assert key(draft) == before
    assert RuleSet.objects.get(pk=rule_set.pk).grade_excellent == Decimal("90")


def _with(rule_set: RuleSet, **changes) -> RuleSet:
    for name, value in changes.items():
        setattr(rule_set, name, value)
    return rule_set


def test_an_admin_change_to_a_drafts_row_stores_the_figures(admin_user, client_for):
    sheet = sheet_of(PROJECT)
    row = sheet.indicators.order_by("position").first()
    before = figures.stored(sheet).figures.total
    admin = client_for(admin_user)
    url = f"/admin/projects/indicator/{row.pk}/change/"
    form = admin.get(url).context["adminform"].form
    post = {
        name: "" if (v := form.initial.get(name, f.initial)) is None else str(getattr(v, "pk", v))
        for name, f in form.fields.items()
    }
    post["score"] = "0"
    post["applicable"] = "on"
    assert admin.post(url, post).status_code == 302
    assert figures.stored(sheet).figures.total == before - row.score
    assert_stored_is_fresh(sheet)


def test_a_new_sheet_has_stored_figures(filler):
    from projects.models import Unit

    unit = Unit.objects.get(name="上海市人才服务中心")
    sheet = sheet_services.sheet_create(unit=unit, project_name="新项目", year=2031, user=filler)
    assert_stored_is_fresh(sheet)


# -- recompute_figures ----------------------------------------------------------------------


def recompute(*args) -> str:
    out = io.StringIO()
    call_command("recompute_figures", *args, stdout=out)
    return out.getvalue()


def test_recompute_figures_reports_nothing_on_a_consistent_database(seed):
    assert recompute() == "12 sheets recomputed, 0 changed\n"
    assert recompute("--year", "2024") == "0 sheets recomputed, 0 changed\n"


def test_recompute_figures_names_the_sheet_whose_stored_row_was_tampered_with(seed):
    sheet = sheet_of(PROJECT)
    other = sheet_of("人才公寓运行维护经费")
    SheetFigures.objects.filter(sheet_id=sheet.pk).update(warnings=7)
    SheetFinding.objects.filter(sheet_id=other.pk).update(params={"x": "1"})
    expected = f"sheet ids: {', '.join(str(pk) for pk in sorted([sheet.pk, other.pk]))}\n"
    assert recompute("--dry-run") == "12 sheets recomputed, 2 would change\n" + expected
    assert SheetFigures.objects.get(sheet_id=sheet.pk).warnings == 7  # a dry run stores nothing
    assert recompute() == "12 sheets recomputed, 2 changed\n" + expected
    assert recompute() == "12 sheets recomputed, 0 changed\n"
    assert_stored_is_fresh(sheet)
    assert_stored_is_fresh(other)


def test_recompute_figures_stores_missing_figures_and_names_those_sheets(seed):
    sheet = sheet_of(PROJECT)
    SheetFigures.objects.filter(sheet_id=sheet.pk).delete()
    assert recompute() == f"12 sheets recomputed, 1 changed\nsheet ids: {sheet.pk}\n"
    assert_stored_is_fresh(sheet)


def test_an_approved_sheet_is_recomputed_with_its_recorded_version(filler, reviewer):
    sheet = sheet_of(PROJECT)
    for action, who in (("submit", filler), ("approve", reviewer)):
        sheet = sheet_transition(sheet=sheet, user=who, action=action)
    recorded = sheet.rule_set
    newer = RuleSet.objects.get(pk=recorded.pk)
    newer.pk, newer.version, newer.grade_excellent = None, recorded.version + 1, Decimal("99")
    newer._state.adding = True
    newer.save()  # a newer version exists; the approved sheet keeps its own
    assert recompute() == "12 sheets recomputed, 0 changed\n"
    assert figures.stored(sheet).figures.rule_set_id == recorded.pk


def test_a_list_shows_a_sheet_without_stored_figures_computed_afresh(filler, client_for):
    sheet = sheet_of(PROJECT)
    SheetFigures.objects.filter(sheet_id=sheet.pk).delete()
    response = client_for(filler).get("/sheets/", {"q": PROJECT})
    [entry] = response.context["entries"]
    view = view_of(sheet)
    assert (entry.total_text, entry.grade_label) == (view.total_text, grade_name(view.grade))


# -- the same number of queries for 12 and for 120 sheets ----------------------------------


def add_copies(count: int) -> list[int]:
    """`count` more sheets of unit A for 2023, copies of the seed's with their lines and rows
    (bulk-created), in every state, and their stored figures (`store_many`)."""
    originals = list(sheet_queryset().filter(project__unit__name="上海市人才服务中心"))
    states = ["draft", "submitted", "approved", "returned"]
    unit_id = originals[0].project.unit_id
    projects = Project.objects.bulk_create(
        [Project(unit_id=unit_id, name=f"复制项目{i:03d}") for i in range(count)]
    )
    sheets = Sheet.objects.bulk_create(
        [
            Sheet(
                project=project,
                year=2023,
                status=states[i % len(states)],
                rule_set_id=originals[i % len(originals)].rule_set_id,
                budget_weight=originals[i % len(originals)].budget_weight,
                amount_unit=originals[i % len(originals)].amount_unit,
            )
            for i, project in enumerate(projects)
        ]
    )
    lines, rows = [], []
    skip = {"id", "sheet"}
    for i, sheet in enumerate(sheets):
        original = originals[i % len(originals)]
        for line in original.budget_lines.all():
            values = {f.attname: getattr(line, f.attname) for f in BudgetLine._meta.concrete_fields}
            lines.append(
                BudgetLine(
                    **{k: v for k, v in values.items() if k not in skip | {"sheet_id"}}, sheet=sheet
                )
            )
        for row in original.indicators.all():
            values = {f.attname: getattr(row, f.attname) for f in Indicator._meta.concrete_fields}
            rows.append(
                Indicator(
                    **{k: v for k, v in values.items() if k not in skip | {"sheet_id"}}, sheet=sheet
                )
            )
    BudgetLine.objects.bulk_create(lines)
    Indicator.objects.bulk_create(rows)
    ids = [sheet.pk for sheet in sheets]
    assert figures.store_many(ids) == count
    return ids


def count_queries(client, url: str, params: dict | None = None) -> int:
    client.get(url, params or {})  # warm: sessions, content types, rule sets
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def count_workbook(user) -> tuple[int, int]:
    """Queries of the summary workbook for the sheets a batch export holds (a list, as the
    task passes them), and how many rows it has."""
    from projects.exports.services import select_sheets

    sheets = list(select_sheets(user, year=2023))
    with CaptureQueriesContext(connection) as queries:
        view = build_summary(sheets)
        summary_workbook(view, title="汇总表", note="")
    return len(queries), len(view.rows)


def test_the_summary_batch_reads_its_sheets_with_their_figures_and_no_rows(reviewer, tmp_path):
    from projects.exports.services import build_batch, select_for
    from projects.models import ExportJob

    job = ExportJob(user=reviewer, kind=ExportJob.Kind.SUMMARY, year=2023)
    with CaptureQueriesContext(connection) as selecting:
        sheets = list(select_for(job))
    assert sheets
    assert len(selecting) == 1  # sheets, units and figures joined; no rows, no budget lines
    with CaptureQueriesContext(connection) as building:
        path = build_batch(job, sheets, tmp_path / "summary.xlsx")
    assert not any("projects_indicator" in q["sql"] for q in building.captured_queries)
    assert len(building) <= 2  # the first sheet's rule set (the total row's rounding)
    assert path.read_bytes()[:2] == b"PK"
    whole = ExportJob(user=reviewer, kind=ExportJob.Kind.WORKBOOK, year=2023)
    assert [s.pk for s in select_for(whole)] == [s.pk for s in sheets]


PAGES = {
    "list": ("/sheets/", None),
    "list, filtered": ("/sheets/", {"year": "2023", "status": "submitted"}),
    "inbox": ("/review/", None),
    "overview": ("/overview/", None),
    "exports": ("/exports/", None),
    "summary": ("/summary/", {"year": "2023"}),
}
ROLE_PAGES = {
    "filler": ["list", "list, filtered", "overview", "exports", "summary"],
    "reviewer": ["list", "list, filtered", "inbox", "exports", "summary"],
    "admin_user": ["list", "list, filtered", "exports", "summary"],
}


def measure(users: dict) -> dict:
    counts = {}
    for role, names in ROLE_PAGES.items():
        client = logged_in(users[role])
        for name in names:
            url, params = PAGES[name]
            counts[role, name] = count_queries(client, url, params)
        counts[role, "workbook"] = count_workbook(users[role])[0]
    return counts


def test_lists_inbox_exports_and_summary_cost_the_same_queries_for_12_and_120_sheets(
    filler, reviewer, admin_user
):
    users = {"filler": filler, "reviewer": reviewer, "admin_user": admin_user}
    for project in (PROJECT, "人才公寓运行维护经费"):
        sheet_transition(sheet=sheet_of(project), user=filler, action="submit")
    assert Sheet.objects.count() == 12
    at_12 = measure(users)
    add_copies(108)
    assert Sheet.objects.count() == 120
    assert count_workbook(reviewer)[1] == 119  # unit A's 11 and the 108 copies
    at_120 = measure(users)
    assert at_120 == at_12
    # The summary of 119 sheets: its sheets and figures in one query, its rule set in one.
    assert at_12["reviewer", "workbook"] == 2


def test_the_copies_score_as_their_originals(filler):
    ids = add_copies(12)
    for pk in ids[:4]:
        assert_stored_is_fresh(Sheet.objects.get(pk=pk))


# -- the summary page: a page of rows, the total row of every sheet in SQL -------------------


def totals(view) -> tuple:
    return (
        view.count,
        view.annual,
        view.executed,
        view.rate,
        view.average_indicator_score,
        view.average_total,
        view.grade_counts,
        view.status_counts,
    )


def test_the_summary_page_shows_a_page_of_rows_and_the_total_row_of_every_sheet(reviewer):
    from projects.exports.services import select_sheets

    add_copies(108)
    whole = build_summary(select_sheets(reviewer, year=2023))  # every row, summed in Python
    assert whole.count == len(whole.rows) == 119
    client = logged_in(reviewer)
    first = client.get("/summary/", {"year": 2023}).context["summary"]
    second = client.get("/summary/", {"year": 2023, "page": 2}).context["summary"]
    assert (len(first.rows), len(second.rows)) == (100, 19)
    assert first.rows + second.rows == whole.rows
    assert totals(first) == totals(second) == totals(whole)
    html = client.get("/summary/", {"year": 2023, "page": 2}).content.decode()
    assert '<td class="text-center">101</td>' in html and "2 / 2" in html
    assert "合计（119 个项目；得分为平均值）" in html


def test_the_summary_page_computes_a_sheet_without_stored_figures(reviewer):
    from projects.exports.services import select_sheets

    before = build_summary(select_sheets(reviewer, year=2023))
    SheetFigures.objects.filter(sheet__project__name=PROJECT).delete()
    page = logged_in(reviewer).get("/summary/", {"year": 2023}).context["summary"]
    assert totals(page) == totals(before) and page.rows == before.rows


def test_the_summary_page_totals_a_sheet_without_stored_figures_from_its_computed_row(seed):
    """Between an upgrade and the fill, a sheet may have no stored row: the page's total row
    then comes from every row computed, and equals the workbook's."""
    from projects.exports.summary import summary_page
    from projects.models import SheetFigures

    sheets = Sheet.objects.filter(year=2023).order_by("pk")
    whole = build_summary(sheets)
    SheetFigures.objects.filter(sheet=sheets.first()).delete()
    page = summary_page(sheets, 1, per_page=5)
    assert (page.count, page.annual, page.executed, page.average_total) == (
        whole.count,
        whole.annual,
        whole.executed,
        whole.average_total,
    )
    assert page.grade_counts == whole.grade_counts and len(page.rows) == 5


def unit_years() -> tuple[set, set]:
    """Every unit's year as stored: the counts and sums, and the findings per code."""
    from projects.models import UnitYearFigures, UnitYearFinding

    figures_rows = {
        tuple(row.values())
        for row in UnitYearFigures.objects.values().order_by("unit", "year")
        if row.pop("id") or True
    }
    findings = set(UnitYearFinding.objects.values_list("unit_id", "year", "code", "count"))
    return figures_rows, findings


def assert_unit_years_fresh() -> None:
    """The stored counts per unit and year are what counting every sheet again gives."""
    before = unit_years()
    figures.rebuild_unit_years()
    assert unit_years() == before


def test_each_unit_year_counts_its_sheets_after_every_writer(filler, reviewer, admin_user):
    from projects.models import UnitYearFigures

    sheet = sheet_of(PROJECT)
    assert_unit_years_fresh()
    row = UnitYearFigures.objects.get(unit=sheet.project.unit, year=2023)
    assert row.sheets == Sheet.objects.filter(project__unit=sheet.project.unit, year=2023).count()
    assert row.draft == row.sheets and row.excellent == row.sheets
    sheet = sheet_transition(sheet=sheet, user=filler, action="submit")
    row.refresh_from_db()
    assert (row.draft, row.submitted) == (row.sheets - 1, 1)
    assert_unit_years_fresh()
    # A draft moved to another year in the admin, then deleted: both years counted again.
    draft = Sheet.objects.filter(project__unit=sheet.project.unit, status="draft").first()
    draft.year = 2022
    draft.save()
    assert UnitYearFigures.objects.get(unit=sheet.project.unit, year=2022).sheets == 1
    assert_unit_years_fresh()
    draft.delete()
    assert not UnitYearFigures.objects.filter(unit=sheet.project.unit, year=2022).exists()
    assert_unit_years_fresh()


def test_the_summary_and_the_inbox_count_from_the_units_years_as_from_the_sheets(
    filler, reviewer, admin_user
):
    """The summary's total row and the inbox's count, read from the counts kept per unit and
    year, equal the same sums and counts taken over the sheets."""
    from projects.exports import summary
    from projects.exports.services import select_sheets, select_unit_years
    from projects.review.selectors import inbox, inbox_count

    for name in (PROJECT, "人才大厦运行维护经费"):
        sheet_transition(sheet=sheet_of(name), user=filler, action="submit")
    for user in (reviewer, admin_user):
        kept = summary._unit_year_sums(select_unit_years(user, year=2023))
        assert kept == summary._sql_sums(select_sheets(user, year=2023, content=False))
        assert (
            kept.count
            == Sheet.objects.filter(year=2023)
            .filter(
                project__unit__department__in=[reviewer.profile.department]
                if user == reviewer
                else Department.objects.all()
            )
            .count()
        )
        assert inbox_count(user) == inbox(user).count() == 2


def test_a_comment_written_or_resolved_is_counted_on_the_sheet_and_its_units_year(reviewer):
    from projects.models import UnitYearFigures
    from projects.review.services import comment_add, comment_set_resolved

    sheet = sheet_of(PROJECT)
    year = UnitYearFigures.objects.get(unit=sheet.project.unit, year=2023)
    assert (SheetFigures.objects.get(sheet=sheet).open_comments, year.with_open_comments) == (0, 0)
    thread = comment_add(sheet=sheet, user=reviewer, body="请核对")
    comment_add(sheet=sheet, user=reviewer, body="补充一句", parent=thread)  # a reply
    year.refresh_from_db()
    assert (SheetFigures.objects.get(sheet=sheet).open_comments, year.with_open_comments) == (1, 1)
    assert_stored_is_fresh(Sheet.objects.get(pk=sheet.pk))
    comment_set_resolved(comment=thread, user=reviewer, resolved=True)
    year.refresh_from_db()
    assert (SheetFigures.objects.get(sheet=sheet).open_comments, year.with_open_comments) == (0, 0)
    assert_unit_years_fresh()


def test_the_upgrade_counts_the_open_threads_and_the_units_years(reviewer):
    """Migration 0016 gives existing stored figures their open threads; after `migrate` the
    counts per unit and year are filled when there are none (`fill_missing`)."""
    from projects.models import UnitYearFigures
    from projects.review.services import comment_add

    sheet = sheet_of(PROJECT)
    comment_add(sheet=sheet, user=reviewer, body="请核对")
    SheetFigures.objects.update(open_comments=0)
    UnitYearFigures.objects.all().delete()
    migration = importlib.import_module("projects.migrations.0016_unit_year_figures")
    migration.count_open_threads(django_apps, None)
    assert SheetFigures.objects.get(sheet=sheet).open_comments == 1
    figures.fill_missing()
    assert UnitYearFigures.objects.get(unit=sheet.project.unit, year=2023).with_open_comments == 1
    assert_unit_years_fresh()
