"""Read-only queries of the review: what stands beside each row of a sheet (comment threads,
evidence, changes since the previous submission), the work lists, and the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import groupby

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from indicators import numbers
from indicators.models import Level2
from projects import official
from projects.access import awaiting_states, may, scope_sheets, scope_units
from projects.content import Quoting
from projects.models import (
    BudgetLine,
    Comment,
    Evidence,
    Indicator,
    Project,
    Sheet,
    SheetTransition,
    UnitYearFigures,
    rule_set_for,
)
from projects.sheets.view_model import SheetView
from projects.workflow import Status

from .diff import SheetDiff, diff_snapshots


@dataclass
class Thread:
    first: Comment
    replies: list[Comment] = field(default_factory=list)

    @property
    def at(self) -> str:
        """Where a reply made in the editor reports what it did."""
        return f"thread-{self.first.pk}"


@dataclass
class Notes:
    """What stands beside one row (or budget line, or the whole sheet) on the sheet page."""

    threads: list[Thread] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    change: object = None
    row_id: int | None = None
    # Last year's row matched to this one (`projects.sheets.selectors.year_over_year`).
    previous: object = None
    # Where a reply or an upload made in the editor reports what it did (`EditorReview`).
    at: str = ""

    @property
    def open_count(self) -> int:
        return sum(1 for t in self.threads if t.first.resolved_at is None)

    @property
    def resolved_threads(self) -> list[Thread]:
        return [t for t in self.threads if t.first.resolved_at is not None]


def threads_of(comments) -> list[Thread]:
    by_id: dict[int, Thread] = {}
    for comment in comments:
        if comment.parent_id is None:
            by_id[comment.pk] = Thread(comment)
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in by_id:
            by_id[comment.parent_id].replies.append(comment)
    return list(by_id.values())


def submission_diff(sheet: Sheet) -> tuple[SheetDiff | None, list[SheetTransition]]:
    """The diff between the last two submissions, and every transition (for the timeline)."""
    transitions = list(sheet.transitions.select_related("user"))
    snapshots = [t.snapshot for t in transitions if t.snapshot]
    if len(snapshots) < 2:
        return None, transitions
    return diff_snapshots(snapshots[-2], snapshots[-1]), transitions


NOTES_TEMPLATE = "projects/review/includes/notes.html"
# Buttons and forms of the sheet page, each shown only to whom `projects.access` allows it.
PAGE_ACTIONS = ("edit", "submit", "attach", "comment", "resolve", "return", "approve", "reopen")


def approve_label(sheet: Sheet, tiers: int) -> str:
    """The approve button says where the sheet goes: on to 财政 after the 主管部门's approval
    in a two-tier year, final otherwise."""
    if sheet.status == Status.SUBMITTED and tiers == 2:
        return _("审核通过，报财政复核")
    if sheet.status == Status.DEPT_APPROVED:
        return _("财政复核通过")
    return _("审核通过")


def review_context(user, sheet: Sheet, view: SheetView, rule_set=None, last_year=None) -> dict:
    """Comments, evidence and changes laid beside the rows of the official sheet, matched by
    each row's id, which actions the user may take, and whether the sheet's rule set (the one
    its view was built with, else looked up) reviews it in one tier or two. `last_year` (the
    sheets room's `year_over_year`) lays last year's figures beside the rows too."""
    comments = list(sheet.comments.select_related("author", "resolved_by"))
    evidence = list(sheet.evidence.select_related("uploaded_by"))
    diff, transitions = submission_diff(sheet)
    annotated = [
        (
            row,
            Notes(
                threads=threads_of([c for c in comments if c.indicator_id == row.row_id]),
                evidence=[e for e in evidence if e.indicator_id == row.row_id],
                change=diff.for_row(row.row_id) if diff else None,
                row_id=row.row_id,
                previous=last_year.get(row.row_id) if last_year else None,
            ),
        )
        for row in view.rows
    ]
    funds_notes = {
        kind: Notes(threads=threads_of([c for c in comments if c.budget_line == kind]))
        for kind in BudgetLine.Kind.values
    }
    sheet_notes = Notes(
        threads=threads_of([c for c in comments if c.anchor == Comment.Anchor.SHEET]),
        evidence=[e for e in evidence if e.indicator_id is None],
    )
    # Threads whose row was deleted since: still shown, with the row's name as it was.
    orphans = threads_of(
        [c for c in comments if c.anchor == Comment.Anchor.ROW and c.indicator_id is None]
    )
    tiers = (rule_set or rule_set_for(sheet)).review_tiers
    return {
        "annotated_rows": annotated,
        "funds_notes": [(row, funds_notes[row.key]) for row in view.funds],
        "sheet_notes": sheet_notes,
        "orphan_threads": orphans,
        "open_comments": sum(1 for c in comments if c.is_open),
        "diff": diff,
        "transitions": transitions,
        "can": {action: may(user, action, sheet) for action in PAGE_ACTIONS},
        "tiers": tiers,
        "approve_label": approve_label(sheet, tiers),
        "last_year": last_year,
        # The official sheet (a sheets template) shows the notes beside its rows with this.
        "notes_template": NOTES_TEMPLATE,
    }


@dataclass
class EditorReview:
    """The review as the sheet's editor shows it: each saved row's threads and files (keyed by
    the row's id, which the editor's rows carry), the funds' and the whole sheet's threads,
    the threads of rows deleted since, and what the user may do there."""

    rows: list[tuple[Indicator, Notes]]
    funds: list[tuple[str, Notes]]
    sheet: Notes
    orphans: list[Thread]
    can: dict[str, bool]

    @property
    def open_count(self) -> int:
        notes = [n for _row, n in self.rows] + [n for _kind, n in self.funds] + [self.sheet]
        return sum(n.open_count for n in notes) + sum(
            1 for t in self.orphans if t.first.resolved_at is None
        )

    @property
    def open_rows(self) -> list[tuple[Indicator, Notes]]:
        return [(row, notes) for row, notes in self.rows if notes.open_count]


def editor_review(user, sheet: Sheet) -> EditorReview:
    """Three queries whatever the number of rows: the rows, the comments, the files."""
    comments = list(sheet.comments.select_related("author", "resolved_by"))
    evidence = list(sheet.evidence.all())
    rows = list(sheet.indicators.only("pk", "position", "name", "sheet_id"))
    return EditorReview(
        rows=[
            (
                row,
                Notes(
                    threads=threads_of([c for c in comments if c.indicator_id == row.pk]),
                    evidence=[e for e in evidence if e.indicator_id == row.pk],
                    row_id=row.pk,
                    at=f"row-{row.pk}",
                ),
            )
            for row in rows
        ],
        funds=[
            (official.FUNDS_ROW_NAMES[kind], Notes(threads=threads_of(thread)))
            for kind in BudgetLine.Kind.values
            if (thread := [c for c in comments if c.budget_line == kind])
        ],
        sheet=Notes(
            threads=threads_of([c for c in comments if c.anchor == Comment.Anchor.SHEET]),
            evidence=[e for e in evidence if e.indicator_id is None],
            at="sheet",
        ),
        orphans=threads_of(
            [c for c in comments if c.anchor == Comment.Anchor.ROW and c.indicator_id is None]
        ),
        can={action: may(user, action, sheet) for action in ("comment", "attach")},
    )


# -- work lists ----------------------------------------------------------------------------


def _with_counts(queryset: QuerySet[Sheet]) -> QuerySet[Sheet]:
    return queryset.annotate(
        open_comments=Count(
            "comments", filter=Q(comments__parent=None, comments__resolved_at=None), distinct=True
        ),
        submitted_at=Max(
            "transitions__created_at", filter=Q(transitions__to_status=Status.SUBMITTED)
        ),
    )


def inbox(user) -> QuerySet[Sheet]:
    """Sheets awaiting this reviewer's decision, oldest submission first: ordered by the
    stored time of each sheet's latest submission (`SheetFigures.submitted_at`, indexed with
    the stored state), so a page of it costs the same however many sheets wait. Count the open comments of a page's
    sheets with `with_open_comments`."""
    awaiting = awaiting_states(user)  # 已提交 (审核人), 主管部门已审核 (财政), both (管理员)
    # The sheet's state is the truth; the same state stored with the figures (by every
    # transition) lets PostgreSQL read the page from the index `figures_awaiting` in order.
    # A resubmission: the sheet was returned before (its reviewer sees what changed since).
    returned = SheetTransition.objects.filter(sheet=OuterRef("pk"), to_status=Status.RETURNED)
    return (
        scope_sheets(user)
        .filter(status__in=awaiting, figures__status__in=awaiting)
        .annotate(resubmitted=Exists(returned))
        .select_related("project__unit__department")
        .annotate(submitted_at=F("figures__submitted_at"))
        .order_by(F("figures__submitted_at").asc(nulls_last=True), "pk")
    )


def inbox_count(user) -> int:
    """How many sheets await this user's decision: summed from the counts kept per unit and
    year (a row a unit and year, not every waiting sheet)."""
    states = awaiting_states(user)
    if not states:
        return 0
    found = UnitYearFigures.objects.filter(unit__in=scope_units(user)).aggregate(
        **{state: Sum(state) for state in states}
    )
    return sum(value or 0 for value in found.values())


def with_open_comments(sheets) -> list[Sheet]:
    """The sheets (one page), each with `open_comments`: its unresolved threads, counted in
    one query for these sheets only."""
    sheets = list(sheets)
    counts = dict(
        Comment.objects.filter(sheet_id__in=[s.pk for s in sheets], parent=None, resolved_at=None)
        .values("sheet_id")
        .annotate(n=Count("pk"))
        .values_list("sheet_id", "n")
    )
    for sheet in sheets:
        sheet.open_comments = counts.get(sheet.pk, 0)
    return sheets


def with_changes(sheets: list[Sheet]) -> list[Sheet]:
    """The sheets (one page), each resubmitted one with `changes`: what changed since its
    previous submission (`SheetDiff.counts`), from the last two submissions' snapshots, read
    for this page's resubmitted sheets only, two a sheet at most (one query)."""
    ids = [s.pk for s in sheets if getattr(s, "resubmitted", False)]
    snapshots: dict[int, list[dict]] = {}
    if ids:
        latest = (
            SheetTransition.objects.filter(sheet_id__in=ids, snapshot__isnull=False)
            .annotate(rank=Window(RowNumber(), partition_by=F("sheet_id"), order_by=F("pk").desc()))
            .filter(rank__lte=2)
            .order_by("sheet_id", "pk")
            .values_list("sheet_id", "snapshot")
        )
        for sheet_id, snapshot in latest:
            snapshots.setdefault(sheet_id, []).append(snapshot)
    for sheet in sheets:
        pair = snapshots.get(sheet.pk, [])
        sheet.changes = diff_snapshots(*pair).counts if len(pair) == 2 else None
    return sheets


# The unit's overview lists returned sheets first: they wait for the unit.
OVERVIEW_ORDER = [
    Status.RETURNED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.DEPT_APPROVED,
    Status.APPROVED,
]


def overview_groups(user) -> list[tuple[str, str, list[Sheet]]]:
    """The unit's sheets by state: (state label, state, sheets)."""
    order = Case(
        *[When(status=s, then=Value(i)) for i, s in enumerate(OVERVIEW_ORDER)],
        output_field=IntegerField(),
    )
    sheets = (
        _with_counts(scope_sheets(user).select_related("project"))
        .annotate(state_order=order)
        .order_by("state_order", "-year", "project__name")
    )
    return [
        (Status(status).label, status, list(items))
        for status, items in groupby(sheets, key=lambda s: s.status)
    ]


# -- history -------------------------------------------------------------------------------


# What an entry is about, for the history's filter: (GET value, label).
CONTENT, STATUS, COMMENT, EVIDENCE, PROJECT = "content", "status", "comment", "evidence", "project"
HISTORY_KINDS = [
    (CONTENT, gettext_lazy("内容修改")),
    (STATUS, gettext_lazy("状态变更")),
    (COMMENT, gettext_lazy("审核意见")),
    (EVIDENCE, gettext_lazy("佐证材料")),
    (PROJECT, gettext_lazy("项目名称")),
]
# The person filter's value for changes no user made (the seed import).
IMPORTED = "import"


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    changes: tuple
    kind: str = CONTENT
    who_id: int | None = None
    # "+" a new record (changes list what it holds), "-" a deleted one (what it held),
    # "~" a change (old → new).
    action: str = "~"


# The fields by the interface's words (an entry names the field it changed, in the reader's
# language); the official labels are for the printed sheet.
SHEET_FIELDS = [
    ("status", gettext_lazy("状态")),
    ("budget_weight", gettext_lazy("预算执行分值")),
    ("goal_expected", gettext_lazy("预期目标")),
    ("goal_achieved", gettext_lazy("实际完成情况")),
    ("amount_unit", gettext_lazy("金额单位")),
]
# The sheet's own fields that are a change of state rather than of content.
SHEET_KINDS = {"status": STATUS}
ROW_FIELDS = [
    ("position", gettext_lazy("顺序")),
    ("name", gettext_lazy("三级指标")),
    ("target_text", gettext_lazy("年度指标值")),
    ("actual_text", gettext_lazy("实际完成值")),
    ("weight", pgettext_lazy("indicator column", "分值")),
    ("score", pgettext_lazy("indicator column", "得分")),
    ("reason", gettext_lazy("偏差原因分析及改进措施")),
    ("applicable", gettext_lazy("适用")),
    ("level2", gettext_lazy("二级指标")),
]
# Stored amounts, in 万元 whatever unit the sheet prints: 全年执行数（万元）.
LINE_FIELDS = [
    ("initial", gettext_lazy("年初预算数（万元）")),
    ("annual", gettext_lazy("全年预算数（万元）")),
    ("executed", gettext_lazy("全年执行数（万元）")),
]
PROJECT_FIELDS = [("name", gettext_lazy("项目名称"))]
COMMENT_FIELDS = [("body", gettext_lazy("内容")), ("resolved_at", gettext_lazy("解决时间"))]
EVIDENCE_FIELDS = [("name", gettext_lazy("文件名"))]


def _shown(field_name: str, value, level2_names: dict) -> str:
    """A historical value as a person reads it: labels, not codes."""
    if value is None or value == "":
        return ""
    if field_name == "status":
        return str(Status(value).label)
    if field_name == "level2":
        return level2_names.get(value, "")
    if field_name == "applicable":
        return str(_("适用") if value else _("不适用"))
    if field_name == "amount_unit":
        return str(Sheet.AmountUnit(value).label)
    if field_name == "position":
        # While rows are reordered their positions are moved out of the way by 10 000.
        return str(value % 10_000 + 1)
    if isinstance(value, Decimal):
        return str(numbers.exact(value))  # 1047.30, 38.766462: the places it needs
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


# Not listed among what a new or deleted record holds: its place is in the entry's label, and
# a row is 适用 unless said otherwise.
SNAPSHOT_HIDDEN = {"position"}


def _snapshot(record, fields, level2_names) -> tuple:
    """What a new (or deleted) record holds, field by field, leaving out the empty ones."""
    held = []
    for f, name in fields:
        value = getattr(record, f"{f}_id" if f == "level2" else f)
        if f in SNAPSHOT_HIDDEN or (f == "applicable" and value):
            continue
        shown = _shown(f, value, level2_names)
        if shown:
            held.append((name, "", shown) if record.history_type == "+" else (name, shown, ""))
    return tuple(held)


def _record_changes(
    records, fields, label_of, kind, level2_names=None, kind_of_field=None
) -> list[HistoryEntry]:
    """One entry per historical record that changed something visible, with each change
    old → new (simple-history's `diff_against` against the record before it); a new or
    deleted record lists what it holds. A save that changed nothing shown (a version bump, a
    row moved out of the way and back) gives no entry. `kind_of_field` sorts some fields into
    another kind: a record changing both gives one entry of each."""
    level2_names = level2_names or {}
    kind_of_field = kind_of_field or {}
    names = dict(fields)
    entries = []
    records = sorted(records, key=lambda r: (r.id, r.history_date, r.history_id))
    for _id, group in groupby(records, key=lambda r: r.id):
        previous = None
        for record in group:
            common = {
                "when": record.history_date,
                "who": _who(record),
                "who_id": record.history_user_id,
                "what": label_of(record),
            }
            if record.history_type in ("+", "-"):
                entries.append(
                    HistoryEntry(
                        changes=_snapshot(record, fields, level2_names),
                        kind=kind,
                        action=record.history_type,
                        **common,
                    )
                )
            elif previous is not None:
                delta = record.diff_against(previous, included_fields=list(names))
                changed = {c.field: c for c in delta.changes}
                by_kind: dict[str, list] = {}
                for f, name in fields:
                    if f not in changed:
                        continue
                    old = _shown(f, changed[f].old, level2_names)
                    new = _shown(f, changed[f].new, level2_names)
                    if old != new:
                        by_kind.setdefault(kind_of_field.get(f, kind), []).append((name, old, new))
                for entry_kind, changes in by_kind.items():
                    entries.append(HistoryEntry(changes=tuple(changes), kind=entry_kind, **common))
            previous = record
    return entries


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return str(_("系统导入"))
    return user.get_full_name() or user.username


def history(sheet: Sheet) -> list[HistoryEntry]:
    """Every change to the sheet, its rows, its budget lines, its project's name, its review
    comments and its evidence files, newest first, in six queries and one for the level-2
    names however many versions there are."""
    entries = _record_changes(
        Sheet.history.filter(id=sheet.pk).select_related("history_user"),
        SHEET_FIELDS,
        lambda r: str(_("整张表")),
        CONTENT,
        kind_of_field=SHEET_KINDS,
    )
    entries += _record_changes(
        Indicator.history.filter(sheet_id=sheet.pk).select_related("history_user"),
        ROW_FIELDS,
        lambda r: Quoting(
            _("第 %(n)s 行 %(name)s"), {"name": r.name}, n=_shown("position", r.position, {})
        ),
        CONTENT,
        dict(Level2.objects.values_list("pk", "name")),
    )
    entries += _record_changes(
        BudgetLine.history.filter(sheet_id=sheet.pk).select_related("history_user"),
        LINE_FIELDS,
        lambda r: Quoting("%(name)s", {"name": BudgetLine.Kind(r.kind).label}),
        CONTENT,
    )
    entries += _record_changes(
        Project.history.filter(id=sheet.project_id).select_related("history_user"),
        PROJECT_FIELDS,
        lambda r: str(_("项目")),
        PROJECT,
    )
    entries += _record_changes(
        Comment.history.filter(sheet_id=sheet.pk).select_related("history_user"),
        COMMENT_FIELDS,
        lambda r: Quoting(_("审核意见“%(start)s”"), {"start": Truncator(r.body).chars(20)}),
        COMMENT,
    )
    entries += _record_changes(
        Evidence.history.filter(sheet_id=sheet.pk).select_related("history_user"),
        EVIDENCE_FIELDS,
        lambda r: Quoting(_("佐证材料 %(name)s"), {"name": r.name}),
        EVIDENCE,
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def history_people(entries: list[HistoryEntry]) -> list[tuple[str, str]]:
    """Who made the entries, as the person filter offers them: (GET value, name)."""
    people = {(str(e.who_id) if e.who_id else IMPORTED): e.who for e in entries}
    return sorted(people.items(), key=lambda p: p[1])


def history_of(entries: list[HistoryEntry], *, kind: str, person: str) -> list[HistoryEntry]:
    """The entries of one kind (a HISTORY_KINDS value) made by one person (a `history_people`
    value); "" for either means any."""
    return [
        e
        for e in entries
        if (not kind or e.kind == kind)
        and (not person or (str(e.who_id) if e.who_id else IMPORTED) == person)
    ]
