"""The review: the sheet page with its comments, evidence and changes; return, approve and
reopen; comment threads; evidence files; each role's work list; the history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from projects.access import (
    awaiting_states,
    filler_unit,
    get_sheet_for_user,
    landing,
    require,
    reviewer_department,
)
from projects.audit import services as audit_services
from projects.content import Quoting, for_message
from projects.models import BudgetLine, Comment, Evidence, Indicator, Sheet, rule_set_for
from projects.paging import KnownCount
from projects.publication.services import publication_state
from projects.sheets.selectors import sheet_queryset, with_previous_year, year_over_year
from projects.sheets.view_model import build_sheet_view

from . import bulk
from .selectors import (
    HISTORY_KINDS,
    editor_review,
    history,
    history_of,
    history_people,
    inbox,
    inbox_count,
    overview_groups,
    review_context,
    with_changes,
    with_open_comments,
)
from .services import (
    CommentRequired,
    EvidenceRefused,
    StaleEdit,
    comment_add,
    comment_set_resolved,
    evidence_add,
    evidence_delete,
    review_action,
)

# The review inside the sheet's editor (static/js/editor-review.js places it).
EDITOR_REVIEW = "projects/review/editor_review.html"
# The inbox shows this many sheets a page, like the sheet list.
INBOX_PAGE_SIZE = 50

# Lazy: worded in the language of the request that shows them.
ACTION_MESSAGES = {
    "return": _("已退回，填报单位将看到您的意见。"),
    "approve": _("已审核通过。"),
    "reopen": _("已重新打开，填报单位可以修改后再次提交。"),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is: the unit's overview, the reviewer's inbox."""
    return redirect(landing(request.user))


@login_required
@require_GET
def sheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The official sheet with everything the review put beside it."""
    queryset = with_previous_year(sheet_queryset())
    sheet = get_sheet_for_user(request.user, pk, queryset=queryset)
    rule_set = rule_set_for(sheet)
    view = build_sheet_view(sheet, rule_set)
    last_year = year_over_year(sheet)
    context = {
        "sheet": sheet,
        "view": view,
        **review_context(request.user, sheet, view, rule_set, last_year=last_year),
        "publication": publication_state(request.user, sheet),
    }
    return render(request, "projects/review/sheet_detail.html", context)


@login_required
@require_POST
def sheet_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """退回, 审核通过 or 重新打开, each with its comment."""
    sheet = get_sheet_for_user(request.user, pk, action=action)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # a form without the version it was made for is stale by definition
    try:
        review_action(
            sheet=sheet,
            user=request.user,
            action=action,
            version=version,
            comment=request.POST.get("comment", ""),
        )
    except CommentRequired:
        _refused(request, sheet, action, "comment_required")
        messages.error(request, _("请写明意见：退回或重新打开时至少要有一条意见。"))
        return redirect(sheet)
    except StaleEdit as stale:
        _refused(request, sheet, action, "stale")
        messages.error(request, for_message(stale_review_message(stale)))
        return redirect(sheet)
    messages.success(request, ACTION_MESSAGES[action])
    return redirect(sheet)


def _refused(request: HttpRequest, sheet: Sheet, action: str, reason: str) -> None:
    """A return, approve or reopen the rules refused, in the audit log (after the rollback)."""
    audit_services.record(
        "transition",
        request=request,
        obj=sheet,
        result="refused",
        params={"action": action, "reason": reason},
    )


def stale_review_message(stale: StaleEdit) -> str:
    """Why an approve, return or reopen was refused: the sheet changed since the page loaded."""
    if stale.by is None:
        return _(
            "未执行：您打开此页后，该表已由导入于 %(when)s 更新为第 %(version)s 版。"
            "请查看最新内容后再操作。"
        ) % {"when": _local(stale.at), "version": stale.version}
    # The person's name is content: marked Chinese in the sentence the page shows.
    return Quoting(
        _(
            "未执行：您打开此页后，%(who)s 于 %(when)s 将该表保存为第 %(version)s 版。"
            "请查看最新内容后再操作。"
        ),
        {"who": stale.by.get_full_name() or stale.by.get_username()},
        when=_local(stale.at),
        version=stale.version,
    ).html


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


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
        if _in_editor(request):
            return _editor_panel(request, sheet, _("意见内容不能为空。"), where=parent, status=400)
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
    if _in_editor(request):
        return _editor_panel(
            request,
            sheet,
            _("已发送。"),
            where=comment.parent or comment.indicator or sheet,
            done=True,
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
        outcome, done = _("请选择要上传的文件。"), False
    else:
        try:
            evidence_add(sheet=sheet, user=request.user, upload=upload, indicator=indicator)
        except EvidenceRefused as refused:
            outcome, done = str(refused), False
        else:
            outcome, done = Quoting(_("已上传 %(name)s。"), {"name": upload.name}), True
    if _in_editor(request):
        where = indicator or sheet
        return _editor_panel(
            request, sheet, outcome, where=where, done=done, status=200 if done else 400
        )
    (messages.success if done else messages.error)(request, for_message(outcome))
    return redirect(_back(sheet, indicator))


# Evidence that the browser may show inline; everything else downloads.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    """Evidence is only ever served here, after the same check as the sheet itself."""
    sheet = get_sheet_for_user(request.user, pk, action="view")
    evidence = get_object_or_404(Evidence, pk=evidence_id, sheet=sheet)
    audit_services.record("evidence_download", request=request, obj=evidence)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=evidence.content_type not in INLINE_TYPES,
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
    outcome = Quoting(_("已删除 %(name)s。"), {"name": evidence.name})
    if _in_editor(request):
        return _editor_panel(request, sheet, outcome, where=evidence.indicator or sheet, done=True)
    messages.success(request, for_message(outcome))
    return redirect(_back(sheet, evidence.indicator))


@login_required
@require_GET
def editor_review_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The review inside the sheet's editor: the reviewer's threads on the rows where the
    clerk makes the fix, each with a reply box, and every saved row's files with an upload.
    static/js/editor-review.js loads it and places each row's block under its row; replies,
    uploads and deletions made there answer with the panel drawn again."""
    sheet = get_sheet_for_user(request.user, pk, action="edit")
    return _editor_panel(request, sheet)


def _in_editor(request: HttpRequest) -> bool:
    return request.POST.get("in_editor") == "1"


def _editor_panel(
    request: HttpRequest, sheet: Sheet, outcome: str = "", *, where=None, done=False, status=200
) -> HttpResponse:
    """The editor's review panel, with what the last reply or upload did, shown at `where` (a
    thread's first comment, a row, or the sheet)."""
    at = ""
    if isinstance(where, Comment):
        at = f"thread-{where.pk}"
    elif isinstance(where, Indicator):
        at = f"row-{where.pk}"
    elif where is not None:
        at = "sheet"
    context = {
        "sheet": sheet,
        "review": editor_review(request.user, sheet),
        "outcome": {"text": outcome, "at": at, "done": done} if outcome else None,
    }
    return render(request, EDITOR_REVIEW, context, status=status)


@login_required
@require_GET
def review_inbox(request: HttpRequest) -> HttpResponse:
    """The inbox: the sheets awaiting this user's decision, oldest submission first — the
    主管部门's (已提交), 财政's (主管部门已审核), or both for the 管理员."""
    require(request.user, "inbox")
    # The number of waiting sheets from the counts kept per unit and year, not a COUNT of
    # them all; the page itself is read from the inbox's index.
    paginator = KnownCount(inbox(request.user), INBOX_PAGE_SIZE, inbox_count(request.user))
    page = paginator.get_page(request.GET.get("page"))
    states = awaiting_states(request.user)
    context = {
        "sheets": with_changes(with_open_comments(page.object_list)),
        "page": page,
        "query": "",
        # 财政 and the 管理员 see several departments, the 管理员 both tiers' sheets.
        "finance_tier": states == [Sheet.Status.DEPT_APPROVED],
        "many_departments": reviewer_department(request.user) is None,
        "both_tiers": len(states) > 1,
    }
    return render(request, "projects/review/review_inbox.html", context)


@login_required
@require_POST
def bulk_review(request: HttpRequest) -> HttpResponse:
    """The inbox's selected sheets approved or returned at once, each on its own
    (`bulk.bulk_review`); the page lists what happened to each."""
    require(request.user, "inbox")
    action = request.POST.get("action", "")
    if action not in ("approve", "return"):
        return HttpResponseBadRequest()
    try:
        entries = bulk.parse_entries(request.POST.getlist("sheet"))
    except ValueError:
        return HttpResponseBadRequest()
    if not entries:
        messages.error(request, _("请先勾选要批量处理的自评表。"))
        return redirect("projects:review-inbox")
    try:
        outcomes = bulk.bulk_review(
            request.user,
            action,
            entries,
            comment=request.POST.get("comment", ""),
            allow_open_comments=request.POST.get("allow_open_comments") == "1",
        )
    except bulk.BulkTooLarge as too_many:
        messages.error(
            request,
            _("一次最多批量处理 %(limit)d 张表，您选择了 %(count)d 张；未执行任何操作。")
            % {"limit": bulk.BULK_LIMIT, "count": too_many.count},
        )
        return redirect("projects:review-inbox")
    counts = {
        result: sum(1 for o in outcomes if o.result == result)
        for result in ("done", "refused", "not_found")
    }
    response = render(
        request,
        "projects/review/bulk_result.html",
        {"action": action, "outcomes": outcomes, "counts": counts},
    )
    # Added after the page was rendered, so the inbox shows it next (not this page, which
    # lists every sheet already).
    messages.success(request, bulk.summary(action, outcomes))
    return response


@login_required
@require_GET
def unit_overview(request: HttpRequest) -> HttpResponse:
    """The unit's sheets by state, returned ones first."""
    require(request.user, "overview")
    context = {"unit": filler_unit(request.user), "groups": overview_groups(request.user)}
    return render(request, "projects/review/unit_overview.html", context)


@login_required
@require_GET
def sheet_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to the sheet, its rows and its budget lines, with who and when."""
    sheet = get_sheet_for_user(request.user, pk, queryset=sheet_queryset())
    transitions = sheet.transitions.select_related("user").order_by("-created_at")
    kind = request.GET.get("kind", "")
    kind = kind if kind in dict(HISTORY_KINDS) else ""
    person = request.GET.get("person", "")
    entries = history(sheet)
    people = history_people(entries)
    person = person if person in dict(people) else ""
    return render(
        request,
        "projects/review/sheet_history.html",
        {
            "sheet": sheet,
            "entries": history_of(entries, kind=kind, person=person),
            "transitions": transitions,
            "kinds": HISTORY_KINDS,
            "kind": kind,
            "people": people,
            "person": person,
        },
    )
