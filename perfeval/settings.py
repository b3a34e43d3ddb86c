"""Settings for perfeval, read from the environment.

DATABASE_URL (default: SQLite file in the project root), DJANGO_SECRET_KEY, DJANGO_DEBUG,
DJANGO_ALLOWED_HOSTS. DEBUG is off unless asked for (`make run` asks for it). The insecure
development key only applies while DEBUG is on; with DEBUG off the app refuses to start
without a real key.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's form widget templates, found by the project's engine (FORM_RENDERER below).
    "django.forms",
    "csp",
    "rules",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "crispy_forms",
    "crispy_bootstrap5",
    # Two factors and the lock-out (projects/accounts): TOTP and recovery codes, failed logins.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "indicators",
    "projects",
]

MIDDLEWARE = [
    # First: every response, error pages included, carries the request id (X-Request-ID).
    "perfeval.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "perfeval.security.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    # The public pages (随决算公开) leave without a cookie: outside the session, language,
    # CSRF and messages middlewares, it sees their responses last.
    "projects.publication.middleware.PublicResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "perfeval.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor
    # The audit log: the request for its receivers; permission refusals recorded.
    "projects.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends replaced and idle sessions; gates the second factor and forced password changes.
    "projects.accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a lock-out found during the view into the login page's refusal.
    "axes.middleware.AxesMiddleware",
]

# Object permissions (who may do what to which sheet) are `rules` predicates built from the
# workflow's action table: projects/access.py.
AUTHENTICATION_BACKENDS = [
    # First: refuses any login of a locked-out account (django-axes; it needs the request,
    # so tests log in through tests/helpers.py, never client.login()).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "perfeval.urls"
# Widgets render through the project's templates, so that templates/django/forms/ can mark an
# option naming a database object as Chinese content (lang="zh-Hans").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.access.navigation",
                "projects.accounts.context.idle_timeout",
            ],
        },
    },
]

WSGI_APPLICATION = "perfeval.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # The policy: 10 characters, three of lower/upper/digit/symbol, not the user name.
    {
        "NAME": "projects.accounts.validators.ComplexityValidator",
        "OPTIONS": {"min_length": 10, "min_classes": 3},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# -- Authentication to MLPS level 3 (projects/accounts; docs/decisions.md) ---------------------
# Two factors for everyone (password + TOTP). DJANGO_REQUIRE_2FA=false turns the second factor
# off (never on a real server; the demo keeps it on, with known TOTP keys: make run).
PERFEVAL_REQUIRE_2FA = env_bool("DJANGO_REQUIRE_2FA", True)
# A password older than this must be changed at the next request (0: never).
PERFEVAL_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DJANGO_PASSWORD_MAX_AGE_DAYS", "90"))
# A session without a request for this long ends (background polling does not count).
PERFEVAL_IDLE_TIMEOUT_MINUTES = float(os.environ.get("DJANGO_IDLE_TIMEOUT_MINUTES", "30"))
OTP_TOTP_ISSUER = "perfeval"
# Lock-out (django-axes): AXES_FAILURE_LIMIT failed logins (a wrong password or a wrong code)
# in a row lock the ACCOUNT (per user name, whatever the address) for the cool-off; a
# complete login resets the count; the 管理员 unlocks at /accounts/manage/.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = False  # reset by projects.accounts.services.complete_login instead
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the wait shown does not move
AXES_CLIENT_IP_CALLABLE = "perfeval.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "projects.accounts.views.lockout_response"
AXES_VERBOSE = False
# Login attempts are security records: the 审计员 reads them in the audit log; the 管理员's
# admin site does not show them (separation of duties), and unlocks on /accounts/manage/.
AXES_ENABLE_ADMIN = False
# axes.W006 asks for the address among the lock-out parameters. Locking the account whatever
# the address is the MLPS reading (a botnet rotating addresses still locks it); the price, that
# anyone can lock an account for the cool-off, is documented in docs/decisions.md.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (batch exports) runs through Django's tasks API (the django-tasks backport)
# with its database backend: `python manage.py db_worker` works the queue.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PERFEVAL_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Evidence files: PDF, images and Office documents, served only through a permission check.
EVIDENCE_MAX_BYTES = int(os.environ.get("PERFEVAL_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Limits: what one request or one job may cost the server (docs/rules.md, Limits) ---
# Imports: an .xlsx is refused above PERFEVAL_IMPORT_MAX_BYTES (checked from its size before
# reading), when its entries expand past PERFEVAL_IMPORT_MAX_UNZIPPED_BYTES or one entry above
# 1 MiB expands more than PERFEVAL_IMPORT_MAX_RATIO times, or when a worksheet claims a cell
# beyond the worksheet box (rows × columns) — all before openpyxl reads it.
PERFEVAL_IMPORT_MAX_BYTES = int(os.environ.get("PERFEVAL_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
PERFEVAL_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("PERFEVAL_IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)
)
PERFEVAL_IMPORT_MAX_RATIO = int(os.environ.get("PERFEVAL_IMPORT_MAX_RATIO", 200))
PERFEVAL_WORKSHEET_MAX_ROWS = int(os.environ.get("PERFEVAL_WORKSHEET_MAX_ROWS", 2000))
PERFEVAL_WORKSHEET_MAX_COLUMNS = int(os.environ.get("PERFEVAL_WORKSHEET_MAX_COLUMNS", 60))
# Pasted text (and the text a workbook becomes), in characters.
PERFEVAL_PASTE_MAX_CHARS = int(os.environ.get("PERFEVAL_PASTE_MAX_CHARS", 200_000))
# Indicator rows per sheet: the editor's formset maximum and the import's refusal.
PERFEVAL_MAX_ROWS = int(os.environ.get("PERFEVAL_MAX_ROWS", 300))
# The editor posts about 17 fields per row (tests/projects/test_limits.py checks the bound)
# plus the header, funds and management fields; Django's default cap (1000) allowed 58 rows.
EDITOR_FIELDS_PER_ROW = 20
DATA_UPLOAD_MAX_NUMBER_FIELDS = EDITOR_FIELDS_PER_ROW * PERFEVAL_MAX_ROWS + 200
# Uploads above this are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Batch exports: queued or running jobs per user, and the silence after which a running job
# has lost its worker and is marked failed.
PERFEVAL_MAX_ACTIVE_EXPORTS = int(os.environ.get("PERFEVAL_MAX_ACTIVE_EXPORTS", 3))
PERFEVAL_EXPORT_STALE_SECONDS = int(os.environ.get("PERFEVAL_EXPORT_STALE_SECONDS", 300))
# PDFs (projects/exports/pdf.py, pdf_cache.py): worker processes of a batch (each renders one
# sheet at a time), and the cache of rendered PDFs — its directory (empty: MEDIA_ROOT/pdf-cache;
# shared storage when several servers run) and its bound, least recently used evicted first.
PERFEVAL_PDF_WORKERS = int(os.environ.get("PERFEVAL_PDF_WORKERS", min(2, os.cpu_count() or 1)))
PERFEVAL_PDF_CACHE_DIR = os.environ.get("PERFEVAL_PDF_CACHE_DIR", "")
PERFEVAL_PDF_CACHE_MAX_BYTES = int(
    os.environ.get("PERFEVAL_PDF_CACHE_MAX_BYTES", 512 * 1024 * 1024)
)
# --- end of limits ---

# Which forwarded header names the real client, set by the trusted reverse proxy (the audit log
# and the lock-out both use it: perfeval/client_ip.py). Empty: REMOTE_ADDR, no header believed.
PERFEVAL_PROXY_IP_HEADER = os.environ.get("DJANGO_PROXY_IP_HEADER", "")
PERFEVAL_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))

# --- The audit log (projects/audit; docs/decisions.md) ---
# Records are kept at least this many days; `manage.py prune_audit` refuses anything younger,
# and no value under 180 (MLPS level 3: six months) is accepted.
PERFEVAL_AUDIT_RETENTION_DAYS = int(os.environ.get("PERFEVAL_AUDIT_RETENTION_DAYS", "180"))
if PERFEVAL_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("PERFEVAL_AUDIT_RETENTION_DAYS must be at least 180")
# A checkpoint of the chain's head every N records (besides `manage.py audit_checkpoint`).
PERFEVAL_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("PERFEVAL_AUDIT_CHECKPOINT_EVERY", "1000"))
# --- end of the audit log ---

# --- Logging: to stderr (containers collect it), each line with its request id -------------
# perfeval.middleware gives every request an id (X-Request-ID), perfeval/request_id.py every
# log record its `request_id`; django.request logs server errors with their traceback, the
# app's loggers (perfeval, projects, indicators) log from INFO up (DJANGO_LOG_LEVEL).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "perfeval.request_id.RequestIdFilter"}},
    "formatters": {
        "with_request_id": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "with_request_id",
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        **{
            name: {"level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")}
            for name in ("perfeval", "projects", "indicators")
        },
    },
}
# --- end of logging ---

# --- Mail: the reminders (manage.py send_reminders; docs/reminders.md) ---
# DJANGO_EMAIL_BACKEND names a backend outright; otherwise SMTP when DJANGO_EMAIL_HOST is set,
# else the console backend (the demo: mails are printed, nothing leaves the machine).
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "perfeval@localhost")
# The site's address as users reach it: the links in the reminder e-mails start with it.
PERFEVAL_SITE_URL = os.environ.get("PERFEVAL_SITE_URL", "http://127.0.0.1:8000")
# --- end of mail ---

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# History is read, never reverted from the admin: a revert would bypass the workflow, the
# version check and the audit log.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Security headers, HTTPS and key rotation (item 7; docs/deployment.md) -----------------
# Old secret keys still accepted for signed data (sessions, password-reset links) while a new
# DJANGO_SECRET_KEY takes over: comma-separated, newest first; empty them after a session age.
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]

# Content Security Policy (django-csp 4): the app's own origin only; no inline script or style,
# no eval (htmx is told not to eval or inject its indicator styles: the htmx-config meta tag in
# templates/base.html). Inline SVG and data: images (QR codes) are allowed as images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Headers on every response (Django's SecurityMiddleware, XFrameOptionsMiddleware and
# perfeval/security.py, which also sends Cache-Control: no-store and the Permissions-Policy).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script reads the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Behind a TLS-terminating proxy: the header that proxy sets to say the request came over HTTPS,
# as a META key, e.g. HTTP_X_FORWARDED_PROTO (nginx: proxy_set_header X-Forwarded-Proto $scheme).
# Set it only when the proxy always overwrites that header; clients could forge it otherwise.
_proxy_ssl_header = os.environ.get("DJANGO_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https")

# DJANGO_HTTPS=true: the site is served over HTTPS only. Plain-HTTP requests are redirected
# (except the container health check, which stays inside the container network), browsers are
# told to use HTTPS for a year on this host and its subdomains (HSTS), cookies are Secure.
HTTPS = env_bool("DJANGO_HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if not SECURE_HSTS_PRELOAD:
        # security.W021 asks for HSTS preload. Preloading is an irreversible, browser-wide
        # commitment made for a whole registrable domain (for a gov.cn host, by the owner of the
        # parent domain, which must itself send the header); the app cannot make it alone.
        # It is an operator's choice: DJANGO_HSTS_PRELOAD=true, and then W021 is not silenced.
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
