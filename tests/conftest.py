from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "projects" / "seed" / "shanghai-2023.txt"


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_sheets(db):
    """The 11 seed sheets imported as year 2023, as `load_demo` and `import_sheets` do."""
    from django.core.management import call_command

    from projects.models import Sheet

    call_command("import_sheets", str(SEED), "--year", "2023", stdout=open("/dev/null", "w"))
    return Sheet.objects.all()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The demo of `load_demo`: 11 seed sheets of 上海市人才服务中心, one sheet of
    示范区公共服务中心, and the accounts admin, reviewer, filler, filler_other."""
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.fixture
def filler(demo):
    return _user("filler")


@pytest.fixture
def filler_other(demo):
    return _user("filler_other")


@pytest.fixture
def reviewer(demo):
    return _user("reviewer")


@pytest.fixture
def admin_user(demo):
    return _user("admin")


@pytest.fixture
def client_for(client):
    """A logged-in test client for a persona (None stays anonymous)."""

    def _client(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings):
    """Background tasks run at once in tests; test_exports also runs the database queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
