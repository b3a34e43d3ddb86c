"""Re-checks (抽查复核): the random draw and its seed, the chosen draw, re-scoring rows with the
engine's total and never the sheet, the deviation report, who may do what, the workbook and
the audit log."""

from __future__ import annotations

import dataclasses
import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from indicators import scoring
from indicators.models import Bureau
from projects import figures
from projects.audit.models import AuditRecord
from projects.models import (
    Department,
    Indicator,
    ReCheck,
    ReCheckRow,
    ReCheckSheet,
    Sheet,
    SheetFigures,
    rule_set_for,
)
from projects.rechecks.selectors import overall, sample, summary, visible_rechecks
from projects.rechecks.services import (
    ReCheckRefused,
    candidates,
    draw_chosen,
    draw_random,
    recheck_input,
    score_row,
)
from projects.sheets.services import sheet_transition
from tests.conftest import DEPARTMENT_B, UNIT_A, UNIT_B, persona
from tests.helpers import logged_in, sheet_of

YEAR = 2023
PROJECT = "信息化运维项目"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def approve(sheets) -> list[int]:
    """Mark sheets 已审核 (their stored figures stay as imported). The full two-tier path is
    walked in `test_a_sheet_approved_through_both_tiers_can_be_drawn`."""
    ids = list(sheets.values_list("pk", flat=True))
    Sheet.objects.filter(pk__in=ids).update(status=Sheet.Status.APPROVED)
    return ids


def unit_a_sheets():
    return Sheet.objects.filter(project__unit__name=UNIT_A, year=YEAR)


def other_bureau_finance():
    """財政 of another bureau, over department B, whose sheet is approved."""
    bureau = Bureau.objects.create(name="示范区财政")
    Department.objects.filter(name=DEPARTMENT_B).update(bureau=bureau)
    approve(Sheet.objects.filter(project__unit__name=UNIT_B))
    return persona("finance_other", bureau=bureau, full_name="示范区财政")


def a_recheck(finance, count=3, **kwargs) -> ReCheck:
    ids = approve(unit_a_sheets())
    return draw_chosen(finance, year=YEAR, sheet_ids=ids[:count], title="人社局首批抽查", **kwargs)


def applicable_row(recheck_sheet: ReCheckSheet, *, at_least=Decimal("2")) -> ReCheckRow:
    return (
        recheck_sheet.rows.filter(is_budget=False, applicable=True, self_score__gte=at_least)
        .order_by("position")
        .first()
    )


def sheet_state(sheet: Sheet) -> tuple:
    """Everything of a sheet a re-check must never change."""
    sheet = Sheet.objects.get(pk=sheet.pk)
    rows = list(
        Indicator.objects.filter(sheet=sheet)
        .order_by("position")
        .values_list("pk", "name", "weight", "score", "reason", "applicable")
    )
    stored = SheetFigures.objects.filter(sheet=sheet).values().get()
    return sheet.status, sheet.version, sheet.updated_at, rows, stored


# -- the draws -----------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(finance):
    ids = approve(unit_a_sheets())
    assert len(ids) == 11

    def drawn(seed):
        recheck = draw_random(finance, year=YEAR, size=4, seed=seed, title=f"种子{seed}")
        return list(recheck.sheets.order_by("position").values_list("sheet_id", flat=True))

    first, again, other = drawn(20231), drawn(20231), drawn(77)
    assert first == again
    assert first != other
    assert first == random.Random(20231).sample(sorted(ids), 4)
    assert len(set(first)) == 4 and set(first) <= set(ids)


def test_a_seed_not_given_is_made_and_stored_and_draws_the_same_again(finance):
    approve(unit_a_sheets())
    recheck = draw_random(finance, year=YEAR, size=5, title="随机")
    assert recheck.seed is not None and 0 <= recheck.seed < 2**63
    assert recheck.method == ReCheck.Method.RANDOM and recheck.size == 5
    assert recheck.scope["candidates"] == 11
    again = draw_random(finance, year=YEAR, size=5, seed=recheck.seed, title="重抽")
    assert list(recheck.sheets.values_list("sheet_id", flat=True)) == list(
        again.sheets.values_list("sheet_id", flat=True)
    )


def test_only_the_bureaus_approved_sheets_of_the_year_are_drawn(finance):
    other_bureau_finance()
    sheets = list(unit_a_sheets().order_by("pk"))
    approved = approve(Sheet.objects.filter(pk__in=[s.pk for s in sheets[:3]]))
    Sheet.objects.filter(pk=sheets[3].pk).update(status=Sheet.Status.DEPT_APPROVED)
    pool = set(candidates(finance, year=YEAR).values_list("pk", flat=True))
    assert pool == set(approved)
    assert not candidates(finance, year=YEAR + 1).exists()
    recheck = draw_random(finance, year=YEAR, size=3, seed=1, title="全部")
    assert set(recheck.sheets.values_list("sheet_id", flat=True)) == set(approved)
    with pytest.raises(ReCheckRefused):
        draw_random(finance, year=YEAR, size=4, seed=1, title="太多")
    with pytest.raises(ReCheckRefused):
        draw_chosen(finance, year=YEAR, sheet_ids=[approved[0], sheets[3].pk], title="未审核")
    unit_b_sheet = Sheet.objects.get(project__unit__name=UNIT_B)
    with pytest.raises(ReCheckRefused):
        draw_chosen(finance, year=unit_b_sheet.year, sheet_ids=[unit_b_sheet.pk], title="外局")
    assert ReCheck.objects.count() == 1


def test_a_draw_is_limited_to_the_department_or_unit_chosen(finance):
    ids = approve(unit_a_sheets())
    unit = Sheet.objects.get(pk=ids[0]).project.unit
    assert candidates(finance, year=YEAR, unit=unit.pk).count() == 11
    assert candidates(finance, year=YEAR, department=unit.department_id + 1000).count() == 0
    with pytest.raises(ReCheckRefused):
        draw_random(finance, year=YEAR, size=1, department=unit.department_id + 1000, title="空")


def test_a_sheet_approved_through_both_tiers_can_be_drawn(filler, reviewer, finance):
    sheet = sheet_transition(sheet=sheet_of(PROJECT), user=filler, action="submit")
    sheet = sheet_transition(sheet=sheet, user=reviewer, action="approve")
    assert list(candidates(finance, year=YEAR)) == []  # 主管部门已审核 is not final
    sheet = sheet_transition(sheet=sheet, user=finance, action="approve")
    recheck = draw_random(finance, year=YEAR, size=1, seed=3, title="两级审核后")
    entry = recheck.sheets.get()
    assert entry.sheet_id == sheet.pk
    stored = SheetFigures.objects.get(sheet=sheet)
    assert (entry.self_total, entry.self_grade) == (stored.total, stored.grade)


def test_drawing_copies_the_self_scores_and_the_budget_row(finance):
    recheck = a_recheck(finance, count=11)
    for entry in recheck.sheets.select_related("sheet"):
        sheet, stored = entry.sheet, SheetFigures.objects.get(sheet=entry.sheet)
        assert (entry.self_total, entry.self_grade) == (stored.total, stored.grade)
        assert entry.recheck_total is None and entry.recheck_grade == ""
        budget = entry.rows.get(is_budget=True)
        assert (budget.weight, budget.self_score) == (stored.budget_weight, stored.budget_score)
        copied = list(
            entry.rows.filter(is_budget=False)
            .order_by("position")
            .values_list("indicator_id", "name", "weight", "self_score")
        )
        assert copied == list(
            sheet.indicators.order_by("position").values_list("pk", "name", "weight", "score")
        )
        # Nothing re-scored: the engine gives the sheet's own total back.
        result = scoring.evaluate(recheck_input(entry.rows.all()), rule_set_for(sheet).to_params())
        assert (result.total, str(result.grade)) == (stored.total, stored.grade)


def test_only_finance_draws_and_scores(reviewer, admin_user, filler, finance):
    recheck = a_recheck(finance, count=1)
    row = applicable_row(recheck.sheets.get())
    for user in (reviewer, admin_user, filler):
        with pytest.raises(PermissionDenied):
            draw_random(user, year=YEAR, size=1, title="x")
        with pytest.raises(PermissionDenied):
            draw_chosen(user, year=YEAR, sheet_ids=[recheck.sheets.get().sheet_id], title="x")
        with pytest.raises(PermissionDenied):
            score_row(user, row, Decimal("1"), "")
    with pytest.raises(PermissionDenied):
        score_row(other_bureau_finance(), row, Decimal("1"), "")
    assert ReCheckRow.objects.get(pk=row.pk).recheck_score is None


# -- scoring -------------------------------------------------------------------------------------


def test_a_row_cut_by_two_points_lowers_the_total_by_two_and_never_touches_the_sheet(finance):
    recheck = a_recheck(finance, count=3)
    for entry in recheck.sheets.select_related("sheet"):
        result = entry.sheet.evaluate()
        assert not result.rescaled  # the seed sheets have no 不适用 row
        before = sheet_state(entry.sheet)
        row = applicable_row(entry)
        score_row(finance, row, row.self_score - 2, "佐证不足，扣 2 分")
        entry.refresh_from_db()
        assert entry.recheck_total == entry.self_total - 2
        assert entry.recheck_grade == str(
            scoring.grade_for(entry.recheck_total, scoring.RuleParams())
        )
        row.refresh_from_db()
        assert row.checked_by == finance and row.checked_at is not None
        assert row.note == "佐证不足，扣 2 分"
        assert sheet_state(entry.sheet) == before


def test_the_recheck_total_is_the_engines_with_the_scores_substituted(finance):
    """A 不适用 row: the total is rescaled, by the engine, exactly as the sheet's would be."""
    sheet = sheet_of(PROJECT)
    rows = list(sheet.indicators.order_by("position"))
    Indicator.objects.filter(pk=rows[-1].pk).update(applicable=False)
    figures.store(sheet.pk)
    approve(Sheet.objects.filter(pk=sheet.pk))
    recheck = draw_chosen(finance, year=YEAR, sheet_ids=[sheet.pk], title="折算")
    entry = recheck.sheets.get()
    sheet = sheet_of(PROJECT)
    assert sheet.evaluate().rescaled
    assert entry.self_total == SheetFigures.objects.get(sheet=sheet).total
    assert not entry.rows.get(indicator_id=rows[-1].pk).applicable
    target = applicable_row(entry)
    score_row(finance, target, target.self_score - Decimal("3.5"), "")
    budget = entry.rows.get(is_budget=True)
    score_row(finance, budget, budget.self_score - 1, "执行数不实")
    # The same engine over the sheet itself, the two scores substituted.
    sheet_input = sheet.to_input()
    cut = tuple(
        dataclasses.replace(item, score=item.score - Decimal("3.5"))
        if row.pk == target.indicator_id
        else item
        for row, item in zip(sheet.indicators.all(), sheet_input.indicators, strict=True)
    )
    params = rule_set_for(sheet).to_params()
    funds = scoring.compute_funds(sheet_input, params)
    expected = scoring.evaluate(dataclasses.replace(sheet_input, indicators=cut), params)
    plain = expected.raw_score - 1  # the budget score is one point lower
    applicable = expected.applicable_weight
    assert funds.score == budget.self_score
    entry.refresh_from_db()
    assert entry.recheck_total == params.round(plain * 100 / applicable)
    assert entry.recheck_total != entry.self_total
    with pytest.raises(ReCheckRefused):
        score_row(finance, entry.rows.get(indicator_id=rows[-1].pk), Decimal("1"), "")


def test_a_score_outside_zero_to_weight_is_refused(finance):
    recheck = a_recheck(finance, count=1)
    row = applicable_row(recheck.sheets.get())
    for bad in (row.weight + Decimal("0.01"), Decimal("-0.01"), "abc", "1.234", "NaN"):
        with pytest.raises(ReCheckRefused):
            score_row(finance, row, bad, "")
    score_row(finance, row, row.weight, "")
    score_row(finance, row, "0", "")
    assert ReCheckRow.objects.get(pk=row.pk).recheck_score == 0
    # Cleared: the row is no longer re-scored, and without any the sheet has no re-check total.
    score_row(finance, row, None, "")
    entry = ReCheckSheet.objects.get(pk=row.recheck_sheet_id)
    assert entry.recheck_total is None and entry.recheck_grade == ""


# -- the deviation report ------------------------------------------------------------------------


def test_the_deviation_report_equals_a_recomputation_from_the_rows(finance):
    # Department B's sheet joins the bureau, so the report has two departments and two units.
    Department.objects.filter(name=DEPARTMENT_B).update(bureau=finance.profile.bureau)
    approve(Sheet.objects.filter(project__unit__name=UNIT_B))
    unit_b_sheet = Sheet.objects.get(project__unit__name=UNIT_B)
    ids = approve(unit_a_sheets())
    recheck = draw_chosen(finance, year=YEAR, sheet_ids=[*ids[:4], unit_b_sheet.pk], title="偏差")
    entries = list(recheck.sheets.order_by("position"))
    # Sheet 1: two rows cut (2 and 0.5); sheet 2: one row cut by 1; sheet 3: untouched;
    # sheet 4: a row re-scored to its own score; unit B's sheet: a row cut by 1.
    cuts = {0: [Decimal("2"), Decimal("0.5")], 1: [Decimal("1")], 3: [Decimal("0")]}
    for index, amounts in cuts.items():
        rows = entries[index].rows.filter(is_budget=False, self_score__gte=3).order_by("position")
        for row, amount in zip(rows, amounts, strict=False):
            score_row(finance, row, row.self_score - amount, "")
    row = applicable_row(entries[4], at_least=Decimal("1"))
    score_row(finance, row, row.self_score - 1, "")

    lines = list(sample(recheck))
    for line in lines:
        line.refresh_from_db()
        rows = list(line.rows.all())
        rescored = [r for r in rows if r.recheck_score is not None]
        assert line.rows_rescored == len(rescored)
        assert line.rows_changed == len([r for r in rescored if r.recheck_score != r.self_score])
        expected = line.recheck_total - line.self_total if line.recheck_total is not None else None
        assert line.deviation == expected
    assert [line.deviation for line in lines] == [
        Decimal("-2.50"),
        Decimal("-1.00"),
        None,
        Decimal("0.00"),
        Decimal("-1.00"),
    ]
    assert [line.rows_changed for line in lines] == [2, 1, 0, 0, 1]

    keys = {
        "unit": lambda entry: entry.sheet.project.unit_id,
        "department": lambda entry: entry.sheet.project.unit.department_id,
    }
    for by, key in keys.items():
        report = {line["id"]: line for line in summary(recheck, by)}
        assert len(report) == 2
        groups: dict = {}
        members = ReCheckSheet.objects.filter(recheck=recheck).select_related(
            "sheet__project__unit"
        )
        for entry in members:
            groups.setdefault(key(entry), []).append(entry)
        assert set(report) == set(groups)
        for group, members in groups.items():
            rows = [r for m in members for r in m.rows.all() if r.recheck_score is not None]
            deviations = [
                m.recheck_total - m.self_total for m in members if m.recheck_total is not None
            ]
            line = report[group]
            assert line["sheets"] == len(members)
            assert line["checked"] == len(deviations)
            assert line["rows_rescored"] == len(rows)
            assert line["rows_changed"] == len([r for r in rows if r.recheck_score != r.self_score])
            assert line["deviation"] == (sum(deviations) if deviations else None)
            expected_mean = (
                (sum(abs(d) for d in deviations) / len(deviations)).quantize(Decimal("0.01"))
                if deviations
                else None
            )
            assert line["mean_absolute"] == expected_mean
    whole = overall(summary(recheck, "department"))
    assert whole["sheets"] == len(entries)
    assert (
        whole["rows_rescored"]
        == ReCheckRow.objects.filter(
            recheck_sheet__recheck=recheck, recheck_score__isnull=False
        ).count()
    )


# -- the pages -----------------------------------------------------------------------------------


@pytest.fixture
def world(filler, reviewer, finance, admin_user):
    recheck = a_recheck(finance, count=2)
    entry = recheck.sheets.order_by("position").first()
    return {
        "recheck": recheck,
        "entry": entry,
        "row": applicable_row(entry),
        "finance_other": other_bureau_finance(),
        "users": {"filler": filler, "reviewer": reviewer, "finance": finance, "admin": admin_user},
    }


def _urls(world):
    recheck, entry = world["recheck"], world["entry"]
    return {
        "list": reverse("projects:recheck-list"),
        "detail": reverse("projects:recheck-detail", args=[recheck.pk]),
        "sheet": reverse("projects:recheck-sheet", args=[recheck.pk, entry.sheet_id]),
        "export": reverse("projects:recheck-export", args=[recheck.pk]),
    }


# (persona, page) -> status of a GET; a 302 for the anonymous is the login page.
GETS = {
    "anonymous": {"list": 302, "detail": 302, "sheet": 302, "export": 302},
    "filler": {"list": 403, "detail": 403, "sheet": 403, "export": 403},
    "reviewer": {"list": 403, "detail": 403, "sheet": 403, "export": 403},
    "finance": {"list": 200, "detail": 200, "sheet": 200, "export": 200},
    "finance_other": {"list": 200, "detail": 404, "sheet": 404, "export": 404},
    "admin": {"list": 200, "detail": 200, "sheet": 200, "export": 200},
}
# POSTs: a draw on the list, a score on the sheet page.
POSTS = {
    "anonymous": {"list": 302, "sheet": 302},
    "filler": {"list": 403, "sheet": 403},
    "reviewer": {"list": 403, "sheet": 403},
    "finance": {"list": 302, "sheet": 302},
    # Another bureau's 财政 draws from its own bureau's sheets (unit B's), never department A's.
    "finance_other": {"list": 302, "sheet": 404},
    "admin": {"list": 403, "sheet": 403},
}


def _client(world, who):
    if who == "anonymous":
        from django.test import Client

        return Client()
    user = world["finance_other"] if who == "finance_other" else world["users"][who]
    return logged_in(user)


@pytest.mark.parametrize("who", list(GETS))
def test_who_sees_each_page(world, who):
    client, urls = _client(world, who), _urls(world)
    for page, status in GETS[who].items():
        response = client.get(urls[page])
        assert response.status_code == status, (who, page)
        if status == 302:
            assert "/accounts/login/" in response["Location"]
    if who in ("finance", "admin"):
        listing = client.get(urls["list"]).content.decode()
        assert world["recheck"].title in listing
        assert ('id="draw-random"' in listing) is (who == "finance")
    if who == "finance_other":
        assert world["recheck"].title not in client.get(urls["list"]).content.decode()


@pytest.mark.parametrize("who", list(POSTS))
def test_who_draws_and_scores(world, who):
    client, urls, row = _client(world, who), _urls(world), world["row"]
    rechecks = ReCheck.objects.count()
    draw = {"method": "random", "title": "页面抽取", "year": YEAR, "size": 1, "seed": 5}
    response = client.post(urls["list"], draw)
    assert response.status_code == POSTS[who]["list"], who
    drew = who in ("finance", "finance_other")
    assert ReCheck.objects.count() == rechecks + (1 if drew else 0)
    if drew:
        drawn = ReCheck.objects.get(title="页面抽取").sheets.get().sheet.project.unit.name
        assert drawn == (UNIT_A if who == "finance" else UNIT_B)
    score = {f"score-{row.pk}": str(row.self_score - 1), f"note-{row.pk}": "复核"}
    response = client.post(urls["sheet"], score)
    assert response.status_code == POSTS[who]["sheet"], who
    saved = ReCheckRow.objects.get(pk=row.pk).recheck_score
    assert saved == (row.self_score - 1 if who == "finance" else None)


def test_the_list_page_draws_at_random_and_chosen(world):
    client, urls = logged_in(world["users"]["finance"]), _urls(world)
    response = client.post(
        urls["list"], {"method": "random", "title": "随机", "year": YEAR, "size": 3, "seed": 9}
    )
    recheck = ReCheck.objects.get(title="随机")
    assert response["Location"] == reverse("projects:recheck-detail", args=[recheck.pk])
    assert recheck.seed == 9 and recheck.sheets.count() == 3
    ids = list(unit_a_sheets().order_by("pk").values_list("pk", flat=True))
    assert list(recheck.sheets.order_by("position").values_list("sheet_id", flat=True)) == (
        random.Random(9).sample(ids, 3)
    )
    response = client.post(
        urls["list"],
        {"method": "chosen", "title": "指定", "year": YEAR, "sheets": [ids[2], ids[5]]},
    )
    chosen = ReCheck.objects.get(title="指定")
    assert chosen.method == ReCheck.Method.CHOSEN
    assert list(chosen.sheets.order_by("position").values_list("sheet_id", flat=True)) == [
        ids[2],
        ids[5],
    ]
    page = client.get(urls["list"], {"year": YEAR}).content.decode()
    assert page.count('name="sheets"') == 11


def test_a_refused_draw_keeps_what_was_typed(world):
    client, urls = logged_in(world["users"]["finance"]), _urls(world)
    count = ReCheck.objects.count()
    response = client.post(
        urls["list"],
        {
            "method": "random",
            "title": "保留的名称",
            "year": YEAR,
            "size": 99,
            "seed": 12,
            "note": "说明文字",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "保留的名称" in page and "说明文字" in page and 'value="12"' in page
    assert "抽取数量须在 1 至 11 之间" in page
    ids = list(unit_a_sheets().order_by("pk").values_list("pk", flat=True))
    response = client.post(
        urls["list"],
        {"method": "chosen", "title": "指定的名称", "year": YEAR, "sheets": [ids[0]], "note": ""},
    )
    assert response.status_code == 302
    response = client.post(urls["list"], {"method": "chosen", "title": "没有选择", "year": YEAR})
    assert response.status_code == 400 and "没有选择" in response.content.decode()
    assert ReCheck.objects.count() == count + 1


def test_the_sheet_page_rerenders_everything_typed_on_error_and_saves_nothing(world):
    client, urls = logged_in(world["users"]["finance"]), _urls(world)
    entry = world["entry"]
    rows = list(entry.rows.filter(applicable=True).order_by("position"))
    good, bad = rows[1], rows[2]
    data = {f"score-{r.pk}": "" for r in rows}
    data.update({f"note-{r.pk}": "" for r in rows})
    data[f"score-{good.pk}"], data[f"note-{good.pk}"] = str(good.self_score - 1), "扣 1 分的意见"
    data[f"score-{bad.pk}"], data[f"note-{bad.pk}"] = str(bad.weight + 5), "超出分值的意见"
    response = client.post(urls["sheet"], data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'value="{good.self_score - 1}"' in page and "扣 1 分的意见" in page
    assert f'value="{bad.weight + 5}"' in page and "超出分值的意见" in page
    assert "复核得分须在 0 至" in page
    assert not ReCheckRow.objects.filter(recheck_sheet=entry, recheck_score__isnull=False).exists()

    data[f"score-{bad.pk}"] = str(bad.weight)
    audits = AuditRecord.objects.filter(action="recheck_score").count()
    response = client.post(urls["sheet"], data)
    assert response.status_code == 302
    assert AuditRecord.objects.filter(action="recheck_score").count() == audits + 2
    entry.refresh_from_db()
    assert entry.recheck_total == entry.self_total - 1 + (bad.weight - bad.self_score)
    detail = client.get(urls["detail"]).content.decode()
    assert str(entry.recheck_total) in detail
    # Posting the same again changes nothing and records nothing.
    client.post(urls["sheet"], data)
    assert AuditRecord.objects.filter(action="recheck_score").count() == audits + 2


def test_the_export_has_the_rows_and_no_formula(world):
    finance = world["users"]["finance"]
    row = world["row"]
    score_row(finance, row, row.self_score - 1, '=HYPERLINK("http://x","点击")')
    client = logged_in(world["users"]["admin"])
    response = client.get(_urls(world)["export"])
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["样本", "复核明细", "按主管部门汇总", "按实施单位汇总"]
    details = list(book["复核明细"].iter_rows(min_row=2, values_only=True))
    expected_rows = ReCheckRow.objects.filter(recheck_sheet__recheck=world["recheck"]).count()
    assert len(details) == expected_rows
    scored = [line for line in details if line[6] is not None]
    assert len(scored) == 1
    assert scored[0][3] == row.name and scored[0][5] == float(row.self_score)
    assert scored[0][6] == float(row.self_score - 1) and scored[0][8].startswith("=HYPERLINK")
    sample_rows = list(book["样本"].iter_rows(min_row=2, values_only=True))
    assert len(sample_rows) == 2
    for ws in book.worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    record = AuditRecord.objects.filter(action="recheck_export").get()
    assert record.object_id == str(world["recheck"].pk) and record.username == "admin"


def test_draw_score_and_export_are_audited(world):
    finance, recheck, row = world["users"]["finance"], world["recheck"], world["row"]
    draw = AuditRecord.objects.filter(action="recheck_draw").get()
    assert draw.object_type == "recheck" and draw.object_id == str(recheck.pk)
    assert draw.username == "finance"
    assert draw.params["method"] == "chosen"
    assert draw.params["sheets"] == list(
        recheck.sheets.order_by("position").values_list("sheet_id", flat=True)
    )
    score_row(finance, row, row.self_score - 1, "意见")
    score = AuditRecord.objects.filter(action="recheck_score").get()
    assert score.params["score"] == str(row.self_score - 1)
    assert score.params["self_score"] == str(row.self_score)
    assert score.params["row"] == row.position and score.params["previous"] is None
    logged_in(finance).get(_urls(world)["export"])
    assert AuditRecord.objects.filter(action="recheck_export", username="finance").count() == 1


def test_visible_rechecks(world):
    users, recheck = world["users"], world["recheck"]
    assert list(visible_rechecks(users["finance"])) == [recheck]
    assert list(visible_rechecks(users["admin"])) == [recheck]
    assert not visible_rechecks(world["finance_other"]).exists()
    assert not visible_rechecks(users["reviewer"]).exists()
    assert not visible_rechecks(users["filler"]).exists()
