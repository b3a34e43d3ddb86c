"""Drawing a re-check sample and re-scoring its rows (抽查复核, docs/rechecks.md).

財政 draws a sample of its bureau's 已审核 sheets of a year, at random with a recorded seed
(`draw_random`) or sheet by sheet (`draw_chosen`). Drawing copies each sheet's self total and
grade (its stored figures) and each row's place, name, weight and self-score, the budget line
included as a row of its own (`is_budget`), into the re-check's tables. Re-scoring a row
(`score_row`) writes the re-check score there and recomputes the sheet's re-check total with
the rules engine. Nothing here ever writes to a Sheet, its rows or its figures.

Every call is 财政's only (PermissionDenied otherwise) and audited.
"""

from __future__ import annotations

import random
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import scoring
from projects.access import may_use, profile_of, scope_sheets
from projects.audit.services import Action, record
from projects.models import Sheet, SheetFigures, rule_set_for
from projects.workflow import Status

from .models import ReCheck, ReCheckRow, ReCheckSheet

# A seed is stored in a signed 64-bit column.
SEED_LIMIT = 2**63
MAX_SAMPLE = 500
BUDGET_POSITION = 0
CENT = Decimal("0.01")


class ReCheckRefused(Exception):
    """A draw or a score the rules refuse; `messages` say why, in words for the page."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _bureau_id(user) -> int:
    """The bureau of the 财政 user (PermissionDenied for anyone else)."""
    if not may_use(user, "do_rechecks"):
        raise PermissionDenied
    return profile_of(user).bureau_id


def candidates(user, *, year: int, department=None, unit=None):
    """The sheets a draw may take: 已审核 sheets of the year in the user's bureau (and the
    optional department and unit), in a stable order (by id)."""
    bureau_id = _bureau_id(user)
    sheets = scope_sheets(user).filter(
        year=year, status=Status.APPROVED, project__unit__department__bureau_id=bureau_id
    )
    if department is not None:
        sheets = sheets.filter(project__unit__department_id=_pk(department))
    if unit is not None:
        sheets = sheets.filter(project__unit_id=_pk(unit))
    return sheets.order_by("pk")


def _pk(value) -> int:
    return value if isinstance(value, int) else value.pk


def sample_ids(ids: list[int], size: int, seed: int) -> list[int]:
    """The random sample: `random.Random(seed).sample` over the ids in ascending order, so the
    same seed over the same sheets draws the same sample."""
    return random.Random(seed).sample(sorted(ids), size)


def new_seed() -> int:
    return secrets.randbelow(SEED_LIMIT)


# -- drawing ----------------------------------------------------------------------------------


def draw_random(
    user,
    *,
    year: int,
    size: int,
    seed: int | None = None,
    department=None,
    unit=None,
    title: str,
    note: str = "",
) -> ReCheck:
    """Draw `size` sheets at random from `candidates`; `seed` made with `secrets` when not
    given, and stored either way."""
    bureau_id = _bureau_id(user)
    errors = []
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        errors.append(_("随机种子须为 0 至 %(limit)s 之间的整数。") % {"limit": SEED_LIMIT - 1})
    ids = list(
        candidates(user, year=year, department=department, unit=unit).values_list("pk", flat=True)
    )
    if not ids:
        errors.append(_("所选范围内没有已审核的自评表。"))
    elif not 1 <= size <= min(len(ids), MAX_SAMPLE):
        errors.append(
            _("抽取数量须在 1 至 %(most)s 之间（所选范围内有 %(count)s 张已审核的自评表）。")
            % {"most": min(len(ids), MAX_SAMPLE), "count": len(ids)}
        )
    if errors:
        raise ReCheckRefused(errors)
    seed = new_seed() if seed is None else seed
    chosen = sample_ids(ids, size, seed)
    scope = {
        "department": _pk(department) if department is not None else None,
        "unit": _pk(unit) if unit is not None else None,
        "candidates": len(ids),
    }
    return _draw(
        user,
        bureau_id=bureau_id,
        year=year,
        method=ReCheck.Method.RANDOM,
        sheet_ids=chosen,
        title=title,
        note=note,
        seed=seed,
        size=size,
        scope=scope,
    )


def draw_chosen(user, *, year: int, sheet_ids, title: str, note: str = "") -> ReCheck:
    """A sample of the sheets named, each one an 已审核 sheet of the year in the bureau."""
    bureau_id = _bureau_id(user)
    wanted = list(dict.fromkeys(int(pk) for pk in sheet_ids))
    if not wanted:
        raise ReCheckRefused([_("请至少选择一张自评表。")])
    if len(wanted) > MAX_SAMPLE:
        raise ReCheckRefused([_("一次最多抽取 %(most)s 张自评表。") % {"most": MAX_SAMPLE}])
    allowed = set(candidates(user, year=year).filter(pk__in=wanted).values_list("pk", flat=True))
    refused = [pk for pk in wanted if pk not in allowed]
    if refused:
        raise ReCheckRefused(
            [
                _("以下自评表不是本财政局 %(year)s 年度已审核的自评表：%(ids)s。")
                % {"year": year, "ids": "、".join(str(pk) for pk in refused)}
            ]
        )
    return _draw(
        user,
        bureau_id=bureau_id,
        year=year,
        method=ReCheck.Method.CHOSEN,
        sheet_ids=wanted,
        title=title,
        note=note,
        seed=None,
        size=None,
        scope={},
    )


def _draw(user, *, bureau_id, year, method, sheet_ids, title, note, seed, size, scope) -> ReCheck:
    title = (title or "").strip()
    if not title:
        raise ReCheckRefused([_("请填写复核名称。")])
    with transaction.atomic():
        recheck = ReCheck.objects.create(
            bureau_id=bureau_id,
            year=year,
            title=title[:200],
            method=method,
            seed=seed,
            size=size,
            scope=scope,
            note=(note or "").strip(),
            created_by=user,
        )
        sheets = (
            Sheet.objects.filter(pk__in=sheet_ids)
            .select_related("project__unit__department", "figures")
            .prefetch_related("indicators__level1", "indicators__level2", "budget_lines")
        )
        by_pk = {sheet.pk: sheet for sheet in sheets}
        cache: dict = {}
        for position, pk in enumerate(sheet_ids, start=1):
            _copy(recheck, by_pk[pk], position, cache)
        record(
            Action.RECHECK_DRAW,
            user=user,
            obj=recheck,
            params={
                "method": method,
                "year": year,
                "seed": seed,
                "size": size,
                "scope": scope,
                "sheets": list(sheet_ids),
            },
        )
    return recheck


def _copy(recheck: ReCheck, sheet: Sheet, position: int, cache: dict) -> ReCheckSheet:
    """The sheet's figures and rows as approved, copied into the re-check."""
    result = sheet.evaluate(rule_set_for(sheet, cache=cache))
    try:
        figures = sheet.figures
    except SheetFigures.DoesNotExist:
        figures = None
    total = figures.total if figures else result.total
    grade = figures.grade if figures else str(result.grade)
    budget_weight = figures.budget_weight if figures else result.funds.weight
    budget_score = figures.budget_score if figures else result.funds.score
    target = ReCheckSheet.objects.create(
        recheck=recheck, sheet=sheet, self_total=total, self_grade=grade, position=position
    )
    rows = [
        ReCheckRow(
            recheck_sheet=target,
            is_budget=True,
            position=BUDGET_POSITION,
            name=str(_("预算执行率")),
            weight=budget_weight,
            self_score=budget_score,
        )
    ]
    for index, (row, outcome) in enumerate(
        zip(sheet.indicators.all(), result.rows, strict=True), start=1
    ):
        rows.append(
            ReCheckRow(
                recheck_sheet=target,
                indicator=row,
                position=index,
                name=row.name[:200],
                weight=row.weight if row.weight is not None else Decimal("0"),
                self_score=row.score,
                applicable=outcome.applicable,
            )
        )
    ReCheckRow.objects.bulk_create(rows)
    return target


# -- scoring ----------------------------------------------------------------------------------


def parse_score(text) -> Decimal | None:
    """A score as typed: blank is None; anything else a Decimal with at most two decimals
    (ReCheckRefused otherwise)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ReCheckRefused([_("复核得分须为数字。")]) from None
    if not value.is_finite():
        raise ReCheckRefused([_("复核得分须为数字。")])
    if value != value.quantize(CENT):
        raise ReCheckRefused([_("复核得分最多保留两位小数。")])
    return value.quantize(CENT)


def check_score(row: ReCheckRow, score: Decimal | None) -> None:
    """0 ≤ score ≤ weight, on a row that counts (ReCheckRefused otherwise)."""
    if score is None:
        return
    if not row.applicable:
        raise ReCheckRefused([_("不适用的行不复核评分。")])
    if score < 0 or score > row.weight:
        raise ReCheckRefused(
            [_("复核得分须在 0 至 %(weight)s 之间。") % {"weight": row.weight.quantize(CENT)}]
        )


def score_row(user, row: ReCheckRow, score, note: str = "") -> ReCheckRow:
    """Give the row its re-check score (None: not re-scored) and note, record who and when,
    and recompute its sheet's re-check total and grade with the engine."""
    bureau_id = _bureau_id(user)
    recheck_sheet = row.recheck_sheet
    if recheck_sheet.recheck.bureau_id != bureau_id:
        raise PermissionDenied
    score = parse_score(score) if not isinstance(score, Decimal) else score
    check_score(row, score)
    note = (note or "").strip()
    with transaction.atomic():
        locked = ReCheckRow.objects.select_for_update().get(pk=row.pk)
        previous = locked.recheck_score
        locked.recheck_score = score
        locked.note = note
        locked.checked_by = user
        locked.checked_at = timezone.now()
        locked.save(update_fields=["recheck_score", "note", "checked_by", "checked_at"])
        refresh_total(recheck_sheet)
        record(
            Action.RECHECK_SCORE,
            user=user,
            obj=recheck_sheet.recheck,
            params={
                "sheet": recheck_sheet.sheet_id,
                "row": locked.position,
                "name": locked.name,
                "self_score": locked.self_score,
                "previous": previous,
                "score": score,
                "note": note,
            },
        )
    row.recheck_score, row.note = locked.recheck_score, locked.note
    row.checked_by, row.checked_at = locked.checked_by, locked.checked_at
    return row


def recheck_input(rows) -> scoring.SheetInput:
    """The re-check as the engine reads it: every row with its re-check score, or its
    self-score when it was not re-scored. The budget line enters as a row of its weight with
    its score (and the sheet's own budget weight as 0, no funds), so the sums, the 不适用
    rescaling, the rounding and the grade are the engine's, as on the sheet itself."""
    indicators = tuple(
        scoring.IndicatorInput(
            name=row.name,
            weight=row.weight,
            score=row.recheck_score if row.recheck_score is not None else row.self_score,
            applicable=row.applicable,
        )
        for row in sorted(rows, key=lambda row: row.position)
    )
    return scoring.SheetInput(budget_weight=Decimal("0"), indicators=indicators)


def recheck_result(recheck_sheet: ReCheckSheet, rows=None) -> scoring.SheetResult:
    rows = list(rows if rows is not None else recheck_sheet.rows.all())
    params = rule_set_for(recheck_sheet.sheet).to_params()
    return scoring.evaluate(recheck_input(rows), params)


def refresh_total(recheck_sheet: ReCheckSheet) -> None:
    """The sheet's re-check total and grade from its rows (None while no row is re-scored)."""
    rows = list(ReCheckRow.objects.filter(recheck_sheet=recheck_sheet))
    if all(row.recheck_score is None for row in rows):
        total, grade = None, ""
    else:
        result = recheck_result(recheck_sheet, rows)
        total, grade = result.total, str(result.grade)
    ReCheckSheet.objects.filter(pk=recheck_sheet.pk).update(
        recheck_total=total, recheck_grade=grade
    )
    recheck_sheet.recheck_total, recheck_sheet.recheck_grade = total, grade


def exported(user, recheck: ReCheck) -> None:
    """Audit an export of the re-check (the 管理员 may export too: reading is exporting)."""
    record(Action.RECHECK_EXPORT, user=user, obj=recheck, params={"sheets": recheck.sheets.count()})
