"""make bench (part 3): the pages at 100 and at 10,000 sheets, on PostgreSQL.

A realistic year is generated in its own database (perfeval_scale_bench, created and dropped):
3 finance bureaus, each with its own rule set for the year; 20 departments under them; 300
units; a 填报人 per unit, a 审核人 per department and an administrator, each with a confirmed
TOTP device; one project and one sheet per project, in every state (草稿, 已提交, 已退回,
已审核) with the transitions of those past 草稿 (the submission's content snapshot, the
reviewer's return or approval, a comment on each returned sheet), four budget lines each
(stored in 万元 with 6 places; one sheet in ten printed in 元) and the indicator rows of a seed
sheet (projects/seed, imported once with `load_demo`'s `load_seed_sheets`, then rolled back),
varied: scores lowered with or without a reason, reasons emptied, other amounts and execution
rates, so the findings are like the seed's. Then the stored figures and findings
(`projects.figures.store_many`), and ANALYZE.

The same database is measured at 100 sheets, then grown to BENCH_SCALE_SHEETS (10,000) and
measured again. Each page is requested in-process with Django's test Client (the whole
middleware stack, DEBUG off, sessions that passed both factors made without the login pages):
one warm-up, then the best of several runs (15 for a page under 0.1 s, fewer for one that
takes seconds; the median is printed too), and the number of queries of one request. A
workbook holds every sheet of its scope, so its ratio compares the time per sheet in it. Printed: the table, each ratio, and a "GOAL MISSED" line for
every ratio above 1.5 (the exit status stays 0: the lead decides).

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432),
BENCH_SCALE_SHEETS (10000), BENCH_SCALE=0 to skip, BENCH_SCALE_KEEP=1 to keep the database.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = "perfeval_scale_bench"
SHEETS = int(os.environ.get("BENCH_SCALE_SHEETS", "10000"))
SMALL = min(100, SHEETS)
KEEP = os.environ.get("BENCH_SCALE_KEEP", "0") == "1"
GOAL = Decimal("1.5")
YEAR = 2023  # the seed's year: its rows and goals speak of 2023
BUREAUS = ("基准市财政局", "基准县财政局", "基准区财政局")
DEPARTMENT_KINDS = (
    "教育局", "卫生健康委员会", "人力资源和社会保障局", "民政局", "交通运输局",
    "农业农村局", "文化和旅游局", "生态环境局", "住房和城乡建设局", "科学技术局",
    "水务局", "商务局", "公安局", "司法局", "体育局",
    "应急管理局", "市场监督管理局", "退役军人事务局", "医疗保障局", "统计局",
)  # fmt: skip
UNITS = 300
CHUNK = 1000  # sheets generated per round
STORE_CHUNK = 500  # sheets per store_many call
# The states of a year, as a province's sheets stand in spring: most approved.
STATES = (("draft", 25), ("submitted", 20), ("returned", 10), ("approved", 45))
# The first 100: the first department in its review season, half its sheets waiting, so that
# its reviewer's and the administrator's inboxes show a full page at 100 as at 10,000.
SMALL_STATES = (("draft", 20), ("submitted", 50), ("returned", 10), ("approved", 20))
DEPARTMENTS = 20  # unit u belongs to department u % 20
FIRST_UNIT_SHEETS = -(-SHEETS // UNITS)  # the first unit's share of the year: 34 of 10,000
REASON = "受客观因素影响，部分工作推迟完成，下年度将加强进度管理。"
RETURN_COMMENT = "请补充偏差原因分析，并核对全年执行数。"
BEGAN = time.monotonic()


def say(text: str = "") -> None:
    print(text, flush=True)


def elapsed() -> str:
    return f"{time.monotonic() - BEGAN:.0f} s"


# -- the database -----------------------------------------------------------------------------


def postgres(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{ADMIN_URL}/{dbname}", autocommit=True, connect_timeout=5)


def create_database() -> None:
    with postgres() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    try:
        with postgres() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    except Exception as error:  # noqa: BLE001 - report and go on: the figures are printed
        say(f"  (could not drop {DB_NAME}: {error})")


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{ADMIN_URL}/{DB_NAME}",
        "DJANGO_SETTINGS_MODULE": "perfeval.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HTTPS": "false",
        # One connection kept for the whole run: the pages are timed, not connecting.
        "DJANGO_CONN_MAX_AGE": "600",
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def prepare(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--noinput"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"manage.py migrate failed:\n{done.stdout}{done.stderr[-3000:]}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def analyze() -> None:
    """The sheet list's sort keys of the bulk-created sheets (bulk_create skips Sheet.save,
    which sets them; one UPDATE here does what the migration and the renames do), then
    VACUUM ANALYZE: the tables as autovacuum keeps them on a server (statistics, and the
    visibility map that lets a count be read from an index), not as a bulk load leaves them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_sheet s SET list_key = left(d.name || chr(31) || u.name || chr(31)"
            " || p.name, 420) FROM projects_project p JOIN projects_unit u ON p.unit_id = u.id"
            " JOIN projects_department d ON u.department_id = d.id"
            " WHERE s.project_id = p.id AND s.list_key = ''"
        )
        cursor.execute("VACUUM ANALYZE")


# -- the seed sheets, as templates ------------------------------------------------------------


@dataclass
class Template:
    project: str
    budget_weight: Decimal | None
    goal_expected: str
    goal_achieved: str
    lines: list[dict]
    rows: list[dict]
    clean: bool  # the seed sheet has no error: a submitted or approved sheet may copy it


def seed_templates() -> list[Template]:
    """The seed sheets' contents as plain values: imported once with `load_demo`'s
    `load_seed_sheets`, read, and rolled back (the catalogue they point at stays)."""
    from django.db import transaction

    from projects.management.commands.load_demo import load_seed_sheets
    from projects.models import BudgetLine, Indicator, Sheet

    skip_row = {"id", "sheet_id"}
    row_fields = [f.attname for f in Indicator._meta.concrete_fields if f.attname not in skip_row]
    line_fields = ["kind", "position", "initial", "annual", "executed"]
    templates = []
    with transaction.atomic():
        for outcome in load_seed_sheets():
            sheet = outcome.sheet
            rows = [
                {f: getattr(row, f) for f in row_fields}
                for row in Indicator.objects.filter(sheet=sheet).order_by("position")
            ]
            lines = [
                {f: getattr(line, f) for f in line_fields}
                for line in BudgetLine.objects.filter(sheet=sheet).order_by("position")
            ]
            if len(lines) == 4 and 10 <= len(rows) <= 40:
                errors = Sheet.objects.get(pk=sheet.pk).evaluate().errors
                templates.append(
                    Template(
                        sheet.project.name,
                        sheet.budget_weight,
                        sheet.goal_expected,
                        sheet.goal_achieved,
                        lines,
                        rows,
                        not errors,
                    )
                )
        transaction.set_rollback(True)
    if not any(t.clean for t in templates):
        raise SystemExit("no seed sheet without errors, with 4 budget lines and 10–40 rows")
    return templates


# -- the world: bureaus, rule sets, departments, units, users ---------------------------------


@dataclass
class World:
    units: list  # Unit, index u; its department is departments[u % 20]
    departments: list
    rule_sets: dict  # bureau id -> RuleSet
    fillers: dict  # unit id -> User
    reviewers: dict  # department id -> User
    admin: object
    level2s: dict = field(default_factory=dict)  # id -> Level2


def make_world(templates: list[Template]) -> World:
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from indicators.models import Bureau, Level2, RuleSet
    from projects.models import Department, Profile, Unit

    scheme = RuleSet.ensure(YEAR).scheme
    bureaus = [Bureau.objects.create(name=name, region=name[:3]) for name in BUREAUS]
    roundings = (RuleSet.Rounding.DOWN, RuleSet.Rounding.HALF_UP, RuleSet.Rounding.DOWN)
    rule_sets = {
        b.pk: RuleSet.objects.create(
            bureau=b, year=YEAR, scheme=scheme, source="bench", rounding=rounding
        )
        for b, rounding in zip(bureaus, roundings, strict=True)
    }
    departments = Department.objects.bulk_create(
        Department(name=f"{bureaus[d % 3].region}{kind}", bureau=bureaus[d % 3])
        for d, kind in enumerate(DEPARTMENT_KINDS)
    )
    units = Unit.objects.bulk_create(
        Unit(
            department=departments[u % 20],
            name=f"{departments[u % 20].name}第{u // 20 + 1:02d}中心",
        )
        for u in range(UNITS)
    )
    User = get_user_model()
    people = [("bench_admin", "基准管理员", None, None)]
    people += [
        (f"bench_r{d:02d}", f"审核人{d:02d}", None, dep) for d, dep in enumerate(departments)
    ]
    people += [(f"bench_f{u:03d}", f"填报人{u:03d}", unit, None) for u, unit in enumerate(units)]
    users = User.objects.bulk_create(
        User(
            username=name,
            first_name=full,
            password="!",  # unusable: the bench never logs in through the pages
            is_staff=name == "bench_admin",
            is_superuser=name == "bench_admin",
        )
        for name, full, _u, _d in people
    )
    now = timezone.now()
    Profile.objects.bulk_create(
        Profile(user=user, unit=unit, department=dep, password_changed_at=now)
        for user, (_n, _f, unit, dep) in zip(users, people, strict=True)
    )
    TOTPDevice.objects.bulk_create(TOTPDevice(user=u, name="bench", confirmed=True) for u in users)
    level2_ids = {r["level2_id"] for t in templates for r in t.rows if r["level2_id"]}
    return World(
        units=units,
        departments=departments,
        rule_sets=rule_sets,
        fillers={unit.pk: user for unit, user in zip(units, users[21:], strict=True)},
        reviewers={dep.pk: user for dep, user in zip(departments, users[1:21], strict=True)},
        admin=users[0],
        level2s=Level2.objects.in_bulk(level2_ids),
    )


# -- sheets -----------------------------------------------------------------------------------


def pick_state(rng: random.Random, shares=STATES) -> str:
    roll = rng.randrange(100)
    for state, share in shares:
        if roll < share:
            return state
        roll -= share
    return shares[-1][0]


def unit_of(world: World, i: int):
    """The unit of the i-th sheet. The first SMALL sheets are the measured people's: the
    first unit's share of the whole year (its 填报人 sees as many sheets at 100 as at 10,000),
    the rest across the other units of the first department (its 审核人's list and summary
    pages are as full at 100 as at 10,000). The others spread over every other unit."""
    if i < SMALL:
        if i < FIRST_UNIT_SHEETS:
            return world.units[0]
        department = world.units[DEPARTMENTS::DEPARTMENTS]  # the first department's others
        return department[i % len(department)]
    return world.units[1 + i % (UNITS - 1)]


def budget(rng: random.Random, yuan: bool) -> list[dict]:
    """Four lines in 万元 (6 places), adding up; most executed at 90–100 %, some below."""
    places = Decimal("0.0001") if yuan else Decimal("0.01")  # whole 元, or 万元 to 2 places
    annual = Decimal(rng.randint(50_000, 50_000_000)) / 10_000
    parts = {
        "appropriation": annual * Decimal(rng.randint(60, 100)) / 100,
        "carryover": annual * Decimal(rng.randint(0, 20)) / 100,
    }
    parts = {k: v.quantize(places) for k, v in parts.items()}
    parts["other"] = max(annual.quantize(places) - sum(parts.values()), Decimal(0))
    rate = Decimal(rng.randint(900, 1000) if rng.random() < 0.85 else rng.randint(550, 899))
    lines = []
    for position, kind in enumerate(("appropriation", "carryover", "other"), 1):
        annual_k = parts[kind]
        lines.append(
            {
                "kind": kind,
                "position": position,
                "initial": (annual_k * Decimal(rng.randint(80, 100)) / 100).quantize(places),
                "annual": annual_k,
                "executed": (annual_k * rate / 1000).quantize(places),
            }
        )
    total = {"kind": "total", "position": 0}
    for column in ("initial", "annual", "executed"):
        total[column] = sum((line[column] for line in lines), Decimal(0))
    return [total, *lines]


def vary_rows(rows: list[dict], rng: random.Random, state: str) -> list[dict]:
    """The template's rows with a sheet's variations: a score lowered (with a reason, or in a
    draft or returned sheet sometimes without one), reasons left empty. A sheet past 草稿 was
    submitted, so its variations make warnings, never errors."""
    rows = [dict(row) for row in rows]
    editable = state in ("draft", "returned")
    if rng.random() < 0.2:
        for row in rows:
            if editable or row["score"] == row["weight"]:
                row["reason"] = ""
    if rng.random() < 0.35:
        scored = [
            r
            for r in rows
            if r["weight"]
            and r["score"]
            and r["score"] >= 2
            and (editable or r["actual_kind"] == "number")
        ]
        for row in rng.sample(scored, min(len(scored), rng.randint(1, 2))):
            row["score"] = row["score"] - Decimal(rng.randint(1, 2))
            row["reason"] = "" if editable and rng.random() < 0.5 else REASON
    return rows


@dataclass
class Batch:
    projects: list = field(default_factory=list)
    sheets: list = field(default_factory=list)
    plans: list = field(default_factory=list)  # per sheet: (rng, template, state, rows, lines)


def plan_batch(world: World, templates: list[Template], first: int, last: int) -> Batch:
    from projects.models import Project, Sheet

    batch = Batch()
    for i in range(first, last):
        rng = random.Random(i)
        state = pick_state(rng, SMALL_STATES if i < SMALL else STATES)
        choices = templates if state in ("draft", "returned") else [t for t in templates if t.clean]
        template = choices[i % len(choices)]
        unit = unit_of(world, i)
        yuan = rng.random() < 0.1
        project = Project(unit=unit, name=f"{template.project}（{i + 1:05d}）")
        rule_set = world.rule_sets[unit.department.bureau_id]
        batch.projects.append(project)
        batch.sheets.append(
            Sheet(
                year=YEAR,
                status=state,
                version=1,
                budget_weight=template.budget_weight,
                rule_set=rule_set,
                amount_unit="yuan" if yuan else "wan",
                goal_expected=template.goal_expected,
                goal_achieved=template.goal_achieved,
                updated_by=world.fillers[unit.pk],
            )
        )
        batch.plans.append(
            (rng, template, state, vary_rows(template.rows, rng, state), budget(rng, yuan))
        )
    return batch


@contextmanager
def own_timestamps(model, name: str):
    """bulk_create keeps the given value of an auto_now_add field while this lasts."""
    column = model._meta.get_field(name)
    column.auto_now_add = False
    try:
        yield
    finally:
        column.auto_now_add = True


def snapshot(sheet, rows, lines, level2s) -> dict:
    """The content a submission stores, by the app's own `content_snapshot` (the sheet's
    lines and rows handed over as if prefetched, their level 2 as if joined)."""
    from projects.sheets.selectors import content_snapshot

    for row in rows:
        if row.level2_id:
            row.level2 = level2s[row.level2_id]
    sheet._prefetched_objects_cache = {"budget_lines": lines, "indicators": rows}
    try:
        return content_snapshot(sheet)
    finally:
        del sheet._prefetched_objects_cache


def transitions_of(world: World, sheet, rng, state, content) -> tuple[list, list]:
    """The sheet's transitions (submitted, then returned or approved; a submitted sheet is
    sometimes a resubmission) and the reviewer's comment on a returned sheet."""
    from projects.models import Comment, SheetTransition

    filler = world.fillers[sheet.project.unit_id]
    reviewer = world.reviewers[sheet.project.unit.department_id]
    when = datetime(YEAR + 1, 1, 5, 9, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 130_000))
    steps = [("submit", "draft", "submitted", filler, "", content)]
    resubmitted = state == "submitted" and rng.random() < 0.3
    if state == "returned" or resubmitted:
        steps.append(("return", "submitted", "returned", reviewer, RETURN_COMMENT, None))
    if resubmitted:
        steps.append(("submit", "returned", "submitted", filler, "", content))
    if state == "approved":
        steps.append(("approve", "submitted", "approved", reviewer, "", None))
    transitions = []
    for action, source, target, user, comment, content_ in steps:
        transitions.append(
            SheetTransition(
                sheet=sheet,
                action=action,
                from_status=source,
                to_status=target,
                user=user,
                comment=comment,
                version=sheet.version,
                snapshot=content_,
                created_at=when,
            )
        )
        when += timedelta(hours=rng.randint(2, 240))
    comments = []
    if state == "returned" or resubmitted:
        comments.append(
            Comment(
                sheet=sheet,
                author=reviewer,
                body=RETURN_COMMENT,
                created_at=transitions[1].created_at,
                resolved_at=transitions[-1].created_at if resubmitted else None,
                resolved_by=reviewer if resubmitted else None,
            )
        )
    return transitions, comments


def generate(world: World, templates: list[Template], first: int, last: int) -> list[int]:
    """Sheets `first`..`last - 1`, in rounds of CHUNK, each round in one transaction."""
    from django.db import transaction

    from projects.models import BudgetLine, Comment, Indicator, Project, Sheet, SheetTransition

    ids: list[int] = []
    for start in range(first, last, CHUNK):
        end = min(last, start + CHUNK)
        batch = plan_batch(world, templates, start, end)
        with transaction.atomic():
            Project.objects.bulk_create(batch.projects, batch_size=2000)
            for sheet, project in zip(batch.sheets, batch.projects, strict=True):
                sheet.project = project
            Sheet.objects.bulk_create(batch.sheets, batch_size=2000)
            lines, rows, per_sheet = [], [], []
            for sheet, (_rng, _t, _s, row_values, line_values) in zip(
                batch.sheets, batch.plans, strict=True
            ):
                sheet_lines = [BudgetLine(sheet=sheet, **v) for v in line_values]
                sheet_rows = [Indicator(sheet=sheet, **v) for v in row_values]
                lines += sheet_lines
                rows += sheet_rows
                per_sheet.append((sheet_lines, sheet_rows))
            BudgetLine.objects.bulk_create(lines, batch_size=5000)
            Indicator.objects.bulk_create(rows, batch_size=5000)
            transitions, comments = [], []
            for sheet, plan, (sheet_lines, sheet_rows) in zip(
                batch.sheets, batch.plans, per_sheet, strict=True
            ):
                rng, _t, state, _r, _l = plan
                if state == "draft":
                    continue
                content = snapshot(sheet, sheet_rows, sheet_lines, world.level2s)
                more, notes = transitions_of(world, sheet, rng, state, content)
                transitions += more
                comments += notes
            with (
                own_timestamps(SheetTransition, "created_at"),
                own_timestamps(Comment, "created_at"),
            ):
                SheetTransition.objects.bulk_create(transitions, batch_size=2000)
                Comment.objects.bulk_create(comments, batch_size=2000)
        ids += [sheet.pk for sheet in batch.sheets]
        say(f"    generated {end:>6} sheets ({len(rows)} rows in this round) — {elapsed()}")
    return ids


def store_figures(ids: list[int]) -> str:
    """The stored figures and findings of the new sheets (`projects.figures.store_many`)."""
    try:
        from projects.figures import store_many
    except ImportError:
        return "not stored: projects.figures.store_many does not exist yet"
    began = time.perf_counter()
    stored = 0
    for start in range(0, len(ids), STORE_CHUNK):
        stored += store_many(ids[start : start + STORE_CHUNK]) or 0
        if len(ids) > STORE_CHUNK:
            say(
                f"    stored figures of {min(len(ids), start + STORE_CHUNK):>6} sheets — {elapsed()}"
            )
    return f"{stored} sheets' figures stored in {time.perf_counter() - began:.1f} s"


def findings_profile(sample: int = 300) -> str:
    """Errors and warnings per sheet, by state, over a sample (computed afresh)."""
    from projects.models import Sheet, rule_set_for
    from projects.sheets.selectors import sheet_queryset

    counts: dict[str, Counter] = {}
    cache: dict = {}
    for sheet in sheet_queryset().order_by("pk")[:sample]:
        result = sheet.evaluate(rule_set_for(sheet, cache=cache))
        tally = counts.setdefault(sheet.status, Counter())
        tally["sheets"] += 1
        tally["errors"] += len(result.errors)
        tally["warnings"] += len(result.warnings)
        tally["with errors"] += bool(result.errors)
        tally["with warnings"] += bool(result.warnings)
    parts = []
    for status in Sheet.Status.values:
        t = counts.get(status)
        if t:
            parts.append(
                f"{status} {t['sheets']}: {t['with errors']} with errors, "
                f"{t['with warnings']} with warnings ({t['warnings'] / t['sheets']:.1f} warnings/sheet)"
            )
    return f"(the first {sample} sheets, computed afresh) " + "; ".join(parts)


# -- timing -----------------------------------------------------------------------------------


def client_for(user):
    """A test client whose session passed both factors (as `tests.helpers.logged_in`)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from projects.accounts.services import LAST_ACTIVITY

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session[LAST_ACTIVITY] = int(time.time())
    session.save()
    return client


@dataclass
class Measure:
    best: float
    runs: list[float]
    queries: int
    shown: int
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (seconds, SQL)
    # A file that holds every sheet of its scope (the summary workbook) grows with them: its
    # ratio is of the time per sheet in the file.
    per_sheet: bool = False

    def cost(self) -> float:
        """What the ratio compares: the time, or the time per sheet for a whole-scope file."""
        return self.best / max(self.shown, 1) if self.per_sheet else self.best


def slowest(queries, count: int = 3) -> list[tuple[float, str]]:
    timed = [(float(q["time"]), " ".join(q["sql"].split())) for q in queries.captured_queries]
    return sorted(timed, reverse=True)[:count]


SHEET_LINK = re.compile(r'href="/sheets/(\d+)/(?:#[^"]*)?"')


def measure(call, shown: int | None) -> Measure:
    """One warm-up, then the best of 15, 7, 5, 3 or 1 run(s) (by the warm-up's time), and the
    queries of one run; `shown` None: the sheets the page links to."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    answer = call()  # warm-up
    warm = time.perf_counter() - began
    if shown is None:
        shown = len(set(SHEET_LINK.findall(answer.content.decode())))
    if warm >= 5:  # one timed run, its queries counted (recording them costs nothing here)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            call()
            runs = [time.perf_counter() - began]
        return Measure(runs[0], runs, len(queries), shown, slowest(queries))
    runs = []
    for _ in range(15 if warm < 0.1 else 7 if warm < 0.2 else 5 if warm < 1 else 3):
        began = time.perf_counter()
        call()
        runs.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as queries:
        call()
    # The best run, as `timeit` advises: the others are the same work plus what else the
    # shared machine did meanwhile. The median is printed beside it.
    return Measure(min(runs), runs, len(queries), shown, slowest(queries))


def page(client, path: str):
    def get():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        return response

    return get


def workbook(user, department):
    """The summary workbook (汇总表 xlsx) as the batch job builds it: its sheets selected the
    way the task selects them, then `build_batch` (which writes to a file, or returns bytes)."""
    import inspect
    import tempfile

    from projects.exports.services import build_batch, select_sheets
    from projects.models import ExportJob

    def select_for(job):  # the task's own selection, where it exists
        from projects.exports import services

        if hasattr(services, "select_for"):
            return services.select_for(job)
        return select_sheets(user, year=YEAR, department=department)

    job = ExportJob(user=user, kind=ExportJob.Kind.SUMMARY, year=YEAR, department=department)
    writes = "out" in inspect.signature(build_batch).parameters

    def build():
        sheets = list(select_for(job))
        if not writes:
            return build_batch(job, sheets)
        with tempfile.TemporaryDirectory(prefix="perfeval-scale-") as workdir:
            path = build_batch(job, sheets, out=Path(workdir) / "batch")
            return path.stat().st_size

    return build


def measure_all(world: World) -> dict[str, Measure]:
    from projects.models import Sheet

    filler = world.fillers[world.units[0].pk]
    department = world.departments[0]
    reviewer = world.reviewers[department.pk]
    admin = world.admin
    clients = {"filler": client_for(filler), "reviewer": client_for(reviewer)}
    clients["admin"] = client_for(admin)
    year = Sheet.objects.filter(year=YEAR)
    dept = year.filter(project__unit__department=department)
    summary_dept = f"/summary/?year={YEAR}&department={department.pk}"
    # (name, call, sheets in the file); a page counts the sheets it links to. A workbook
    # holds every sheet of its scope, so its ratio is of the time per sheet.
    pages = [
        ("sheet list, 填报人", page(clients["filler"], "/sheets/"), None),
        ("sheet list, 审核人", page(clients["reviewer"], "/sheets/"), None),
        ("sheet list, 管理员 (page 1)", page(clients["admin"], "/sheets/"), None),
        ("inbox, 审核人", page(clients["reviewer"], "/review/"), None),
        ("inbox, 管理员", page(clients["admin"], "/review/"), None),
        ("exports page, 审核人", page(clients["reviewer"], "/exports/"), None),
        ("summary page, 审核人 (department)", page(clients["reviewer"], summary_dept), None),
        ("summary page, 管理员 (year)", page(clients["admin"], f"/summary/?year={YEAR}"), None),
        ("dashboard, 填报人", page(clients["filler"], f"/dashboard/?year={YEAR}"), None),
        ("dashboard, 审核人", page(clients["reviewer"], f"/dashboard/?year={YEAR}"), None),
        ("dashboard, 管理员", page(clients["admin"], f"/dashboard/?year={YEAR}"), None),
        ("cross-sheet report, 审核人", page(clients["reviewer"], f"/checks/?year={YEAR}"), None),
        ("cross-sheet report, 管理员", page(clients["admin"], f"/checks/?year={YEAR}"), None),
        ("summary workbook, 审核人 (department)", workbook(reviewer, department), dept.count()),
        ("summary workbook, 管理员 (year)", workbook(admin, None), year.count()),
    ]
    say(f"    load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = {}
    for name, call, shown in pages:
        results[name] = measure(call, shown)
        m = results[name]
        m.per_sheet = name.startswith("summary workbook")
        say(
            f"    {name:<38} {m.best * 1000:9.1f} ms  (median {statistics.median(m.runs) * 1000:.1f} ms"
            f" of {len(m.runs)})  {m.queries:4d} queries  ({elapsed()})"
        )
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def machine() -> str:
    """Cores, memory, Python and PostgreSQL, for the figures' record."""
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0].split()[0]
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, IndexError, ValueError):
        memory = "? GiB"
    return (
        f"{os.cpu_count()} cores, {memory}, Python {platform.python_version()}, "
        f"PostgreSQL {server}; {revision()}"
    )


def revision() -> str:
    """The commit measured, and whether the app's code differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "projects", "indicators", "templates"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "commit unknown"
    return f"commit {head}" + (f" + {len(changed)} changed app file(s)" if changed else "")


def report(small: dict[str, Measure], large: dict[str, Measure], total: int) -> list[str]:
    missed = []
    say()
    say(f"perfeval scale bench: {SMALL} and {total} sheets of {YEAR} (DEBUG off); {machine()}")
    header = (
        f"  {'page':<38} {'at ' + str(SMALL):>11} {'at ' + str(total):>11} {'ratio':>7}"
        f" {'queries':>8} {'queries':>8}  sheets shown"
    )
    say(header)
    for name, a in small.items():
        b = large[name]
        ratio = Decimal(b.cost() / a.cost()).quantize(Decimal("0.01"))
        say(
            f"  {name:<38} {ms(a.best):>11} {ms(b.best):>11} {ratio:>6}×"
            f" {a.queries:>8} {b.queries:>8} {a.shown:>6} → {b.shown}"
            + ("  (ratio per sheet in the file)" if a.per_sheet else "")
        )
        if ratio > GOAL:
            missed.append(f"GOAL MISSED: {name}: {ratio}× (goal ≤ {GOAL}×)")
    grows = [(n, a, large[n]) for n, a in small.items() if large[n].shown > 1.5 * max(a.shown, 1)]
    if grows:
        say()
        say("  pages that show more sheets at the larger size: time per sheet shown")
        for name, a, b in grows:
            say(
                f"  {name:<38} {a.best / a.shown * 1000:8.2f} ms {b.best / b.shown * 1000:8.2f} ms"
                f"   ({a.shown} → {b.shown} sheets)"
            )
    return missed


def slowest_queries(small: dict[str, Measure], large: dict[str, Measure]) -> None:
    """The three slowest queries at the larger size of every page above the goal."""
    for name, a in small.items():
        b = large[name]
        if b.cost() / a.cost() <= float(GOAL):
            continue
        say(f"  {name}: slowest queries at {SHEETS} sheets")
        for seconds, sql in b.slowest:
            say(f"    {seconds * 1000:8.1f} ms  {sql[:150]}{'…' if len(sql) > 150 else ''}")


def main() -> None:
    if os.environ.get("BENCH_SCALE", "1") == "0":
        say("scale bench skipped (BENCH_SCALE=0)")
        return
    say(f"scale bench: {SMALL} then {SHEETS} sheets, database {DB_NAME}")
    create_database()
    try:
        prepare(environment())
        say(f"  migrated — {elapsed()}")
        templates = seed_templates()
        world = make_world(templates)
        say(
            f"  {len(templates)} seed sheets as templates ({min(len(t.rows) for t in templates)}–"
            f"{max(len(t.rows) for t in templates)} rows, "
            f"{sum(not t.clean for t in templates)} with errors); {len(BUREAUS)} bureaus, "
            f"{len(world.departments)} departments, {len(world.units)} units, "
            f"{len(world.units) + len(world.departments) + 1} users — {elapsed()}"
        )
        began = time.perf_counter()
        ids = generate(world, templates, 0, SMALL)
        say(f"  {store_figures(ids)}")
        analyze()
        say(
            f"  {SMALL} sheets ready in {time.perf_counter() - began:.1f} s; findings: {findings_profile()}"
        )
        small = measure_all(world)
        began = time.perf_counter()
        ids = generate(world, templates, SMALL, SHEETS)
        generated = time.perf_counter() - began
        say(f"  {SHEETS - SMALL} more sheets generated in {generated:.1f} s")
        say(f"  {store_figures(ids)}")
        analyze()
        say(
            f"  {SHEETS} sheets ready in {time.perf_counter() - began:.1f} s; findings: {findings_profile()}"
        )
        large = measure_all(world)
        missed = report(small, large, SHEETS)
        for line in missed:
            say(line)
        if missed:
            say()
            slowest_queries(small, large)
        say(
            f"result: {'ok' if not missed else f'{len(missed)} ratio(s) above {GOAL}'} ({elapsed()})"
        )
    finally:
        if KEEP:
            say(f"  database {DB_NAME} kept (BENCH_SCALE_KEEP=1)")
        else:
            drop_database()


if __name__ == "__main__":
    main()
