"""Importing sheets: what other rooms and the commands call to read and save them.

Reading is plain Python (`text_reader` for pasted or exported text, `xlsx_reader` for Excel
workbooks, which become the same text); saving follows the import conventions of
docs/rules.md §8: an imported sheet is a draft whatever its findings; re-importing a sheet
whose project and year exist changes nothing when the content is the same, replaces a draft's
content otherwise, and never touches a sheet past 草稿.

Every entry point is bounded before it parses (docs/rules.md, Limits): an upload's or a file's
size, what a workbook expands to and the range it claims (`xlsx_reader.check_workbook`), the
length of pasted text, and the number of indicator rows of a sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators import scoring
from indicators.grouping import grouped, place_of
from indicators.models import Bureau, Level1, Level2, RuleSet
from projects import figures
from projects.models import (
    BudgetLine,
    Department,
    Indicator,
    Project,
    Sheet,
    Unit,
    rule_set_for,
)

from .text_reader import ParsedSheet, ParseResult, parse_text
from .xlsx_reader import UnreadableWorkbook, WorkbookLimits, xlsx_to_text


class ImportRefused(ValueError):
    """The file cannot be imported; the message says why, in the active language."""


def workbook_limits() -> WorkbookLimits:
    return WorkbookLimits(
        max_bytes=settings.PERFEVAL_IMPORT_MAX_BYTES,
        max_unzipped_bytes=settings.PERFEVAL_IMPORT_MAX_UNZIPPED_BYTES,
        max_ratio=settings.PERFEVAL_IMPORT_MAX_RATIO,
        max_rows=settings.PERFEVAL_WORKSHEET_MAX_ROWS,
        max_columns=settings.PERFEVAL_WORKSHEET_MAX_COLUMNS,
    )


def read_text(text: str) -> ParseResult:
    """Sheets read from pasted or exported text (tab-separated, several sheets allowed).

    Raises `ImportRefused` when a sheet holds more indicator rows than a sheet may have.
    """
    result = parse_text(text)
    limit = settings.PERFEVAL_MAX_ROWS
    for parsed in result.sheets:
        if len(parsed.rows) > limit:
            raise ImportRefused(
                _("自评表“%(project)s”有 %(rows)s 行三级指标，超过上限 %(limit)s 行，未导入。")
                % {"project": parsed.project or "?", "rows": len(parsed.rows), "limit": limit}
            )
    return result


def check_text_length(text: str) -> None:
    """Refuse pasted text (or a workbook's text) longer than the paste limit, before parsing."""
    limit = settings.PERFEVAL_PASTE_MAX_CHARS
    if len(text) > limit:
        raise ImportRefused(
            _("内容过长（%(chars)s 个字符），上限为 %(limit)s 个字符，未导入。")
            % {"chars": len(text), "limit": limit}
        )


def check_file_size(size: int) -> None:
    """Refuse a file larger than the import limit, from its size alone, before reading it."""
    limit = settings.PERFEVAL_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRefused(_too_large(size, limit))


def _too_large(size: int, limit: int) -> str:
    return _("文件过大（%(size)s），上限为 %(limit)s，未导入。") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def read_upload(upload, *, first_sheet: bool = False) -> str:
    """An uploaded .xlsx as text (every worksheet, or only the first): its size is checked
    from `upload.size` before any reading."""
    check_file_size(upload.size)
    return read_workbook(upload, first_sheet=first_sheet)


def read_workbook(data, *, first_sheet: bool = False) -> str:
    """An .xlsx workbook (bytes, an upload or a path) as the text `read_text` reads: every
    worksheet, or only the first (`first_sheet`: a list whose line numbers are the sheet's).

    Raises `ImportRefused` with a sentence for the person when it is no readable workbook or
    when reading it would exceed the limits.
    """
    try:
        return xlsx_to_text(data, workbook_limits(), first_only=first_sheet)
    except UnreadableWorkbook as exc:
        raise ImportRefused(unreadable_message(exc)) from exc


# A text file's encodings, tried in turn: UTF-8 (with or without a BOM), then the GB18030
# that Chinese Windows exports still produce (GBK is its subset). UTF-16 is recognised by its
# BOM, which Excel's "Unicode text" export writes.
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(data: bytes) -> str:
    """A text file's content. Raises `ImportRefused` for an empty or a binary file."""
    if not data.strip():
        raise ImportRefused(_("文件是空的，未导入。"))
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in TEXT_ENCODINGS:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise ImportRefused(
        _(
            "不是文本文件：请导入 UTF-8、GBK（GB18030）或带 BOM 的 UTF-16 编码的文本，或 .xlsx 文件。"
        )
    )


def unreadable_message(exc: UnreadableWorkbook) -> str:
    figures = exc.figures
    if exc.kind == "too_large":
        return _too_large(figures["size"], figures["limit"])
    simple = {
        "old_xls": _(
            "无法读取 Excel 文件：这是旧版 .xls 格式，请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
        ),
        "text": _("无法读取 Excel 文件：请以二进制方式上传 .xlsx 文件"),
        "empty": _("无法读取 Excel 文件：文件是空的"),
        "not_zip": _("无法读取 Excel 文件：不是有效的 .xlsx 工作簿（文件不完整或不是 Excel 文件）"),
        "corrupt": _("无法读取 Excel 文件：文件已损坏，请在 Excel 中打开并另存后再导入"),
        "doctype": _("无法读取 Excel 文件：含有不允许的 XML 文档类型声明，疑似恶意构造的文件"),
    }
    if exc.kind in simple:
        return simple[exc.kind]
    if exc.kind == "unzipped":
        return _("无法读取 Excel 文件：解压后的内容过大（%(size)s），上限为 %(limit)s") % {
            "size": filesizeformat(figures["size"]),
            "limit": filesizeformat(figures["limit"]),
        }
    if exc.kind == "ratio":
        return (
            _(
                "无法读取 Excel 文件：压缩比异常（%(size)s 倍，上限 %(limit)s 倍），疑似恶意构造的文件"
            )
            % figures
        )
    if exc.kind == "entries":
        return (
            _("无法读取 Excel 文件：压缩包内文件过多（%(size)s 个，上限 %(limit)s 个）") % figures
        )
    if exc.kind == "range":
        return _(
            "无法读取 Excel 文件：工作表的范围（%(ref)s）超出上限，每个工作表最多 %(rows)s 行、"
            "%(columns)s 列"
        ) % {"ref": exc.detail, **figures}
    if exc.kind == "cells":
        return _("无法读取 Excel 文件：单元格过多（超过 %(limit)s 个）") % figures
    return _("无法读取 Excel 文件：不是有效的 .xlsx 工作簿（%(reason)s）") % {"reason": exc.detail}


@dataclass(frozen=True)
class ImportOutcome:
    parsed: ParsedSheet
    # created / updated / unchanged / skipped (past 草稿) / unsaved (missing header names)
    action: str
    sheet: Sheet | None
    result: scoring.SheetResult
    message: str = ""

    @property
    def saved(self) -> bool:
        return self.action in ("created", "updated", "unchanged", "skipped")


class Catalogue:
    """Level names → catalogue rows of one scheme, looked up once per import."""

    def __init__(self, scheme_id: int | None) -> None:
        self.level1 = {l1.name: l1 for l1 in Level1.objects.filter(scheme_id=scheme_id)}
        self.level2 = {
            (l2.level1.name, l2.name): l2
            for l2 in Level2.objects.filter(level1__scheme_id=scheme_id).select_related("level1")
        }

    def resolve(self, level1: str, level2: str) -> tuple[Level1 | None, Level2 | None]:
        return self.level1.get(level1), self.level2.get((level1, level2))


def normalised_input(parsed: ParsedSheet, catalogue: Catalogue) -> scoring.SheetInput:
    """The parsed sheet as it will read back from the database (unknown levels dropped), its
    rows grouped as the form groups them (docs/rules.md §2.1), as every writer stores them."""
    rows = []
    places = {}
    for row in parsed.rows:
        l1, l2 = catalogue.resolve(row.level1, row.level2)
        places[len(rows)] = place_of(l1, l2)
        rows.append(
            scoring.IndicatorInput(
                name=row.name[:200],
                level1=l1.name if l1 else "",
                level2=l2.name if l2 else "",
                target=row.target[:200],
                actual=row.actual[:200],
                weight=_score_value(row.weight),
                score=_score_value(row.score),
                reason=row.reason,
                applicable=row.applicable,
            )
        )
    funds = {}
    unit = parsed.amount_unit
    for key in scoring.FUNDS_ROWS:
        line = parsed.funds.get(key, scoring.FundsLine())
        funds[key] = scoring.FundsLine(
            _wan(line.initial, unit), _wan(line.annual, unit), _wan(line.executed, unit)
        )
    return scoring.SheetInput(
        project=parsed.project,
        department=parsed.department,
        unit=parsed.unit,
        funds=funds,
        budget_weight=_cents(parsed.budget_weight),
        indicators=tuple(rows[i] for i in grouped(range(len(rows)), places.__getitem__)),
        unplaced=tuple(parsed.unplaced),
    )


def _content(
    sheet_input: scoring.SheetInput, expected: str, achieved: str, amount_unit: str
) -> tuple:
    """What decides whether a re-import changes anything; Decimal compares by value."""
    funds = tuple((k, sheet_input.funds.get(k, scoring.FundsLine())) for k in scoring.FUNDS_ROWS)
    return (
        amount_unit,
        funds,
        sheet_input.budget_weight,
        sheet_input.indicators,
        sheet_input.unplaced,
        expected,
        achieved,
    )


def resolve_year(parsed: ParsedSheet, year: int | None) -> int | None:
    """The year from the title when it prints one, else the importer's --year."""
    return parsed.year or year


def preview_input(parsed: ParsedSheet, *, rule_set: RuleSet) -> scoring.SheetInput:
    """What `save_parsed` would store, as the engine reads it (for a preview before saving)."""
    return normalised_input(parsed, Catalogue(rule_set.scheme_id))


def _missing_names(parsed: ParsedSheet) -> list[str]:
    names = (
        (_("项目名称"), parsed.project),
        (_("主管部门"), parsed.department),
        (_("实施单位"), parsed.unit),
    )
    return [str(label) for label, value in names if not value.strip()]


def bureau_named(name: str | None) -> Bureau | None:
    """The finance bureau an import names (`import_sheets --bureau`), created when new."""
    if not name or not name.strip():
        return None
    bureau, _created = Bureau.objects.get_or_create(name=name.strip())
    return bureau


def _department(name: str, bureau: Bureau | None) -> tuple[Department, str]:
    """The department by name, created when new and linked to `bureau` when it has none; a
    note when it already belongs to another bureau (its sheets keep that one's rules)."""
    department, _created = Department.objects.get_or_create(name=name, defaults={"bureau": bureau})
    if bureau is None or department.bureau_id == bureau.pk:
        return department, ""
    if department.bureau_id is None:
        department.bureau = bureau
        department.save(update_fields=["bureau"])
        return department, ""
    return department, _("主管部门已属于“%(theirs)s”，未改为“%(ours)s”") % {
        "theirs": department.bureau,
        "ours": bureau,
    }


def _rule_set(project: Project, year: int) -> RuleSet:
    """The rule set a draft of `project` and `year` is scored by: the one `rule_set_for`
    finds for a new sheet of the project (its bureau's, else the default), saved."""
    found = rule_set_for(Sheet(project=project, year=year))
    return found if found.pk is not None else RuleSet.ensure(year)


@transaction.atomic
def save_parsed(
    parsed: ParsedSheet, *, year: int, user=None, bureau: Bureau | None = None
) -> ImportOutcome:
    """Save one parsed sheet as a draft, following the re-import conventions. Amounts are
    stored in 万元 (a 元 sheet's divided by 10 000) and the printed unit is kept."""
    missing = _missing_names(parsed)
    if missing:
        rule_set = RuleSet.ensure(year)
        return ImportOutcome(
            parsed,
            "unsaved",
            None,
            scoring.evaluate(
                normalised_input(parsed, Catalogue(rule_set.scheme_id)), rule_set.to_params()
            ),
            _("缺少%(fields)s，无法归属，未保存") % {"fields": "、".join(missing)},
        )

    department, note = _department(parsed.department.strip(), bureau)
    unit, _created = Unit.objects.get_or_create(department=department, name=parsed.unit.strip())
    project, _created = Project.objects.get_or_create(unit=unit, name=parsed.project.strip())
    rule_set = _rule_set(project, year)
    catalogue = Catalogue(rule_set.scheme_id)
    candidate = normalised_input(parsed, catalogue)
    outcome = _save_sheet(parsed, candidate, project, year, rule_set, catalogue, user)
    if note:
        outcome = replace(outcome, message=f"{outcome.message}；{note}")
    return outcome


def _save_sheet(parsed, candidate, project, year, rule_set, catalogue, user) -> ImportOutcome:
    sheet = Sheet.objects.select_for_update().filter(project=project, year=year).first()
    if sheet is not None:
        stored = _with_content(sheet.pk)
        same = _content(
            stored.to_input(), stored.goal_expected, stored.goal_achieved, stored.amount_unit
        ) == _content(candidate, parsed.goal_expected, parsed.goal_achieved, parsed.amount_unit)
        if same:
            return ImportOutcome(
                parsed, "unchanged", stored, stored.evaluate(), _("内容相同，未改动")
            )
        if sheet.status != Sheet.Status.DRAFT:
            return ImportOutcome(
                parsed,
                "skipped",
                stored,
                stored.evaluate(),
                _("已是“%(status)s”状态，未改动") % {"status": sheet.get_status_display()},
            )
        sheet.indicators.all().delete()
        sheet.budget_lines.all().delete()
        sheet.version += 1
        action = "updated"
    else:
        sheet = Sheet(project=project, year=year, status=Sheet.Status.DRAFT)
        action = "created"

    sheet.rule_set = rule_set if rule_set.pk else None
    sheet.budget_weight = candidate.budget_weight
    sheet.amount_unit = (
        Sheet.AmountUnit.YUAN if parsed.amount_unit == "yuan" else Sheet.AmountUnit.WAN
    )
    sheet.goal_expected = parsed.goal_expected
    sheet.goal_achieved = parsed.goal_achieved
    sheet.unplaced_lines = [{"line": n, "text": t} for n, t in parsed.unplaced]
    sheet.updated_by = user if user is not None and user.is_authenticated else None
    sheet.save()
    _write_content(sheet, candidate, catalogue, sheet.updated_by)
    figures.store(sheet)
    saved = _with_content(sheet.pk)
    message = _("新建") if action == "created" else _("已更新草稿内容")
    return ImportOutcome(parsed, action, saved, saved.evaluate(), message)


def _with_content(pk: int) -> Sheet:
    return Sheet.objects.prefetch_related(
        "budget_lines", "indicators__level1", "indicators__level2"
    ).get(pk=pk)


def _write_content(
    sheet: Sheet, content: scoring.SheetInput, catalogue: Catalogue, user=None
) -> None:
    lines = []
    for position, key in enumerate(scoring.FUNDS_ROWS):
        funds = content.funds.get(key, scoring.FundsLine())
        lines.append(
            BudgetLine(
                sheet=sheet,
                kind=key,
                position=position,
                initial=funds.initial,
                annual=funds.annual,
                executed=funds.executed,
            )
        )
    bulk_create_with_history(lines, BudgetLine, default_user=user)
    rows = []
    for position, item in enumerate(content.indicators):
        l1, l2 = catalogue.resolve(item.level1, item.level2)
        row = Indicator(
            sheet=sheet,
            position=position,
            level1=l1,
            level2=l2,
            name=item.name,
            target_text=item.target,
            actual_text=item.actual,
            weight=item.weight,
            score=item.score,
            reason=item.reason,
            applicable=item.applicable,
        )
        rows.append(row)
    Indicator.create_many(rows, user=user)


def _score_value(value: Decimal | None) -> Decimal | None:
    # A weight or score of 100 000 or more is a misread cell, not a score: treat it as missing.
    if value is None or abs(value) >= 100_000:
        return None
    return _cents(value)


def _cents(value: Decimal | None) -> Decimal | None:
    """A weight or score as the database stores it: two decimal places."""
    return value.quantize(Decimal("0.01")) if value is not None else None


SIX_PLACES = Decimal("0.000001")
MAX_WAN = Decimal(10) ** 14


def _wan(value: Decimal | None, unit: str) -> Decimal | None:
    """An amount as stored: in 万元 with six places (a 元 amount ÷ 10 000, exact to the 分)."""
    if value is None:
        return None
    wan = value.scaleb(-4) if unit == "yuan" else value
    # More than the column's 14 integer digits is a misread cell, not an amount.
    if abs(wan) >= MAX_WAN:
        return None
    return wan.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
