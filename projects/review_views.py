"""The review: return, approve and reopen; comment threads; evidence files; work lists;
history and what changed since the previous submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators.models import Indicator, Level2

from .access import get_sheet_for_user, scope_sheets, user_department, user_unit
from .diff import SheetDiff, diff_snapshots
from .models import BudgetLine, Comment, Evidence, Sheet, SheetTransition
from .rules import may
from .services import (
    CommentRequired,
    EvidenceRefused,
    comment_add,
    comment_set_resolved,
    evidence_add,
    evidence_delete,
    sheet_transition,
)
from .sheet_view import sheet_queryset

ACTION_MESSAGES = {
    "return": _("已退回，填报单位将看到您的意见。"),
    "approve": _("已审核通过。"),
    "reopen": _("已重新打开，填报单位可以修改后再次提交。"),
}


@dataclass
class Thread:
    first: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class Notes:
    """What stands beside one row (or budget line, or the whole sheet) on the review page."""

    threads: list[Thread] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    change: object = None
    row_id: int | None = None

    @property
    def open_count(self) -> int:
        return sum(1 for t in self.threads if t.first.resolved_at is None)


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


def review_context(request: HttpRequest, sheet: Sheet, view) -> dict:
    """Comments, evidence and changes laid beside the rows of the official sheet."""
    comments = list(sheet.comments.select_related("author", "resolved_by"))
    evidence = list(sheet.evidence.select_related("uploaded_by"))
    diff, transitions = submission_diff(sheet)
    row_ids = [row.pk for row in sheet.indicators.all()]
    annotated = []
    for row, row_id in zip(view.rows, row_ids, strict=True):
        annotated.append(
            (
                row,
                Notes(
                    threads=threads_of([c for c in comments if c.indicator_id == row_id]),
                    evidence=[e for e in evidence if e.indicator_id == row_id],
                    change=diff.for_row(row_id) if diff else None,
                    row_id=row_id,
                ),
            )
        )
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
    user = request.user
    return {
        "annotated_rows": annotated,
        "funds_notes": [(row, funds_notes[row.key]) for row in view.funds],
        "sheet_notes": sheet_notes,
        "orphan_threads": orphans,
        "open_comments": sum(1 for c in comments if c.is_open),
        "diff": diff,
        "transitions": transitions,
        "can": {
            action: may(user, action, sheet)
            for action in (
                "edit",
                "submit",
                "attach",
                "comment",
                "resolve",
                "return",
                "approve",
                "reopen",
            )
        },
    }


@login_required
@require_POST
def sheet_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """退回, 审核通过 or 重新打开, each with its comment."""
    sheet = get_sheet_for_user(request.user, pk, action=action)
    try:
        sheet_transition(
            sheet=sheet, user=request.user, action=action, comment=request.POST.get("comment", "")
        )
    except CommentRequired:
        messages.error(request, _("请写明意见：退回或重新打开时至少要有一条意见。"))
        return redirect(sheet)
    messages.success(request, ACTION_MESSAGES[action])
    return redirect(sheet)


def _anchor(sheet: Sheet, request: HttpRequest):
    indicator = None
    if request.POST.get("indicator"):
        indicator = get_object_or_404(Indicator, pk=request.POST["indicator"], sheet=sheet)
    budget_line = request.POST.get("budget_line", "")
    if budget_line and budget_line not in BudgetLine.Kind.values:
        raise Http404
    return indicator, budget_line


def _back(sheet: Sheet, indicator=None, budget_line: str = "") -> str:
    if indicator is not None:
        return f"{sheet.get_absolute_url()}#row-{indicator.position}"
    if budget_line:
        return f"{sheet.get_absolute_url()}#funds"
    return f"{sheet.get_absolute_url()}#comments"


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="comment")
    indicator, budget_line = _anchor(sheet, request)
    parent = None
    if request.POST.get("parent"):
        parent = get_object_or_404(Comment, pk=request.POST["parent"], sheet=sheet)
    body = request.POST.get("body", "").strip()
    if not body:
        messages.error(request, _("意见内容不能为空。"))
        return redirect(_back(sheet, indicator, budget_line))
    comment = comment_add(
        sheet=sheet,
        user=request.user,
        body=body,
        indicator=indicator,
        budget_line=budget_line,
        parent=parent,
    )
    return redirect(_back(sheet, comment.indicator, comment.budget_line))


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="resolve")
    comment = get_object_or_404(Comment, pk=comment_id, sheet=sheet, parent=None)
    comment_set_resolved(
        comment=comment, user=request.user, resolved=request.POST.get("resolved") != "0"
    )
    return redirect(_back(sheet, comment.indicator, comment.budget_line))


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="attach")
    indicator, _unused = _anchor(sheet, request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            evidence_add(sheet=sheet, user=request.user, upload=upload, indicator=indicator)
        except EvidenceRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("已上传 %(name)s。") % {"name": upload.name})
    return redirect(_back(sheet, indicator))


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    """Evidence is only ever served here, after the same check as the sheet itself."""
    sheet = get_sheet_for_user(request.user, pk, action="view")
    evidence = get_object_or_404(Evidence, pk=evidence_id, sheet=sheet)
    inline = evidence.content_type in ("application/pdf", "image/png", "image/jpeg")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    sheet = get_sheet_for_user(request.user, pk, action="attach")
    evidence = get_object_or_404(Evidence, pk=evidence_id, sheet=sheet)
    evidence_delete(evidence=evidence, user=request.user)
    messages.success(request, _("已删除 %(name)s。") % {"name": evidence.name})
    return redirect(_back(sheet, evidence.indicator))


def _with_counts(queryset):
    return queryset.annotate(
        open_comments=Count(
            "comments", filter=Q(comments__parent=None, comments__resolved_at=None), distinct=True
        ),
        submitted_at=Max("transitions__created_at", filter=Q(transitions__to_status="submitted")),
    )


@login_required
@require_GET
def review_inbox(request: HttpRequest) -> HttpResponse:
    """The reviewer's inbox: sheets awaiting review in its department, oldest first."""
    if user_department(request.user) is None and not request.user.is_superuser:
        raise PermissionDenied
    sheets = _with_counts(
        scope_sheets(request.user)
        .filter(status=Sheet.Status.SUBMITTED)
        .select_related("project__unit__department")
    ).order_by("submitted_at", "pk")
    return render(request, "projects/review_inbox.html", {"sheets": sheets})


STATE_ORDER = [
    Sheet.Status.RETURNED,
    Sheet.Status.DRAFT,
    Sheet.Status.SUBMITTED,
    Sheet.Status.APPROVED,
]


@login_required
@require_GET
def unit_overview(request: HttpRequest) -> HttpResponse:
    """The unit's sheets by state, returned ones first."""
    unit = user_unit(request.user)
    if unit is None:
        raise PermissionDenied
    order = Case(
        *[When(status=s, then=Value(i)) for i, s in enumerate(STATE_ORDER)],
        output_field=IntegerField(),
    )
    sheets = (
        _with_counts(scope_sheets(request.user).select_related("project"))
        .annotate(state_order=order)
        .order_by("state_order", "-year", "project__name")
    )
    groups = [
        (Sheet.Status(status).label, status, list(items))
        for status, items in groupby(sheets, key=lambda s: s.status)
    ]
    return render(request, "projects/unit_overview.html", {"unit": unit, "groups": groups})


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    what: str
    changes: tuple


def _shown(field_name: str, value, level2_names: dict) -> str:
    """A historical value as a person reads it: labels, not codes."""
    if value is None or value == "":
        return ""
    if field_name == "status":
        return str(Sheet.Status(value).label)
    if field_name == "level2_id":
        return level2_names.get(value, "")
    if field_name == "applicable":
        return str(_("适用") if value else _("不适用"))
    return str(value)


def _record_changes(records, fields, label_of, level2_names=None) -> list[HistoryEntry]:
    level2_names = level2_names or {}
    entries = []
    records = sorted(records, key=lambda r: (r.id, r.history_date, r.history_id))
    for _id, group in groupby(records, key=lambda r: r.id):
        previous = None
        for record in group:
            who = (
                record.history_user.get_full_name() or record.history_user.username
                if record.history_user
                else _("系统导入")
            )
            what = label_of(record)
            if record.history_type == "+":
                changes = ((_("新建"), "", ""),)
            elif record.history_type == "-":
                changes = ((_("删除"), "", ""),)
            else:
                changes = tuple(
                    (
                        name,
                        _shown(f, getattr(previous, f), level2_names),
                        _shown(f, getattr(record, f), level2_names),
                    )
                    for f, name in fields
                    if previous is not None and getattr(previous, f) != getattr(record, f)
                )
            previous = record
            if changes:
                entries.append(HistoryEntry(record.history_date, who, what, changes))
    return entries


@login_required
@require_GET
def sheet_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to the sheet, its rows and its budget lines, with who and when."""
    sheet = get_sheet_for_user(request.user, pk, queryset=sheet_queryset())
    sheet_fields = [
        ("status", "状态"),
        ("budget_weight", "预算执行分值"),
        ("goal_expected", "预期目标"),
        ("goal_achieved", "实际完成情况"),
        ("version", _("版本")),
    ]
    row_fields = [
        ("position", _("顺序")),
        ("name", "三级指标"),
        ("target_text", "年度指标值"),
        ("actual_text", "实际完成值"),
        ("weight", "分值"),
        ("score", "得分"),
        ("reason", "偏差原因分析及改进措施"),
        ("applicable", _("适用")),
        ("level2_id", "二级指标"),
    ]
    line_fields = [("initial", "年初预算数"), ("annual", "全年预算数"), ("executed", "全年执行数")]
    entries = _record_changes(
        Sheet.history.filter(id=sheet.pk).select_related("history_user"),
        sheet_fields,
        lambda r: str(_("整张表")),
    )
    entries += _record_changes(
        Indicator.history.filter(sheet_id=sheet.pk).select_related("history_user"),
        row_fields,
        lambda r: _("第 %(n)s 行 %(name)s") % {"n": r.position % 10_000 + 1, "name": r.name},
        dict(Level2.objects.values_list("pk", "name")),
    )
    entries += _record_changes(
        BudgetLine.history.filter(sheet_id=sheet.pk).select_related("history_user"),
        line_fields,
        lambda r: BudgetLine.Kind(r.kind).label,
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    transitions = sheet.transitions.select_related("user").order_by("-created_at")
    return render(
        request,
        "projects/sheet_history.html",
        {"sheet": sheet, "entries": entries, "transitions": transitions},
    )
