"""Every page in English: no Chinese text outside elements marked lang="zh-Hans".

The interface is translated; the content stays as it is: the official sheet's labels (the
form's own Chinese), what users typed (names, targets, reasons, comments) and the catalogue.
Content is marked `lang="zh-Hans"` (templates: `{{ value|zh }}` or a `lang` on its cell), so
this walk can tell the two apart. It visits every URL pattern of the project, each as a role
allowed to see it, with objects in every state the page shows; a new pattern fails the walk
until it is listed in `WALK` (or in `NOT_HTML` with the reason it serves no page).

What is read: the text of the page (the contents of `<template>` too: rows added by the
editor are interface), `<title>`, and the attributes a user sees or that scripts show
(title, placeholder, aria-label, alt, a button's value, data-*). Not read: `<script>` and
`<style>`, and form fields' values (what the user typed: an input's value, a textarea).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from tests.helpers import current_totp, logged_in

CHINESE = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# <title> mixes names with words and HTML cannot mark a part of it: its words are the
# heading's, which is read.
SKIPPED = {"script", "style", "textarea", "title"}
# Elements whose content is text only (a browser shows or drops any tag in them).
RAW_TEXT = {"textarea", "title", "option"}
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}


class InterfaceText(HTMLParser):
    """Collects the Chinese outside `lang="zh…"` subtrees (and outside script/style)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.found: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _check(self, text: str, where: str) -> None:
        for match in CHINESE.finditer(text):
            start, end = max(match.start() - 20, 0), match.end() + 20
            self.found.append(f"{where}: …{' '.join(text[start:end].split())}…")

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").lower()
        if self.stack and self.stack[-1][0] in RAW_TEXT:
            # A mark inside text that takes no markup shows as text, or is lost.
            self.found.append(f"<{tag}> inside <{self.stack[-1][0]}>")
        # A lang attribute holds for the element's subtree until another one (interface
        # inside content: a note in a cell of the official sheet) says otherwise.
        if tag in SKIPPED or (self.stack and self.stack[-1][0] in SKIPPED):
            skipped = True
        elif lang:
            skipped = lang.startswith("zh")
        else:
            skipped = self.skipping
        if not skipped:
            for name, value in attrs.items():
                if not value:
                    continue
                button = tag == "button" or attrs.get("type") in {"submit", "button", "reset"}
                if (
                    name in SHOWN_ATTRIBUTES
                    or name.startswith("data-")
                    or (name == "value" and button)
                ):
                    self._check(value, f"<{tag} {name}>")
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data) -> None:
        if not self.skipping:
            self._check(data, "text")


def chinese_outside_content(html: str) -> list[str]:
    parser = InterfaceText()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_parser_tells_interface_from_content():
    html = (
        '<html lang="en"><title>Sheets</title><body><h1>Sheet <span lang="zh-Hans">人才公寓'
        '</span></h1><td lang="zh-Hans"><b>项目名称</b><br>x</td><p title="编辑">Edit</p>'
        "<script>var a = '中文';</script><textarea>用户输入</textarea><template><td>行</td>"
        '</template><input type="text" value="名称"><button value="保存">Save</button>'
        '<div lang="zh-Hans">表<p lang="en">注意</p></div>'
        '<option><span lang="zh-Hans">单位</span></option></body>'
    )
    found = chinese_outside_content(html)
    assert [f.split(":")[0] for f in found] == [
        "<p title>",
        "text",
        "<button value>",
        "text",
        "<span> inside <option>",
    ]


# --- the objects every page needs -------------------------------------------------------


@dataclass
class World:
    users: dict
    ids: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)

    def client(self, role: str | None) -> Client:
        if role not in self.clients:
            client = Client() if role is None else logged_in(self.users[role])
            client.cookies["django_language"] = "en"
            self.clients[role] = client
        return self.clients[role]


@pytest.fixture
def world(seed, settings) -> World:
    from django.contrib.auth import get_user_model

    from projects.audit.models import AuditRecord
    from projects.models import Comment, Department, ExportJob, Sheet
    from projects.publication.services import publish
    from projects.rechecks.services import draw_chosen
    from projects.review.services import comment_add, evidence_add
    from projects.tasks.models import EvaluationTask, TaskItem

    call_command("load_demo", stdout=StringIO())
    users = {u.username: u for u in get_user_model().objects.all()}
    world = World(users)
    sheets = Sheet.objects.filter(project__unit__name="上海市人才服务中心", year=2023)
    by_status = {}
    for sheet in sheets.order_by("pk"):
        by_status.setdefault(sheet.status, sheet)
    draft = by_status[Sheet.Status.DRAFT]
    returned = sheets.get(project__name="人才引进一网通办服务专项")
    approved = sheets.get(project__name="上海市流动人才党员服务管理专项")
    submitted = sheets.get(project__name="人才大厦运行维护经费")
    row = returned.indicators.order_by("position").first()
    comment_add(sheet=returned, user=users["filler"], body="已按意见修改。", indicator=row)
    evidence = evidence_add(
        sheet=returned,
        user=users["filler"],
        upload=SimpleUploadedFile("满意度调查.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        indicator=row,
    )
    publish(users["finance"], approved)
    recheck = draw_chosen(users["finance"], year=2023, sheet_ids=[approved.pk], title="首批抽查")
    job = ExportJob.objects.create(
        user=users["filler"], kind=ExportJob.Kind.SUMMARY, year=2023, unit=draft.project.unit
    )
    from projects.exports.tasks import run_export_job

    run_export_job.enqueue(job.pk)
    task = EvaluationTask.objects.get()
    late = Department.objects.get(name="上海市民政局")
    world.ids = {
        "draft": draft.pk,
        "returned": returned.pk,
        "approved": approved.pk,
        "submitted": submitted.pk,
        "evidence": evidence.pk,
        "comment": Comment.objects.filter(sheet=returned, resolved_at=None).first().pk,
        "recheck": recheck.pk,
        "recheck_sheet": approved.pk,
        "job": job.pk,
        "task": task.pk,
        "item": TaskItem.objects.filter(task=task, project__unit__department=late).first().pk,
        "late_department": late.pk,
        "department": approved.project.unit.department_id,
        "bureau": approved.project.unit.department.bureau_id,
        "audit": AuditRecord.objects.order_by("-pk").first().pk,
        "user": users["filler_other"].pk,
        "deadline": (timezone.localdate() + timedelta(days=9)).isoformat(),
    }
    return world


# --- the walk: every URL pattern, who opens it, how ----------------------------------------


@dataclass(frozen=True)
class Visit:
    role: str | None
    kwargs: Callable[[dict], dict] = lambda ids: {}
    method: str = "get"
    data: Callable[[dict], dict] = lambda ids: {}
    query: str = ""
    htmx: bool = False
    follow: bool = False
    status: int = 200


def sheet(key: str) -> Callable[[dict], dict]:
    return lambda ids: {"pk": ids[key]}


# Every page of the app; actions (POST) are followed to the page they land on, with its
# message. Their order matters: one world serves the whole walk.
WALK: dict[str, list[Visit]] = {
    "projects:home": [Visit(r, follow=True) for r in ("filler", "reviewer", "finance", "admin")],
    "projects:sheet-list": [Visit("filler"), Visit("admin", query="?status=draft&year=2023")],
    "projects:sheet-new": [
        Visit("filler"),
        Visit("filler", method="post", data=lambda ids: {"project_name": "", "year": "2023"}),
    ],
    "projects:sheet-edit": [Visit("filler", sheet("draft")), Visit("filler", sheet("returned"))],
    "projects:sheet-edit-preview": [
        Visit("filler", sheet("draft"), method="post", htmx=True, data=lambda ids: {}),
    ],
    "projects:sheet-submit": [
        Visit("filler", sheet("approved"), method="post", status=403),
    ],
    "projects:sheet-delete": [Visit("filler", sheet("draft"))],
    # The review panel the editor loads (a fragment).
    "projects:editor-review": [Visit("filler", sheet("returned"), htmx=True)],
    "projects:review-inbox": [Visit("reviewer"), Visit("finance")],
    "projects:review-bulk": [
        Visit("reviewer", method="post", data=lambda ids: {"action": "approve"}, follow=True),
    ],
    "projects:unit-overview": [Visit("filler")],
    "projects:sheet-detail": [
        Visit(r, sheet(k))
        for r, k in (
            ("filler", "draft"),
            ("filler", "returned"),
            ("reviewer", "submitted"),
            ("finance", "approved"),
            ("admin", "approved"),
        )
    ],
    "projects:sheet-return": [
        Visit("reviewer", sheet("submitted"), method="post", follow=True, data=lambda ids: {}),
    ],
    "projects:sheet-approve": [
        Visit("reviewer", sheet("submitted"), method="post", follow=True, data=lambda ids: {}),
    ],
    "projects:sheet-reopen": [
        # Published: it must be taken back first, the refusal page says so.
        Visit("admin", sheet("approved"), method="post", status=403),
    ],
    "projects:comment-create": [
        Visit(
            "reviewer",
            sheet("returned"),
            method="post",
            follow=True,
            data=lambda ids: {"body": ""},
        ),
    ],
    "projects:comment-resolve": [
        Visit(
            "reviewer",
            lambda ids: {"pk": ids["returned"], "comment_id": ids["comment"]},
            method="post",
            follow=True,
        ),
    ],
    "projects:evidence-upload": [
        Visit("filler", sheet("returned"), method="post", follow=True),
    ],
    "projects:evidence-delete": [
        Visit(
            "filler",
            lambda ids: {"pk": ids["returned"], "evidence_id": ids["evidence"]},
            method="post",
            follow=True,
        ),
    ],
    "projects:sheet-history": [Visit("reviewer", sheet("returned"))],
    "projects:export-jobs": [
        Visit("filler"),
        Visit("filler", method="post", data=lambda ids: {"kind": "summary"}),
    ],
    # A fragment the export page polls.
    "projects:export-job": [Visit("filler", lambda ids: {"job_id": ids["job"]}, htmx=True)],
    "projects:summary": [Visit("finance"), Visit("reviewer", query="?year=2023")],
    "projects:dashboard": [Visit("finance"), Visit("reviewer"), Visit("filler")],
    "projects:dashboard-units": [Visit("finance")],
    "projects:dashboard-projects": [Visit("finance")],
    "projects:checks": [Visit("finance"), Visit("reviewer")],
    "projects:recheck-list": [
        Visit("finance"),
        Visit(
            "finance",
            method="post",
            data=lambda ids: {"draw": "chosen", "year": "2023"},
            status=400,
        ),
    ],
    "projects:recheck-detail": [Visit("finance", lambda ids: {"pk": ids["recheck"]})],
    "projects:recheck-sheet": [
        Visit("finance", lambda ids: {"pk": ids["recheck"], "sheet_pk": ids["recheck_sheet"]}),
    ],
    "projects:public-index": [Visit(None)],
    "projects:public-sheet": [Visit(None, sheet("approved"))],
    "projects:public-department": [
        Visit(None, lambda ids: {"year": 2023, "department_id": ids["department"]}),
    ],
    "projects:public-bureau": [
        Visit(None, lambda ids: {"year": 2023, "bureau_id": ids["bureau"]}),
    ],
    "projects:sheet-unpublish": [
        Visit("finance", sheet("approved"), method="post", follow=True),
    ],
    "projects:sheet-publish": [
        Visit("finance", sheet("approved"), method="post", follow=True),
    ],
    "projects:task-list": [Visit("finance"), Visit("filler"), Visit("admin")],
    "projects:task-new": [
        Visit("finance"),
        Visit("admin"),
        Visit("finance", method="post", data=lambda ids: {"title": "", "year": "2023"}),
    ],
    "projects:task-detail": [
        Visit("finance", lambda ids: {"pk": ids["task"]}),
        Visit("reviewer", lambda ids: {"pk": ids["task"]}),
    ],
    "projects:task-deadline": [
        Visit(
            "finance",
            lambda ids: {"pk": ids["task"]},
            method="post",
            follow=True,
            data=lambda ids: {"department": ids["department"], "deadline": ids["deadline"]},
        ),
    ],
    "projects:task-deadline-clear": [
        Visit(
            "finance",
            lambda ids: {"pk": ids["task"], "department_id": ids["late_department"]},
            method="post",
            follow=True,
        ),
    ],
    "projects:task-add-items": [
        Visit("finance", lambda ids: {"pk": ids["task"]}, method="post", status=400),
    ],
    "projects:task-item-start": [
        Visit("filler", lambda ids: {"pk": ids["item"]}, method="post", status=404),
    ],
    "projects:task-cancel": [
        Visit("finance", lambda ids: {"pk": ids["task"]}, method="post", status=400),
    ],
    "projects:todo": [Visit(r) for r in ("filler", "reviewer", "finance", "admin")],
    "projects:audit-log": [Visit("auditor"), Visit("auditor", query="?action=login")],
    "projects:audit-record": [Visit("auditor", lambda ids: {"pk": ids["audit"]})],
    "accounts:list": [Visit("admin")],
    "accounts:reset-devices": [
        Visit("admin", lambda ids: {"pk": ids["user"]}, method="post", follow=True),
    ],
    "accounts:unlock": [
        Visit("admin", lambda ids: {"pk": ids["user"]}, method="post", follow=True)
    ],
    "accounts:password-change": [
        Visit("filler"),
        Visit("filler", method="post", data=lambda ids: {"old_password": "x"}),
    ],
    "login": [
        Visit(None),
        Visit(None, method="post", data=lambda ids: {"username": "nobody", "password": "x"}),
    ],
    "logout": [Visit("filler_other", method="post", follow=True)],
    # The second factor and the enrollment are walked by their own test below.
    "accounts:verify": [],
    "accounts:enroll": [],
    "accounts:recovery-codes": [],
}

# Patterns that serve no HTML page: files, JSON, or an answer without a body.
NOT_HTML = {
    "projects:sheet-json": "the sheet's JSON (content, keyed by the official labels)",
    "projects:sheet-pdf": "the official sheet as PDF: Chinese throughout (lang zh-hans)",
    "projects:sheet-xlsx": "the official sheet as Excel",
    "projects:evidence-download": "the uploaded file itself",
    "projects:export-download": "the exported file",
    "projects:checks-export": "an Excel workbook",
    "projects:recheck-export": "an Excel workbook",
    "projects:public-sheet-pdf": "the official sheet as PDF",
    "projects:public-sheet-json": "the published sheet's JSON",
    "projects:public-department-file": "a published list as JSON or CSV",
    "projects:public-bureau-file": "a published list as JSON or CSV",
    "projects:audit-export": "the audit log as CSV or JSON",
    "accounts:keep-alive": "JSON for the idle time-out script",
    "accounts:session-status": "JSON for the idle time-out script",
    "set_language": "a redirect (the language switch itself)",
    "healthz": "the container's health check (plain text)",
}


def patterns(resolver=None, namespace: str = ""):
    """The names of every URL pattern, admin's excepted (walked by the admin's own test)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            if inner == "admin":
                continue
            yield from patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_the_walk_covers_every_url_pattern():
    names = set(patterns())
    assert names - set(WALK) - set(NOT_HTML) == set(), "new URL patterns: add them to WALK"
    assert set(WALK) | set(NOT_HTML) <= names, "WALK names a pattern that is gone"


def visit(world: World, name: str, step: Visit):
    url = reverse(name, kwargs=step.kwargs(world.ids)) + step.query
    client = world.client(step.role)
    headers = {"HTTP_HX_REQUEST": "true"} if step.htmx else {}
    send = getattr(client, step.method)
    response = send(url, step.data(world.ids), follow=step.follow, **headers)
    return url, response


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


@pytest.mark.django_db
def test_every_page_in_english_has_no_chinese_outside_content(world):
    problems = []
    for name, steps in WALK.items():
        for step in steps:
            url, response = visit(world, name, step)
            label = f"{step.method.upper()} {url} as {step.role or 'anonymous'}"
            if response.status_code != step.status:
                problems.append(f"{label}: status {response.status_code}, not {step.status}")
                continue
            if not is_html(response):
                problems.append(f"{label}: not HTML ({response.get('Content-Type')})")
                continue
            html = response.content.decode()
            if step.status == 200 and not step.htmx and '<html lang="en"' not in html:
                problems.append(f"{label}: the page is not in English")
            problems += [f"{label}: {text}" for text in chinese_outside_content(html)]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_login_steps_are_in_english(world):
    from projects.accounts import services

    client = Client()
    client.cookies["django_language"] = "en"
    pages = []
    response = client.post(
        reverse("login"), {"username": "filler", "password": "Perfeval-Demo-2026"}
    )
    pages.append(client.get(reverse("accounts:verify")))
    pages.append(client.post(reverse("accounts:verify"), {"code": "000000"}))
    # A new account enrolls its phone, then sees its recovery codes once.
    from tests.conftest import PERSONA_PASSWORD, persona

    persona("newcomer", full_name="新用户")
    fresh = Client()
    fresh.cookies["django_language"] = "en"
    response = fresh.post(reverse("login"), {"username": "newcomer", "password": PERSONA_PASSWORD})
    pages.append(fresh.get(reverse("accounts:enroll")))
    device = services.pending_totp(world.users["filler"].__class__.objects.get(username="newcomer"))
    response = fresh.post(reverse("accounts:enroll"), {"code": current_totp(device)}, follow=True)
    pages.append(response)
    assert "recovery" in response.redirect_chain[-1][0]
    problems = []
    for page in pages:
        assert page.status_code == 200 and is_html(page)
        problems += [
            f"{page.request['PATH_INFO']}: {f}"
            for f in chinese_outside_content(page.content.decode())
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_error_pages_are_in_english(world):
    from perfeval.errors import server_error

    problems = []
    client = world.client("filler_other")
    for url, status in (
        (reverse("projects:sheet-detail", kwargs={"pk": world.ids["draft"]}), 404),
        ("/no-such-page/", 404),
        (reverse("projects:sheet-edit", kwargs={"pk": world.ids["approved"]}), 404),
        (reverse("projects:audit-log"), 403),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        problems += [f"{url}: {f}" for f in chinese_outside_content(response.content.decode())]
    request = RequestFactory().get("/")
    request.user = world.users["filler"]
    with translation.override("en"):
        response = server_error(request)
    assert response.status_code == 500
    problems += [f"500: {f}" for f in chinese_outside_content(response.content.decode())]
    assert not problems, "\n".join(problems)


# --- the admin ----------------------------------------------------------------------------


# The admin marks its content as the app does: change-list columns and filters naming objects,
# inline rows' names, read-only text fields and the history's title (projects.content's
# ContentColumns, templates/admin/, templates/simple_history/).


@pytest.mark.django_db
def test_the_admin_in_english_has_no_chinese_outside_content(world):
    client = world.client("admin")
    urls = {reverse("admin:index"): "admin:index"}
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        prefix = f"{meta.app_label}_{meta.model_name}"
        urls[reverse("admin:app_list", kwargs={"app_label": meta.app_label})] = (
            f"admin:app_list:{meta.app_label}"
        )
        urls[reverse(f"admin:{prefix}_changelist")] = f"{prefix}_changelist"
        if model_admin.has_add_permission(_admin_request(world)):
            urls[reverse(f"admin:{prefix}_add")] = f"{prefix}_add"
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls[reverse(f"admin:{prefix}_change", args=[first.pk])] = f"{prefix}_change"
            urls[reverse(f"admin:{prefix}_history", args=[first.pk])] = f"{prefix}_history"
    problems = []
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        problems += [f"{url}: {f}" for f in chinese_outside_content(response.content.decode())]
    assert len(urls) > 40  # every registered model's list, add, change and history pages
    assert not problems, "\n".join(problems)


def _admin_request(world: World):
    request = RequestFactory().get("/admin/")
    request.user = world.users["admin"]
    return request
