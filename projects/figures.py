"""Stored figures and findings (docs/rules.md "Stored figures"): each sheet's computed figures
(`SheetFigures`) and findings (`SheetFinding`), written in the transaction that changed the
sheet, so lists, the inbox, the exports page and the summary read them with queries instead
of scoring every sheet on every request.

Every figure is computed the one way (`Sheet.evaluate` with `rule_set_for`): storing is a copy
of what the sheet page computes afresh. The writers call `store` (one sheet) or `store_many`
(a batch) inside their own transaction, which the stored rows commit and roll back with:
`sheet_create`, `sheet_save_content`, `sheet_transition`, the import's `save_parsed`,
`rule_sets.save_rule_set` (the drafts and returned sheets it moves) and the admin's change to
a draft. `recompute_figures` (a management command) recomputes them all and names the sheets
whose stored rows differed; after `migrate`, sheets without stored figures get them
(`fill_missing`, on post_migrate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    Comment,
    Indicator,
    Project,
    Sheet,
    SheetFigures,
    SheetFinding,
    SheetTransition,
    UnitYearFigures,
    UnitYearFinding,
    rule_set_for,
)
from .workflow import Status

BATCH = 500
# The stored figures compared by `Computed.key` (everything but the time of computing).
FIGURE_FIELDS = (
    "total",
    "grade",
    "raw_score",
    "rate",
    "budget_score",
    "budget_weight",
    "weight_total",
    "errors",
    "warnings",
    "initial",
    "annual",
    "executed",
    "rule_set_id",
    "submitted_at",
    "status",
    "open_comments",
)


def last_submitted() -> Subquery:
    """The time of a sheet's latest 已提交 transition (None: never submitted), as a subquery
    (no GROUP BY, so it goes with `select_for_update`)."""
    submissions = (
        SheetTransition.objects.filter(sheet=OuterRef("pk"), to_status=Status.SUBMITTED)
        .values("sheet")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    return Subquery(submissions)


def open_threads() -> Coalesce:
    """A sheet's open review threads, as a subquery (no GROUP BY outside it, so it goes with
    `select_for_update`)."""
    threads = (
        Comment.objects.filter(sheet=OuterRef("pk"), parent=None, resolved_at=None)
        .order_by()
        .values("sheet")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(threads), 0)


def _with_content() -> QuerySet[Sheet]:
    """Sheets with what `Sheet.evaluate` reads, rows in their order, and the time of their
    latest submission, in 3 queries a batch."""
    rows = Indicator.objects.select_related("level1", "level2").order_by("position")
    return (
        Sheet.objects.select_related("project__unit__department")
        .prefetch_related("budget_lines", Prefetch("indicators", queryset=rows))
        .annotate(last_submitted=last_submitted(), open_threads=open_threads())
    )


@dataclass(frozen=True)
class Computed:
    """A sheet's figures and findings as rows, unsaved (fresh) or read back (stored)."""

    figures: SheetFigures | None
    findings: tuple[SheetFinding, ...]

    def key(self) -> tuple:
        """What must match between stored and fresh: every figure (compared as numbers, so
        96 and 96.00 are equal) and every finding in order."""
        figures = (
            None
            if self.figures is None
            else tuple(getattr(self.figures, name) for name in FIGURE_FIELDS)
        )
        findings = tuple((f.code, f.severity, f.row, f.field, f.params) for f in self.findings)
        return figures, findings


def _submitted_at(sheet: Sheet):
    """The sheet's latest submission: annotated by `_with_content`, else read."""
    if hasattr(sheet, "last_submitted"):
        return sheet.last_submitted
    found = Sheet.objects.filter(pk=sheet.pk).annotate(at=last_submitted())
    return found.values_list("at", flat=True).first()


def _open_threads(sheet: Sheet) -> int:
    """The sheet's open review threads: annotated by `_with_content`, else counted."""
    if hasattr(sheet, "open_threads"):
        return sheet.open_threads
    return Comment.objects.filter(sheet=sheet.pk, parent=None, resolved_at=None).count()


def refresh_open_comments(sheet: Sheet | int) -> None:
    """A comment written or resolved: the sheet's stored count of open threads, and its
    unit's year, counted again (in the caller's transaction)."""
    pk = sheet if isinstance(sheet, int) else sheet.pk
    count = Comment.objects.filter(sheet=pk, parent=None, resolved_at=None).count()
    SheetFigures.objects.filter(sheet_id=pk).update(open_comments=count)
    refresh_unit_years(pairs_of(Sheet.objects.filter(pk=pk)))


def compute(sheet: Sheet, *, cache: dict | None = None) -> Computed:
    """The sheet's figures and findings, computed now (rows and lines prefetched or not)."""
    rule_set = rule_set_for(sheet, cache=cache)
    result = sheet.evaluate(rule_set)
    line = result.funds.rows["total"]
    figures = SheetFigures(
        sheet_id=sheet.pk,
        total=result.total,
        grade=str(result.grade),
        raw_score=result.raw_score,
        rate=line.rate,
        budget_score=result.funds.score,
        budget_weight=result.funds.weight,
        weight_total=result.weight_total,
        errors=len(result.errors),
        warnings=len(result.warnings),
        initial=line.initial,
        annual=line.annual,
        executed=line.executed,
        rule_set_id=rule_set.pk,
        computed_at=timezone.now(),
        submitted_at=_submitted_at(sheet),
        status=sheet.status,
        open_comments=_open_threads(sheet),
    )
    findings = tuple(
        SheetFinding(
            sheet_id=sheet.pk,
            position=position,
            code=str(finding.code),
            severity=str(finding.severity),
            row=finding.row,
            field=finding.field or "",
            params=dict(finding.params),
        )
        for position, finding in enumerate(result.findings)
    )
    return Computed(figures, findings)


def fresh(sheet: Sheet | int) -> Computed:
    """What `store` would write for the sheet now, without writing it."""
    pk = sheet if isinstance(sheet, int) else sheet.pk
    return compute(_with_content().get(pk=pk))


def of(sheet: Sheet) -> SheetFigures:
    """The sheet's stored figures (joined by `select_related("figures")`, else read); a sheet
    without them (written around the services, before `recompute_figures`) is computed here,
    so a list is never wrong, only slower."""
    try:
        return sheet.figures
    except SheetFigures.DoesNotExist:
        return fresh(sheet).figures


def stored(sheet: Sheet | int) -> Computed:
    """The sheet's stored figures (None when it has none) and findings, as read back."""
    pk = sheet if isinstance(sheet, int) else sheet.pk
    return Computed(
        SheetFigures.objects.filter(sheet_id=pk).first(),
        tuple(SheetFinding.objects.filter(sheet_id=pk).order_by("position")),
    )


def _write(computed: list[Computed]) -> None:
    """Replace the stored rows of these sheets with the computed ones, and count their units'
    years again."""
    ids = [c.figures.sheet_id for c in computed]
    SheetFinding.objects.filter(sheet_id__in=ids).delete()
    SheetFigures.objects.filter(sheet_id__in=ids).delete()
    SheetFigures.objects.bulk_create([c.figures for c in computed])
    SheetFinding.objects.bulk_create(
        [finding for c in computed for finding in c.findings], batch_size=1000
    )
    refresh_unit_years(pairs_of(Sheet.objects.filter(pk__in=ids)))


# -- per unit and year (UnitYearFigures, UnitYearFinding) --------------------------------------

GRADE_FIELDS = {"优": "excellent", "良": "good", "中": "passing", "差": "poor"}


def pairs_of(sheets: QuerySet[Sheet]) -> set[tuple[int, int]]:
    """The (unit, year) of each of these sheets."""
    return set(sheets.order_by().values_list("project__unit_id", "year").distinct())


def _lock(pairs: list[tuple[int, int]]) -> None:
    """Serialise the counting of each (unit, year) until the transaction ends, so two saves of
    one unit's sheets never write counts that miss each other's sheet (PostgreSQL: an advisory
    lock per pair, taken in order; SQLite runs one writing transaction at a time)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for unit, year in pairs:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [unit, year])


@transaction.atomic
def refresh_unit_years(pairs: set[tuple[int, int]]) -> None:
    """Count the sheets of these units' years again from their stored figures and findings,
    replacing their `UnitYearFigures` and `UnitYearFinding` rows (a unit and year without
    sheets keeps none)."""
    if not pairs:
        return
    pairs_sorted = sorted(pairs)
    _lock(pairs_sorted)
    by_year: dict[int, list[int]] = {}
    for unit, year in pairs_sorted:
        by_year.setdefault(year, []).append(unit)
    where = Q()
    for year, units in by_year.items():
        where |= Q(year=year, project__unit_id__in=units)
    sheets = Sheet.objects.filter(where).order_by()
    counts = {
        "sheets": Count("pk"),
        "with_errors": Count("pk", filter=Q(figures__errors__gt=0)),
        "with_open_comments": Count("pk", filter=Q(figures__open_comments__gt=0)),
    }
    counts |= {status.value: Count("pk", filter=Q(status=status)) for status in Status}
    counts |= {name: Count("pk", filter=Q(figures__grade=g)) for g, name in GRADE_FIELDS.items()}
    counts |= {
        "total_sum": Sum("figures__total"),
        "total_n": Count("figures__total"),
        "rate_sum": Sum("figures__rate"),
        "rate_n": Count("figures__rate"),
        "figures_n": Count("figures"),
        "annual_sum": Sum("figures__annual"),
        "executed_sum": Sum("figures__executed"),
        "indicator_sum": Sum(F("figures__raw_score") - F("figures__budget_score")),
        "rule_set_min": Min("figures__rule_set"),
    }
    rows = sheets.values("project__unit_id", "year").annotate(**counts)
    findings = (
        SheetFinding.objects.filter(sheet__in=sheets.values("pk"))
        .order_by()
        .values("sheet__project__unit_id", "sheet__year", "code")
        .annotate(n=Count("pk"))
    )
    existing = {
        (row.unit_id, row.year): row
        for row in UnitYearFigures.objects.filter(
            Q(*[Q(year=y, unit_id__in=u) for y, u in by_year.items()], _connector=Q.OR)
        )
    }
    fields = [name for name in counts if name != "project__unit_id"]
    changed, new = [], []
    for row in rows:
        key = (row.pop("project__unit_id"), row.pop("year"))
        values = {
            name: row[name] if row[name] is not None or name == "rule_set_min" else 0
            for name in fields
        }
        stored = existing.pop(key, None)
        if stored is None:
            new.append(UnitYearFigures(unit_id=key[0], year=key[1], **values))
        else:
            for name, value in values.items():
                setattr(stored, name, value)
            changed.append(stored)
    UnitYearFigures.objects.bulk_update(changed, fields)
    UnitYearFigures.objects.bulk_create(new)
    # A unit and year without sheets any more keeps no row.
    UnitYearFigures.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    for year, units in by_year.items():
        UnitYearFinding.objects.filter(year=year, unit_id__in=units).delete()
    UnitYearFinding.objects.bulk_create(
        UnitYearFinding(
            unit_id=f["sheet__project__unit_id"],
            year=f["sheet__year"],
            code=f["code"],
            count=f["n"],
        )
        for f in findings
    )


def rebuild_unit_years() -> int:
    """Count every unit's every year again (`recompute_figures`, and after an upgrade);
    returns how many units' years hold sheets."""
    pairs = pairs_of(Sheet.objects.all())
    with transaction.atomic():
        kept = set(UnitYearFigures.objects.values_list("unit_id", "year"))
        kept |= set(UnitYearFinding.objects.values_list("unit_id", "year"))
        for unit, year in kept - pairs:  # a unit and year that no longer has sheets
            UnitYearFigures.objects.filter(unit_id=unit, year=year).delete()
            UnitYearFinding.objects.filter(unit_id=unit, year=year).delete()
        refresh_unit_years(pairs)
    return len(pairs)


def _sheet_moved(sender, instance: Sheet, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save of a sheet: a draft given another year or project (in the admin) leaves its
    old unit and year, which `_sheet_saved` counts again after the save."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"year", "project"} & set(update_fields):
        return
    instance._placed_before = (
        Sheet.objects.filter(pk=instance.pk).values_list("project_id", "year").first()
    )


def _sheet_saved(sender, instance: Sheet, raw=False, **kwargs) -> None:
    before = getattr(instance, "_placed_before", None)
    if raw or before is None or before == (instance.project_id, instance.year):
        return
    project, year = before
    unit = Project.objects.filter(pk=project).values_list("unit_id", flat=True).first()
    moved = {(unit, year)} if unit is not None else set()
    refresh_unit_years(moved | pairs_of(Sheet.objects.filter(pk=instance.pk)))


def _sheet_deleted(sender, instance: Sheet, **kwargs) -> None:
    """post_delete of a sheet: its unit's year is counted again without it."""
    unit = Project.objects.filter(pk=instance.project_id).values_list("unit_id", flat=True).first()
    if unit is not None:
        refresh_unit_years({(unit, instance.year)})


def _project_moving(sender, instance: Project, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    instance._unit_before = (
        Project.objects.filter(pk=instance.pk).values_list("unit_id", flat=True).first()
    )


def _project_moved(sender, instance: Project, raw=False, **kwargs) -> None:
    """post_save of a project given another unit (the admin): both units' years again."""
    before = getattr(instance, "_unit_before", None)
    if raw or before is None or before == instance.unit_id:
        return
    years = set(Sheet.objects.filter(project=instance).values_list("year", flat=True))
    refresh_unit_years({(unit, year) for year in years for unit in (before, instance.unit_id)})


def connect_unit_years() -> None:
    """Called once by ProjectsConfig.ready."""
    from django.db.models import signals

    signals.pre_save.connect(_sheet_moved, sender=Sheet, dispatch_uid="unit_years.sheet_pre")
    signals.post_save.connect(_sheet_saved, sender=Sheet, dispatch_uid="unit_years.sheet_post")
    signals.post_delete.connect(_sheet_deleted, sender=Sheet, dispatch_uid="unit_years.sheet_del")
    signals.pre_save.connect(_project_moving, sender=Project, dispatch_uid="unit_years.proj_pre")
    signals.post_save.connect(_project_moved, sender=Project, dispatch_uid="unit_years.proj_post")


@transaction.atomic
def store(sheet: Sheet | int) -> SheetFigures:
    """Compute and store one sheet's figures and findings, read from the database as the
    caller's transaction sees it (the sheet row locked), replacing the stored ones."""
    pk = sheet if isinstance(sheet, int) else sheet.pk
    loaded = _with_content().select_for_update(of=("self",)).get(pk=pk)
    computed = compute(loaded)
    _write([computed])
    return computed.figures


def _batches(sheet_ids: Iterable[int]) -> Iterable[list[int]]:
    batch: list[int] = []
    for pk in sheet_ids:
        batch.append(pk)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def recompute(sheet_ids: Iterable[int], *, write: bool = True) -> tuple[int, list[int]]:
    """Compute the sheets' figures in batches of 500 (a few queries a batch, each rule set
    read once), store them when `write`, and return how many sheets were computed and the
    ids of those whose stored rows differed (or were missing)."""
    cache: dict = {}
    count = 0
    changed: list[int] = []
    for batch in _batches(sheet_ids):
        with transaction.atomic():
            sheets = _with_content().filter(pk__in=batch).order_by("pk")
            if write:
                sheets = sheets.select_for_update(of=("self",))
            computed = [compute(sheet, cache=cache) for sheet in sheets]
            before = _stored_keys([c.figures.sheet_id for c in computed])
            changed += [
                c.figures.sheet_id for c in computed if before.get(c.figures.sheet_id) != c.key()
            ]
            if write:
                _write(computed)
        count += len(computed)
    return count, changed


def _stored_keys(ids: list[int]) -> dict[int, tuple]:
    """Each sheet's stored `Computed.key`, in two queries for the batch."""
    figures = {f.sheet_id: f for f in SheetFigures.objects.filter(sheet_id__in=ids)}
    findings: dict[int, list[SheetFinding]] = {}
    for finding in SheetFinding.objects.filter(sheet_id__in=ids).order_by("sheet_id", "position"):
        findings.setdefault(finding.sheet_id, []).append(finding)
    return {
        pk: Computed(figures[pk], tuple(findings.get(pk, ()))).key() for pk in ids if pk in figures
    }


def store_many(sheet_ids: Iterable[int]) -> int:
    """Compute and store the figures of many sheets, in batches; returns how many."""
    count, _changed = recompute(sheet_ids)
    return count


def fill_missing(**kwargs) -> int:
    """Store the figures of every sheet that has none (post_migrate: after an upgrade, once
    every migration has run, so the code and the schema agree)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[kwargs.get("using", DEFAULT_DB_ALIAS)]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return 0  # migrated to an older state: the tables may not match the code
    missing = Sheet.objects.using(connection.alias).filter(figures__isnull=True)
    stored = store_many(list(missing.values_list("pk", flat=True)))
    # The units' years, counted for the first time (the upgrade that added them).
    if not UnitYearFigures.objects.exists() and Sheet.objects.exists():
        rebuild_unit_years()
    return stored
