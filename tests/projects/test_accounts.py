"""Authentication to MLPS level 3 (projects/accounts): the password policy, two factors with
enrollment and recovery codes, the lock-out, the idle time-out, one live session per account,
forced password changes, and who may reset devices or unlock accounts."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from projects.accounts import services, signals
from projects.accounts.validators import ComplexityValidator
from projects.models import Profile
from tests.conftest import PERSONA_PASSWORD, persona
from tests.helpers import (
    confirmed_totp_device,
    current_totp,
    logged_in,
    login_with_password,
    sheet_of,
)

User = get_user_model()


@pytest.fixture(autouse=True)
def two_factors_on(settings):
    settings.PERFEVAL_REQUIRE_2FA = True
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # wrong codes do not slow down the next try here
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def totp_at(device, offset: int) -> str:
    """The device's code `offset` steps from now (the device accepts one step either side)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


def captured(signal):
    events = []

    def receiver(sender, **kwargs):
        events.append(kwargs)

    signal.connect(receiver, weak=False)
    return events, lambda: signal.disconnect(receiver)


# -- password policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Perfeval-Demo-2026", True),
        ("Abcdefgh12", True),  # 10 characters, lower + upper + digit
        ("abcdefgh-12", True),  # lower + symbol + digit
        ("Abcdefg12", False),  # 9 characters
        ("abcdefghijkl", False),  # one class
        ("abcdefgh1234", False),  # two classes
        ("ABCDEFGH-XYZ", False),  # upper + symbol only
        ("Xfiller-2026", False),  # contains the user name
        ("xFILLER-2026", False),  # case-insensitively
    ],
)
def test_the_password_policy(password, ok, db):
    user = User(username="filler")
    validator = ComplexityValidator(min_length=10, min_classes=3)
    if ok:
        validator.validate(password, user)
    else:
        with pytest.raises(ValidationError):
            validator.validate(password, user)


def test_django_validators_stay_beside_the_policy(db):
    user = User(username="wang", first_name="Wangxiaoming", email="wangxm@example.cn")
    with pytest.raises(ValidationError) as common:
        validate_password("Password1!", user)  # a common password, though complex
    assert "password_too_common" in [e.code for e in common.value.error_list]
    with pytest.raises(ValidationError) as similar:
        validate_password("Wangxiaoming1!", user)
    assert "password_too_similar" in [e.code for e in similar.value.error_list]
    validate_password("Perfeval-Demo-2026", user)


# -- two factors -------------------------------------------------------------------------------


def password_only(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PERSONA_PASSWORD})
    assert response.status_code == 302
    return client


def test_after_the_password_a_user_with_a_device_is_asked_for_the_code(filler):
    confirmed_totp_device(filler)
    client = Client()
    response = client.post(
        "/accounts/login/?next=/sheets/", {"username": "filler", "password": PERSONA_PASSWORD}
    )
    assert response["Location"] == "/accounts/verify/?next=%2Fsheets%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="code"' in page.content.decode()


def test_a_login_without_the_second_factor_reaches_no_page(filler, admin_user):
    sheet = sheet_of("信息化运维项目")
    urls = [
        "/",
        "/sheets/",
        sheet.get_absolute_url(),
        f"/sheets/{sheet.pk}/edit/",
        f"/sheets/{sheet.pk}.pdf",
        f"/sheets/{sheet.pk}.json",
        "/exports/",
        "/summary/",
        "/overview/",
        "/accounts/password/",
        "/accounts/manage/",
        "/admin/",
        "/admin/projects/sheet/",
    ]
    for user in (filler, admin_user):
        confirmed_totp_device(user)
        client = password_only(user.username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response["Location"].startswith("/accounts/verify/?next="), (user, url)
        assert client.post(f"/sheets/{sheet.pk}/comments/", {"body": "x"}).status_code == 302
        keep_alive = client.post("/accounts/keep-alive/")
        assert keep_alive.status_code == 401
        # The code page offers no way into the work pages.
        code_page = client.get("/accounts/verify/").content.decode()
        assert 'href="/sheets/"' not in code_page and 'href="/accounts/password/"' not in code_page


def test_the_second_factor_is_a_setting_that_can_be_off(settings, filler):
    settings.PERFEVAL_REQUIRE_2FA = False
    client = Client()
    response = client.post("/accounts/login/", {"username": "filler", "password": PERSONA_PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/overview/").status_code == 200


def test_the_right_code_lets_the_user_in_and_a_wrong_one_does_not(filler):
    device = confirmed_totp_device(filler)
    client = password_only("filler")
    failed, stop_failed = captured(signals.otp_failed)
    verified, stop_verified = captured(signals.otp_verified)
    try:
        wrong = client.post(
            "/accounts/verify/",
            {"code": "000000" if current_totp(device) != "000000" else "111111"},
        )
        assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
        assert client.get("/overview/").status_code == 302
        right = client.post("/accounts/verify/", {"code": current_totp(device), "next": "/sheets/"})
        assert right["Location"] == "/sheets/"
        assert client.get("/overview/").status_code == 200
    finally:
        stop_failed()
        stop_verified()
    assert [e["reason"] for e in failed] == ["wrong"]
    assert [e["user"] for e in verified] == [filler]


def test_a_code_is_never_accepted_twice(filler):
    device = confirmed_totp_device(filler)
    code = current_totp(device)
    first = password_only("filler")
    assert first.post("/accounts/verify/", {"code": code})["Location"] == "/"
    second = password_only("filler")
    assert second.post("/accounts/verify/", {"code": code}).status_code == 200
    assert second.get("/overview/").status_code == 302


def test_enrollment_shows_a_qr_code_and_the_secret_then_ten_recovery_codes_once(filler):
    client = Client()
    response = client.post(
        "/accounts/login/?next=/sheets/", {"username": "filler", "password": PERSONA_PASSWORD}
    )
    assert response["Location"] == "/accounts/enroll/?next=%2Fsheets%2F"
    # Until enrolled, every page leads to the enrollment.
    assert client.get("/overview/")["Location"].startswith("/accounts/enroll/")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert '<svg role="img" class="totp-qr"' in html and "<path" in html
    qr = html.split('id="totp-qr"')[1].split("</svg>")[0]
    assert "<image" not in qr and "href" not in qr and "<script" not in qr and "style=" not in qr
    device = TOTPDevice.objects.get(user=filler, confirmed=False)
    assert services.base32_secret(device) in html
    # The page keeps the same key when reloaded (the phone may have scanned it already).
    client.get(response["Location"])
    assert TOTPDevice.objects.filter(user=filler).count() == 1

    enrolled, stop = captured(signals.device_enrolled)
    try:
        wrong = client.post("/accounts/enroll/", {"code": "12345x", "next": "/sheets/"})
        assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
        done = client.post("/accounts/enroll/", {"code": current_totp(device), "next": "/sheets/"})
    finally:
        stop()
    assert done["Location"] == "/accounts/recovery-codes/?next=%2Fsheets%2F"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed and len(enrolled) == 1
    codes_page = client.get(done["Location"]).content.decode()
    tokens = list(StaticToken.objects.filter(device__user=filler).values_list("token", flat=True))
    assert len(tokens) == 10 and all(token in codes_page for token in tokens)
    # Shown once.
    assert client.get(done["Location"])["Location"] == "/sheets/"
    assert client.get("/overview/").status_code == 200


def test_a_recovery_code_works_once(filler):
    confirmed_totp_device(filler)
    codes = services._recovery_codes(filler)
    client = password_only("filler")
    assert client.post("/accounts/verify/", {"code": codes[3].upper()})["Location"] == "/"
    assert client.get("/overview/").status_code == 200
    assert services.remaining_recovery_codes(filler) == 9
    again = password_only("filler")
    assert again.post("/accounts/verify/", {"code": codes[3]}).status_code == 200
    assert again.get("/overview/").status_code == 302
    assert again.post("/accounts/verify/", {"code": codes[4]})["Location"] == "/"


# -- lock-out ----------------------------------------------------------------------------------


def test_ten_wrong_passwords_lock_the_account_and_the_administrator_unlocks_it(filler, admin_user):
    confirmed_totp_device(filler)
    client = Client()
    locked_out = []
    from axes.signals import user_locked_out

    user_locked_out.connect(
        lambda sender, **kw: locked_out.append(kw), weak=False, dispatch_uid="t"
    )
    try:
        for attempt in range(1, 11):
            response = client.post(
                "/accounts/login/", {"username": "filler", "password": f"Wrong-{attempt}-pass"}
            )
            if attempt < 10:
                assert response.status_code == 200
                assert "用户名或密码不正确" in response.content.decode()
    finally:
        user_locked_out.disconnect(dispatch_uid="t")
    html = response.content.decode()
    assert response.status_code == 429
    assert "账号已被锁定" in html and "请在 30 分钟后重试" in html
    assert [e["username"] for e in locked_out] == ["filler"]
    # The lock is the account's, from any address; the right password is refused.
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    refused = elsewhere.post(
        "/accounts/login/", {"username": "filler", "password": PERSONA_PASSWORD}
    )
    assert refused.status_code == 429 and "请在" in refused.content.decode()
    assert elsewhere.get("/overview/").status_code == 302
    # Another account is not locked.
    assert password_only("admin")
    # The administrator sees the lock and lifts it.
    admin = logged_in(admin_user)
    listing = admin.get("/accounts/manage/").content.decode()
    assert "已锁定" in listing
    unlocked, stop = captured(signals.account_unlocked)
    try:
        assert admin.post(f"/accounts/manage/{filler.pk}/unlock/").status_code == 302
    finally:
        stop()
    assert [(e["user"], e["target"]) for e in unlocked] == [(admin_user, filler)]
    assert login_with_password(Client(), "filler", PERSONA_PASSWORD)["Location"] == "/"


def test_the_wait_counts_down_from_the_last_failure(settings, filler):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "filler", "password": "Wrong-pass-123"})
    remaining = services.lockout_remaining("filler")
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username="filler").update(
        attempt_time=timezone.now() - timedelta(minutes=21, seconds=30)
    )
    response = client.post("/accounts/login/", {"username": "filler", "password": PERSONA_PASSWORD})
    assert response.status_code == 429 and "请在 9 分钟后重试" in response.content.decode()
    AccessAttempt.objects.filter(username="filler").update(
        attempt_time=timezone.now() - timedelta(minutes=31)
    )
    assert (
        client.post(
            "/accounts/login/", {"username": "filler", "password": PERSONA_PASSWORD}
        ).status_code
        == 302
    )


def test_wrong_codes_count_towards_the_lock_out(settings, filler):
    settings.AXES_FAILURE_LIMIT = 3
    device = confirmed_totp_device(filler)
    wrong = "000000" if current_totp(device) != "000000" else "111111"
    client = password_only("filler")
    assert client.post("/accounts/verify/", {"code": wrong}).status_code == 200
    assert client.post("/accounts/verify/", {"code": wrong}).status_code == 200
    third = client.post("/accounts/verify/", {"code": wrong})
    assert third.status_code == 429 and "账号已被锁定" in third.content.decode()
    # The half-logged-in session is over; the password no longer opens it either.
    assert client.get("/accounts/verify/").status_code == 302
    again = Client().post("/accounts/login/", {"username": "filler", "password": PERSONA_PASSWORD})
    assert again.status_code == 429


def test_a_complete_login_resets_the_failure_count(settings, filler):
    settings.AXES_FAILURE_LIMIT = 3
    confirmed_totp_device(filler)
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "filler", "password": "Wrong-pass-123"})
    assert login_with_password(Client(), "filler", PERSONA_PASSWORD)["Location"] == "/"
    for _ in range(2):
        client.post("/accounts/login/", {"username": "filler", "password": "Wrong-pass-123"})
    assert services.lockout_remaining("filler") is None


# -- idle time-out -----------------------------------------------------------------------------


def set_last_activity(client: Client, seconds_ago: int) -> None:
    session = client.session
    session[services.LAST_ACTIVITY] = int(time.time()) - seconds_ago
    session.save()


def test_an_idle_session_ends_and_the_login_leads_back(settings, filler):
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 2
    sheet = sheet_of("信息化运维项目")
    client = logged_in(filler)
    edit = f"/sheets/{sheet.pk}/edit/"
    assert client.get(edit).status_code == 200
    set_last_activity(client, 60)
    assert client.get(edit).status_code == 200  # still within the time-out: and it counts
    assert time.time() - client.session[services.LAST_ACTIVITY] < 5
    set_last_activity(client, 121)
    ended, stop = captured(signals.session_ended)
    try:
        response = client.get(edit)
    finally:
        stop()
    assert response["Location"] == f"/accounts/login/?next=/sheets/{sheet.pk}/edit/"
    assert [e["reason"] for e in ended] == ["idle"]
    login_page = client.get(response["Location"]).content.decode()
    assert "长时间未操作" in login_page
    assert client.get("/overview/")["Location"].startswith("/accounts/login/")


def test_a_post_after_the_time_out_goes_to_login_and_back_to_the_page_it_came_from(
    settings, filler
):
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 1
    sheet = sheet_of("信息化运维项目")
    client = logged_in(filler)
    edit = f"/sheets/{sheet.pk}/edit/"
    version = sheet.version
    set_last_activity(client, 61)
    response = client.post(edit, {"action": "save"}, HTTP_REFERER=f"http://testserver{edit}")
    assert response["Location"] == f"/accounts/login/?next=/sheets/{sheet.pk}/edit/"
    assert type(sheet).objects.get(pk=sheet.pk).version == version
    # An htmx request (the live preview) is told where to go instead.
    client = logged_in(filler)
    set_last_activity(client, 61)
    preview = client.post(
        f"{edit}preview/",
        {},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{edit}",
    )
    assert preview.status_code == 204
    assert preview["HX-Redirect"] == f"/accounts/login/?next=/sheets/{sheet.pk}/edit/"


def test_background_polling_does_not_count_as_activity(settings, filler):
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 1
    client = logged_in(filler)
    set_last_activity(client, 50)
    before = client.session[services.LAST_ACTIVITY]
    polled = client.get("/accounts/session/", HTTP_X_PERFEVAL_BACKGROUND="1")
    assert polled.status_code == 200 and 5 <= polled.json()["remaining"] <= 10
    assert client.get("/exports/", HTTP_X_PERFEVAL_BACKGROUND="1").status_code == 200
    assert client.session[services.LAST_ACTIVITY] == before
    set_last_activity(client, 61)
    assert client.get("/accounts/session/", HTTP_X_PERFEVAL_BACKGROUND="1").status_code == 401
    assert client.get("/overview/")["Location"].startswith("/accounts/login/")


def test_the_keep_alive_extends_the_session(settings, filler):
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 1
    client = logged_in(filler)
    set_last_activity(client, 55)
    assert client.post("/accounts/keep-alive/").json()["remaining"] >= 58
    assert client.get("/overview/").status_code == 200


def test_the_page_carries_the_time_out_for_its_script(settings, filler):
    settings.PERFEVAL_IDLE_TIMEOUT_MINUTES = 30
    html = logged_in(filler).get("/overview/").content.decode()
    assert 'data-idle-timeout="1800"' in html and 'data-idle-warning="60"' in html
    assert "js/idle-timeout.js" in html and "一分钟后将因长时间未操作而退出，点击继续" in html


# -- one live session --------------------------------------------------------------------------


def test_a_second_login_ends_the_first_session(filler):
    device = confirmed_totp_device(filler)
    first = Client()
    login_with_password(first, "filler", PERSONA_PASSWORD, code=totp_at(device, 0))
    assert first.get("/overview/").status_code == 200
    second = Client()
    login_with_password(second, "filler", PERSONA_PASSWORD, code=totp_at(device, 1))
    assert second.get("/overview/").status_code == 200
    response = first.get("/overview/")
    assert response["Location"].startswith("/accounts/login/")
    assert "您的账号已在其他地方登录" in first.get(response["Location"]).content.decode()
    assert second.get("/overview/").status_code == 200
    assert Profile.objects.get(user=filler).session_key == second.session.session_key


def test_a_password_alone_does_not_end_the_live_session(filler):
    device = confirmed_totp_device(filler)
    first = Client()
    login_with_password(first, "filler", PERSONA_PASSWORD, code=totp_at(device, 0))
    password_only("filler")  # someone with the password but not the phone
    assert first.get("/overview/").status_code == 200


# -- forced password change --------------------------------------------------------------------


def test_a_password_set_by_the_administrator_must_be_changed(filler, admin_user):
    admin = logged_in(admin_user)
    response = admin.post(
        f"/admin/auth/user/{filler.pk}/password/",
        {
            "password1": "Temporary-Pass-77",
            "password2": "Temporary-Pass-77",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Profile.objects.get(user=filler).must_change_password
    filler.refresh_from_db()
    client = logged_in(filler)
    response = client.get("/overview/")
    assert response["Location"] == "/accounts/password/?next=%2Foverview%2F"
    page = client.get(response["Location"]).content.decode()
    assert "已由管理员重新设置" in page
    weak = client.post(
        "/accounts/password/",
        {
            "old_password": "Temporary-Pass-77",
            "new_password1": "simplepass",
            "new_password2": "simplepass",
        },
    )
    assert weak.status_code == 200 and "至少包含" in weak.content.decode()
    changed, stop = captured(signals.password_changed)
    try:
        done = client.post(
            "/accounts/password/?next=/overview/",
            {
                "old_password": "Temporary-Pass-77",
                "new_password1": "Another-Pass-2027",
                "new_password2": "Another-Pass-2027",
                "next": "/overview/",
            },
        )
    finally:
        stop()
    assert done["Location"] == "/overview/"
    assert client.get("/overview/").status_code == 200
    profile = Profile.objects.get(user=filler)
    assert not profile.must_change_password
    assert timezone.now() - profile.password_changed_at < timedelta(minutes=1)
    assert [(e["target"], e["by_administrator"]) for e in changed] == [(filler, False)]


def test_an_old_password_must_be_changed(settings, filler):
    settings.PERFEVAL_PASSWORD_MAX_AGE_DAYS = 90
    Profile.objects.filter(user=filler).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    client = logged_in(filler)
    assert client.get("/overview/")["Location"].startswith("/accounts/password/")
    assert "超过 90 天" in client.get("/accounts/password/").content.decode()
    settings.PERFEVAL_PASSWORD_MAX_AGE_DAYS = 0
    assert client.get("/overview/").status_code == 200


def test_a_complete_login_starts_the_password_clock_when_unknown(filler):
    confirmed_totp_device(filler)
    assert Profile.objects.get(user=filler).password_changed_at is None
    login_with_password(Client(), "filler", PERSONA_PASSWORD)
    assert Profile.objects.get(user=filler).password_changed_at is not None


# -- account administration --------------------------------------------------------------------


def test_only_the_administrator_resets_devices_and_unlocks(filler, reviewer, admin_user):
    target = persona("target")
    confirmed_totp_device(target)
    services._recovery_codes(target)
    for user in (filler, reviewer):
        client = logged_in(user)
        assert client.get("/accounts/manage/").status_code == 403
        assert client.post(f"/accounts/manage/{target.pk}/reset-devices/").status_code == 403
        assert client.post(f"/accounts/manage/{target.pk}/unlock/").status_code == 403
    anonymous = Client()
    for url in ("/accounts/manage/", f"/accounts/manage/{target.pk}/unlock/"):
        assert anonymous.post(url)["Location"].startswith("/accounts/login/")
    assert TOTPDevice.objects.filter(user=target).exists()

    admin = logged_in(admin_user)
    assert admin.get(f"/accounts/manage/{target.pk}/reset-devices/").status_code == 405
    reset, stop = captured(signals.devices_reset)
    try:
        assert admin.post(f"/accounts/manage/{target.pk}/reset-devices/").status_code == 302
    finally:
        stop()
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert not StaticToken.objects.filter(device__user=target).exists()
    assert [(e["user"], e["target"]) for e in reset] == [(admin_user, target)]
    # At the next login the user enrolls again.
    client = Client()
    response = client.post("/accounts/login/", {"username": "target", "password": PERSONA_PASSWORD})
    assert response["Location"].startswith("/accounts/enroll/")


def test_a_reset_device_no_longer_verifies_a_live_session(filler, admin_user):
    client = logged_in(filler)
    assert client.get("/overview/").status_code == 200
    services.reset_devices(type("R", (), {"user": admin_user})(), filler)
    assert client.get("/overview/")["Location"].startswith("/accounts/enroll/")


def test_the_administrators_navigation_offers_the_accounts_page(filler, admin_user):
    assert 'href="/accounts/manage/"' in logged_in(admin_user).get("/sheets/").content.decode()
    assert 'href="/accounts/manage/"' not in logged_in(filler).get("/sheets/").content.decode()
    assert 'href="/accounts/password/"' in logged_in(filler).get("/sheets/").content.decode()


# -- the demo ----------------------------------------------------------------------------------


def test_totp_code_prints_the_current_code_only_when_debug_or_forced(settings, filler, capsys):
    device = confirmed_totp_device(filler)
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("totp_code", "filler")
    call_command("totp_code", "filler", "--force")
    assert capsys.readouterr().out.strip() == current_totp(device)
    with pytest.raises(CommandError):
        call_command("totp_code", "nobody-here", "--force")


def test_the_demo_accounts_have_known_keys_and_a_compliant_password(db):
    from io import StringIO

    from projects.management.commands.load_demo import DEMO_PASSWORD, DEMO_TOTP_KEYS
    from tests.conftest import ensure_catalogue

    ensure_catalogue()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "totp_code" in out.getvalue()
    for username, key in DEMO_TOTP_KEYS.items():
        user = User.objects.get(username=username)
        validate_password(DEMO_PASSWORD, user)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert services.base32_secret(device).replace(" ", "") == key
    assert login_with_password(Client(), "filler", DEMO_PASSWORD)["Location"] == "/"
