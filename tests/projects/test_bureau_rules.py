"""Rule sets per finance bureau and year (docs/rules.md §5): which version scores a sheet,
versions per bureau, the national default as the fallback, the shipped regional rules, and
the back office where only the 管理员 edits rules and bureaus.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Bureau, RuleSet
from indicators.scoring import RuleParams
from projects import rule_sets
from projects.models import BudgetLine, Department, Sheet, Unit, rule_set_for
from projects.sheets.services import sheet_create
from tests.conftest import persona
from tests.helpers import logged_in
from tests.indicators.test_regional_rules import VARIANTS

pytestmark = pytest.mark.django_db

PUTUO, YONGDE = "上海市普陀区财政局", "永德县财政局"
SHIPPED = {
    "永德县财政局": ("云南省临沧市永德县", 2022),
    "上海市普陀区财政局": ("上海市普陀区", 2022),
    "廊坊市财政局": ("河北省廊坊市", 2019),
    "黄石市财政局": ("湖北省黄石市", 2022),
    "六安市财政局": ("安徽省六安市", 2021),
}


@pytest.fixture(autouse=True)
def shipped_rules(db):
    """The bureaus and rule sets the migration ships: a transactional test run before (the
    browser tests, the migration test) empties the database, migration data included, so they
    are put back the migration's way, as `ensure_catalogue` does for the catalogue."""
    from importlib import import_module

    from django.apps import apps

    from tests.conftest import ensure_catalogue

    if not Bureau.objects.filter(name=PUTUO).exists():
        ensure_catalogue()
        import_module("indicators.migrations.0008_regional_rule_sets").ship(apps, None)


def bureau(name: str) -> Bureau:
    return Bureau.objects.get(name=name)


def unit_under(bureau_name: str | None, name: str) -> Unit:
    """A unit whose department belongs to the bureau (None: to no bureau)."""
    department = Department.objects.create(
        name=f"{name}主管部门", bureau=bureau(bureau_name) if bureau_name else None
    )
    return Unit.objects.create(department=department, name=name)


def draft(unit: Unit, year: int, name: str = "结算费用") -> Sheet:
    """A new draft the way the editor creates it, with the Putuo settlement's funds."""
    sheet = sheet_create(unit=unit, project_name=name, year=year, user=None)
    amounts = {"initial": Decimal("25"), "annual": Decimal("25"), "executed": Decimal("21.54576")}
    BudgetLine.objects.filter(sheet=sheet, kind__in=["total", "appropriation"]).update(**amounts)
    return Sheet.objects.get(pk=sheet.pk)


def submitted(sheet: Sheet) -> Sheet:
    Sheet.objects.filter(pk=sheet.pk).update(status="submitted")
    return Sheet.objects.get(pk=sheet.pk)


def national(year: int) -> RuleSet:
    return RuleSet.ensure(year)


# -- the shipped rules ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_real_sheets_bureau_ships_the_rules_its_sheet_shows(name):
    region, year = SHIPPED[name]
    found = RuleSet.for_year(year, bureau(name))

    assert bureau(name).region == region
    assert (found.bureau.name, found.year, found.version) == (name, year, 1)
    assert found.to_params() == VARIANTS[name]
    assert "http" in found.source


def test_the_national_default_reproduces_the_seed_and_names_its_source(seed_sheets):
    default = rule_set_for(seed_sheets.first())

    assert default.bureau is None
    assert default.to_params() == RuleParams()
    assert "财预〔2020〕10号" in national(2031).source


# -- which version scores a sheet ----------------------------------------------------------


def test_for_year_takes_the_bureaus_newest_version_else_the_national_defaults():
    default_2022, default_2021 = national(2022), national(2021)

    assert RuleSet.for_year(2022, bureau(PUTUO)).bureau == bureau(PUTUO)
    assert RuleSet.for_year(2022) == default_2022  # the bureaus' rules are not the default
    assert RuleSet.for_year(2030, bureau(PUTUO)).pk is None  # nothing for the year at all
    assert RuleSet.ensure(2030, bureau(PUTUO)).bureau is None  # the default is created
    assert RuleSet.for_year(2021, bureau(PUTUO)) == default_2021
    assert RuleSet.for_year(2021, bureau("六安市财政局")).bureau == bureau("六安市财政局")


def test_a_new_sheet_records_its_bureaus_version_and_is_scored_by_it():
    putuo = draft(unit_under(PUTUO, "普陀区体育事业管理中心"), 2022)
    elsewhere = draft(unit_under(None, "某市体育中心"), 2022)

    assert putuo.rule_set == RuleSet.for_year(2022, bureau(PUTUO))
    assert elsewhere.rule_set == national(2022)
    # 21.54576 ÷ 25 = 86.18304 %: Putuo rounds 8.618 up to 8.62, the default truncates to 8.61.
    assert putuo.evaluate().funds.score == Decimal("8.62")
    assert elsewhere.evaluate().funds.score == Decimal("8.61")


def test_a_sheet_recording_no_version_is_scored_by_its_departments_bureau(
    django_assert_num_queries,
):
    putuo = draft(unit_under(PUTUO, "普陀区体育事业管理中心"), 2022)
    yongde = draft(unit_under(YONGDE, "永德县明朗中学"), 2022)
    plain = draft(unit_under(None, "某市体育中心"), 2022)
    Sheet.objects.filter(pk__in=[putuo.pk, yongde.pk, plain.pk]).update(rule_set=None)
    sheets = list(Sheet.objects.select_related("project__unit__department").order_by("pk"))
    by_pk = {sheet.pk: sheet for sheet in sheets}

    cache: dict = {}
    owners = {
        pk: rule_set_for(by_pk[pk], cache=cache).bureau_id for pk in (putuo.pk, yongde.pk, plain.pk)
    }
    assert owners == {
        putuo.pk: bureau(PUTUO).pk,
        yongde.pk: bureau(YONGDE).pk,
        plain.pk: None,
    }
    # The cache is keyed by bureau: the same year of two bureaus is two rule sets, each read once.
    putuo_id = bureau(PUTUO).pk
    with django_assert_num_queries(0):
        assert rule_set_for(by_pk[putuo.pk], cache=cache).bureau_id == putuo_id
        assert rule_set_for(by_pk[plain.pk], cache=cache).bureau_id is None


def test_the_national_default_scores_a_bureau_without_rules_for_the_year(seed_sheets):
    # Putuo ships rules for 2022 only; its 2023 sheets follow the year's national default.
    sheet = draft(unit_under(PUTUO, "普陀区体育事业管理中心"), 2023)

    assert sheet.rule_set == rule_set_for(seed_sheets.first())
    assert sheet.rule_set.bureau is None


# -- versions per bureau ---------------------------------------------------------------------


def test_versions_are_per_bureau_and_a_change_moves_only_that_bureaus_drafts():
    putuo_rules = RuleSet.for_year(2022, bureau(PUTUO))
    frozen = submitted(draft(unit_under(PUTUO, "普陀区体育事业管理中心"), 2022, "甲"))
    putuo_draft = draft(frozen.project.unit, 2022, "乙")
    yongde_draft = draft(unit_under(YONGDE, "永德县明朗中学"), 2022)
    plain_draft = draft(unit_under(None, "某市体育中心"), 2022)
    default_rules = plain_draft.rule_set

    putuo_rules.rounding = RuleSet.Rounding.DOWN
    saved = rule_sets.save_rule_set(putuo_rules)

    assert saved.new_version and saved.rule_set.version == 2
    assert saved.rule_set.bureau == bureau(PUTUO)
    assert saved.moved == 1
    assert Sheet.objects.get(pk=putuo_draft.pk).rule_set == saved.rule_set
    assert Sheet.objects.get(pk=frozen.pk).rule_set_id == frozen.rule_set_id  # kept
    assert Sheet.objects.get(pk=yongde_draft.pk).rule_set == RuleSet.for_year(2022, bureau(YONGDE))
    assert Sheet.objects.get(pk=plain_draft.pk).rule_set == default_rules
    assert default_rules.version == 1  # the national default's versions are its own
    assert RuleSet.for_year(2022, bureau(YONGDE)).version == 1


def test_the_national_default_moves_drafts_of_departments_its_rules_govern():
    langfang = draft(unit_under("廊坊市财政局", "廊坊市食品工程学校"), 2022)  # no 2022 rules
    putuo = draft(unit_under(PUTUO, "普陀区体育事业管理中心"), 2022)
    plain = draft(unit_under(None, "某市体育中心"), 2022)
    default_rules = plain.rule_set
    assert langfang.rule_set == default_rules

    saved = rule_sets.save_rule_set(RuleSet(year=2022, scheme=default_rules.scheme, title="新"))

    assert (saved.rule_set.bureau, saved.rule_set.version) == (None, 2)
    assert {s.pk for s in Sheet.objects.filter(rule_set=saved.rule_set)} == {langfang.pk, plain.pk}
    assert Sheet.objects.get(pk=putuo.pk).rule_set.bureau == bureau(PUTUO)


def test_a_bureaus_first_rules_for_a_year_take_over_its_drafts():
    langfang = draft(unit_under("廊坊市财政局", "廊坊市食品工程学校"), 2022)
    assert langfang.rule_set.bureau is None

    saved = rule_sets.save_rule_set(
        RuleSet(bureau=bureau("廊坊市财政局"), year=2022, scheme=langfang.rule_set.scheme)
    )

    assert (saved.rule_set.version, saved.moved) == (1, 1)
    assert Sheet.objects.get(pk=langfang.pk).rule_set == saved.rule_set


# -- the back office -------------------------------------------------------------------------


def add_form_data(client, **values) -> dict:
    page = client.get("/admin/indicators/ruleset/add/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: "" if (v := form.initial.get(name, f.initial)) is None else str(getattr(v, "pk", v))
        for name, f in form.fields.items()
    }
    data.update({k: str(v) for k, v in values.items()})
    return data


def test_the_administrator_adds_versions_per_bureau(admin_user, client_for):
    client = client_for(admin_user)
    scheme = RuleSet.for_year(2022, bureau(PUTUO)).scheme_id
    putuo_draft = draft(unit_under(PUTUO, "普陀区体育事业管理中心"), 2022)

    for owner, title in ((bureau(PUTUO).pk, "普陀新版"), ("", "全国新版")):
        data = add_form_data(
            client, bureau=owner, year=2022, scheme=scheme, title=title, decimal_places=0
        )
        assert client.post("/admin/indicators/ruleset/add/", data).status_code == 302

    putuo = RuleSet.for_year(2022, bureau(PUTUO))
    assert (putuo.version, putuo.title, putuo.decimal_places) == (2, "普陀新版", 0)
    default = RuleSet.for_year(2022)
    assert (default.bureau, default.version, default.title) == (None, 1, "全国新版")
    assert Sheet.objects.get(pk=putuo_draft.pk).rule_set == putuo
    listing = client.get("/admin/indicators/ruleset/", {"bureau__id__exact": bureau(PUTUO).pk})
    assert PUTUO in listing.content.decode()
    assert listing.context["cl"].result_count == 2


def test_the_rule_sets_bureau_and_year_are_fixed_once_saved(admin_user, client_for):
    putuo = RuleSet.for_year(2022, bureau(PUTUO))
    page = client_for(admin_user).get(f"/admin/indicators/ruleset/{putuo.pk}/change/")

    form = page.context["adminform"].form
    assert "bureau" not in form.fields and "year" not in form.fields
    assert PUTUO in page.content.decode()


def test_the_bureau_page_lists_its_departments(admin_user, client_for):
    unit = unit_under(PUTUO, "普陀区体育事业管理中心")
    client = client_for(admin_user)

    page = client.get(f"/admin/indicators/bureau/{bureau(PUTUO).pk}/change/")

    assert page.status_code == 200
    assert unit.department.name in page.content.decode()
    listing = client.get("/admin/indicators/bureau/").content.decode()
    assert all(name in listing for name in SHIPPED)


@pytest.mark.parametrize("who", ["filler", "reviewer", "staff", None])
def test_only_the_administrator_edits_rule_sets_and_bureaus(who, request, client_for, seed):
    if who == "staff":
        user = persona("staff_without_rights")
        user.is_staff = True
        user.save()
        client = logged_in(user)
    else:
        client = client_for(request.getfixturevalue(who) if who else None)
    putuo = bureau(PUTUO)
    for url in (
        "/admin/indicators/bureau/",
        "/admin/indicators/bureau/add/",
        f"/admin/indicators/bureau/{putuo.pk}/change/",
        "/admin/indicators/ruleset/add/",
    ):
        response = client.get(url)
        if who == "staff":
            assert response.status_code == 403
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.post("/admin/indicators/bureau/add/", {"name": "某区财政局", "region": "某区"})
    client.post(f"/admin/indicators/bureau/{putuo.pk}/change/", {"name": "改名", "region": ""})
    assert not Bureau.objects.filter(name="某区财政局").exists()
    assert bureau(PUTUO).region == "上海市普陀区"


def test_the_administrator_adds_a_bureau(admin_user, client_for):
    client = client_for(admin_user)
    data = {
        "name": "某区财政局",
        "region": "某省某区",
        "departments-TOTAL_FORMS": "0",
        "departments-INITIAL_FORMS": "0",
        "departments-MIN_NUM_FORMS": "0",
        "departments-MAX_NUM_FORMS": "1000",
    }

    assert client.post("/admin/indicators/bureau/add/", data).status_code == 302
    assert Bureau.objects.get(name="某区财政局").region == "某省某区"
