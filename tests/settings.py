"""Settings for the test suite: the app's own settings, with what a test run needs.

DEBUG stays off, as in production (the app refuses to run without a secret key then), so the
suite gets a random key of its own unless one is given. Cookies are not marked Secure: the
browser tests talk plain HTTP to Django's live server.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-" + secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")

from perfeval.settings import *  # noqa: E402,F403
