"""Shared fixtures: the seed sheets, imported once per test database, and the personas.

- The 12 demo sheets (the 11 Shanghai seed sheets of 上海市人才服务中心 and one of
  示范区公共服务中心) are imported once, when the test database is set up; each test runs in a
  transaction that is rolled back, so every test sees them unchanged. `seed` hands them to a
  test (and imports them again if a browser test emptied the database before it).
- The personas are built explicitly, each a user with its role: `filler` (unit A,
  上海市人才服务中心), `filler_other` (unit B, under another department), `reviewer`
  (department of A), `admin_user` (管理员), and the anonymous client.
- `empty_db` is for the tests of importing, which start from nothing.
- `client_for(persona)` is a client past both factors (password and TOTP); through the real
  pages, `tests.helpers.login_with_password`. Never `client.login()`: the lock-out's
  backend (django-axes) needs the request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "projects" / "seed" / "shanghai-2023.txt"

UNIT_A, DEPARTMENT_A = "上海市人才服务中心", "上海市人力资源和社会保障局"
UNIT_B, DEPARTMENT_B = "示范区公共服务中心", "示范区财政局"
# The personas' password meets the password policy (projects/accounts/validators.py).
PERSONA_PASSWORD = "Perfeval-Demo-2026"


def ensure_catalogue() -> None:
    """The indicator catalogue, which a migration seeds: a transactional test's flush empties
    every table, the migration's data included, so it is put back the migration's way."""
    from importlib import import_module

    from django.apps import apps

    from indicators.models import CatalogueScheme

    if not CatalogueScheme.objects.exists():
        import_module("indicators.migrations.0002_seed_catalogue").seed(apps, None)


def import_seed() -> None:
    from projects.management.commands.load_demo import load_seed_sheets

    ensure_catalogue()
    for _outcome in load_seed_sheets():
        pass


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The seed sheets, imported once into each test database (one per xdist worker)."""
    with django_db_blocker.unblock():
        import_seed()


@pytest.fixture
def seed(db):
    """The demo sheets. A transactional test empties the database when it ends; the sheets
    are then imported again, inside this test's transaction."""
    from projects.models import Sheet

    if not Sheet.objects.filter(project__unit__name=UNIT_A).exists():
        import_seed()
    return Sheet.objects.all()


@pytest.fixture
def seed_sheets(seed):
    """The 11 Shanghai seed sheets."""
    return seed.filter(project__unit__name=UNIT_A)


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def empty_db(db):
    """A database without sheets, units or departments (the catalogue stays), for tests that
    import from nothing. Rolled back with the test like everything else."""
    from django.apps import apps

    # Children before parents; history tables hold no foreign keys.
    for name in (
        "projects.Evidence",
        "projects.Comment",
        "projects.SheetTransition",
        "projects.Indicator",
        "projects.BudgetLine",
        "projects.ExportJob",
        "projects.SheetFinding",
        "projects.SheetFigures",
        "projects.UnitYearFinding",
        "projects.UnitYearFigures",
        "projects.Sheet",
        "projects.Project",
        "projects.Profile",
        "projects.Unit",
        "projects.Department",
        "indicators.RuleSet",
    ):
        model = apps.get_model(name)
        model.objects.all()._raw_delete(model.objects.db)
        history = getattr(model, "history", None)
        if history is not None:
            history.model.objects.all()._raw_delete(model.objects.db)


def persona(
    username: str, *, unit=None, department=None, bureau=None, superuser=False, full_name=""
):
    """A user with one role: 填报人 of `unit`, 审核人 of `department`, 财政 of `bureau`, or
    管理员."""
    from django.contrib.auth import get_user_model

    from projects.models import Profile

    user = get_user_model().objects.create_user(
        username, password=PERSONA_PASSWORD, first_name=full_name or username
    )
    if superuser:
        user.is_staff = user.is_superuser = True
        user.save()
    if unit is not None or department is not None or bureau is not None:
        Profile.objects.create(user=user, unit=unit, department=department, bureau=bureau)
    return user


def _unit(name: str, department: str):
    from projects.models import Department, Unit

    dept, _created = Department.objects.get_or_create(name=department)
    return Unit.objects.get_or_create(department=dept, name=name)[0]


@pytest.fixture
def filler(seed):
    return persona("filler", unit=_unit(UNIT_A, DEPARTMENT_A), full_name="人才服务中心填报人")


@pytest.fixture
def filler_other(seed):
    return persona("filler_other", unit=_unit(UNIT_B, DEPARTMENT_B), full_name="示范区填报人")


@pytest.fixture
def reviewer(seed):
    from projects.models import Department

    department = Department.objects.get_or_create(name=DEPARTMENT_A)[0]
    return persona("reviewer", department=department, full_name="人社局审核人")


@pytest.fixture
def admin_user(seed):
    return persona("admin", superuser=True, full_name="系统管理员")


FINANCE_BUREAU = "上海市财政局"


def bureau_of(department_name: str = DEPARTMENT_A, *, tiers: int = 2, year: int = 2023):
    """Put the department under a finance bureau whose rules for `year` review in `tiers`
    tiers: the national default's figures, a version of the bureau's own (its drafts and
    returned sheets move to it, as `save_rule_set` moves them). Returns the bureau."""
    from indicators.models import Bureau, RuleSet
    from projects.models import Department
    from projects.rule_sets import save_rule_set

    bureau = Bureau.objects.get_or_create(name=FINANCE_BUREAU)[0]
    Department.objects.filter(name=department_name).update(bureau=bureau)
    rules = RuleSet.ensure(year)
    rules.pk = None
    rules._state.adding = True
    rules.bureau, rules.review_tiers = bureau, tiers
    save_rule_set(rules)
    return bureau


@pytest.fixture
def finance(seed):
    """财政 of the bureau over department A, whose 2023 is reviewed in two tiers."""
    return persona("finance", bureau=bureau_of(), full_name="市财政局绩效处")


@pytest.fixture
def client_for(client):
    """A test client logged in as a persona, password and second factor (the session is
    verified the way django_otp.login marks it); None stays anonymous. The same client
    object is reused, logged out first."""
    from tests.helpers import logged_in

    def _client(user):
        client.logout()
        if user is not None:
            logged_in(user, client)
        return client

    return _client


@pytest.fixture(autouse=True)
def interface_language():
    """Each test starts and ends in the default language: a request a test makes in English
    (the language cookie) leaves its thread's language English, as Django leaves it, and code
    run outside a request afterwards would speak English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings):
    """Background tasks run at once in tests; test_exports also runs the database queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
