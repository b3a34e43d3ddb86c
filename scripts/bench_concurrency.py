"""make bench (part 2): concurrent saves of one sheet on PostgreSQL, and a PostgreSQL restart
during a save.

1. 20 clients, each a user of the same unit with its own logged-in, second-factor-verified
   session, load the editor of the same sheet at the same moment and save a change. One save
   lands; the others are refused as stale, each with its explanation (who saved which
   version). A refused client saves again from the page it got back (its input is still in
   the form) until its change lands. Checked: every landed change is in the history, the
   final version is 1 + the number of landed saves, no HTTP 500.
2. PostgreSQL is restarted while a save waits inside its transaction (the bench holds the
   sheet's row lock, so the save is provably in flight), and while four clients keep saving.
   Checked: the waiting save either lands or answers 503 with the retry message and the
   user's input in the page; no HTTP 500; afterwards the sheet is consistent (its version
   counts exactly the landed saves, the rows and budget lines are whole, no row is left
   moved out of the way); saving the kept input again lands. The restart needs root on the
   database's machine (`pg_ctlcluster`); otherwise this part prints "skipped".

Everything runs on loopback: its own database (perfeval_bench_concurrency, created and
dropped), its own server (`manage.py runserver --noreload` on 127.0.0.1, DEBUG off). Sessions
are made directly with Django's session engine and django_otp's session key: the bench tests
saving, not the login pages. Bounded: at most about 60 seconds.

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), BENCH_CLIENTS
(20), BENCH_RESTART_POSTGRES=0 to skip the restart.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = "perfeval_bench_concurrency"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
RESTART = os.environ.get("BENCH_RESTART_POSTGRES", "1") != "0"
PROJECT = "政府聘用辅助人员经费"  # the sheet every client edits (12 indicator rows)
FIELD = "rows-0-reason"  # the field each client changes
BUDGET = 150  # seconds for both parts, once the server is up (a shared 2-core machine needs ~60 for part 1)
DEADLINE = time.monotonic() + BUDGET  # set again when the server is up
HTTP_TIMEOUT = 20

STALE = "未保存：此表已被他人修改。"
# The explanation: who saved which version when (or that an import did); the name is
# content, marked <span lang="zh-Hans">.
STALE_WHY = re.compile(
    r"[^\s>]+(?:</span>)? 于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 保存了第 \d+ 版"
    r"|此表已由导入于 [^<]*?更新为第 \d+ 版"
)
RETRY = "数据库连接中断，您的输入未丢失，请稍后重试保存"


def say(text: str = "") -> None:
    print(text, flush=True)


# -- a browser, as far as the editor needs one ------------------------------------------------


class FormFields(HTMLParser):
    """The fields a browser would post from the form with `form_id` (or the first form)."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form" and not self.inside:
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
            self.form_id = "\0done"  # only the first matching form
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline right after <textarea>.
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _s in self._options[:1]
            ]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None


def form_fields(html: str, form_id: str | None = "sheet-form") -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


def with_value(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    assert any(n == name for n, _v in fields), f"{name} is not in the form"
    return [(n, value if n == name else v) for n, v in fields]


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]


@dataclass
class Browser:
    """One user's browser: its own cookies (the session, the CSRF cookie), one request at a
    time, redirects not followed (a 302 after a save is the save's answer)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, fields=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
            for header in answer.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Response(answer.status, text, dict(answer.headers))
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields) -> Response:
        return self.request("POST", path, fields)


# -- the database, the data, the server ------------------------------------------------------


def postgres(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{ADMIN_URL}/{dbname}", autocommit=True, connect_timeout=5)


def create_database() -> None:
    with postgres() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
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
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",  # plain HTTP on loopback
        "DJANGO_HTTPS": "false",
        "DJANGO_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0", "--noinput"], ["load_demo"]):
        done = subprocess.run(
            [*manage, *command], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"manage.py {command[0]} failed:\n{done.stdout}{done.stderr[-3000:]}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sessions(count: int, prefix: str) -> list[dict[str, str]]:
    """`count` users of the sheet's unit (填报人), each with a confirmed TOTP device and a
    session that passed both factors, as the login pages would leave it: the cookies."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from projects.models import Profile, Sheet

    unit = Sheet.objects.get(project__name=PROJECT).project.unit
    jars = []
    for n in range(1, count + 1):
        user = get_user_model().objects.create_user(
            f"{prefix}{n:02d}", password=secrets.token_urlsafe(16), first_name=f"并发用户{n:02d}"
        )
        Profile.objects.create(user=user, unit=unit)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        jars.append({settings.SESSION_COOKIE_NAME: session.session_key})
    return jars


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    until = time.monotonic() + 30
    while time.monotonic() < until:
        try:
            if Browser(port).get("/healthz").status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the server did not start; see {log}")


def sheet_state() -> dict:
    """The sheet as stored: version, rows, budget lines, the changed field."""
    from django.db import connections

    from projects.models import Sheet

    connections.close_all()
    sheet = Sheet.objects.get(project__name=PROJECT)
    rows = list(sheet.indicators.order_by("position"))
    lines = {line.kind: line for line in sheet.budget_lines.all()}
    return {
        "pk": sheet.pk,
        "version": sheet.version,
        "positions": [row.position for row in rows],
        "names": [row.name for row in rows],
        "reason": rows[0].reason if rows else None,
        "lines": sorted(lines),
        "total_adds_up": all(
            getattr(lines["total"], c)
            == sum(getattr(lines[k], c) or 0 for k in ("appropriation", "carryover", "other"))
            for c in ("initial", "annual", "executed")
            if getattr(lines["total"], c) is not None
        ),
    }


def reasons_in_history(sheet_pk: int) -> set[str]:
    from projects.models import Indicator

    return set(
        Indicator.history.filter(sheet_id=sheet_pk).values_list("reason", flat=True).distinct()
    )


# -- part 1: 20 clients save the same sheet --------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter = field(default_factory=Counter)
    landed: list[str] = field(default_factory=list)
    explanations: Counter = field(default_factory=Counter)
    odd: list[str] = field(default_factory=list)

    def add(self, kind: str, detail: str = "") -> None:
        with self.lock:
            self.counts[kind] += 1
            if kind in ("500", "other", "stale without explanation", "503 without message"):
                self.odd.append(detail[:200])


def classify(response: Response, text: str, tally: Tally) -> str:
    """landed (302), stale (409 with its explanation), retry (503 with the retry message and
    the input in the page), or a failure."""
    if response.status == 302:
        with tally.lock:
            tally.landed.append(text)
        tally.add("landed")
        return "landed"
    if response.status == 409:
        why = STALE_WHY.search(response.body)
        if STALE in response.body and why and text in response.body:
            tally.add("stale")
            with tally.lock:
                tally.explanations[re.sub(r"<[^>]+>", "", why.group(0))] += 1
            return "stale"
        tally.add("stale without explanation", response.body)
        return "failed"
    if response.status == 503:
        if RETRY in response.body and text in response.body:
            tally.add("retry message")
            return "retry"
        tally.add("503 without message", response.body)
        return "failed"
    tally.add("500" if response.status == 500 else "other", f"{response.status} {response.body}")
    return "failed"


def save_until_landed(browser: Browser, edit: str, fields, text: str, tally: Tally, start=None):
    """Post; when refused as stale, post again the form the refusal page holds (the user's
    input, at the version that refused it) until it lands."""
    if start is not None:
        start.wait()
    attempts = 0
    while time.monotonic() < DEADLINE:
        attempts += 1
        response = browser.post(edit, fields)
        outcome = classify(response, text, tally)
        if outcome == "landed" or outcome == "failed":
            return attempts
        fields = form_fields(response.body, None if outcome == "retry" else "sheet-form")
        if outcome == "retry":
            time.sleep(0.3)
    return attempts


def part_one(port: int, jars: list[dict[str, str]]) -> bool:
    before = sheet_state()
    edit = f"/sheets/{before['pk']}/edit/"
    browsers = [Browser(port, dict(jar)) for jar in jars]
    loaded = []
    for browser in browsers:
        page = browser.get(edit)
        assert page.status == 200, f"the editor answered {page.status}"
        loaded.append(form_fields(page.body))
    tally, start = Tally(), threading.Barrier(len(browsers))
    texts = [f"并发保存：客户端 {n:02d} 的修改" for n in range(1, len(browsers) + 1)]
    threads = [
        threading.Thread(
            target=save_until_landed,
            args=(b, edit, with_value(f, FIELD, t), t, tally, start),
        )
        for b, f, t in zip(browsers, loaded, texts, strict=True)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    after = sheet_state()
    history = reasons_in_history(after["pk"])
    lost = [t for t in tally.landed if t not in history]
    landed, stale = tally.counts["landed"], tally.counts["stale"]
    failures = sum(tally.counts[k] for k in ("500", "other", "stale without explanation"))
    say(
        f"1. {len(browsers)} clients save the same sheet ({PROJECT}), all loaded at version "
        f"{before['version']}, first posts released together"
    )
    say(f"   saves posted                     {landed + stale + failures}  ({elapsed:.2f} s)")
    say(f"   landed                           {landed}  (every client's change, in the end)")
    say(f"   refused as stale, explained      {stale}")
    examples = sorted(tally.explanations.items(), key=lambda item: -item[1])
    for why, n in examples[:2]:
        say(f"     e.g. “未保存：此表已被他人修改。{why}。” ({n}×)")
    imports = sum(n for why, n in examples if why.startswith("此表已由导入"))
    say(f"     naming an import though a user saved   {imports}")
    say(f"   lost (landed, not in history)    {len(lost)}")
    say(f"   HTTP 500                         {tally.counts['500']}")
    say(f"   other failures                   {failures - tally.counts['500']}")
    say(
        f"   version {before['version']} → {after['version']}  "
        f"(expected {before['version']} + {landed} = {before['version'] + landed})"
    )
    ok = (
        not lost
        and failures == 0
        and imports == 0
        and landed == len(browsers)
        and after["version"] == before["version"] + landed
        and after["reason"] in tally.landed
    )
    for detail in tally.odd[:5]:
        say(f"   ! {detail}")
    return ok


# -- part 2: PostgreSQL restarted during a save ----------------------------------------------


def restart_command() -> list[str] | None:
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster"):
        return None
    etc = Path("/etc/postgresql")
    versions = sorted(etc.glob("*/main")) if etc.is_dir() else []
    if not versions:
        return None
    version = versions[-1].parent.name
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]


def keep_saving(browser: Browser, edit: str, n: int, stop: threading.Event, tally: Tally):
    """A user who keeps editing through the restart: load, change, save; on a 503 wait a
    little and go on (the retry page keeps the input; the next load starts afresh)."""
    attempt = 0
    while not stop.is_set() and time.monotonic() < DEADLINE:
        try:
            page = browser.get(edit)
        except OSError:
            tally.add("other", "connection refused by the server")
            return
        if page.status == 503:
            tally.add("load refused: database unavailable (503)")
            time.sleep(0.3)
            continue
        if page.status != 200:
            tally.add("500" if page.status == 500 else "other", f"GET {page.status}")
            time.sleep(0.3)
            continue
        attempt += 1
        text = f"重启期间的保存：客户端 {n} 第 {attempt} 次"
        classify(browser.post(edit, with_value(form_fields(page.body), FIELD, text)), text, tally)


def wait_for_lock_waiter(conn, timeout: float = 10) -> bool:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (DB_NAME,),
        ).fetchone()
        if row[0]:
            return True
        time.sleep(0.05)
    return False


def wait_for_postgres(timeout: float = 30) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            with postgres(DB_NAME) as conn:
                conn.execute("SELECT 1")
            return time.monotonic() - began
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(0.2)
    raise SystemExit("PostgreSQL did not come back within 30 s")


def held_save(port: int, jar: dict[str, str], edit: str, sheet_pk: int, restart: list[str]):
    """A save held inside its transaction (the bench holds the row lock), then the restart.
    Returns the save's answer, its text and the restart's duration."""
    browser = Browser(port, dict(jar))
    text = "重启那一刻正在保存的内容"
    fields = with_value(form_fields(browser.get(edit).body), FIELD, text)
    answer: dict[str, Response] = {}
    holder = postgres(DB_NAME)
    holder.autocommit = False
    holder.execute("SELECT id FROM projects_sheet WHERE id = %s FOR UPDATE", (sheet_pk,))
    saving = threading.Thread(target=lambda: answer.setdefault("r", browser.post(edit, fields)))
    saving.start()
    with postgres(DB_NAME) as watcher:
        in_flight = wait_for_lock_waiter(watcher)
    began = time.monotonic()
    subprocess.run(restart, check=True, capture_output=True, timeout=60)
    back = wait_for_postgres()
    restarted = time.monotonic() - began
    try:
        holder.close()
    except Exception:  # noqa: BLE001 - its server process is gone
        pass
    saving.join(timeout=HTTP_TIMEOUT + 5)
    return browser, answer.get("r"), text, in_flight, restarted, back


def part_two(port: int, jars: list[dict[str, str]], held_jar: dict[str, str]) -> bool:
    restart = restart_command() if RESTART else None
    if restart is None:
        why = "BENCH_RESTART_POSTGRES=0" if not RESTART else "not root, or no pg_ctlcluster"
        say(f"2. skipped: cannot restart PostgreSQL ({why})")
        return True
    before = sheet_state()
    edit = f"/sheets/{before['pk']}/edit/"
    tally, stop = Tally(), threading.Event()
    savers = [
        threading.Thread(target=keep_saving, args=(Browser(port, dict(j)), edit, n, stop, tally))
        for n, j in enumerate(jars, 1)
    ]
    for thread in savers:
        thread.start()
    time.sleep(1.0)
    browser, held, text, in_flight, restarted, back = held_save(
        port, held_jar, edit, before["pk"], restart
    )
    time.sleep(2.0)  # the savers go on after the restart
    stop.set()
    for thread in savers:
        thread.join()
    held_tally = Tally()
    outcome = classify(held, text, held_tally) if held is not None else "no answer"
    after_restart = sheet_state()
    # Saving the kept input again: the 503 page's form, then (others saved meanwhile) the
    # stale page's form, which still holds the same input.
    again, retries = outcome, 0
    fields = form_fields(held.body, None) if outcome == "retry" else None
    while again in ("retry", "stale") and fields is not None and retries < 5:
        retries += 1
        response = browser.post(edit, fields)
        again = classify(response, text, held_tally)
        fields = form_fields(response.body, "sheet-form" if again == "stale" else None)
    final = sheet_state()
    landed_during = tally.counts["landed"] + (1 if outcome == "landed" else 0)
    consistent = (
        after_restart["version"] == before["version"] + landed_during
        and after_restart["positions"] == list(range(len(before["positions"])))
        and after_restart["names"] == before["names"]
        and after_restart["lines"] == ["appropriation", "carryover", "other", "total"]
        and after_restart["total_adds_up"]
        and (after_restart["reason"] in tally.landed + [text] or not landed_during)
    )
    say(
        f"2. PostgreSQL restarted ({' '.join(restart[:2])} … restart) while a save waited "
        f"inside its transaction{'' if in_flight else ' (not seen waiting!)'}, "
        f"and {len(jars)} clients kept saving"
    )
    say(
        f"   restart took                     {restarted:.1f} s (back after {back:.1f} s of waiting)"
    )
    say(f"   the save in flight               {describe(held, outcome)}")
    say(
        f"   saving the kept input again      {'landed' if again == 'landed' else again}"
        f" after {retries} more post(s); stored: {'yes' if final['reason'] == text else 'no'}"
    )
    say(
        f"   other clients' saves             landed {tally.counts['landed']}, stale "
        f"{tally.counts['stale']}, 503 with retry message {tally.counts['retry message']}, "
        f"editor loads refused with 503 {tally.counts['load refused: database unavailable (503)']}"
    )
    say(f"   HTTP 500                         {tally.counts['500'] + held_tally.counts['500']}")
    say(f"   other failures                   {tally.counts['other'] + held_tally.counts['other']}")
    say(
        f"   sheet consistent after restart   {'yes' if consistent else 'NO'}: version "
        f"{before['version']} → {after_restart['version']} = {before['version']} + "
        f"{landed_during} landed; {len(after_restart['positions'])} rows at positions "
        f"0–{len(after_restart['positions']) - 1}; 4 budget lines, total = sum of sources"
    )
    for detail in (tally.odd + held_tally.odd)[:5]:
        say(f"   ! {detail}")
    failures = sum(
        t.counts[k]
        for t in (tally, held_tally)
        for k in ("500", "other", "stale without explanation", "503 without message")
    )
    return (
        consistent
        and failures == 0
        and outcome in ("landed", "retry")
        and again == "landed"
        and final["reason"] == text
    )


def describe(response: Response | None, outcome: str) -> str:
    if response is None:
        return "no answer (timed out)"
    if outcome == "retry":
        return f"HTTP 503 “{RETRY}”, the typed text in the page"
    if outcome == "landed":
        return "landed (HTTP 302)"
    return f"HTTP {response.status}: {outcome}"


def main() -> int:
    say(f"perfeval concurrency bench (PostgreSQL database {DB_NAME}, server on 127.0.0.1)")
    try:
        create_database()
    except Exception as error:  # noqa: BLE001
        say(f"make bench: PostgreSQL is needed at {ADMIN_URL} ({error})")
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="perfeval-bench-concurrency-"))
    server = None
    try:
        env = environment()
        prepare(env)
        jars = sessions(CLIENTS + 1, "bench")
        server, port = start_server(env, workdir / "server.log")
        global DEADLINE
        began = time.monotonic()
        DEADLINE = began + BUDGET
        ok_one = part_one(port, jars[:CLIENTS])
        ok_two = part_two(port, jars[:4], jars[CLIENTS])
        log = (workdir / "server.log").read_text(errors="replace")
        errors = log.count("Internal Server Error")
        say(
            f"   server log: {errors} “Internal Server Error” lines, "
            f"{log.count('Service Unavailable')} “Service Unavailable” lines"
        )
        ok = ok_one and ok_two and errors == 0
        say(f"result: {'ok' if ok else 'FAILED'} ({time.monotonic() - began:.0f} s)")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if "django.db" in sys.modules:
            from django.db import connections

            try:
                connections.close_all()
            except Exception:  # noqa: BLE001 - settings never configured
                pass
        drop_database()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
