"""Browser tests: Playwright for Python driving Debian's Chromium against Django's live server.

Never `playwright install`: the browser is /usr/bin/chromium (`make test` installs it with
apt-get). Without it these tests fail rather than skip, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEMO_PASSWORD = "Perfeval-Demo-2026"  # load_demo's password for every demo account


def pytest_collection_modifyitems(items):
    # One xdist worker runs every browser test, so one Chromium serves them all.
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run `make test` (apt-get install chromium) first")
    # While Playwright's event loop runs in this thread, Django refuses database calls from it
    # unless told they are safe: they are, the live server answers from its own thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _chromium(sync_playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _chromium(sync_playwright):
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def fresh_totp_code(username: str) -> str:
    """The current TOTP code of the user's confirmed device, never one already used: TOTP
    refuses a code of a time step at or before the last one verified (the device's `last_t`),
    so when the current step was used, wait for the next one (at most 30 seconds)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    while totp.t() <= device.last_t:
        time.sleep(0.5)
        totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def log_in(page, live_server, username: str, password: str = DEMO_PASSWORD):
    """Log in through the real pages: the password, then the current TOTP code."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/verify/" in page.url:
        page.fill("#id_code", fresh_totp_code(username))
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/verify/" not in url)
    return page


@pytest.fixture
def login(page, live_server):
    """Log `page` in as a user through the real pages. Logging the same user in again within
    one 30-second TOTP step waits for the next step; a test that moves between people uses
    `page_for` instead."""

    def _login(username: str, password: str = DEMO_PASSWORD):
        return log_in(page, live_server, username, password)

    return _login


@pytest.fixture
def page_for(browser, live_server):
    """Each person at their own desk: one browser context per user, logged in once through
    the real pages (password and TOTP code) the first time it is asked for."""
    pages: dict[str, object] = {}
    errors: list[str] = []

    def _page(username: str, password: str = DEMO_PASSWORD):
        if username not in pages:
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            pages[username] = log_in(page, live_server, username, password)
        return pages[username]

    yield _page
    for page in pages.values():
        page.context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def e2e_demo(transactional_db):
    """The whole demo, loaded for each browser test: the live server sees only committed
    data, and the database is emptied after each such test."""
    from django.core.management import call_command

    from tests.conftest import ensure_catalogue

    ensure_catalogue()
    call_command("load_demo", stdout=open(os.devnull, "w"))
