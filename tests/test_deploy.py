"""Headers and deployment: the production settings pass `check --deploy`, every page carries the
Content Security Policy and the other security headers, private responses are never cached,
`/healthz` answers without a login, and no template holds inline script or style."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError

from projects.models import ExportJob, Sheet
from tests.helpers import edit_url, logged_in

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
# Rendered by WeasyPrint into PDFs, never served as a page: its <style> is the PDF's layout.
PDF_TEMPLATES = {"projects/exports/sheet_pdf.html"}
HOST = "perfeval.example.gov.cn"
BIG = "人才大厦运行维护经费"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production container: none of the test run's DJANGO_ or PERFEVAL_
    variables (tests/settings.py relaxes the cookies), the production settings module."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PERFEVAL_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="perfeval.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45)[:60],
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL="sqlite:///:memory:",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- The production settings -----------------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_settings():
    env = production_env()
    assert len(env["DJANGO_SECRET_KEY"]) == 60
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "(security." not in output, output


def test_check_deploy_warns_when_https_is_off():
    """The check is not blind: the same settings without DJANGO_HTTPS lack HSTS and the redirect."""
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(DJANGO_HTTPS="false"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


PRODUCTION_REQUESTS = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="perfeval.example.gov.cn")
for response in (
    client.get("/sheets/"),
    client.get("/healthz"),
    client.get("/sheets/", HTTP_X_FORWARDED_PROTO="https"),
):
    print(response.status_code, response.get("Location", "-"),
          response.get("Strict-Transport-Security", "-"), sep="|")
"""


def production_requests(env) -> list[list[str]]:
    result = run_python(["-c", PRODUCTION_REQUESTS], env)
    assert result.returncode == 0, result.stderr
    return [line.split("|") for line in result.stdout.splitlines()[-3:]]


def test_https_redirects_sets_hsts_and_trusts_only_the_configured_proxy_header():
    """With DJANGO_HTTPS=true a plain-HTTP request is redirected to HTTPS (except the health
    check), and a request the proxy marks as HTTPS is served with HSTS for a year."""
    env = production_env(DJANGO_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    plain, health, secure = production_requests(env)
    assert plain == ["301", f"https://{HOST}/sheets/", "-"]
    assert health == ["200", "-", "-"]
    assert secure[0] != "301"
    assert secure[2] == "max-age=31536000; includeSubDomains"

    # Without DJANGO_PROXY_SSL_HEADER the forwarded header is not believed: still redirected.
    _plain, _health, forged = production_requests(production_env())
    assert forged == ["301", f"https://{HOST}/sheets/", "-"]


def test_old_secret_keys_are_read_from_the_environment():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY_FALLBACKS)"
    old = [secrets.token_urlsafe(45), secrets.token_urlsafe(45)]
    result = run_python(["-c", code], production_env(DJANGO_SECRET_KEY_FALLBACKS=" , ".join(old)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(old)


# --- Headers on pages ------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_a_sheet_page_carries_the_security_headers(filler):
    sheet = Sheet.objects.get(project__name=BIG)
    response = logged_in(filler).get(f"/sheets/{sheet.pk}/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_login_page_is_not_cached_either(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    # LoginView is never_cache: Django's full header, no-store included, is kept.
    assert "no-store" in response["Cache-Control"].split(", ")
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_sheet_pages_and_downloads_are_never_stored(filler):
    client = logged_in(filler)
    sheet = Sheet.objects.get(project__name=BIG)
    for url in (
        f"/sheets/{sheet.pk}/",
        edit_url(sheet),
        f"/sheets/{sheet.pk}.json",
        f"/sheets/{sheet.pk}.pdf",
        f"/sheets/{sheet.pk}.xlsx",
        f"/sheets/{sheet.pk}/history/",
        "/sheets/",
        "/exports/",
        "/summary/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


@pytest.mark.django_db
def test_a_batch_download_is_never_stored(filler):
    client = logged_in(filler)
    assert client.post("/exports/", {"kind": "summary", "year": "2023"}).status_code == 302
    job = ExportJob.objects.latest("pk")
    assert job.state == "done"
    for url in (f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


def test_a_view_that_sets_its_own_cache_control_keeps_it(rf):
    from django.http import HttpResponse

    from perfeval.security import SecurityHeadersMiddleware

    def public(request):
        response = HttpResponse("public")
        response["Cache-Control"] = "public, max-age=60"
        return response

    response = SecurityHeadersMiddleware(public)(rf.get("/about/"))
    assert response["Cache-Control"] == "public, max-age=60"
    assert not response.has_header("Pragma")
    private = SecurityHeadersMiddleware(lambda request: HttpResponse("x"))(rf.get("/about/"))
    assert private["Cache-Control"] == "no-store"


# --- /healthz ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_without_login_or_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_says_503_when_the_database_does_not_answer(client, monkeypatch):
    from perfeval import health

    class Down:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", Down())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert b"ok" not in response.content


# --- No inline script or style in templates -------------------------------------------------

INLINE = [
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on[:\-]|\shx-vars\s*=", re.I), "htmx attribute that needs eval"),
]
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def inline_code(text: str) -> list[str]:
    found = [label for pattern, label in INLINE if pattern.search(text)]
    for attributes in SCRIPT.findall(text):
        if "src=" not in attributes and "application/json" not in attributes:
            found.append("inline <script>")
    return found


def test_no_template_served_as_a_page_holds_inline_script_or_style():
    """The Content Security Policy refuses inline script and style: a template that carries
    them breaks in the browser. (PDF templates are rendered by WeasyPrint, not served.)"""
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in PDF_TEMPLATES:
            continue
        found = inline_code(path.read_text(encoding="utf-8"))
        if found:
            offenders[name] = found
    assert offenders == {}


def test_the_inline_code_finder_finds_each_kind():
    assert inline_code('<div style="width:1px">') == ["style attribute"]
    assert inline_code("<style>p{}</style>") == ["<style> block"]
    assert inline_code('<select onchange="x()">') == ["inline event handler"]
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<script id="d" type="application/json">{}</script>') == []
    assert inline_code('<script src="/static/x.js"></script>') == []
    assert inline_code('<form hx-on::after-request="x()">') == ["htmx attribute that needs eval"]
    assert inline_code('<div data-bs-title="x" class="y">') == []


# --- The containers' health checks (deploy/healthcheck.py) ----------------------------------


def healthcheck_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_health_check_names_a_host_django_accepts():
    site_host = healthcheck_module().site_host
    assert site_host("perfeval.example.gov.cn,localhost") == "perfeval.example.gov.cn"
    assert site_host(" , *, .example.gov.cn") == "health.example.gov.cn"
    assert site_host("") == "localhost"


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_asks_the_running_app(live_server):
    check_web = healthcheck_module().check_web
    assert check_web(f"{live_server.url}/healthz", "localhost") is None
    assert "400" in check_web(f"{live_server.url}/healthz", "evil.example.com")
    assert "404" in check_web(f"{live_server.url}/no-such-page", "localhost")
    assert "unreachable" in check_web("http://127.0.0.1:9/healthz", "localhost", timeout=1)


def test_the_worker_health_check_wants_db_worker_as_the_main_process(tmp_path):
    module = healthcheck_module()
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"python\0manage.py\0db_worker\0")
    assert module.main_process_is_worker(cmdline)
    cmdline.write_bytes(b"gunicorn\0perfeval.wsgi\0")
    assert not module.main_process_is_worker(cmdline)
    assert not module.main_process_is_worker(tmp_path / "missing")
    assert "db_worker" in module.check_worker(1800, cmdline=cmdline)


@pytest.mark.django_db
def test_the_worker_health_check_sees_a_queue_nobody_works(tmp_path):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    module = healthcheck_module()
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"python\0manage.py\0db_worker\0")
    now = timezone.now()

    def task(enqueued_minutes_ago: int, *, run_after=None, status="READY"):
        result = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="projects.exports.tasks.run_export_job",
            backend_name="default",
            run_after=run_after or get_date_max(),
            status=status,
        )
        enqueued = now - timedelta(minutes=enqueued_minutes_ago)
        DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=enqueued)
        return result

    task(5)  # waiting a few minutes: a busy worker, not a dead one
    task(120, status="SUCCESSFUL")
    task(120, run_after=now + timedelta(minutes=5))  # not due yet
    assert module.stalled_tasks(now, 1800) == 0
    assert module.check_worker(1800, cmdline=cmdline) is None
    task(45)
    assert module.stalled_tasks(now, 1800) == 1
    assert "not worked" in module.check_worker(1800, cmdline=cmdline)
